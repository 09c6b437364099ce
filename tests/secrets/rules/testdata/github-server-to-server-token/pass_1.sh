git clone "https://x-access-token:${GH_APP_TOKEN}@github.com/corp/infra.git"
