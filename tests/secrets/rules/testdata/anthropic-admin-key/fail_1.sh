curl https://api.anthropic.com/v1/organizations/users \
  --header "x-api-key: sk-ant-admin01-TIY9sjQxBSWdPQmYt4CBgGGZ00RcGrscr65BiXeb6HKGY6uVZdmEhoYxp9oOG6PG9aYufaVjyS6y0N6esyKs1C4C-nfe5AA"
