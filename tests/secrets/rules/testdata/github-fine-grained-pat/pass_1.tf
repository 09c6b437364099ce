provider "github" {
  token = "github_pat_5tvdIHmn5d6onkOIanMxcL"
}
