# expect: 4
# expect: 5
FROM alpine:3.20
RUN apk add --no-cache openssh=9.7_p1-r4
RUN apk add --no-cache dropbear
