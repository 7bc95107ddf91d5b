"""Celery wiring: beat schedule, registered tasks, beat liveness file, visibility timeout."""

from __future__ import annotations

from pathlib import Path

import pytest
from backend.infrastructure.celery import celery_config, tasks


def test_beat_schedule_runs_heartbeat_often() -> None:
    entry = celery_config.celery_app.conf.beat_schedule["heartbeat"]
    assert entry["task"] == celery_config.HEARTBEAT_TASK
    assert 5 <= entry["schedule"] <= 30


def test_tasks_registered() -> None:
    registered = celery_config.celery_app.tasks
    assert celery_config.COMPUTE_ETO_TASK in registered
    assert celery_config.HEARTBEAT_TASK in registered


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


def test_killed_worker_hands_tasks_back_before_an_hour() -> None:
    conf = celery_config.celery_app.conf
    visibility = conf.broker_transport_options["visibility_timeout"]
    assert conf.task_time_limit + tasks.compute_eto.retry_backoff_max < visibility < 3600
