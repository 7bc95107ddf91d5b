"""Filters of the zero-downtime release: what compose plans, and container names."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ansible.errors import AnsibleFilterError

# Dry-run statuses of `docker compose up` that replace an existing container.
_REPLACING = {"Recreate", "Recreated", "Remove", "Removed"}


def compose_replaces(actions: Iterable[Mapping[str, Any]], containers: Iterable[str]) -> list[str]:
    """The given containers that compose's planned actions (docker_compose_v2 in check
    mode) would recreate or remove, in the order given."""
    planned = {
        str(a.get("id", ""))
        for a in actions
        if a.get("what") == "container" and a.get("status") in _REPLACING
    }
    return [name for name in containers if name in planned]


def container_names(containers: Iterable[Mapping[str, Any]]) -> list[str]:
    """Names of containers as docker_host_info (Names: ["/x"]) or docker_compose_v2
    (Name: "x") list them."""
    names: list[str] = []
    for container in containers:
        if "Names" in container:
            names.extend(str(n).lstrip("/") for n in container["Names"])
        elif "Name" in container:
            names.append(str(container["Name"]).lstrip("/"))
        else:
            raise AnsibleFilterError(f"container_names: no Name or Names in {dict(container)!r}")
    return names


class FilterModule:
    """Filters of evaonline.deploy's stack releases."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"compose_replaces": compose_replaces, "container_names": container_names}
