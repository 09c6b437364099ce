ARG REGISTRY=docker.io
ARG IMAGE="library/node" VERSION
ARG TAG=${VERSION:-20}-alpine
FROM ${REGISTRY}/${IMAGE}:${TAG} AS Base
LABEL maintainer="Jane Doe <jane@example.com>" version=1.0 description='a "quoted" label'
LABEL legacy value with spaces
ENV NODE_ENV=production PATH="/app/node_modules/.bin:$PATH" EMPTY=
ENV LEGACY_FORM some value
MAINTAINER Jane Doe
WORKDIR /app
USER node:node
EXPOSE 3000 9229/udp
VOLUME /data /cache
VOLUME ["/logs"]
STOPSIGNAL SIGINT
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN set -o pipefail && curl -fsSL https://example.com | bash
HEALTHCHECK --interval=10s --timeout=2s --start-period=5s --retries=3 CMD ["node", "healthcheck.js"]
ONBUILD COPY . /app/src
ONBUILD RUN --mount=type=cache,target=/root/.npm npm ci
ENTRYPOINT ["docker-entrypoint.sh"]
CMD node server.js

from base as TEST
healthcheck NONE
cmd ["npm", "test"]

FROM ${NOT_DECLARED:-scratch}
SHELL ["powershell", "-Command"]
RUN Get-ChildItem -Path C:\ | Select-Object Name
