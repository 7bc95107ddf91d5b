"""Settings: the Celery broker and result backend come from the environment."""

from __future__ import annotations

import pytest
from backend.core.config import get_settings


def test_broker_and_backend_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://:pw@redis:6379/0")
    monkeypatch.setenv("CELERY_RESULT_BACKEND", "redis://:pw@redis:6379/1")
    monkeypatch.delenv("REDIS_URL", raising=False)
    settings = get_settings()
    assert settings.broker_url.endswith("/0")
    assert settings.result_backend.endswith("/1")
    assert settings.redis_url == settings.broker_url
