"""Celery application: broker and results on Redis, beat schedule, beat liveness file.

Start with `celery -A backend.infrastructure.celery.celery_config:celery_app worker|beat|flower`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from celery import Celery
from celery.signals import after_task_publish, beat_init

from backend.core.config import get_settings

COMPUTE_ETO_TASK = "backend.eto.compute"
HEARTBEAT_TASK = "backend.heartbeat"

_settings = get_settings()

celery_app = Celery(
    "evaonline",
    broker=_settings.broker_url,
    backend=_settings.result_backend,
    include=["backend.infrastructure.celery.tasks"],
)

celery_app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    timezone="UTC",
    enable_utc=True,
    # A task is acknowledged after it ran, so a worker killed mid-task hands it back.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_time_limit=120,
    task_soft_time_limit=90,
    result_expires=86_400,
    broker_connection_retry_on_startup=True,
    # A task held by a worker killed with SIGKILL returns to the queue after this many
    # seconds (Redis's default is an hour). It must exceed task_time_limit plus retry delays.
    broker_transport_options={"visibility_timeout": 300},
    # Flower builds its view from these events.
    worker_send_task_events=True,
    task_send_sent_event=True,
    beat_schedule={
        "heartbeat": {
            "task": HEARTBEAT_TASK,
            "schedule": _settings.heartbeat_interval,
            # A heartbeat older than two intervals says nothing; drop it rather than run late.
            "options": {"expires": _settings.heartbeat_interval * 2},
        },
    },
)


# Beat liveness: beat touches a file each time it has handed a task to the broker,
# so the container health check can tell a stuck or disconnected beat by the file's age.
_beat_state = {"is_beat": False}


def _touch_beat_file() -> None:
    path = Path(get_settings().beat_heartbeat_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


@beat_init.connect
def _on_beat_init(**_: Any) -> None:
    _beat_state["is_beat"] = True
    _touch_beat_file()


@after_task_publish.connect
def _on_task_published(**_: Any) -> None:
    # The api publishes tasks too; only the beat process owns the file.
    if _beat_state["is_beat"]:
        _touch_beat_file()
