"""Fixtures for the module integration tests (real Docker daemon, real ansible CLI)."""

import uuid

import pytest
from evaonline_itest import run_module


@pytest.fixture(scope="session")
def run():
    return run_module


@pytest.fixture(scope="session")
def unique():
    return f"evaitest{uuid.uuid4().hex[:8]}"
