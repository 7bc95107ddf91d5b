"""One drift per role that keeps state, then one rerun of site.yml: exactly those drifts are
repaired, each by the task that owns it, and nothing else changes (issue #20).

preflight only reads the host, so it has no state to drift.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

TOP = Path(os.environ["MOLECULE_PROJECT_DIRECTORY"])
EPHEMERAL = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
PROJECT = "evaonline"
PROMETHEUS_YML = "/opt/evaonline/prometheus/prometheus.yml"
RUNTIME_LATEST = "evaonline-runtime:latest"

# role -> (the drift, the task that must repair it)
DRIFTS = {
    "docker": ("docker.service disabled at boot", "Start Docker now and at boot"),
    "base_images": ("the redis image untagged", "Pull the missing images"),
    "runtime_image": (f"{RUNTIME_LATEST} untagged", "Point the latest alias at the current build"),
    "stack": (
        f"{PROMETHEUS_YML} chmod 0600",
        "Write the stack's directories and files, the stack file validated before it goes live",
    ),
    "stack (service)": ("flower stopped", "Bring every service up and wait until it is healthy"),
}


def sh(host, cmd: str) -> str:
    return host.check_output(cmd)


def containers(host) -> dict[str, str]:
    """Container name -> ID of the stack's running containers."""
    out = sh(
        host,
        f"docker ps --filter label=com.docker.compose.project={PROJECT}"
        " --format '{{.Names}} {{.ID}}'",
    )
    return dict(line.split() for line in out.splitlines() if line.strip())


def changed_tasks(stdout: str) -> set[str]:
    """The names of the tasks that reported changed, from the json callback's document (other
    callbacks, such as profile_tasks, may print after it)."""
    doc, _end = json.JSONDecoder().raw_decode(stdout[stdout.index("{") :])
    return {
        task["task"]["name"].rsplit(" : ", 1)[-1]
        for play in doc["plays"]
        for task in play["tasks"]
        if any(result.get("changed") for result in task["hosts"].values())
    }


def rerun_site() -> subprocess.CompletedProcess:
    cmd = [
        "ansible-playbook",
        "-i",
        str(EPHEMERAL / "inventory"),
        str(TOP / "playbooks/site.yml"),
        "-e",
        "evaonline_hosts=all",
        "-e",
        f"evaonline_report_dir={EPHEMERAL / 'reports'}",
    ]
    env = {**os.environ, "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json", "ANSIBLE_NOCOLOR": "1"}
    return subprocess.run(cmd, cwd=TOP, env=env, capture_output=True, text=True, check=False)


def test_one_drift_per_role_is_repaired_by_its_own_task(host):
    redis_ref = sh(host, f"docker inspect -f '{{{{.Config.Image}}}}' {PROJECT}-redis-1").strip()
    before = containers(host)
    sh(host, "systemctl disable docker")
    sh(host, f"docker rmi -f {redis_ref}")  # untags: the running container keeps the image by ID
    sh(host, f"docker rmi {RUNTIME_LATEST}")  # the content-addressed tag keeps the image
    sh(host, f"chmod 0600 {PROMETHEUS_YML}")
    sh(host, f"docker stop {PROJECT}-flower-1")

    run = rerun_site()
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    changed = changed_tasks(run.stdout)
    assert changed == {task for _drift, task in DRIFTS.values()}, changed

    assert sh(host, "systemctl is-enabled docker").strip() == "enabled"
    assert host.run(f"docker image inspect {redis_ref}").rc == 0
    assert host.run(f"docker image inspect {RUNTIME_LATEST}").rc == 0
    assert sh(host, f"stat -c %a {PROMETHEUS_YML}").strip() == "644"
    # flower is started again in its own container; no other container was replaced.
    assert containers(host) == before
