"""Health endpoint: 200 when both dependencies answer, 503 naming the one that does not."""

from __future__ import annotations

import pytest
from backend import main
from backend.infrastructure import database, redis_client
from fastapi.testclient import TestClient


@pytest.fixture
def unreachable(monkeypatch: pytest.MonkeyPatch, closed_port: int) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgresql://eva:secret@127.0.0.1:{closed_port}/eva")
    monkeypatch.setenv("REDIS_URL", f"redis://:secret@127.0.0.1:{closed_port}/0")
    monkeypatch.setenv("DEPENDENCY_TIMEOUT", "1")


def test_both_unreachable_is_503_naming_both(unreachable: None) -> None:
    response = TestClient(main.app).get("/api/v1/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["failing"] == ["postgres", "redis"]
    assert body["checks"]["postgres"].startswith("error")


def test_postgres_unreachable_is_503_naming_postgres(
    unreachable: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(redis_client, "ping", lambda: None)
    response = TestClient(main.app).get("/api/v1/health")
    assert response.status_code == 503
    assert response.json()["failing"] == ["postgres"]
    assert response.json()["checks"]["redis"] == "ok"


def test_redis_unreachable_is_503_naming_redis(
    unreachable: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "ping", lambda: None)
    response = TestClient(main.app).get("/api/v1/health")
    assert response.status_code == 503
    assert response.json()["failing"] == ["redis"]


def test_all_reachable_is_200(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(database, "ping", lambda: None)
    monkeypatch.setattr(redis_client, "ping", lambda: None)
    monkeypatch.setattr(redis_client, "read_heartbeat", lambda: "2026-07-06T00:00:00+00:00")
    response = TestClient(main.app).get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["worker_heartbeat"].startswith("2026")
