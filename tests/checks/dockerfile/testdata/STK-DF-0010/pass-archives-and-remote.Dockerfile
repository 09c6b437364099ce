FROM alpine:3.20
ARG ARCHIVE=rootfs.tar.gz
ADD rootfs.tar.xz /
ADD vendor.tgz /opt/vendor/
ADD ${ARCHIVE} /opt/
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/x.bin /x
COPY . /app
