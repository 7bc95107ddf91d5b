# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Jinja test: is a path the root, a system directory, or a parent of one?"""

from __future__ import annotations

import posixpath
from typing import Any, Callable

# Directories a role must never own, chmod or empty. A path below them (/opt/evaonline,
# /var/backups/evaonline) is fine; the directory itself, or a parent of it, is not.
SYSTEM_DIRS = frozenset(
    {
        "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32",
        "/media", "/mnt", "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp",
        "/usr", "/var", "/snap", "/lost+found",
        "/usr/bin", "/usr/sbin", "/usr/lib", "/usr/lib64", "/usr/libexec", "/usr/local",
        "/usr/local/bin", "/usr/local/lib", "/usr/share", "/usr/include", "/usr/src",
        "/var/lib", "/var/lib/docker", "/var/lib/containerd", "/var/log", "/var/cache",
        "/var/backups", "/var/run", "/var/tmp", "/var/spool", "/var/mail", "/var/opt",
        "/var/www", "/etc/ssl", "/etc/docker", "/etc/systemd", "/etc/ssh",
    }
)  # fmt: skip


def system_path(value: Any) -> bool:
    """True for /, a system directory such as /etc or /var/lib, or any parent of one."""
    path = posixpath.normpath(str(value).strip() or "/")
    if path.startswith("//"):
        path = "/" + path.lstrip("/")
    if path == "/":
        return True
    return any(d == path or d.startswith(path + "/") for d in SYSTEM_DIRS)


class TestModule:
    """Tests of evaonline.deploy."""

    def tests(self) -> dict[str, Callable[[Any], bool]]:
        return {"system_path": system_path}
