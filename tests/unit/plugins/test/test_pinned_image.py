"""Unit tests for the pinned_image and duration tests."""

from __future__ import annotations

import pytest
from ansible_collections.evaonline.deploy.plugins.test.pinned_image import duration, pinned_image


@pytest.mark.parametrize("value", ["30s", "1m30s", "500ms", "1.5h", "2h45m"])
def test_go_durations(value: str) -> None:
    assert duration(value)


@pytest.mark.parametrize("value", ["", "30", "5x", "1d", "s"])
def test_not_go_durations(value: str) -> None:
    assert not duration(value)


def test_prometheus_durations() -> None:
    assert duration("15d", "prometheus") and duration("1w", "prometheus")
    assert not duration("1.5h", "prometheus") and not duration("15", "prometheus")


def test_pinned_image() -> None:
    assert pinned_image("evaonline-runtime:3f2a9c0b1d2e")
    assert not pinned_image("evaonline-runtime:latest")
    assert not pinned_image("localhost:5000/evaonline-runtime")
