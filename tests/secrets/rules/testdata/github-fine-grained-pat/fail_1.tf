provider "github" {
  owner = "corp"
  token = "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"
}
