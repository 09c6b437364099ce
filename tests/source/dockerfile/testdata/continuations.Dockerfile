FROM alpine:3.20
RUN apk add --no-cache \
        curl \
# a comment line inside the continuation is dropped
        git \

        jq  \   
    && echo "done"
RUN echo one\\
RUN echo two \
