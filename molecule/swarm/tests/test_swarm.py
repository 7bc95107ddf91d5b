"""The three nodes form one swarm: one manager, two workers, the labels of inventories/cluster."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

testinfra_hosts = ["ansible://evaonline-m1"]
TOP = Path(__file__).resolve().parents[3]


def nodes(host) -> dict[str, dict]:
    ids = host.check_output("docker node ls -q").split()
    listed = json.loads(host.check_output("docker node inspect " + " ".join(ids)))
    return {n["Description"]["Hostname"]: n for n in listed}


def test_one_manager_and_two_workers_all_ready(host) -> None:
    found = nodes(host)
    assert sorted(found) == ["evaonline-m1", "evaonline-w1", "evaonline-w2"]
    assert {n["Status"]["State"] for n in found.values()} == {"ready"}
    roles = {name: n["Spec"]["Role"] for name, n in found.items()}
    assert roles == {"evaonline-m1": "manager", "evaonline-w1": "worker", "evaonline-w2": "worker"}


@pytest.mark.parametrize("label", ["evaonline.postgres", "evaonline.redis"])
def test_the_data_node_carries_its_labels(host, label: str) -> None:
    found = nodes(host)
    assert found["evaonline-m1"]["Spec"]["Labels"].get(label) == "true"
    assert label not in found["evaonline-w1"]["Spec"].get("Labels", {})


def test_a_global_service_runs_a_task_on_each_worker(host) -> None:
    # The manager schedules on both workers over an overlay network; each pulls from the registry.
    out = host.run(
        "docker network create -d overlay --attachable evaonline-probe >/dev/null 2>&1;"
        " timeout 180 docker service create -q --detach=false --name evaonline-probe"
        " --network evaonline-probe"
        " --constraint node.role==worker --mode global"
        " evaonline-registry:5000/evaonline-test/redis:7 >/dev/null &&"
        " docker service ps evaonline-probe --filter desired-state=running"
        " --format '{{.Node}} {{.CurrentState}}'"
    )
    try:
        assert out.rc == 0, out.stderr
        running = [line for line in out.stdout.splitlines() if "Running" in line]
        assert sorted(line.split()[0] for line in running) == ["evaonline-w1", "evaonline-w2"]
    finally:
        host.run("docker service rm evaonline-probe; docker network rm evaonline-probe")


def outer(node: str, cmd: str) -> subprocess.CompletedProcess:
    """A shell command in a node's container, through the outer Docker."""
    return subprocess.run(["docker", "exec", node, "sh", "-c", cmd], capture_output=True, text=True)


def wait_for_down(host, seconds: float = 60) -> list[str]:
    """The worker nodes the manager lists as Down, once there is one."""
    end = time.monotonic() + seconds
    while True:
        listed = host.check_output(
            "docker node ls --filter role=worker --format '{{.ID}} {{.Status}}'"
        )
        down = [line.split()[0] for line in listed.splitlines() if line.split()[1:] == ["Down"]]
        if down or time.monotonic() > end:
            return down
        time.sleep(1)


def swarm_playbook() -> subprocess.CompletedProcess:
    """playbooks/swarm.yml over the scenario's inventory, as an operator runs it."""
    inventory = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "inventory"
    argv = ["ansible-playbook", "-i", str(inventory), str(TOP / "playbooks/swarm.yml")]
    env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"}
    return subprocess.run(argv, cwd=TOP, capture_output=True, text=True, env=env)


def test_a_node_in_another_swarm_is_refused_then_joins_once_it_left(host) -> None:
    # Runs last: it takes evaonline-w2 out of the cluster and brings it back.
    before = sorted(host.check_output("docker node ls -q").split())
    own_swarm = "docker swarm init --advertise-addr $(hostname -i | cut -d' ' -f1)"
    moved = outer("evaonline-w2", f"docker swarm leave --force && {own_swarm}")
    assert moved.returncode == 0, moved.stderr
    refused = swarm_playbook()
    assert refused.returncode != 0
    assert "evaonline-w2 is already in another swarm" in refused.stdout + refused.stderr
    assert sorted(host.check_output("docker node ls -q").split()) == before
    assert outer("evaonline-w2", "docker swarm leave --force").returncode == 0
    # The cluster lists the node that left as Down once its heartbeat times out: remove it,
    # as an operator would.
    down = wait_for_down(host)
    assert len(down) == 1
    host.check_output(f"docker node rm --force {down[0]}")
    joined = swarm_playbook()
    assert joined.returncode == 0, joined.stdout[-2000:]
    found = nodes(host)
    assert sorted(found) == ["evaonline-m1", "evaonline-w1", "evaonline-w2"]
    assert {n["Status"]["State"] for n in found.values()} == {"ready"}
