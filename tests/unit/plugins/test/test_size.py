"""The `evaonline.deploy.size` Jinja test accepts exactly what the budget module accepts.

Its use in templates runs for real in the drills scenario's bad-input table.
"""

from __future__ import annotations

import pytest
from ansible_collections.evaonline.deploy.plugins.module_utils.sizes import SizeError, parse_size
from ansible_collections.evaonline.deploy.plugins.test.size import TestModule as SizeTests
from ansible_collections.evaonline.deploy.plugins.test.size import size

SIZES = [400_000_000, "400MB", "0.5GiB", "120 MiB", "1.5 GB", "4096", 0]
NOT_SIZES = ["huge", "a lot", "-1MB", "12 parsecs", "", None, True, [], -5]


@pytest.mark.parametrize("value", SIZES)
def test_sizes_pass(value: object) -> None:
    assert size(value) is True
    parse_size(value)  # the module would take it too


@pytest.mark.parametrize("value", NOT_SIZES)
def test_non_sizes_fail(value: object) -> None:
    assert size(value) is False
    with pytest.raises(SizeError):
        parse_size(value)


def test_registered_under_its_name() -> None:
    assert SizeTests().tests() == {"size": size}
