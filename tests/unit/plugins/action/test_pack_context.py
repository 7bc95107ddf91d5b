"""The pack_context action, run by ansible-playbook on the controller as the role runs it."""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
from pathlib import Path

TOP = Path(__file__).resolve().parents[4]

PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Pack a context
      evaonline.deploy.pack_context:
        context: "{{ query('evaonline.deploy.build_context', sources=sources) | first }}"
        dest: "{{ dest }}"
      register: packed
    - name: Refuse something that is no context
      evaonline.deploy.pack_context:
        context: {files: []}
        dest: "{{ dest }}.bad"
      register: refused
      ignore_errors: true
    - name: Say what happened
      ansible.builtin.copy:
        content: "{{ {'packed': packed, 'refused': refused.msg} | to_json }}"
        dest: "{{ dest }}.json"
        mode: "0644"
"""


def test_the_context_becomes_one_tar(tmp_path: Path) -> None:
    app = tmp_path / "app"
    (app / "pkg").mkdir(parents=True)
    (app / "pkg/main.py").write_text("X = 1\n")
    (tmp_path / "play.yml").write_text(PLAY)
    dest = tmp_path / "ctx.tar"
    extra = {"sources": [{"src": str(app), "dest": "app"}], "dest": str(dest)}
    subprocess.run(
        ["ansible-playbook", str(tmp_path / "play.yml"), "-e", json.dumps(extra)],
        check=True,
        cwd=TOP,
        capture_output=True,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
    )
    with tarfile.open(dest) as tar:
        assert "app/pkg/main.py" in tar.getnames()
        assert tar.getmember("app/pkg/main.py").mtime == 0
    said = json.loads(Path(f"{dest}.json").read_text())
    assert said["packed"]["files"] == 1 and said["packed"]["changed"] is False
    assert "must be what the build_context lookup returns" in said["refused"]
    assert not Path(f"{dest}.bad").exists()
