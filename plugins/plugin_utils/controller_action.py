# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The base of the collection's actions that run on the controller alone."""

from __future__ import annotations

from typing import Any, ClassVar

from ansible.plugins.action import ActionBase


class ControllerAction(ActionBase):
    """Validates its arguments and acts without a connection to the host, so it can run
    before any host is reached (validate entry points) or beside one (packing a context)."""

    TRANSFERS_FILES = False
    _requires_connection = False
    ARGUMENT_SPEC: ClassVar[dict[str, Any]] = {}

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC)[1]
        result.update(changed=False)
        result.update(self.act(args))
        return result

    def act(self, args: dict[str, Any]) -> dict[str, Any]:
        """The result keys of this action."""
        raise NotImplementedError
