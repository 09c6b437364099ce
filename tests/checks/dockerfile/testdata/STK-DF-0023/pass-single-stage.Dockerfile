FROM debian:12.6-slim
RUN apt-get update && apt-get install -y --no-install-recommends gcc=4:12.2.0-3 make=4.3-4.1
