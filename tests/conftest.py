"""Fixtures shared by the test stages; pytest runs from the top of the checkout (tests/run.sh).

Also makes ``ansible_collections.evaonline.deploy`` importable from the checkout: the repo
ships ``.collections/ansible_collections/evaonline/deploy`` -> repo root; where the collection
is already on ``sys.path`` (``ansible-test units``) this is a no-op.
"""

from __future__ import annotations

import http.server
import importlib.util
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _importable(name: str) -> bool:
    # find_spec raises when the parent package (ansible_collections) is missing too.
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


if not _importable("ansible_collections.evaonline"):
    sys.path.insert(0, str(ROOT / ".collections"))


@pytest.fixture
def closed_port() -> int:
    """A local TCP port nothing listens on: bind, read the number, release it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        code = 500 if self.path == "/boom" else 200
        body = b'{"status":"ok"}' if code == 200 else b"broken"
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def web() -> Iterator[str]:
    """Base URL of a local HTTP server: 500 ``broken`` on /boom, else 200 ``{"status":"ok"}``."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _stat_free_mib(path: str) -> int:
    out = subprocess.run(
        ["stat", "-f", "-c", "%a %S", path], capture_output=True, text=True, check=True
    )
    blocks, size = map(int, out.stdout.split())
    return blocks * size // 2**20


@pytest.fixture
def stat_free_mib() -> Callable[[str], int]:
    """MiB free for unprivileged users on the file system of a path, as ``stat -f`` reports."""
    return _stat_free_mib
