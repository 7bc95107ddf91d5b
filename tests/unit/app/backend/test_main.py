"""HTTP API and health endpoint of backend/main.py.

The API with the store and queue replaced: validation (422), happy path, metrics. Health: 200
when both dependencies answer, 503 naming the one that does not.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from backend import main
from backend.infrastructure import database, redis_client
from fao56 import BRUSSELS_REQUEST
from fastapi.testclient import TestClient

VALID = BRUSSELS_REQUEST


class FakeStore:
    """In-memory stand-in for database.EtoStore."""

    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, dict[str, Any]] = {}

    def create(self, payload: dict[str, Any]) -> uuid.UUID:
        rid = uuid.uuid4()
        now = datetime.now(UTC)
        self.rows[rid] = {
            "id": rid,
            "status": "pending",
            "payload": payload,
            "eto_mm_day": None,
            "error": None,
            "created_at": now,
            "updated_at": now,
        }
        return rid

    def get(self, request_id: uuid.UUID) -> dict[str, Any] | None:
        return self.rows.get(request_id)

    def complete(self, request_id: uuid.UUID, eto_mm_day: float) -> None:
        self.rows[request_id].update(status="done", eto_mm_day=eto_mm_day)

    def fail(self, request_id: uuid.UUID, error: str) -> None:
        self.rows[request_id].update(status="failed", error=error)


@pytest.fixture(autouse=True)
def fresh_health() -> None:
    """Each test probes its own dependencies, not a result cached by the one before."""
    main._health_last = None


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def queued() -> list[str]:
    return []


@pytest.fixture
def client(store: FakeStore, queued: list[str]) -> Iterator[TestClient]:
    main.app.dependency_overrides[main.get_store] = lambda: store
    main.app.dependency_overrides[main.get_enqueue] = lambda: queued.append
    try:
        yield TestClient(main.app)
    finally:
        main.app.dependency_overrides.clear()


def _without(*keys: str) -> dict[str, Any]:
    return {k: v for k, v in VALID.items() if k not in keys}


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        ({**VALID, "rh_max": 101}, "rh_max"),
        ({**VALID, "rh_min": -1}, "rh_min"),
        ({**_without("rh_min", "rh_max"), "rh_mean": 130}, "rh_mean"),
        ({**VALID, "tmin": 25.0}, "tmin must not exceed tmax"),
        ({**VALID, "rh_min": 90}, "rh_min must not exceed rh_max"),
        (_without("tmax"), "tmax"),
        (_without("date"), "date"),
        (_without("wind_speed_2m"), "wind_speed_2m"),
        (_without("rh_min", "rh_max"), "humidity is required"),
        (_without("rh_max"), "together"),
        ({**VALID, "rh_mean": 70}, "not both"),
        (_without("sunshine_hours"), "exactly one"),
        ({**VALID, "solar_radiation": 20}, "exactly one"),
        ({**VALID, "sunshine_hours": 17.5}, "exceeds the day length"),
        ({**VALID, "latitude": 91}, "latitude"),
        ({**VALID, "wind_speed_2m": -0.5}, "wind_speed_2m"),
        ({**VALID, "date": "2026-13-40"}, "date"),
        ({**VALID, "tmax": "warm"}, "tmax"),
        ({**VALID, "unexpected": 1}, "unexpected"),
    ],
)
def test_invalid_input_is_422(
    client: TestClient, store: FakeStore, queued: list[str], payload: dict, needle: str
) -> None:
    response = client.post("/api/v1/eto", json=payload)
    assert response.status_code == 422, response.text
    assert needle in response.text
    assert not store.rows
    assert not queued


def test_valid_input_is_stored_and_queued(
    client: TestClient, store: FakeStore, queued: list[str]
) -> None:
    response = client.post("/api/v1/eto", json=VALID)
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "pending"
    assert queued == [body["id"]]
    assert store.rows[uuid.UUID(body["id"])]["payload"]["date"] == "2026-07-06"

    status = client.get(body["url"])
    assert status.status_code == 200
    assert status.json()["status"] == "pending"


def test_rh_mean_and_solar_radiation_accepted(client: TestClient) -> None:
    payload = {**_without("rh_min", "rh_max", "sunshine_hours"), "rh_mean": 73.5}
    response = client.post("/api/v1/eto", json={**payload, "solar_radiation": 22.07})
    assert response.status_code == 202, response.text


def test_unknown_id_is_404(client: TestClient) -> None:
    assert client.get(f"/api/v1/eto/{uuid.uuid4()}").status_code == 404


def test_malformed_id_is_422(client: TestClient) -> None:
    assert client.get("/api/v1/eto/not-a-uuid").status_code == 422


def test_queue_down_is_503_and_request_marked_failed(store: FakeStore) -> None:
    def broken_queue(_: str) -> None:
        raise OSError("connection refused")

    main.app.dependency_overrides[main.get_store] = lambda: store
    main.app.dependency_overrides[main.get_enqueue] = lambda: broken_queue
    try:
        response = TestClient(main.app).post("/api/v1/eto", json=VALID)
    finally:
        main.app.dependency_overrides.clear()
    assert response.status_code == 503
    assert "redis" in response.json()["detail"]
    assert [row["status"] for row in store.rows.values()] == ["failed"]


def test_metrics_exposes_request_counters(client: TestClient) -> None:
    client.post("/api/v1/eto", json=VALID)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'evaonline_http_requests_total{method="POST",route="/api/v1/eto",status="202"}' in text
    assert "evaonline_eto_requests_total" in text


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


def test_health_reuses_a_recent_result(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr(database, "ping", lambda: calls.append("postgres"))
    monkeypatch.setattr(redis_client, "ping", lambda: None)
    monkeypatch.setattr(main, "HEALTH_CACHE_SECONDS", 60.0)
    client = TestClient(main.app)
    assert [client.get("/api/v1/health").status_code for _ in range(3)] == [200, 200, 200]
    assert calls == ["postgres"]
    monkeypatch.setattr(main, "HEALTH_CACHE_SECONDS", 0.0)
    assert client.get("/api/v1/health").status_code == 200
    assert calls == ["postgres", "postgres"]
