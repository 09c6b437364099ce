# expect: 7
# expect: 9
# expect: 10
# expect: 11
# expect: 12
FROM ubuntu:24.04
RUN sudo apt-get update
RUN make \
 && sudo -E make install
RUN ["sudo", "make", "install"]
ONBUILD RUN sudo chown app /data
RUN DEBIAN_FRONTEND=noninteractive sudo apt-get install -y make=4.3-4.1build1
