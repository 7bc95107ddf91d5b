"""The docker role's repository definitions for the hosts where auto picks docker_ce.

Docker's repository is unreachable from these machines, so the files are rendered from the
role's own templates, defaults and vars with each host's facts, and checked as text.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).parent
TOP = HERE.parents[2]

DEBIAN12 = {
    "distribution": "Debian",
    "distribution_version": "12.11",
    "distribution_major_version": "12",
    "distribution_release": "bookworm",
    "os_family": "Debian",
    "architecture": "x86_64",
}
UBUNTU2204 = {
    "distribution": "Ubuntu",
    "distribution_version": "22.04",
    "distribution_major_version": "22",
    "distribution_release": "jammy",
    "os_family": "Debian",
    "architecture": "x86_64",
}
EL9 = {
    "distribution": "Rocky",
    "distribution_version": "9.4",
    "distribution_major_version": "9",
    "distribution_release": "Blue Onyx",
    "os_family": "RedHat",
    "architecture": "x86_64",
}


def render(facts: dict, out: Path) -> Path:
    subprocess.run(
        [
            "ansible-playbook",
            str(HERE / "render_docker_repo.yml"),
            "-e",
            json.dumps({"facts": facts, "render_dir": str(out)}),
        ],
        check=True,
        cwd=TOP,
        capture_output=True,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
    )
    return out


def body(path: Path) -> str:
    """The file without its ansible_managed comment line."""
    return path.read_text().split("\n", 1)[1]


@pytest.mark.parametrize(
    ("facts", "suite", "path"),
    [(DEBIAN12, "bookworm", "debian"), (UBUNTU2204, "jammy", "ubuntu")],
    ids=["debian12", "ubuntu2204"],
)
def test_apt_source_and_key_for_debian_and_ubuntu(
    facts: dict, suite: str, path: str, tmp_path: Path
) -> None:
    out = render(facts, tmp_path)
    assert body(out / "docker.sources") == (
        "Types: deb\n"
        f"URIs: https://download.docker.com/linux/{path}\n"
        f"Suites: {suite}\n"
        "Components: stable\n"
        "Architectures: amd64\n"
        "Signed-By: /etc/apt/keyrings/docker.asc\n"
    )
    choice = json.loads((out / "choice.json").read_text())
    assert choice == {
        "source": "docker_ce",
        "key_url": f"https://download.docker.com/linux/{path}/gpg",
    }


def test_yum_repository_for_el9(tmp_path: Path) -> None:
    out = render(EL9, tmp_path)
    assert body(out / "docker-ce.repo") == (
        "[docker-ce-stable]\n"
        "name=Docker CE Stable - $basearch\n"
        "baseurl=https://download.docker.com/linux/centos/$releasever/$basearch/stable\n"
        "enabled=1\n"
        "gpgcheck=1\n"
        "gpgkey=https://download.docker.com/linux/centos/gpg\n"
    )
    assert json.loads((out / "choice.json").read_text())["source"] == "docker_ce"
