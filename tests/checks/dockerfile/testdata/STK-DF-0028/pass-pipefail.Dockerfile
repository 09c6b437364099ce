FROM debian:12.6-slim AS base
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN curl -fsSL https://example.com/tool-1.4.2.tgz | tar -xz -C /opt
FROM base
RUN curl -fsSL https://example.com/other.tgz | tar -xz -C /opt
FROM debian:12.6-slim
RUN set -o pipefail && curl -fsSL https://example.com/tool.tgz | tar -xz -C /opt
RUN set -euxo pipefail; wget -qO- https://example.com/x | sh -s
RUN yes | apt-get install make=4.3-4.1
RUN ["sh", "-c", "echo no pipes"]
RUN <<EOF
set -euo pipefail
echo a | tee /b
EOF
FROM mcr.microsoft.com/powershell:lts-7.4-ubuntu-22.04
SHELL ["pwsh", "-Command"]
RUN Get-ChildItem | Select-Object Name
