# EVAonline runtime image: one image for api, worker, beat, flower and migrate
# (scripts/entrypoint.sh picks the service from SERVICE).
#
# The build context is an assembled directory, not the repository root:
#   backend/                    <- app/backend
#   requirements/production.txt <- app/requirements/production.txt
#   scripts/entrypoint.sh       <- scripts/entrypoint.sh
#   Dockerfile, .dockerignore   <- repository root
# The role assembles it on the target host; by hand:
#   ctx=$(mktemp -d) && cp -r app/. "$ctx"/ && cp Dockerfile .dockerignore "$ctx"/ \
#     && mkdir -p "$ctx/scripts" && cp scripts/entrypoint.sh "$ctx/scripts/"
#   docker buildx build --load -t evaonline-runtime:dev \
#     --secret id=ca,src=/etc/ssl/certs/ca-certificates.crt "$ctx"
# The `ca` secret is optional: pass a CA bundle when pip must trust a TLS-inspecting proxy.

ARG BASE_IMAGE=python:3.13-slim

# --- builder: a venv with the pinned dependencies, wheels only --------------
FROM ${BASE_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
# The venv gets no pip of its own (ensurepip costs seconds of CPU and ~12 MB): the base
# image's pip installs into it with --python. Official python images ship pip.
RUN python3 -m venv --without-pip /opt/venv
# Requirements before code: a code-only change reuses this layer from cache.
COPY requirements/production.txt /tmp/requirements.txt
RUN --mount=type=secret,id=ca,required=false \
    set -eu; \
    if [ -s /run/secrets/ca ]; then set -- --cert /run/secrets/ca; else set --; fi; \
    python3 -m pip --python /opt/venv/bin/python install --no-cache-dir \
      --only-binary=:all: "$@" -r /tmp/requirements.txt

# --- runtime: same base, no compilers, non-root --------------------------------
FROM ${BASE_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    API_PORT=8000 \
    FLOWER_PORT=5555
# useradd (package passwd) is present on both Debian-based official slim and minbase.
RUN useradd --uid 1000 --user-group --no-log-init --no-create-home \
      --home-dir /app --shell /usr/sbin/nologin evaonline
COPY --from=builder /opt/venv /opt/venv
COPY --chmod=0755 scripts/entrypoint.sh /usr/local/bin/entrypoint.sh
WORKDIR /app
# Code is root-owned and read-only for the service user; runtime files go to /tmp.
COPY backend ./backend
RUN python3 -m compileall -q backend
USER 1000
EXPOSE 8000 5555
HEALTHCHECK --interval=15s --timeout=10s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/entrypoint.sh", "health"]
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]

# Labels last: their build args change on every build and would otherwise
# invalidate the cache of every layer after them.
ARG APP_VERSION=0.0.0-dev
ARG SOURCE_URL=""
ARG CONTEXT_HASH=unknown
LABEL org.opencontainers.image.title="evaonline-runtime" \
      org.opencontainers.image.description="EVAonline backend: api, celery worker/beat, flower, migrate" \
      org.opencontainers.image.version="${APP_VERSION}" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.evaonline.context-hash="${CONTEXT_HASH}"
