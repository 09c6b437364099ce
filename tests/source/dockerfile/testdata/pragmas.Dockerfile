# hadolint global ignore=DL3059
# stockade:ignore-file=STK-DF-0003
FROM ubuntu:24.04
# hadolint ignore=DL3008,DL3015
RUN apt-get update && apt-get install -y curl
# stockade:ignore=STK-DF-0001, STK-DF-0002 -- we need root here
# a plain comment between the pragma and the instruction
USER root
#hadolint ignore = DL3002 # trailing comment
USER root
# hadolint ignore=DL3003

RUN cd /tmp
# Hadolint ignore=DL1000
# hadolint ignore DL1000
#   stockade : ignore = STK-DF-0004,STK-DF-0005
RUN true
# hadolint ignore=DL3008
# hadolint ignore=DL3009
# stockade:ignore=STK-DF-0006
RUN apt-get install -y git
