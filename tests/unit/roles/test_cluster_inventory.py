"""inventories/cluster as shipped: playbooks/validate.yml refuses it before any host is
touched, naming the registry the user must fill in (its value is an empty placeholder)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

TOP = Path(__file__).resolve().parents[3]


def test_the_shipped_cluster_inventory_asks_for_its_registry() -> None:
    run = subprocess.run(
        ["ansible-playbook", "-i", "inventories/cluster", "playbooks/validate.yml"],
        cwd=TOP,
        capture_output=True,
        text=True,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
    )
    out = run.stdout + run.stderr
    assert run.returncode != 0, out[-2000:]
    assert "runtime_image_registry must name the registry every node pulls" in out, out[-2000:]
    assert "changed=1" not in out
