FROM alpine
RUN echo ok
RUN <<EOF cat
never closed
  EOF
