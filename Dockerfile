# EVAonline runtime image: one image for api, worker, beat, flower and migrate
# (entrypoint.sh picks the service from SERVICE).
#
# The build context is assembled by the runtime_image role, not the repository root:
#   app/                 <- the app's source (evaonline_app_src), filtered by the app's own
#                           .dockerignore and the collection's
#   build/deps/          <- only the app's dependency files (requirements with their -r/-c
#                           includes, or pyproject.toml, or pyproject.toml + uv.lock), plus
#                           deps.env saying which shape and installer
#   build/entrypoint.sh, build/install-deps.sh  <- scripts/ of this collection
#   Dockerfile           <- this file
# The `ca` build secret is optional: a CA bundle pip and uv trust (a TLS-inspecting proxy).

ARG BASE_IMAGE=python:3.13-slim

# --- builder: a venv with the app's dependencies, wheels only ----------------
FROM ${BASE_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
# The venv gets no pip of its own (ensurepip costs seconds of CPU and ~12 MB): the base
# image's pip (or uv) installs into it. Official python images ship pip.
RUN python3 -m venv --without-pip /opt/venv
# Dependency files before code: a code-only change reuses this layer from cache.
ARG UV_VERSION=0.13.9
COPY build/install-deps.sh /usr/local/bin/install-deps
COPY build/deps /deps
RUN --mount=type=secret,id=ca,required=false \
    sh /usr/local/bin/install-deps /deps /opt/venv

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
COPY --chmod=0755 build/entrypoint.sh /usr/local/bin/entrypoint.sh
WORKDIR /app
# The app is root-owned and read-only for the service user. Only the paths it must
# write (WRITABLE_PATHS, relative to /app) belong to it; the stack mounts a named
# volume or a tmpfs there, which takes that owner.
COPY app/ /app/
ARG WRITABLE_PATHS=""
# Bytecode is an optimisation: a file that does not compile still runs from source.
RUN python3 -m compileall -q /app >/dev/null || echo "compileall: some files did not compile" ; \
    for p in $WRITABLE_PATHS; do mkdir -p "/app/$p" && chown 1000:1000 "/app/$p"; done
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
ARG DEPENDENCIES=""
LABEL org.opencontainers.image.title="evaonline-runtime" \
      org.opencontainers.image.description="EVAonline backend: api, celery worker/beat, flower, migrate" \
      org.opencontainers.image.version="${APP_VERSION}" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.evaonline.context-hash="${CONTEXT_HASH}" \
      org.evaonline.dependencies="${DEPENDENCIES}"
