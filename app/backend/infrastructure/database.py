"""Postgres access with psycopg 3: one short connection per unit of work.

A pool would pay off under load; a connection per request keeps the reference
app free of extra moving parts and survives Postgres restarts without tuning.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from backend.core.config import get_settings

# One advisory lock id for schema changes, so replicas that migrate at once queue up.
MIGRATION_LOCK_ID = 4_202_601

SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS eto_requests (
        id          UUID PRIMARY KEY,
        status      TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'done', 'failed')),
        payload     JSONB NOT NULL,
        eto_mm_day  DOUBLE PRECISION,
        error       TEXT,
        created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX IF NOT EXISTS eto_requests_status_idx ON eto_requests (status)",
    # How many times a request was finished: a task run twice (a release that lost a
    # worker's acknowledgement) shows as 2.
    "ALTER TABLE eto_requests ADD COLUMN IF NOT EXISTS finishes INTEGER NOT NULL DEFAULT 0",
    """
    CREATE TABLE IF NOT EXISTS heartbeats (
        name     TEXT PRIMARY KEY,
        beat_at  TIMESTAMPTZ NOT NULL
    )
    """,
)


def libpq_url(url: str) -> str:
    """Accept SQLAlchemy-style URLs (postgresql+psycopg://) as libpq does not."""
    return re.sub(r"^postgres(ql)?\+\w+://", "postgresql://", url)


@contextmanager
def connect() -> Iterator[psycopg.Connection[dict[str, Any]]]:
    settings = get_settings()
    with psycopg.connect(
        libpq_url(settings.database_url),
        connect_timeout=max(1, round(settings.connect_timeout)),
        row_factory=dict_row,
    ) as conn:
        yield conn


def ping() -> None:
    """Raise if Postgres does not answer a trivial query."""
    with connect() as conn:
        conn.execute("SELECT 1")


def migrate() -> None:
    """Create the schema idempotently; safe to run from several containers at once."""
    with connect() as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_ID,))
        for statement in SCHEMA:
            conn.execute(statement)


class EtoStore:
    """Persistence of ET0 requests; the API depends on this so tests can swap it."""

    def create(self, payload: dict[str, Any]) -> uuid.UUID:
        request_id = uuid.uuid4()
        with connect() as conn:
            conn.execute(
                "INSERT INTO eto_requests (id, payload) VALUES (%s, %s)",
                (request_id, Jsonb(payload)),
            )
        return request_id

    def get(self, request_id: uuid.UUID) -> dict[str, Any] | None:
        with connect() as conn:
            return conn.execute(
                "SELECT id, status, payload, eto_mm_day, error, created_at, updated_at"
                " FROM eto_requests WHERE id = %s",
                (request_id,),
            ).fetchone()

    def complete(self, request_id: uuid.UUID, eto_mm_day: float) -> None:
        self._finish(request_id, "done", eto_mm_day, None)

    def fail(self, request_id: uuid.UUID, error: str) -> None:
        self._finish(request_id, "failed", None, error)

    def _finish(
        self, request_id: uuid.UUID, status: str, eto_mm_day: float | None, error: str | None
    ) -> None:
        with connect() as conn:
            conn.execute(
                "UPDATE eto_requests SET status = %s, eto_mm_day = %s, error = %s,"
                " finishes = finishes + 1, updated_at = now() WHERE id = %s",
                (status, eto_mm_day, error, request_id),
            )


def record_heartbeat(name: str) -> None:
    with connect() as conn:
        conn.execute(
            "INSERT INTO heartbeats (name, beat_at) VALUES (%s, now())"
            " ON CONFLICT (name) DO UPDATE SET beat_at = EXCLUDED.beat_at",
            (name,),
        )
