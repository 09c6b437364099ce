FROM ubuntu:24.04
RUN apt-get update && apt-get install -y --no-install-recommends sudo=1.9.15p5-3ubuntu5 && rm -rf /var/lib/apt/lists/*
RUN echo "sudo is installed, not used"
RUN gosu app true
RUN grep sudo /etc/group
