# expect: 4
# expect: 5
FROM node:20.15.1-bookworm
RUN yarn add --network-timeout 600000 left-pad
RUN yarn --mutex network:31997 add --cache-folder /tmp/yc express@^4.19.2
