# expect: 5
# expect: 7
# expect: 10
FROM debian:12.6-slim
RUN cd /tmp && make
RUN make \
 && cd docs && make html
RUN <<EOF
set -e
cd /src
make install
EOF
