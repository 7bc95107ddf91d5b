"""Celery tasks: ET0 computation and the periodic heartbeat."""

from __future__ import annotations

import logging
import math
import uuid
from datetime import UTC, datetime

import psycopg

from backend.core.config import get_settings
from backend.core.eto import penman_monteith_daily
from backend.infrastructure import database, redis_client
from backend.infrastructure.celery.celery_config import (
    COMPUTE_ETO_TASK,
    HEARTBEAT_TASK,
    celery_app,
)
from backend.schemas import EtoRequest

log = logging.getLogger(__name__)


# Postgres down (restarting, failing over) is transient: retry with backoff rather than
# lose a queued request. Storing the result twice is harmless.
@celery_app.task(
    name=COMPUTE_ETO_TASK,
    autoretry_for=(psycopg.OperationalError,),
    retry_backoff=1,
    retry_backoff_max=15,
    retry_jitter=False,
    max_retries=40,
)
def compute_eto(request_id: str) -> float | None:
    """Load a pending request, compute ET0 and store the value (or the error)."""
    store = database.EtoStore()
    rid = uuid.UUID(request_id)
    row = store.get(rid)
    if row is None:
        log.warning("ET0 request %s not found", request_id)
        return None
    try:
        weather = EtoRequest.model_validate(row["payload"]).to_weather()
        value = penman_monteith_daily(weather).eto
        if not math.isfinite(value):
            raise ValueError(f"ET0 is not a finite number: {value}")
    except ValueError as exc:
        # Bad data will not get better on retry: record it and finish.
        store.fail(rid, str(exc))
        return None
    store.complete(rid, value)
    return value


@celery_app.task(name=HEARTBEAT_TASK)
def heartbeat() -> str:
    """Prove the worker reaches Redis and Postgres; beat schedules this every interval."""
    now = datetime.now(UTC).isoformat()
    ttl = max(1, round(get_settings().heartbeat_interval * 4))
    redis_client.write_heartbeat(now, ttl)
    database.record_heartbeat("worker")
    return now
