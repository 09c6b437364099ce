curl https://api.anthropic.com/v1/organizations/users --header "x-api-key: $ANTHROPIC_ADMIN_KEY"
