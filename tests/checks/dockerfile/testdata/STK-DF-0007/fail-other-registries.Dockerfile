# expect: 7
# expect: 8
# expect: 9
# expect: 10
# expect: 11
# allowed-registries: docker.io, *.example.com, ghcr.io/acme
FROM quay.io/prometheus/node-exporter:v1.8.1
FROM ghcr.io/evil/app:1.0
FROM ghcr.io/acmecorp/app:1.0
FROM registry.example.org/base:1
FROM example.com/base:1
