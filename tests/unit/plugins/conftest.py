"""Fixtures of the plugin unit tests (tests/conftest.py puts the collection on sys.path)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


def _make_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def make_tree() -> Callable[[Path, dict[str, str]], Path]:
    """Write {relative path: text} under a root and return the root."""
    return _make_tree
