"""Testinfra checks for the docker role on a Debian 13 (trixie) DinD host."""

from __future__ import annotations

import json
import re
from typing import Any

REGISTRY_IMAGE = "evaonline-registry:5000/evaonline-test/redis:7"


def _version_tuple(text: str) -> tuple[int, ...]:
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    assert match, f"no version number in {text!r}"
    return tuple(int(part or 0) for part in match.groups())


def test_daemon_active_and_enabled(host: Any) -> None:
    service = host.service("docker")
    assert service.is_running
    assert service.is_enabled


def test_compose_v2_at_least_2_18(host: Any) -> None:
    version = host.check_output("docker compose version --short")
    assert _version_tuple(version) >= (2, 18, 0), version


def test_buildx_works(host: Any) -> None:
    assert host.run("docker buildx version").rc == 0


def test_python_docker_sdk_installed(host: Any) -> None:
    for package in ("python3-docker", "python3-requests"):
        assert host.package(package).is_installed


def test_daemon_json_applied(host: Any) -> None:
    info = json.loads(host.check_output("docker info --format '{{json .}}'"))
    assert info["LoggingDriver"] == "json-file"
    assert info["LiveRestoreEnabled"] is True
    assert "evaonline-registry:5000" in info["RegistryConfig"]["IndexConfigs"]
    daemon = json.loads(host.file("/etc/docker/daemon.json").content_string)
    assert daemon["log-opts"] == {"max-size": "10m", "max-file": "3"}
    assert daemon["bip"] == "10.123.0.1/24"
    assert "10.123.0.1/24" in host.check_output("ip -4 -o addr show docker0")


def test_log_opts_reach_containers(host: Any) -> None:
    host.run("docker rm -f logcheck")
    host.check_output(f"docker create --name logcheck {REGISTRY_IMAGE}")
    raw = host.check_output("docker inspect --format '{{json .HostConfig.LogConfig}}' logcheck")
    config = json.loads(raw)
    host.check_output("docker rm -f logcheck")
    assert config == {"Type": "json-file", "Config": {"max-size": "10m", "max-file": "3"}}


def test_deployer_in_docker_group(host: Any) -> None:
    assert "docker" in host.user("deployer").groups
    result = host.run("sudo -u deployer docker ps")
    assert result.rc == 0, result.stderr


def test_pull_from_local_registry(host: Any) -> None:
    host.run(f"docker rmi -f {REGISTRY_IMAGE}")
    assert host.run(f"docker image inspect {REGISTRY_IMAGE}").rc != 0
    host.check_output(f"docker pull -q {REGISTRY_IMAGE}")
    assert host.run(f"docker image inspect {REGISTRY_IMAGE}").rc == 0


def test_container_runs(host: Any) -> None:
    host.run("docker rm -f runcheck")
    host.check_output(f"docker run -d --name runcheck {REGISTRY_IMAGE}")
    try:
        state = host.check_output("docker inspect --format '{{.State.Running}}' runcheck")
        assert state == "true"
    finally:
        host.run("docker rm -f runcheck")
