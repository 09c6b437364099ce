# escape=x
FROM alpine
RUN echo a \
    b
