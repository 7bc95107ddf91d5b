"""Helpers: run evaonline.deploy modules via `ansible localhost -m ...` on the local daemon.

ansible.cfg at the repo root resolves ``evaonline.deploy`` in place; the module runs under the
pinned venv's Python (it has the Docker SDK). Everything these tests create carries the label
``org.evaonline.test=fixture`` and is removed in teardown.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
FIXTURE_LABEL = "org.evaonline.test=fixture"


def docker_available():
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "info"], capture_output=True, check=False).returncode == 0


needs_docker = pytest.mark.skipif(not docker_available(), reason="needs a running Docker daemon")


class ModuleRun:
    def __init__(self, result, wall):
        self.result = result
        self.wall = wall
        self.failed = bool(result.get("failed"))
        self.msg = result.get("msg", "")

    def __getitem__(self, key):
        return self.result[key]


def ansible_bin(name):
    candidate = Path(sys.executable).with_name(name)
    return str(candidate) if candidate.exists() else name


def run_module(module, args, check=False):
    """Run ``evaonline.deploy.<module>`` on localhost; return its result dict and wall time."""
    cmd = [
        ansible_bin("ansible"),
        "localhost",
        "-i",
        "localhost,",
        "-c",
        "local",
        "-e",
        f"ansible_python_interpreter={sys.executable}",
        "-m",
        f"evaonline.deploy.{module}",
        "-a",
        json.dumps(args),
    ]
    if check:
        cmd.append("--check")
    env = dict(
        os.environ,
        ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
        ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
        ANSIBLE_DEPRECATION_WARNINGS="0",
        ANSIBLE_NOCOLOR="1",
    )
    start = time.monotonic()
    proc = subprocess.run(
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    wall = time.monotonic() - start
    try:
        data = json.loads(proc.stdout)
        result = data["plays"][0]["tasks"][0]["hosts"]["localhost"]
    except (ValueError, KeyError, IndexError):
        raise AssertionError(
            f"ansible gave no JSON result (rc={proc.returncode})\n"
            f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        ) from None
    assert "Traceback" not in json.dumps(result), result
    return ModuleRun(result, wall)


def docker(*args, check=True, **kwargs):
    return subprocess.run(["docker", *args], check=check, capture_output=True, text=True, **kwargs)
