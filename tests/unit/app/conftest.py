"""Put app/ on sys.path: the reference application's package is `backend`."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

APP_DIR = Path(__file__).resolve().parents[3] / "app"
if str(APP_DIR) not in sys.path:
    sys.path.insert(0, str(APP_DIR))


@pytest.fixture
def closed_port() -> int:
    """A local TCP port nothing listens on: bind, read the number, release it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
