# expect: 5
FROM golang:1.22.5 AS build
USER 10001
RUN go build -o /out/app ./cmd/app
FROM scratch
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
