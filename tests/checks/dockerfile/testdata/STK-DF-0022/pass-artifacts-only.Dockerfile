FROM golang:1.22.5 AS build
RUN go build -o /out/app ./cmd/app
FROM scratch AS flat
COPY --from=build / /
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
COPY --from=flat /etc/ssl/certs/ /etc/ssl/certs/
