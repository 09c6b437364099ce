gitlab-runner register --non-interactive \
  --url https://gitlab.corp \
  --registration-token GR1348941PZHWxliSk0Rw9S7cC4Yt \
  --executor docker
