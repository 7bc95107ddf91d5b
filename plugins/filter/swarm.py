# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of cluster mode: which nodes belong to another swarm, and the stack's Swarm secrets."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def _active(state: Mapping[str, Any]) -> bool:
    return state.get("LocalNodeState") == "active"


def _cluster(state: Mapping[str, Any]) -> str:
    return str((state.get("Cluster") or {}).get("ID") or "")


def _managers(state: Mapping[str, Any]) -> set[str]:
    return {str(m.get("NodeID")) for m in state.get("RemoteManagers") or []}


def swarm_problems(infos: Mapping[str, Mapping[str, Any]], first: str) -> list[str]:
    """What keeps the nodes from forming one swarm: live-restore, which swarm mode refuses,
    and nodes in a swarm other than the first manager's.

    infos maps each node to its `docker info`. The first manager's swarm is the cluster's
    (none yet is fine); a manager must share its cluster ID, a worker must list the first
    manager among its managers."""
    problems = [
        f"{node} runs dockerd with live-restore, which swarm mode refuses; set"
        " docker_live_restore: false for the cluster's nodes"
        for node, info in sorted(infos.items())
        if info.get("LiveRestoreEnabled")
    ]
    states = {node: info.get("Swarm") or {} for node, info in infos.items()}
    head = states.get(first) or {}
    if _active(head) and not head.get("ControlAvailable"):
        problems.append(
            f"{first} (the first of swarm_managers_group) is a worker of another swarm;"
            " leave it there first (docker swarm leave)"
        )
        return problems
    for node, state in sorted(states.items()):
        if node == first or not _active(state):
            continue
        ours = _active(head) and (
            _cluster(state) == _cluster(head)
            if state.get("ControlAvailable")
            else str(head.get("NodeID")) in _managers(state)
        )
        if not ours:
            problems.append(
                f"{node} is already in another swarm (node {state.get('NodeID')});"
                f" make it leave that swarm (docker swarm leave) before it joins {first}'s"
            )
    return problems


def swarm_secrets(app_secret_env: Mapping[str, Any], services: Mapping[str, Any]) -> dict[str, str]:
    """The stack's Swarm secrets by key: each app environment entry holding a secret as
    app_<name> (read through <NAME>_FILE), and the services' own; a None value (a service
    this deploy leaves out) is dropped."""
    secrets = {f"app_{name.lower()}": str(value) for name, value in app_secret_env.items()}
    secrets.update({key: str(value) for key, value in services.items() if value is not None})
    return secrets


def swarm_secret_names(results: list[Mapping[str, Any]]) -> dict[str, str]:
    """Each secret key to the versioned name docker_secret gave it (rolling_versions), from
    the results of a loop over the keys; a key skipped in check mode keeps no name."""
    return {str(r["item"]["key"]): str(r["secret_name"]) for r in results if r.get("secret_name")}


class FilterModule:
    """Filters of evaonline.deploy's cluster mode."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "swarm_problems": swarm_problems,
            "swarm_secrets": swarm_secrets,
            "swarm_secret_names": swarm_secret_names,
        }
