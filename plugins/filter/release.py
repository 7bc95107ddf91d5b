"""Filters of the zero-downtime release: what compose plans, and container names."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
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


_SERVICE_LABEL = "com.docker.compose.service"


def service_containers(containers: Iterable[Mapping[str, Any]], service: str) -> list[str]:
    """Names of the compose service's containers among docker_host_info's verbose list."""
    return container_names(
        c for c in containers if (c.get("Labels") or {}).get(_SERVICE_LABEL) == service
    )


def service_runs_only(containers: Iterable[Mapping[str, Any]], service: str, image: str) -> bool:
    """Whether the service runs exactly one container, made from the image reference given
    (docker_host_info's verbose list: a second one is a release cut short)."""
    running = [c for c in containers if (c.get("Labels") or {}).get(_SERVICE_LABEL) == service]
    return len(running) == 1 and running[0].get("Image") == image


# The runtime image's release tags: 12 hex digits of the build context's hash.
_RELEASE_TAG = re.compile(r"^[0-9a-f]{12}$")


def kept_releases(images: Iterable[Mapping[str, Any]], repository: str) -> list[dict[str, Any]]:
    """The releases of `repository` among images (docker_host_info, verbose), newest
    first: image ref, tag, build time (UTC, ISO 8601) and app version."""
    found: dict[str, dict[str, Any]] = {}
    for image in images:
        labels = image.get("Labels") or {}
        for ref in image.get("RepoTags") or []:
            repo, _sep, tag = str(ref).rpartition(":")
            if repo != repository or not _RELEASE_TAG.match(tag):
                continue
            created = int(image.get("Created") or 0)
            found[ref] = {
                "image": ref,
                "tag": tag,
                "built": datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "created": created,
                "version": labels.get("org.opencontainers.image.version", ""),
            }
    return sorted(found.values(), key=lambda r: (r["created"], r["tag"]), reverse=True)


def rollback_target(
    releases: list[Mapping[str, Any]], current: str, wanted: str = ""
) -> dict[str, Any]:
    """The release to roll back to: `wanted` (a tag or image ref) when given, else the
    newest kept release older than `current`. Refuses, listing the kept ones, otherwise."""
    listing = ", ".join(
        f"{r['tag']} (built {r['built']}, version {r['version'] or '?'})" for r in releases
    )
    if wanted:
        for release in releases:
            if wanted in (release["tag"], release["image"]):
                if release["image"] == current:
                    raise AnsibleFilterError(
                        f"evaonline_rollback_to: {wanted} is the release serving now"
                    )
                return dict(release)
        raise AnsibleFilterError(
            f"evaonline_rollback_to: {wanted} is not a kept release; kept: {listing or 'none'}"
        )
    tags = [r["image"] for r in releases]
    older = releases[tags.index(current) + 1 :] if current in tags else []
    if not older:
        raise AnsibleFilterError(
            f"there is no kept release older than {current or 'the serving one'} to roll back"
            f" to; kept: {listing or 'none'}"
        )
    return dict(older[0])


def release_failure(
    health: Mapping[str, Any] | None, error: Any = "", migration_failed: bool = False
) -> str:
    """Why a release failed: the migration's error, else the unhealthy services and their
    reasons from stack_health, else the error of the step that failed."""
    if migration_failed:
        return str(error)[:800]
    services = (health or {}).get("services") or {}
    bad = [f"{name}: {v.get('reason', '')}" for name, v in services.items() if not v.get("ok")]
    return "; ".join(bad) if bad else str(error or "unknown error")[:400]


_ROLLBACK_STATES = ("rollback_started", "rollback_completed", "rollback_paused")


def swarm_rolled_back(health: Mapping[str, Any] | None) -> list[str]:
    """The services whose last update Swarm rolled back, from stack_health in swarm mode."""
    services = (health or {}).get("services") or {}
    return sorted(name for name, v in services.items() if v.get("update_state") in _ROLLBACK_STATES)


def swarm_rollback_note(rolled_back: list[str]) -> str:
    """One sentence on what Swarm rolled back by itself."""
    if not rolled_back:
        return "Swarm rolled no service back by itself."
    return "Swarm rolled %s back by itself." % ", ".join(rolled_back)


class FilterModule:
    """Filters of evaonline.deploy's stack releases."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "compose_replaces": compose_replaces,
            "container_names": container_names,
            "service_containers": service_containers,
            "service_runs_only": service_runs_only,
            "kept_releases": kept_releases,
            "rollback_target": rollback_target,
            "release_failure": release_failure,
            "swarm_rolled_back": swarm_rolled_back,
            "swarm_rollback_note": swarm_rollback_note,
        }
