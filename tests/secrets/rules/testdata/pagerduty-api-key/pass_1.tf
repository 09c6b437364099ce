variable "pagerduty_token" {
  default = ""
}
