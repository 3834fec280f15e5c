# looptrader in a container: build on Debian bookworm, run on a slim image.
#
#   docker build -t looptrader .
#   docker run -d --name lt --stop-timeout 40 --ulimit nofile=65536 \
#       -v $PWD/etc:/etc/looptrader:ro -v lt-state:/var/lib/looptrader \
#       looptrader --config /etc/looptrader/looptrader.conf --report /var/lib/looptrader/report.json
#   docker exec lt looptrader stop alice        # one account (the stop file stays)
#   docker stop lt                              # SIGTERM: a graceful stop of every account
#
# The process runs as uid 10001 (user looptrader).  A users file holding
# secrets must be readable by that uid and private (mode 0600): on the host,
# `chown 10001 users.conf && chmod 600 users.conf` before mounting it, or
# keep the secrets out of files with api_secret_env and `--env-file`
# (README.md, "Docker").
#
# `docker stop` waits 10 s by default before SIGKILL, exactly the default
# stop_timeout_ms: give it more (--stop-timeout 40, compose
# stop_grace_period: 40s) so the graceful sell-off is never cut short.
FROM debian:bookworm AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/
RUN scripts/install-deps.sh
COPY . .
RUN make -j"$(nproc)" all

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
        libcurl4 libwebsockets17 libjansson4 libconfig9 libssl3 libpq5 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/release/bin/looptrader /src/build/release/bin/looptrader-sim /usr/local/bin/
RUN groupadd --system --gid 10001 looptrader \
    && useradd --system --uid 10001 --gid 10001 --home /var/lib/looptrader looptrader \
    && mkdir -p /var/lib/looptrader/state && chown -R 10001:10001 /var/lib/looptrader \
    && chmod 700 /var/lib/looptrader/state
USER 10001:10001
WORKDIR /var/lib/looptrader
VOLUME /var/lib/looptrader
# The default state dir ("state", relative to the work dir) is the one the
# health check asks: healthy while a trader holds its lock.  A run given
# another --state-dir should override HEALTHCHECK to match.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/looptrader", "status", "--state-dir", "/var/lib/looptrader/state"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/looptrader"]
CMD ["--config", "/etc/looptrader/looptrader.conf"]
