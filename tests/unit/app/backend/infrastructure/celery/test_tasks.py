"""Celery tasks: ET0 stored, a bad payload recorded, retries while Postgres is down."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from backend.infrastructure.celery import tasks
from fao56 import BRUSSELS_REQUEST


class RecordingStore:
    def __init__(self, payload: dict[str, Any]) -> None:
        self.payload = payload
        self.outcome: tuple[str, Any] | None = None

    def get(self, request_id: uuid.UUID) -> dict[str, Any]:
        return {"id": request_id, "payload": self.payload}

    def complete(self, request_id: uuid.UUID, value: float) -> None:
        self.outcome = ("done", value)

    def fail(self, request_id: uuid.UUID, error: str) -> None:
        self.outcome = ("failed", error)


BRUSSELS = BRUSSELS_REQUEST


def test_compute_task_stores_value(monkeypatch: pytest.MonkeyPatch) -> None:
    store = RecordingStore(BRUSSELS)
    monkeypatch.setattr(tasks.database, "EtoStore", lambda: store)
    value = tasks.compute_eto.run(str(uuid.uuid4()))
    assert store.outcome == ("done", value)
    assert value == pytest.approx(3.9, abs=0.05)


def test_compute_task_records_bad_payload(monkeypatch: pytest.MonkeyPatch) -> None:
    store = RecordingStore({**BRUSSELS, "tmin": 30})
    monkeypatch.setattr(tasks.database, "EtoStore", lambda: store)
    assert tasks.compute_eto.run(str(uuid.uuid4())) is None
    assert store.outcome is not None
    assert store.outcome[0] == "failed"


class PostgresDownOnceStore(RecordingStore):
    """Raises the error psycopg raises while Postgres restarts, then answers."""

    def __init__(self, payload: dict[str, Any], outages: int) -> None:
        super().__init__(payload)
        self.outages = outages

    def get(self, request_id: uuid.UUID) -> dict[str, Any]:
        if self.outages:
            self.outages -= 1
            raise psycopg.OperationalError("connection refused")
        return super().get(request_id)


def test_compute_task_retries_while_postgres_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    store = PostgresDownOnceStore(BRUSSELS, outages=2)
    monkeypatch.setattr(tasks.database, "EtoStore", lambda: store)
    # Eager apply runs each retry at once, so the outage is crossed without waiting.
    result = tasks.compute_eto.apply(args=[str(uuid.uuid4())])
    assert store.outages == 0
    assert store.outcome is not None and store.outcome[0] == "done"
    assert result.get() == pytest.approx(3.9, abs=0.05)
