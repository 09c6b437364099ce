# expect: 4
FROM debian:12.6-slim AS base
RUN useradd --uid 10001 app
USER root
FROM base AS final
RUN echo built
