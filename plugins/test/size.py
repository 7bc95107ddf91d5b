# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Jinja test: is a value a byte size that evaonline.deploy.image_budget accepts?"""

from __future__ import annotations

from typing import Any, Callable

from ansible_collections.evaonline.deploy.plugins.module_utils.sizes import SizeError, parse_size


def size(value: Any) -> bool:
    """True for bytes or a string like 600MB; the same parser the budget module uses."""
    try:
        parse_size(value)
    except SizeError:
        return False
    return True


class TestModule:
    """Tests of evaonline.deploy."""

    def tests(self) -> dict[str, Callable[[Any], bool]]:
        return {"size": size}
