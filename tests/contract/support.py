"""Helpers and constants shared by the contract tests (imported, unlike conftest)."""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import docker
from docker.errors import NotFound
from docker.models.containers import Container
from docker.models.networks import Network
from docker.models.volumes import Volume

REGISTRY = os.environ.get(
    "EVAONLINE_TEST_REGISTRY_ADDR",
    f"127.0.0.1:{os.environ.get('EVAONLINE_TEST_REGISTRY_PORT', '5000')}",
)
LABELS = {"org.evaonline.test": "fixture"}

PYTHON = "evaonline-test/python:3.13-slim"
POSTGRES = "evaonline-test/postgres:15"
POSTGIS = "evaonline-test/postgis:15-3"
REDIS = "evaonline-test/redis:7"
NGINX = "evaonline-test/nginx:1"
PROMETHEUS = "evaonline-test/prometheus:2.53"

T = TypeVar("T")


def wait_for(probe: Callable[[], T | None], timeout: float, what: str, interval: float = 0.5) -> T:
    """Poll until probe() returns a truthy value; fail with `what` after timeout."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")


def exec_out(container: Container, cmd: list[str] | str, **kwargs: Any) -> tuple[int, str]:
    """Run cmd inside a running container; return (exit code, combined output)."""
    code, out = container.exec_run(cmd, **kwargs)
    return code, out.decode(errors="replace")


def ip_on(container: Container, network: Network) -> str:
    """The container's address on the test network (the host routes to it)."""
    container.reload()
    return container.attrs["NetworkSettings"]["Networks"][network.name]["IPAddress"]


class Fixtures:
    """Creates labelled containers and volumes and removes them on teardown."""

    def __init__(self, client: docker.DockerClient, network: Network) -> None:
        self.client = client
        self.network = network
        self.containers: list[Container] = []
        self.volumes: list[Volume] = []

    def name(self, prefix: str) -> str:
        return f"evaonline-ct-{prefix}-{uuid.uuid4().hex[:8]}"

    def volume(self, prefix: str) -> Volume:
        vol = self.client.volumes.create(name=self.name(prefix), labels=LABELS)
        self.volumes.append(vol)
        return vol

    def start(self, image: str, prefix: str, **kwargs: Any) -> Container:
        """Start a detached container on the test network; its name is its DNS name."""
        kwargs.setdefault("name", self.name(prefix))
        container = self.client.containers.run(
            image,
            detach=True,
            network=self.network.name,
            labels=LABELS,
            **kwargs,
        )
        self.containers.append(container)
        return container

    def run_once(
        self, image: str, command: list[str], timeout: float = 60, **kwargs: Any
    ) -> tuple[int, str]:
        """Run a one-shot client container on the network; return (exit code, logs)."""
        container = self.start(image, "client", command=command, **kwargs)
        try:
            code = container.wait(timeout=timeout)["StatusCode"]
            return code, container.logs().decode(errors="replace")
        finally:
            self.remove(container)

    def remove(self, container: Container) -> None:
        with contextlib.suppress(NotFound):
            container.remove(force=True, v=True)
        if container in self.containers:
            self.containers.remove(container)

    def cleanup(self) -> None:
        for container in reversed(self.containers):
            self.remove(container)
        for vol in self.volumes:
            with contextlib.suppress(NotFound):
                vol.remove(force=True)


# Credentials of the postgres and postgis doubles' contract tests.
PG_USER, PG_PASSWORD, PG_DB = "eva", "s3cret-pw", "evaonline"


def psql(
    fixtures: Fixtures, image: str, host: str, sql: str, password: str = PG_PASSWORD
) -> tuple[int, str]:
    """psql from another container over the network, as an application would connect."""
    return fixtures.run_once(
        image,
        ["psql", "-h", host, "-U", PG_USER, "-d", PG_DB, "-v", "ON_ERROR_STOP=1", "-tAc", sql],
        environment={"PGPASSWORD": password, "PGCONNECT_TIMEOUT": "10"},
    )
