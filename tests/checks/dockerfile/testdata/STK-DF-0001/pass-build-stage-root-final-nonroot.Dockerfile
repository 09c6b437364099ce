FROM rust:1.79 AS build
USER root
RUN cargo build --release
FROM debian:12.6-slim
COPY --from=build /target/release/app /usr/local/bin/app
USER 10001:10001
CMD ["app"]
