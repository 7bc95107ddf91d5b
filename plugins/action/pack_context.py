# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin of evaonline.deploy.pack_context: a build context as one tar, on the controller."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleActionFail

from ansible_collections.evaonline.deploy.plugins.plugin_utils.build_context import pack
from ansible_collections.evaonline.deploy.plugins.plugin_utils.controller_action import (
    ControllerAction,
)

ARGUMENT_SPEC = {
    "context": {"type": "dict", "required": True},
    "dest": {"type": "path", "required": True},
}


class ActionModule(ControllerAction):
    """Packs on the controller, so a build context travels to the host as one file."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def act(self, args: dict[str, Any]) -> dict[str, Any]:
        context = args["context"]
        if not {"files", "dirs"} <= set(context):
            raise AnsibleActionFail("context must be what the build_context lookup returns")
        try:
            pack(context, args["dest"])
        except OSError as exc:
            raise AnsibleActionFail(f"cannot pack the context into {args['dest']}: {exc}") from exc
        return {"dest": args["dest"], "files": len(context["files"])}
