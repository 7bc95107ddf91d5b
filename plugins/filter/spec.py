# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters of the input checks: list and mapping inputs given as something else, budgets."""

from __future__ import annotations

import json
from typing import Any, Callable

from ansible_collections.evaonline.deploy.plugins.test.size import size as _is_size

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


def budget_problems(budgets: Any, total: Any = None) -> list[str]:
    """What is wrong with evaonline_image_budgets and evaonline_total_budget for image_budget."""
    problems = []
    for index, budget in enumerate(budgets or []):
        where = f"evaonline_image_budgets[{index}]"
        if not isinstance(budget, dict) or not str(budget.get("pattern") or ""):
            problems.append(f"{where} needs a pattern and a max_size")
        elif budget.get("max_size") is None or not _is_size(budget["max_size"]):
            problems.append(
                f"{where}.max_size must be a size such as 400MB or 0.5GiB"
                f" (got {json.dumps(budget.get('max_size'))})"
            )
    if total is not None and not _is_size(total):
        problems.append(
            f"evaonline_total_budget must be a size such as 2GB (got {json.dumps(total)})"
        )
    return problems


class FilterModule:
    """Filters of evaonline.deploy's input checks."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"type_problems": type_problems, "budget_problems": budget_problems}
