# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the stack role: the app services' environment, resource limits, memory."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.evaonline.deploy.plugins.plugin_utils.sha512_crypt import (
    sha512_crypt as _sha512_crypt,
)

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MEMORY = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([bkmg]?)b?\s*$", re.IGNORECASE)
# What compose reads as a memory limit, no spaces: 512M, 1g, 1.5GB.
_MEMORY_LIMIT = re.compile(r"^[0-9]+(\.[0-9]+)?[kKmMgG]?[bB]?$")
_CPUS = re.compile(r"^[0-9]*\.?[0-9]+$")
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


def redact(text: str, secrets: list[str] | None = None) -> str:
    """text with every secret, raw or URL-encoded, replaced by ********."""
    out = str(text)
    for secret in sorted({str(s) for s in secrets or [] if s}, key=len, reverse=True):
        out = out.replace(secret, "********").replace(quote(secret, safe=""), "********")
    return out


# Words that mark a value copied from an example file rather than a real secret.
_PLACEHOLDER_WORDS = (
    "replace-with", "replace_with", "changeme", "change-me", "change_me",
    "placeholder", "example", "your-secret", "your_secret", "xxxxxxxx",
)  # fmt: skip


def _secret_problem(name: str, value: str, strict: bool, min_length: int,
                    weak: set[str], placeholders: set[str]) -> str | None:  # fmt: skip
    if not value:
        return f"{name} is missing (set it in the inventory or vault)"
    if "'" in value or "\n" in value or "\r" in value:
        return f"{name} must not contain a single quote or a line break"
    if not strict:
        return None
    lowered = value.lower()
    if len(value) < min_length:
        return f"{name} is too weak for production: shorter than {min_length} characters"
    if lowered in weak:
        return f"{name} is too weak for production: it is in stack_weak_passwords"
    if lowered in placeholders or any(word in lowered for word in _PLACEHOLDER_WORDS):
        return f"{name} is a placeholder from an example file, not a secret"
    if len(set(value)) <= 2:
        return f"{name} is too weak for production: it repeats one or two characters"
    return None


def secret_problems(
    secrets: dict[str, Any],
    strict: bool = False,
    min_length: int = 16,
    weak: list[str] | None = None,
    placeholders: list[str] | None = None,
) -> list[str]:
    """One message per secret that is missing, unusable or (strict) weak; never a value."""
    weak_set = {str(w).lower() for w in weak or []}
    placeholder_set = {str(p).lower() for p in placeholders or []}
    problems = []
    for name, raw in secrets.items():
        value = "" if raw is None else str(raw)
        problem = _secret_problem(name, value, strict, int(min_length), weak_set, placeholder_set)
        if problem:
            problems.append(problem)
    if strict:
        seen: dict[str, str] = {}
        for name, raw in secrets.items():
            value = "" if raw is None else str(raw)
            if value and value in seen:
                problems.append(f"{name} equals {seen[value]}: every secret must differ")
            seen.setdefault(value, name)
    return problems


_TLS_PAIRS = (
    ("stack_tls_cert", "stack_tls_key", "PEM text"),
    ("stack_tls_cert_file", "stack_tls_key_file", "files on the controller"),
    ("stack_tls_cert_path", "stack_tls_key_path", "files on the server"),
)


def _pem_problem(name: str, text: str, kind: str) -> str | None:
    want = "CERTIFICATE" if kind == "cert" else "PRIVATE KEY"
    if "-----BEGIN" in text and want in text:
        return None
    if text.strip().startswith("/") and "\n" not in text.strip():
        other = name.replace("stack_tls_", "").replace("_file", "")
        return (
            f"{name} holds a path ({text.strip()[:80]}), not PEM text: set stack_tls_{other}_path"
            f" for a file on the server or stack_tls_{other}_file for one on the controller"
        )
    return f"{name} is not a PEM {want.lower()} (no -----BEGIN ... {want}----- block)"


def tls_problems(given: dict[str, Any]) -> list[str]:
    """What is wrong with the TLS inputs, by variable name; never a key's content.

    given maps the six stack_tls_* variables to their values. One pair at most may be set,
    both halves of it; PEM text must be PEM, controller files must exist and hold PEM,
    server paths must be absolute (their existence is checked on the server).
    """
    values = {k: "" if v is None else str(v) for k, v in given.items()}
    used = [pair for pair in _TLS_PAIRS if values.get(pair[0]) or values.get(pair[1])]
    if len(used) > 1:
        names = " and ".join(f"{c}/{k}" for c, k, _what in used)
        return [f"give the TLS certificate and key one way only, not {names}"]
    if not used:
        return []
    cert, key, _what = used[0]
    if not (values.get(cert) and values.get(key)):
        return [f"{cert} and {key} must be given together (or both left empty)."]
    problems = []
    for name, kind in ((cert, "cert"), (key, "key")):
        value = values[name]
        if name.endswith("_path"):
            if not value.startswith("/"):
                problems.append(f"{name} must be an absolute path on the server (got '{value}')")
            continue
        if name.endswith("_file"):
            path = Path(value)
            if not path.is_file():
                problems.append(f"{name}: {value} is not a file on the controller")
                continue
            value = path.read_text(encoding="utf-8", errors="replace")
        problem = _pem_problem(name, value, kind)
        if problem:
            problems.append(problem)
    return problems


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


def resource_problems(limits: dict[str, dict[str, Any]]) -> list[str]:
    """One message when a service's cpus is not above 0 or its memory is not a size."""
    for entry in (limits or {}).values():
        memory, cpus = str(entry.get("memory", "")), str(entry.get("cpus", ""))
        if not _MEMORY_LIMIT.match(memory) or not _CPUS.match(cpus) or float(cpus) <= 0:
            return [
                "stack_resources: each service needs cpus above 0 and memory as a size such as"
                f" 512M (got {json.dumps(limits, sort_keys=True)})"
            ]
    return []


def under_dir(entries: list[dict[str, Any]], root: str, key: str = "path") -> list[dict[str, Any]]:
    """The enabled entries (``enabled`` missing or true), with ``key`` made absolute under
    ``root`` ("" is root itself) and ``enabled`` dropped: file_set's dirs and files."""
    out = []
    for entry in entries:
        if not boolean(entry.get("enabled", True), strict=False):
            continue
        item = {k: v for k, v in entry.items() if k != "enabled"}
        rel = str(item[key]).strip("/")
        item[key] = f"{root.rstrip('/')}/{rel}" if rel else root.rstrip("/") or "/"
        out.append(item)
    return out


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


def sha512_crypt(password: str, salt: str) -> str:
    """The $6$ crypt(3) hash nginx's auth_basic_user_file verifies, with a fixed salt."""
    try:
        return _sha512_crypt(str(password), str(salt))
    except ValueError as exc:
        raise AnsibleFilterError(f"sha512_crypt: {exc}") from exc


class FilterModule:
    """Filters of evaonline.deploy's stack role."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "app_environment": app_environment,
            "redact": redact,
            "secret_problems": secret_problems,
            "tls_problems": tls_problems,
            "resource_limits": resource_limits,
            "memory_total_mib": memory_total_mib,
            "resource_problems": resource_problems,
            "under_dir": under_dir,
            "sha512_crypt": sha512_crypt,
        }
