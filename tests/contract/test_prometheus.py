"""Contract of the prom/prometheus:v2.53 double: ready, scrapes itself, promtool."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests
from docker.models.containers import Container

from .support import PROMETHEUS, Fixtures, exec_out, ip_on, wait_for


@pytest.fixture(scope="module")
def prom(fixtures: Fixtures, pull_double: Callable[[str], str]) -> Container:
    # Default command and shipped config, data on a named volume as in compose.
    return fixtures.start(
        pull_double(PROMETHEUS),
        "prometheus",
        volumes={fixtures.volume("prom-data").name: {"bind": "/prometheus", "mode": "rw"}},
    )


@pytest.fixture(scope="module")
def base_url(prom: Container, fixtures: Fixtures) -> str:
    url = f"http://{ip_on(prom, fixtures.network)}:9090"

    def ready() -> bool:
        try:
            return requests.get(f"{url}/-/ready", timeout=5).status_code == 200
        except requests.ConnectionError:
            return False

    wait_for(ready, 40, "prometheus /-/ready")
    return url


def test_scrapes_itself(base_url: str) -> None:
    def up() -> str | None:
        data = requests.get(
            f"{base_url}/api/v1/query", params={"query": 'up{job="prometheus"}'}, timeout=5
        ).json()
        assert data["status"] == "success", data
        result = data["data"]["result"]
        return result[0]["value"][1] if result else None

    # First scrape comes within one scrape_interval (15 s) of startup.
    assert wait_for(up, 45, 'a sample of up{job="prometheus"}', interval=1) == "1"


def test_promtool_and_runtime(prom: Container, base_url: str) -> None:
    code, out = exec_out(prom, ["promtool", "check", "config", "/etc/prometheus/prometheus.yml"])
    assert code == 0, out
    assert "SUCCESS" in out
    code, out = exec_out(prom, ["sh", "-c", "readlink -f /proc/1/exe; id -u; ls /prometheus"])
    assert code == 0, out
    exe, uid, *data = out.split()
    assert exe.endswith("/prometheus")
    assert uid == "65534"
    assert "wal" in data  # the TSDB lives on the /prometheus volume
    flags = requests.get(f"{base_url}/api/v1/status/flags", timeout=5).json()["data"]
    assert flags["config.file"] == "/etc/prometheus/prometheus.yml"
    assert flags["storage.tsdb.path"] == "/prometheus"
