"""Redis access for the app itself (health, heartbeat), separate from Celery's pool."""

from __future__ import annotations

import redis

from backend.core.config import get_settings

HEARTBEAT_KEY = "evaonline:heartbeat"


def client() -> redis.Redis:
    settings = get_settings()
    return redis.Redis.from_url(
        settings.redis_url,
        socket_connect_timeout=settings.connect_timeout,
        socket_timeout=settings.connect_timeout,
        decode_responses=True,
    )


def ping() -> None:
    """Raise if Redis does not answer PING (wrong password raises too)."""
    with client() as conn:
        conn.ping()


def write_heartbeat(timestamp: str, ttl_seconds: int) -> None:
    with client() as conn:
        conn.set(HEARTBEAT_KEY, timestamp, ex=ttl_seconds)


def read_heartbeat() -> str | None:
    with client() as conn:
        value = conn.get(HEARTBEAT_KEY)
    return value if isinstance(value, str) else None
