# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the docker role: where Docker comes from, and the package pins."""

from __future__ import annotations

import fnmatch

from collections.abc import Callable, Iterable, Mapping
from typing import Any

SOURCES = ("distro", "docker_ce")


def docker_source(
    choice: str, auto: Mapping[str, str], default: str, facts: Mapping[str, Any]
) -> str:
    """The install source: the choice, or for auto the first of "<distribution> <version>",
    "<distribution> <major version>", the OS family and the default that auto lists."""
    if choice != "auto":
        return choice
    name = facts.get("distribution", "")
    keys = (
        f"{name} {facts.get('distribution_version', '')}",
        f"{name} {facts.get('distribution_major_version', '')}",
        str(facts.get("os_family", "")),
    )
    return next((auto[k] for k in keys if k in auto), default)


def docker_source_problems(auto: Mapping[str, str], default: str) -> list[str]:
    """The auto table entries and default that name no install source."""
    problems = [
        f"docker_install_source_auto[{key!r}] must be distro or docker_ce (got {value!r})"
        for key, value in auto.items()
        if value not in SOURCES
    ]
    if default not in SOURCES:
        problems.append(
            f"docker_install_source_auto_default must be distro or docker_ce (got {default!r})"
        )
    return problems


def pinned_packages(
    packages: Iterable[str],
    versions: Mapping[str, Any],
    engine_version: str,
    engine_packages: Iterable[str],
    separator: str,
) -> list[str]:
    """Each package with its pin: versions[name], else engine_version for the engine's."""
    engine = set(engine_packages)
    pinned = []
    for name in packages:
        version = str(versions.get(name, engine_version if name in engine else "") or "")
        pinned.append(f"{name}{separator}{version}" if version else name)
    return pinned


def packages_missing(wanted: Iterable[str], installed: Iterable[str], separator: str) -> list[str]:
    """The wanted packages (name, or name<separator>version glob) that the dpkg-query lines
    ``name=version status`` do not show installed at a matching version."""
    versions = {}
    for line in installed:
        pair, _sep, state = line.partition(" ")
        name, _eq, version = pair.partition("=")
        if state.strip() == "installed" and version:
            versions[name] = version
    missing = []
    for entry in wanted:
        name, _sep, pin = entry.partition(separator)
        have = versions.get(name)
        if have is None or (pin and not fnmatch.fnmatchcase(have, pin)):
            missing.append(entry)
    return missing


def docker_tools(lines: Iterable[str]) -> dict[str, dict[str, Any]]:
    """compose and buildx from the docker role's probe lines ``<name> <exit code> <output>``:
    each its exit code, its output and (compose) its version without the leading v. A tool
    the probe did not reach reads exit code 1 and no output."""
    tools = {name: {"rc": 1, "output": "", "version": ""} for name in ("compose", "buildx")}
    for line in lines:
        name, _sep, rest = line.partition(" ")
        code, _sep, output = rest.partition(" ")
        if name in tools and code.isdigit():
            output = output.strip()
            version = output.removeprefix("v") if name == "compose" else output
            tools[name] = {"rc": int(code), "output": output, "version": version}
    return tools


def docker_service_settled(lines: Iterable[str], state: str, enabled: bool) -> bool:
    """Whether the probe line ``service <systemctl is-active> <systemctl is-enabled>`` shows
    docker already as wanted (active for started, inactive or failed for stopped; enabled or
    disabled at boot). Anything else, or no such line, means the service task must run."""
    wanted_active = {"started": {"active"}, "stopped": {"inactive", "failed"}}.get(state, set())
    wanted_enabled = "enabled" if enabled else "disabled"
    for line in lines:
        fields = line.split()
        if len(fields) == 3 and fields[0] == "service":
            return fields[1] in wanted_active and fields[2] == wanted_enabled
    return False


class FilterModule:
    """Filters of evaonline.deploy's docker role."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "docker_source": docker_source,
            "docker_source_problems": docker_source_problems,
            "pinned_packages": pinned_packages,
            "packages_missing": packages_missing,
            "docker_tools": docker_tools,
            "docker_service_settled": docker_service_settled,
        }
