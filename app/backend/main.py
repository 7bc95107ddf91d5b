"""EVAonline HTTP API: health, Prometheus metrics and asynchronous FAO-56 ET0 requests."""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

import psycopg
import redis
from fastapi import Depends, FastAPI, HTTPException, Request, Response, status
from fastapi.responses import JSONResponse
from kombu.exceptions import OperationalError as BrokerError
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prom_multiprocess

from backend import __version__
from backend.infrastructure import database, redis_client
from backend.infrastructure.celery.celery_config import COMPUTE_ETO_TASK, celery_app
from backend.schemas import EtoAccepted, EtoRequest, EtoStatus

log = logging.getLogger("backend.api")

API_PREFIX = "/api/v1"

HTTP_REQUESTS = Counter(
    "evaonline_http_requests_total", "HTTP requests handled", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "evaonline_http_request_duration_seconds", "HTTP request latency", ["method", "route"]
)
ETO_REQUESTS = Counter("evaonline_eto_requests_total", "ET0 requests accepted for computation")

app = FastAPI(title="EVAonline API", version=__version__)


# --- dependencies (overridable in tests) ----------------------------------
Enqueue = Callable[[str], None]


def get_store() -> database.EtoStore:
    return database.EtoStore()


def _send_compute_task(request_id: str) -> None:
    celery_app.send_task(COMPUTE_ETO_TASK, args=[request_id])


def get_enqueue() -> Enqueue:
    return _send_compute_task


StoreDep = Annotated[database.EtoStore, Depends(get_store)]
EnqueueDep = Annotated[Enqueue, Depends(get_enqueue)]


# --- metrics ----------------------------------------------------------------
@app.middleware("http")
async def _record_metrics(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    started = time.perf_counter()
    response = await call_next(request)
    # Label by route template, not raw path, so ids in URLs do not explode cardinality.
    route = request.scope.get("route")
    template = getattr(route, "path", "unmatched")
    HTTP_LATENCY.labels(request.method, template).observe(time.perf_counter() - started)
    HTTP_REQUESTS.labels(request.method, template, str(response.status_code)).inc()
    return response


@app.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    # With several uvicorn workers each process writes its own files; merge them here.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        prom_multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


# --- health -----------------------------------------------------------------
# Health answers from a result at most this old: a probe opens a Postgres connection (a
# forked backend), and under load the health requests alone made Postgres slow to accept.
HEALTH_CACHE_SECONDS = float(os.environ.get("HEALTH_CACHE_SECONDS") or 1.0)
_health_lock = threading.Lock()
_health_last: tuple[float, dict[str, str]] | None = None


def _check(probe: Callable[[], None]) -> str:
    try:
        probe()
    except Exception as exc:  # any failure means "not ready"; the message says which
        return f"error: {type(exc).__name__}: {exc}".strip()
    return "ok"


def _dependency_checks() -> dict[str, str]:
    """Probe Postgres and Redis, or reuse a result younger than HEALTH_CACHE_SECONDS; one
    thread probes while the others wait for its result."""
    global _health_last
    with _health_lock:
        now = time.monotonic()
        if _health_last is not None and now - _health_last[0] < HEALTH_CACHE_SECONDS:
            return _health_last[1]
        checks = {"postgres": _check(database.ping), "redis": _check(redis_client.ping)}
        _health_last = (time.monotonic(), checks)
        return checks


@app.get(f"{API_PREFIX}/health")
def health() -> JSONResponse:
    checks = _dependency_checks()
    failing = sorted(name for name, result in checks.items() if result != "ok")
    body: dict[str, Any] = {"status": "ok" if not failing else "error", "checks": checks}
    body["version"] = __version__
    if failing:
        body["failing"] = failing
        return JSONResponse(body, status_code=status.HTTP_503_SERVICE_UNAVAILABLE)
    body["worker_heartbeat"] = _heartbeat_or_none()
    return JSONResponse(body)


def _heartbeat_or_none() -> str | None:
    try:
        return redis_client.read_heartbeat()
    except redis.RedisError:
        return None


# --- ET0 --------------------------------------------------------------------
@app.post(
    f"{API_PREFIX}/eto",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=EtoAccepted,
)
def submit_eto(body: EtoRequest, store: StoreDep, enqueue: EnqueueDep) -> EtoAccepted:
    try:
        request_id = store.create(body.model_dump(mode="json"))
    except psycopg.Error as exc:
        log.warning("cannot store ET0 request: %s", exc)
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "postgres unavailable") from exc
    try:
        enqueue(str(request_id))
    except (BrokerError, redis.RedisError, OSError) as exc:
        log.warning("cannot queue ET0 request %s: %s", request_id, exc)
        store.fail(request_id, "task queue unavailable")
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "redis unavailable") from exc
    ETO_REQUESTS.inc()
    return EtoAccepted(id=request_id, url=f"{API_PREFIX}/eto/{request_id}")


@app.get(f"{API_PREFIX}/eto/{{request_id}}", response_model=EtoStatus)
def get_eto(request_id: uuid.UUID, store: StoreDep) -> EtoStatus:
    try:
        row = store.get(request_id)
    except psycopg.Error as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "postgres unavailable") from exc
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown ET0 request")
    return EtoStatus.model_validate(row)


@app.get("/", include_in_schema=False)
def root() -> dict[str, str]:
    return {"service": "evaonline-api", "version": __version__, "time": _utc_now()}


def _utc_now() -> str:
    return datetime.now(UTC).isoformat()
