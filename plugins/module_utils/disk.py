# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Free space on the file system that holds a path: what `stat -f` reports, whatever the
file system's type (ext4, xfs, tmpfs, overlay, ZFS)."""

from __future__ import annotations

import os
from pathlib import Path

MIB = 1024 * 1024


def nearest_existing(path: str) -> str:
    """The path itself, or its nearest parent that exists (a data root not created yet)."""
    current = Path(path).absolute()
    while not current.exists() and current != current.parent:
        current = current.parent
    return str(current)


def free_mib(path: str) -> int:
    """MiB available to unprivileged writers on the file system of path (statvfs f_bavail)."""
    stats = os.statvfs(nearest_existing(path))
    return int(stats.f_bavail * stats.f_frsize // MIB)


def room_problem(
    root: str, free: int, need: int, margin: int, margin_var: str, purpose: str
) -> str | None:
    """The refusal message when free MiB on root cannot hold need plus margin, else None."""
    if free >= need + margin:
        return None
    needs = "%d MiB" % (need + margin)
    if need:
        needs += " (%d MiB for %s + %s=%d MiB)" % (need, purpose, margin_var, margin)
    else:
        needs += " (%s=%d MiB, for %s)" % (margin_var, margin, purpose)
    return "the Docker data root %s has %d MiB free, needs %s; free some space or adjust %s" % (
        root,
        free,
        needs,
        margin_var,
    )
