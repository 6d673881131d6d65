# A felund relay image. It holds the single executable that `npm run build:bin` makes
# (dist/felund: program, web client and migrations in one file, linked only against glibc),
# so building the image needs no npm, no Bun and no network beyond the base image:
#
#   npm run build:bin
#   docker build -t felund-relay .
#   docker run -d --name felund-relay -p 8000:8000 -v felund-relay:/data felund-relay
#
# Behind a reverse proxy on the same host: publish on loopback only and trust the proxy,
#   docker run -d ... -p 127.0.0.1:8000:8000 ... felund-relay relay --http 0.0.0.0:8000 --trust-proxy
# (docs/OPERATIONS.md "Docker").
FROM debian:bookworm-slim

# not root: uid/gid 10001 owns only /data (the state dir: relay.sqlite, -wal, -shm, .pid)
RUN install -d -o 10001 -g 10001 -m 0700 /data
COPY --chmod=0755 dist/felund /usr/local/bin/felund
USER 10001:10001
ENV FELUND_STATE_DIR=/data
VOLUME ["/data"]
EXPOSE 8000

# the relay's own liveness route, through bash's /dev/tcp (the image has no curl or wget)
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8000 && printf 'GET /v1/health HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && grep -q '\"ok\":true' <&3"]

# SIGTERM (docker stop) ends it cleanly within 4.5 s, inside docker's 10 s grace
STOPSIGNAL SIGTERM
ENTRYPOINT ["felund"]
CMD ["relay", "--http", "0.0.0.0:8000"]
