"""Celery wiring: configuration from the environment, tasks, beat liveness file."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from backend.core.config import get_settings
from backend.infrastructure.celery import celery_config, tasks
from fao56 import BRUSSELS_REQUEST


def test_beat_schedule_runs_heartbeat_often() -> None:
    entry = celery_config.celery_app.conf.beat_schedule["heartbeat"]
    assert entry["task"] == celery_config.HEARTBEAT_TASK
    assert 5 <= entry["schedule"] <= 30


def test_broker_and_backend_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://:pw@redis:6379/0")
    monkeypatch.setenv("CELERY_RESULT_BACKEND", "redis://:pw@redis:6379/1")
    monkeypatch.delenv("REDIS_URL", raising=False)
    settings = get_settings()
    assert settings.broker_url.endswith("/0")
    assert settings.result_backend.endswith("/1")
    assert settings.redis_url == settings.broker_url


def test_tasks_registered() -> None:
    registered = celery_config.celery_app.tasks
    assert celery_config.COMPUTE_ETO_TASK in registered
    assert celery_config.HEARTBEAT_TASK in registered


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


def test_beat_touches_liveness_file_only_in_beat(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    marker = tmp_path / "beat" / "heartbeat"
    monkeypatch.setenv("BEAT_HEARTBEAT_FILE", str(marker))
    monkeypatch.setitem(celery_config._beat_state, "is_beat", False)
    celery_config._on_task_published()
    assert not marker.exists()  # the api publishes too, and must not touch it
    celery_config._on_beat_init()
    assert marker.exists()


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


def test_killed_worker_hands_tasks_back_before_an_hour() -> None:
    conf = celery_config.celery_app.conf
    visibility = conf.broker_transport_options["visibility_timeout"]
    assert conf.task_time_limit + tasks.compute_eto.retry_backoff_max < visibility < 3600
