FROM debian:12.6-slim
WORKDIR /src
RUN (cd docs && make html)
RUN make -C docs html
RUN echo cd is just a word here
