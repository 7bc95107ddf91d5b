"""meta/runtime.yml's action group: module_defaults with group/evaonline.deploy.evaonline.

The modules talk to Docker, so the run goes to a fake Docker API on a Unix socket: the
module only finds it, and the margin it requires, through the group's defaults.
"""

from __future__ import annotations

import json
import os
import socketserver
import subprocess
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import yaml

TOP = Path(__file__).resolve().parents[2]
API = "1.41"


def test_the_group_holds_every_module_that_talks_to_docker():
    # rules and pack_context run on the controller alone (plugins/action): the group's
    # Docker defaults (docker_host, api_timeout) would be options they do not take.
    groups = yaml.safe_load((TOP / "meta/runtime.yml").read_text())["action_groups"]
    modules = {p.stem for p in (TOP / "plugins/modules").glob("*.py") if p.stem != "__init__"}
    controller = {p.stem for p in (TOP / "plugins/action").glob("*.py")}
    assert sorted(groups["evaonline"]) == sorted(modules - controller)


class FakeDocker(BaseHTTPRequestHandler):
    """The three calls docker_disk makes: version negotiation, ping, info."""

    root = ""

    def do_GET(self):  # the name http.server calls
        path = self.path.split("?")[0]
        if path == "/version":
            body = {"ApiVersion": API, "Version": "28.0.0"}
        elif path == f"/v{API}/_ping":
            body = "OK"
        elif path == f"/v{API}/info":
            body = {"DockerRootDir": self.root}
        else:
            self.send_error(404)
            return
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # a Unix socket has no client address to log
        pass


@pytest.fixture
def fake_docker(tmp_path):
    root = tmp_path / "data-root"
    root.mkdir()
    sock = tmp_path / "docker.sock"
    handler = type("Handler", (FakeDocker,), {"root": str(root)})
    server = socketserver.ThreadingUnixStreamServer(str(sock), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield sock, root
    server.shutdown()
    server.server_close()


def test_module_defaults_group_reaches_docker_disk(fake_docker):
    sock, root = fake_docker
    run = subprocess.run(
        [
            "ansible-playbook",
            "-i",
            "localhost,",
            str(TOP / "tests/meta/module_defaults.yml"),
            "-e",
            json.dumps({"fake_docker_socket": str(sock), "fake_docker_root": str(root)}),
        ],
        cwd=TOP,  # the checkout's ansible.cfg resolves evaonline.deploy in place
        capture_output=True,
        text=True,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
