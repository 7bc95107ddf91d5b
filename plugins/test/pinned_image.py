# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Jinja tests over strings: a pinned image reference, a duration."""

from __future__ import annotations

import re
from typing import Any, Callable

from ansible_collections.evaonline.deploy.plugins.module_utils.images import pinned

# Go durations as compose and the Docker healthcheck read them (30s, 1m30s, 500ms), and
# Prometheus durations (15s, 15d, 1w).
DURATIONS = {
    "go": re.compile(r"^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$"),
    "prometheus": re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$"),
}


def pinned_image(value: Any) -> bool:
    """True for a reference with an explicit tag or a digest, never :latest."""
    return pinned(str(value))


def duration(value: Any, kind: str = "go") -> bool:
    """True for a Go (compose, healthcheck) or Prometheus duration."""
    return bool(DURATIONS[kind].match(str(value).strip()))


class TestModule:
    """Tests of evaonline.deploy."""

    def tests(self) -> dict[str, Callable[..., bool]]:
        return {"pinned_image": pinned_image, "duration": duration}
