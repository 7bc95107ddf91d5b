"""Unit tests for the docker role's filters: the install source and package pins."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ansible_collections.evaonline.deploy.plugins.filter.docker import (
    docker_source,
    docker_source_problems,
    pinned_packages,
)

DEFAULTS = yaml.safe_load(
    (Path(__file__).resolve().parents[4] / "roles/docker/defaults/main.yml").read_text()
)
AUTO = DEFAULTS["docker_install_source_auto"]


def facts(name: str, version: str, family: str) -> dict[str, str]:
    return {
        "distribution": name,
        "distribution_version": version,
        "distribution_major_version": version.split(".")[0],
        "os_family": family,
    }


@pytest.mark.parametrize(
    ("host", "source"),
    [
        (facts("Debian", "13.1", "Debian"), "distro"),
        (facts("Debian", "12.11", "Debian"), "docker_ce"),
        (facts("Ubuntu", "24.04", "Debian"), "distro"),
        (facts("Ubuntu", "22.04", "Debian"), "docker_ce"),
        (facts("Rocky", "9.4", "RedHat"), "docker_ce"),
        (facts("Alpine", "3.20", "Alpine"), "docker_ce"),
    ],
)
def test_auto_picks_by_version_then_major_then_family(host: dict, source: str) -> None:
    assert (
        docker_source("auto", AUTO, DEFAULTS["docker_install_source_auto_default"], host) == source
    )


def test_an_explicit_choice_wins() -> None:
    assert docker_source("distro", AUTO, "docker_ce", facts("Debian", "12", "Debian")) == "distro"


def test_the_table_may_only_name_known_sources() -> None:
    assert docker_source_problems(AUTO, "docker_ce") == []
    assert docker_source_problems({"Debian 12": "snap"}, "apt") == [
        "docker_install_source_auto['Debian 12'] must be distro or docker_ce (got 'snap')",
        "docker_install_source_auto_default must be distro or docker_ce (got 'apt')",
    ]


def test_pins_apply_per_package_then_to_the_engine() -> None:
    pkgs = ["docker.io", "docker-cli", "docker-compose"]
    assert pinned_packages(pkgs, {}, "", ["docker.io"], "=") == pkgs
    assert pinned_packages(
        pkgs, {"docker-compose": "2.26"}, "27.5", ["docker.io", "docker-cli"], "="
    ) == [
        "docker.io=27.5",
        "docker-cli=27.5",
        "docker-compose=2.26",
    ]


def test_packages_missing_compares_dpkg_lines_with_pins():
    from ansible_collections.evaonline.deploy.plugins.filter.docker import packages_missing

    lines = [
        "docker.io=26.1.5+dfsg1-9+b1 installed",
        "docker-compose=2.26.1-4 installed",
        "docker-buildx= not-installed",
        "python3-docker=7.1.0-2 config-files",
    ]
    wanted = ["docker.io=26.1.*", "docker-compose", "docker-buildx", "python3-docker"]
    assert packages_missing(wanted, lines, "=") == ["docker-buildx", "python3-docker"]
    assert packages_missing(["docker.io=27.*"], lines, "=") == ["docker.io=27.*"]
    assert packages_missing(["docker.io=26.1.5+dfsg1-9+b1"], lines, "=") == []
    assert packages_missing(["docker.io"], [], "=") == ["docker.io"]


def test_docker_tools_reads_the_probe_lines():
    from ansible_collections.evaonline.deploy.plugins.filter.docker import docker_tools

    missing = "docker: 'buildx' is not a docker command."
    lines = ["compose 0 v2.26.1", f"buildx 1 {missing}"]
    assert docker_tools(lines) == {
        "compose": {"rc": 0, "output": "v2.26.1", "version": "2.26.1"},
        "buildx": {"rc": 1, "output": missing, "version": missing},
    }
    assert docker_tools([])["compose"] == {"rc": 1, "output": "", "version": ""}


def test_docker_service_settled_reads_the_service_line():
    from ansible_collections.evaonline.deploy.plugins.filter.docker import docker_service_settled

    running = ["compose 0 v2.26.1", "service active enabled"]
    assert docker_service_settled(running, "started", True)
    assert not docker_service_settled(running, "started", False)
    assert not docker_service_settled(running, "stopped", True)
    assert not docker_service_settled(["service inactive enabled"], "started", True)
    assert not docker_service_settled(["service active disabled"], "started", True)
    assert docker_service_settled(["service failed disabled"], "stopped", False)
    # No systemd, or no line at all: the service task runs and decides.
    assert not docker_service_settled(["service"], "started", True)
    assert not docker_service_settled([], "started", True)
