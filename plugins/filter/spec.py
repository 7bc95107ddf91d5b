# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter: inputs whose argument spec wants a list or a mapping but got something else."""

from __future__ import annotations

from typing import Any, Callable

_EXAMPLES = {"list": "a list, such as [a, b]", "dict": "a mapping, such as {key: value}"}
_PYTHON = {"list": list, "dict": dict}


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, bool):
        return f"the boolean {value}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"a {type(value).__name__}"


def type_problems(options: dict[str, dict[str, Any]], values: dict[str, Any]) -> list[str]:
    """One message per given input that is not the list or mapping its spec asks for.

    validate_argument_spec accepts "a,b" for a list (and "k=v" for a mapping) without
    changing the variable, so later checks would iterate a string letter by letter.
    """
    problems = []
    for name, spec in options.items():
        want = (spec or {}).get("type")
        value = values.get(name)
        if want in _PYTHON and value is not None and not isinstance(value, _PYTHON[want]):
            problems.append(f"{name} must be {_EXAMPLES[want]} (got {_describe(value)})")
    return problems


class FilterModule:
    """Filters of evaonline.deploy's input checks."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"type_problems": type_problems}
