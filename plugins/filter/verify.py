# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter of playbooks/verify.yml: the summary table of image_budget and stack_health."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

_IMAGE_ROW = "%-54s %8s %8s  %s"
_SERVICE_ROW = "%-10s %-8s %-9s %4s %7s  %s"
# Swarm mode: running/desired tasks and the nodes they run on, instead of restarts.
_SWARM_ROW = "%-10s %-8s %-9s %5s %7s  %-40s %s"


def _mb(size: float) -> str:
    return "%.0f MB" % (size / 1e6)


def _image_lines(images: Mapping[str, Any]) -> list[str]:
    lines = [_IMAGE_ROW % ("IMAGE", "SIZE", "BUDGET", "VERDICT")]
    for i in images.get("images") or []:
        budget = _mb(i["budget"]) if i.get("budget") else "-"
        verdict = "within" if i.get("within") else "OVER by " + _mb(i.get("over_by") or 0)
        lines.append(_IMAGE_ROW % (i["name"], i["size_human"], budget, verdict))
    lines.append(
        _IMAGE_ROW
        % (
            "all, shared layers once",
            _mb(images.get("dedup_total") or 0),
            "",
            "naive sum " + _mb(images.get("naive_total") or 0),
        )
    )
    return lines


def _service_lines(health: Mapping[str, Any]) -> list[str]:
    services = sorted((health.get("services") or {}).items())
    swarm = any("replicas" in row for _name, row in services)
    if swarm:
        lines = [_SWARM_ROW % ("SERVICE", "STATE", "HEALTH", "TASKS", "UP s", "NODES", "PORTS")]
    else:
        lines = [_SERVICE_ROW % ("SERVICE", "STATE", "HEALTH", "RST", "UP s", "PORTS")]
    for name, s in services:
        ports = ",".join(s.get("ports") or []) or "-"
        head = (name, s["state"], s.get("health") or "-")
        if swarm:
            nodes = ",".join(s.get("nodes") or []) or "-"
            row = (*head, s.get("replicas", "-"), "%.0f" % s["uptime"], nodes, ports)
            lines.append(_SWARM_ROW % row)
        else:
            row = (*head, s["restarts"], "%.0f" % s["uptime"], ports)
            lines.append(_SERVICE_ROW % row)
    disk = health.get("disk") or {}
    lines.append(
        "healthy: %s in %.1f s" % (health.get("healthy", False), health.get("elapsed") or 0)
    )
    lines.append(
        "disk: %s MiB free on %s (minimum %s)"
        % (disk.get("free_mb", "?"), disk.get("root", "?"), disk.get("min_free_mb", "?"))
    )
    return lines


def verify_table(images: Mapping[str, Any], health: Mapping[str, Any]) -> list[str]:
    """The lines of the table: each image against its budget, then each service's health."""
    return [*_image_lines(images or {}), "", *_service_lines(health or {})]


class FilterModule:
    """Filters of evaonline.deploy's verify playbook."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"verify_table": verify_table}
