# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter of the preflight role: the figures of its one read-only probe."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from ansible.errors import AnsibleFilterError

_PUBLISHED = re.compile(r":(\d+)->")


def _listen_port(address: str) -> int:
    """The port of a /proc/net/tcp local address ``<hex address>:<hex port>``."""
    _host, colon, port = address.strip().rpartition(":")
    if not colon:
        raise ValueError("no :<port>")
    return int(port, 16)


def preflight_figures(lines: Iterable[str]) -> dict[str, Any]:
    """Memory (MiB, as the memtotal_mb fact), free GiB per disk, the listening TCP ports and
    our published ports, from the probe's lines ``memory <kB>``, ``disk <name> <free blocks>
    <block size>``, ``listen <hex address>:<hex port>`` (a /proc/net/tcp row in state LISTEN)
    and ``ports <docker ps Ports>``."""
    figures: dict[str, Any] = {"memory_mib": None, "disk_gib": {}, "our_ports": []}
    ports = set()
    listening = set()
    for line in lines:
        kind, _sep, rest = line.strip().partition(" ")
        try:
            if kind == "memory":
                figures["memory_mib"] = int(rest) // 1024
            elif kind == "disk":
                name, blocks, size = rest.split()
                figures["disk_gib"][name] = round(int(blocks) * int(size) / 1024**3, 1)
            elif kind == "listen":
                listening.add(_listen_port(rest))
            elif kind == "ports":
                ports.update(int(p) for p in _PUBLISHED.findall(rest))
        except ValueError as exc:
            raise AnsibleFilterError(f"preflight_figures: cannot read {line!r}: {exc}") from exc
    if figures["memory_mib"] is None:
        raise AnsibleFilterError("preflight_figures: the probe printed no memory line")
    figures["our_ports"] = sorted(ports)
    figures["listening"] = sorted(listening)
    return figures


class FilterModule:
    """Filters of evaonline.deploy's preflight role."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"preflight_figures": preflight_figures}
