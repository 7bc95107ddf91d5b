# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the stack role: the app services' environment, resource limits, memory."""

from __future__ import annotations

import re
from typing import Any, Callable
from urllib.parse import quote

from ansible.errors import AnsibleFilterError

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MEMORY = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([bkmg]?)b?\s*$", re.IGNORECASE)
_MEMORY_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def _scalar(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise AnsibleFilterError(
        f"stack_app_env.{name} must be a string, number or boolean (got {type(value).__name__})"
    )


def _holds_secret(value: str, secrets: list[str]) -> bool:
    for secret in secrets:
        if secret and (secret in value or quote(secret, safe="") in value):
            return True
    return False


def app_environment(
    base: dict[str, Any], overrides: dict[str, Any] | None = None, secrets: list[str] | None = None
) -> dict[str, dict[str, str]]:
    """{'public': ..., 'secret': ...} of the merged environment of the app services."""
    merged: dict[str, Any] = dict(base)
    for name, value in (overrides or {}).items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise AnsibleFilterError(
                f"stack_app_env: {name!r} is not an environment variable name"
                " ([A-Za-z_][A-Za-z0-9_]*)"
            )
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    known = [str(s) for s in secrets or [] if s]
    public: dict[str, str] = {}
    secret: dict[str, str] = {}
    for name in sorted(merged):
        value = _scalar(name, merged[name])
        if _holds_secret(value, known):
            if "'" in value or "\n" in value or "\r" in value:
                raise AnsibleFilterError(
                    f"stack_app_env.{name} holds a secret and must not contain"
                    " a single quote or a line break"
                )
            secret[name] = value
        else:
            public[name] = value.replace("$", "$$")
    return {"public": public, "secret": secret}


def resource_limits(
    defaults: dict[str, dict[str, Any]], overrides: dict[str, dict[str, Any]] | None = None
) -> dict[str, dict[str, Any]]:
    """Per-service limits: each override merged over that service's defaults."""
    merged = {name: dict(limits or {}) for name, limits in (defaults or {}).items()}
    for name, limits in (overrides or {}).items():
        if not isinstance(limits, dict):
            raise AnsibleFilterError(
                f"stack_resources.{name} must be a mapping such as {{cpus: '1.0', memory: 512M}}"
            )
        merged.setdefault(name, {}).update(limits)
    return merged


def memory_mib(value: Any) -> float:
    """A Docker memory size (512M, 1G, 1.5g; binary units) in MiB."""
    match = _MEMORY.match(str(value))
    if not match:
        raise AnsibleFilterError(f"{value!r} is not a memory size such as 512M or 1G")
    return float(match.group(1)) * _MEMORY_UNITS[match.group(2).lower()] / 1024**2


def memory_total_mib(limits: dict[str, dict[str, Any]], services: list[str]) -> int:
    """Sum of the memory limits of the given services, in MiB (services without one count 0)."""
    return round(
        sum(memory_mib(limits[s]["memory"]) for s in services if limits.get(s, {}).get("memory"))
    )


class FilterModule:
    """Filters of evaonline.deploy's stack role."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "app_environment": app_environment,
            "resource_limits": resource_limits,
            "memory_total_mib": memory_total_mib,
        }
