# expect: 4
# expect: 5
FROM alpine:3.20
WORKDIR app
WORKDIR "src/app"
