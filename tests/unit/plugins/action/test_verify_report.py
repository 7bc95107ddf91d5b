"""The verify_report action: the report's shape, and one file written in-process."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from ansible_collections.evaonline.deploy.plugins.action.verify_report import report

TOP = Path(__file__).resolve().parents[4]

IMAGES = {"images": [{"name": "rt:1"}], "dedup_total": 5, "naive_total": 7, "within": True}
HEALTH = {
    "services": {"api": {"ok": True}},
    "checks": [{"ok": True}],
    "healthy": False,
    "disk": {"ok": True},
    "msg": "stack 'evaonline': redis unhealthy",
    "elapsed": 0.4,
}

PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Write a report
      evaonline.deploy.verify_report:
        dir: "{{ dest }}"
        host: web1
        project: evaonline
        images: "{{ images }}"
        health: "{{ health }}"
      register: written
    - name: Say what happened
      ansible.builtin.copy:
        content: "{{ written | to_json }}"
        dest: "{{ said }}"
        mode: "0644"
      check_mode: false
"""


def test_the_report_keeps_failures_and_defaults_missing_results() -> None:
    data = report("web1", "evaonline", IMAGES, HEALTH)
    assert data["image_totals"] == {"dedup": 5, "naive": 7}
    assert data["images_ok"] is True and data["healthy"] is False
    assert data["health_msg"] == "stack 'evaonline': redis unhealthy"
    empty = report("web1", "evaonline", {}, {})
    assert empty["images_ok"] is False and empty["healthy"] is False
    assert empty["services"] == {} and empty["elapsed"] is None


def play(tmp_path: Path, *extra: str) -> dict:
    (tmp_path / "play.yml").write_text(PLAY)
    dest = tmp_path / "reports" / "nested"
    said = tmp_path / "said.json"
    args = {"dest": str(dest), "said": str(said), "images": IMAGES, "health": HEALTH}
    subprocess.run(
        ["ansible-playbook", str(tmp_path / "play.yml"), "-e", json.dumps(args), *extra],
        check=True,
        cwd=TOP,
        capture_output=True,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
    )
    return json.loads(said.read_text())


def test_the_report_is_written_once_and_never_changed(tmp_path: Path) -> None:
    said = play(tmp_path)
    path = tmp_path / "reports" / "nested" / "verify-web1.json"
    assert said["path"] == str(path) and said["written"] is True and said["changed"] is False
    assert json.loads(path.read_text()) == report("web1", "evaonline", IMAGES, HEALTH)
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    assert [p.name for p in path.parent.iterdir()] == ["verify-web1.json"]


def test_check_mode_writes_nothing(tmp_path: Path) -> None:
    said = play(tmp_path, "--check")
    assert said["written"] is False and said["report"]["host"] == "web1"
    assert not (tmp_path / "reports" / "nested").exists()
