# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin of evaonline.deploy.pack_context: a build context as one tar, on the controller."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.evaonline.deploy.plugins.plugin_utils.build_context import pack

ARGUMENT_SPEC = {
    "context": {"type": "dict", "required": True},
    "dest": {"type": "path", "required": True},
}


class ActionModule(ActionBase):
    """Packs on the controller, so a build context travels to the host as one file."""

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)[1]
        context = args["context"]
        if not {"files", "dirs"} <= set(context):
            raise AnsibleActionFail("context must be what the build_context lookup returns")
        try:
            pack(context, args["dest"])
        except OSError as exc:
            raise AnsibleActionFail(f"cannot pack the context into {args['dest']}: {exc}") from exc
        result.update(changed=False, dest=args["dest"], files=len(context["files"]))
        return result
