#!/usr/bin/env bash
# EVAonline runtime entrypoint: one image, one service per container, chosen by SERVICE.
#
#   SERVICE=api|worker|beat|flower entrypoint.sh [extra args for the service]
#   SERVICE=migrate entrypoint.sh [migration command, e.g. alembic upgrade head]
#   entrypoint.sh health      # container health check for the current SERVICE
#
# Extra arguments are appended to the service's command line; for migrate they are the
# command itself (default: python3 -m $MIGRATE_MODULE). The service process replaces
# this shell (exec), so SIGTERM from `docker stop` reaches it directly.
set -euo pipefail

readonly VALID_SERVICES="api worker beat flower migrate"

log() { printf 'entrypoint: %s\n' "$*" >&2; }
die() { log "$1"; exit "${2:-1}"; }

# Swarm secrets (cluster mode): NAME_FILE=/run/secrets/<key> sets NAME to that file's
# content, so the secret is in no container's configured environment.
load_secret_files() {
  local var name
  for var in $(compgen -e); do
    case $var in *_FILE) ;; *) continue ;; esac
    case ${!var} in /run/secrets/*) ;; *) continue ;; esac
    name=${var%_FILE}
    [ -r "${!var}" ] || die "$var: ${!var} is not a readable file" 78
    export "$name=$(cat -- "${!var}")"
    unset "$var"
  done
}
load_secret_files

# Defaults suit the bundled app; every one can be overridden from the container environment.
: "${APP_MODULE:=backend.main:app}"
: "${CELERY_APP:=backend.infrastructure.celery.celery_config:celery_app}"
: "${MIGRATE_MODULE:=backend.migrate}"
: "${API_HOST:=0.0.0.0}"
: "${API_PORT:=8000}"
: "${API_WORKERS:=2}"
: "${API_GRACEFUL_TIMEOUT:=25}"
: "${API_HEALTH_PATH:=/api/v1/health}"
: "${WORKER_CONCURRENCY:=2}"
: "${FLOWER_PORT:=5555}"
: "${FLOWER_URL_PREFIX:=}"
: "${LOG_LEVEL:=info}"
: "${WAIT_TIMEOUT:=60}"
: "${HEALTH_TIMEOUT:=8}"
: "${BEAT_SCHEDULE_FILE:=/tmp/celerybeat-schedule}"
: "${BEAT_HEARTBEAT_FILE:=/tmp/celerybeat-heartbeat}"
# Beat health: heartbeat (the bundled app's hook touches BEAT_HEARTBEAT_FILE on every
# task it sends) or schedule (any Celery app: beat is PID 1 and keeps writing its
# schedule file, at least every beat_max_loop_interval, 300 s by default).
: "${BEAT_HEALTH:=heartbeat}"
if [ "$BEAT_HEALTH" = schedule ]; then : "${BEAT_MAX_AGE:=600}"; else : "${BEAT_MAX_AGE:=60}"; fi
# What to wait for before starting: the discrete POSTGRES_*/REDIS_* settings when the
# app reads those, else the URLs (the bundled app's fallbacks).
if [ -n "${POSTGRES_HOST:-}" ]; then
  PG_TARGET=postgresql://${POSTGRES_HOST}:${POSTGRES_PORT:-5432}/
else
  PG_TARGET=${DATABASE_URL:-postgresql://postgres:5432/evaonline}
fi
if [ -n "${REDIS_HOST:-}" ]; then
  BROKER_URL=redis://${REDIS_HOST}:${REDIS_PORT:-6379}/
else
  BROKER_URL=${CELERY_BROKER_URL:-${REDIS_URL:-redis://redis:6379/0}}
fi
# Read by the app's beat hook, which touches the file on every task it sends.
export BEAT_HEARTBEAT_FILE


usage_error() {
  die "SERVICE must be one of: ${VALID_SERVICES// /, } (got '${SERVICE:-}')" 64
}

# Wait until every NAME URL DEFAULT_PORT triple accepts a TCP connection, sharing one
# WAIT_TIMEOUT deadline. URLs are parsed by Python so passwords with odd characters work;
# only host and port are ever printed.
wait_for() {
  if [ "$WAIT_TIMEOUT" = 0 ]; then return 0; fi
  python3 - "$@" <<'PY'
import os
import socket
import sys
import time
from urllib.parse import urlsplit

timeout = float(os.environ["WAIT_TIMEOUT"])
deadline = time.monotonic() + timeout
args = sys.argv[1:]
for name, url, default_port in zip(args[0::3], args[1::3], args[2::3]):
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port or int(default_port)
    except ValueError:
        host = None
    if not host:
        print(f"entrypoint: not waiting for {name}: no TCP host in its URL", file=sys.stderr)
        continue
    print(f"entrypoint: waiting for {name} at {host}:{port} (up to {timeout:g} s)",
          file=sys.stderr)
    while True:
        try:
            with socket.create_connection((host, port), timeout=2):
                break
        except OSError as exc:
            if time.monotonic() >= deadline:
                print(f"entrypoint: {name} at {host}:{port} not reachable after"
                      f" {timeout:g} s (WAIT_TIMEOUT): {exc}", file=sys.stderr)
                sys.exit(69)
            time.sleep(1)
    print(f"entrypoint: {name} at {host}:{port} is up", file=sys.stderr)
PY
}

wait_postgres() { wait_for postgres "$PG_TARGET" 5432; }
wait_redis() { wait_for redis "$BROKER_URL" 6379; }

flower_prefix() {
  local p=${FLOWER_URL_PREFIX#/}
  printf '%s' "${p%/}"
}

# GET a local URL with the standard library (slim images have no curl); 2xx is healthy.
http_ok() {
  python3 - "$1" "$HEALTH_TIMEOUT" <<'PY'
import sys
import urllib.request

url, timeout = sys.argv[1], float(sys.argv[2])
try:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
        sys.exit(0 if 200 <= response.status < 300 else 1)
except Exception as exc:
    print(f"health: {url}: {exc}", file=sys.stderr)
    sys.exit(1)
PY
}

health() {
  case "${SERVICE:-}" in
    api) http_ok "http://127.0.0.1:${API_PORT}${API_HEALTH_PATH}" ;;
    flower)
      local prefix
      prefix=$(flower_prefix)
      http_ok "http://127.0.0.1:${FLOWER_PORT}/${prefix:+$prefix/}healthcheck"
      ;;
    worker)
      # Ask this very worker (default node name celery@<hostname>) to answer a ping.
      timeout "$HEALTH_TIMEOUT" celery -A "$CELERY_APP" inspect ping \
        -d "celery@${HOSTNAME}" --timeout "$((HEALTH_TIMEOUT > 3 ? HEALTH_TIMEOUT - 3 : 1))" \
        >/dev/null
      ;;
    beat) beat_health ;;
    migrate) exit 0 ;;
    *) usage_error ;;
  esac
}

# Age in seconds of the newest of the given files (dbm may add suffixes); none: fail.
newest_age() {
  local newest=0 f t
  for f in "$@"; do
    [ -e "$f" ] || continue
    t=$(stat -c %Y "$f")
    [ "$t" -gt "$newest" ] && newest=$t
  done
  [ "$newest" -gt 0 ] || return 1
  echo $(($(date +%s) - newest))
}

beat_health() {
  local age
  case "$BEAT_HEALTH" in
    heartbeat)
      age=$(newest_age "$BEAT_HEARTBEAT_FILE") || die "health: $BEAT_HEARTBEAT_FILE missing"
      [ "$age" -le "$BEAT_MAX_AGE" ] \
        || die "health: beat heartbeat is ${age}s old (limit BEAT_MAX_AGE=${BEAT_MAX_AGE}s)"
      ;;
    schedule)
      # PID 1 is beat itself (exec); a container whose beat died is already restarting.
      tr '\0' ' ' </proc/1/cmdline | grep -q 'celery.* beat' || die "health: PID 1 is not celery beat"
      age=$(newest_age "$BEAT_SCHEDULE_FILE" "$BEAT_SCHEDULE_FILE".*) \
        || die "health: beat schedule file $BEAT_SCHEDULE_FILE missing"
      [ "$age" -le "$BEAT_MAX_AGE" ] \
        || die "health: beat schedule file is ${age}s old (limit BEAT_MAX_AGE=${BEAT_MAX_AGE}s)"
      ;;
    *) die "health: BEAT_HEALTH must be heartbeat or schedule (got '$BEAT_HEALTH')" 64 ;;
  esac
}

run_api() {
  wait_postgres
  wait_redis
  # Several uvicorn workers are several processes: Prometheus metrics must then go
  # through a shared directory that /metrics merges (prometheus-client multiprocess mode).
  if [ "$API_WORKERS" -gt 1 ] && [ -z "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
    export PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus-multiproc
  fi
  if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
    rm -rf "$PROMETHEUS_MULTIPROC_DIR"
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
  fi
  log "starting api $APP_MODULE on ${API_HOST}:${API_PORT} with $API_WORKERS worker(s)"
  exec uvicorn "$APP_MODULE" --host "$API_HOST" --port "$API_PORT" \
    --workers "$API_WORKERS" --log-level "$LOG_LEVEL" --proxy-headers \
    --timeout-graceful-shutdown "$API_GRACEFUL_TIMEOUT" "$@"
}

run_worker() {
  wait_postgres
  wait_redis
  log "starting celery worker for $CELERY_APP, concurrency $WORKER_CONCURRENCY"
  exec celery -A "$CELERY_APP" worker --loglevel "$LOG_LEVEL" \
    --concurrency "$WORKER_CONCURRENCY" --hostname "celery@${HOSTNAME}" "$@"
}

run_beat() {
  wait_redis
  # A heartbeat left by a previous run of this container must not vouch for this one.
  rm -f "$BEAT_HEARTBEAT_FILE"
  log "starting celery beat for $CELERY_APP, schedule in $BEAT_SCHEDULE_FILE"
  exec celery -A "$CELERY_APP" beat --loglevel "$LOG_LEVEL" \
    --schedule "$BEAT_SCHEDULE_FILE" "$@"
}

run_flower() {
  wait_redis
  local prefix
  prefix=$(flower_prefix)
  log "starting flower on :$FLOWER_PORT${prefix:+ under /$prefix}"
  exec celery -A "$CELERY_APP" flower --port="$FLOWER_PORT" --url_prefix="$prefix" "$@"
}

run_migrate() {
  wait_postgres
  if [ $# -eq 0 ]; then set -- python3 -m "$MIGRATE_MODULE"; fi
  log "running migrations ($*)"
  exec "$@"
}

main() {
  if [ "${1:-}" = health ] || [ "${1:-}" = healthcheck ]; then
    health
    exit 0
  fi
  case "${SERVICE:-}" in
    api) run_api "$@" ;;
    worker) run_worker "$@" ;;
    beat) run_beat "$@" ;;
    flower) run_flower "$@" ;;
    migrate) run_migrate "$@" ;;
    *) usage_error ;;
  esac
}

main "$@"
