# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin of evaonline.deploy.rules: fail with the broken rules only, on the controller."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.evaonline.deploy.plugins.plugin_utils.controller_action import (
    ControllerAction,
)

ARGUMENT_SPEC = {
    "rules": {
        "type": "list",
        "elements": "dict",
        "default": [],
        "options": {
            "ok": {"type": "raw", "required": True},
            "msg": {"type": "str", "required": True},
        },
    },
    "problems": {"type": "list", "elements": "str", "default": []},
    "prefix": {"type": "str", "default": ""},
}


def broken(rules: list[dict[str, Any]], problems: list[str]) -> list[str]:
    """The messages of the rules that do not hold, then the problems already found."""
    failed = []
    for index, rule in enumerate(rules):
        try:
            holds = boolean(rule["ok"], strict=True)
        except TypeError as exc:
            raise AnsibleActionFail(f"rules[{index}].ok must be a boolean: {exc}") from exc
        if not holds:
            failed.append(str(rule["msg"]).strip())
    return failed + [str(p).strip() for p in problems if str(p).strip()]


def message(prefix: str, failed: list[str]) -> str:
    return (f"{prefix}: " if prefix else "") + "; ".join(failed)


class ActionModule(ControllerAction):
    """Checks inputs without a connection, so validate runs before any host is reached."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def act(self, args: dict[str, Any]) -> dict[str, Any]:
        failed = broken(args["rules"], args["problems"])
        if failed:
            return {"failed": True, "msg": message(args["prefix"], failed), "problems": failed}
        held = len(args["rules"]) + len(args["problems"])
        return {"msg": f"{held} rule(s) hold", "problems": [], "checked": len(args["rules"])}
