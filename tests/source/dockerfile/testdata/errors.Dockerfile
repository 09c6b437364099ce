RUN echo before any FROM
FROM alpine AS 1st
FROM alpine extra words
BOGUS instruction here
COPY onlyone
COPY src <<EOF
EOF
CMD [1, "two"]
CMD ["not", valid json]
SHELL /bin/sh -c
HEALTHCHECK FOO x
HEALTHCHECK NONE extra
ONBUILD ONBUILD RUN x
ONBUILD MAINTAINER me
ENV onlykey
LABEL =value
ARG =x
WORKDIR
RUN echo 'unterminated
EXPOSE
