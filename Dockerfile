# looptrader in a container: build on Debian bookworm, run on a slim image.
#   docker build -t looptrader .
#   docker run --rm -v $PWD/etc:/etc/looptrader:ro -v lt-state:/var/lib/looptrader \
#       looptrader --config /etc/looptrader/looptrader.conf --state-dir /var/lib/looptrader
FROM debian:bookworm AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/
RUN scripts/install-deps.sh
COPY . .
RUN make -j"$(nproc)" all

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
        libcurl4 libwebsockets17 libjansson4 libconfig9 libssl3 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/release/bin/looptrader /src/build/release/bin/looptrader-sim /usr/local/bin/
RUN useradd --system --home /var/lib/looptrader looptrader && mkdir -p /var/lib/looptrader \
    && chown looptrader /var/lib/looptrader
USER looptrader
WORKDIR /var/lib/looptrader
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/looptrader"]
