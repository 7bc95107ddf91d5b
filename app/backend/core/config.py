"""Settings read from the environment at call time, so tests can change them."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "postgresql://evaonline:evaonline@postgres:5432/evaonline"
DEFAULT_REDIS_URL = "redis://redis:6379/0"


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str
    broker_url: str
    result_backend: str
    connect_timeout: float
    heartbeat_interval: float
    beat_heartbeat_file: str


def _float_env(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else default


def get_settings() -> Settings:
    broker = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    return Settings(
        database_url=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        # The app's own Redis use (health, heartbeat) shares the broker unless told otherwise.
        redis_url=os.environ.get("REDIS_URL") or broker,
        broker_url=broker,
        result_backend=os.environ.get("CELERY_RESULT_BACKEND") or broker,
        # Postgres forks a backend per connection: on a busy 2-core host 2 s proved too short
        # (one 503 in thousands under load). 4 s each keeps health within Docker's 10 s timeout.
        connect_timeout=_float_env("DEPENDENCY_TIMEOUT", 4.0),
        heartbeat_interval=_float_env("HEARTBEAT_INTERVAL", 15.0),
        beat_heartbeat_file=os.environ.get("BEAT_HEARTBEAT_FILE") or "/tmp/celerybeat-heartbeat",  # noqa: S108
    )
