# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin of evaonline.deploy.verify_report: verify.yml's JSON report, on the controller."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ansible.errors import AnsibleActionFail

from ansible_collections.evaonline.deploy.plugins.plugin_utils.controller_action import (
    ControllerAction,
)

ARGUMENT_SPEC = {
    "dir": {"type": "path", "required": True},
    "host": {"type": "str", "required": True},
    "project": {"type": "str", "required": True},
    "images": {"type": "dict", "default": {}},
    "health": {"type": "dict", "default": {}},
}


def report(host: str, project: str, images: Mapping[str, Any], health: Mapping[str, Any]) -> dict:
    """The report of one host from the image_budget and stack_health results (failed or not)."""
    return {
        "host": host,
        "project": project,
        "images": images.get("images") or [],
        "duplicates": images.get("duplicates") or [],
        "image_totals": {"dedup": images.get("dedup_total"), "naive": images.get("naive_total")},
        "images_ok": bool(images.get("within", False)),
        "images_msg": images.get("msg") or "",
        "services": health.get("services") or {},
        "checks": health.get("checks") or [],
        "healthy": bool(health.get("healthy", False)),
        "secret_leaks": health.get("secret_leaks") or {},
        "disk": health.get("disk") or {},
        "health_msg": health.get("msg") or "",
        "elapsed": health.get("elapsed"),
    }


def write_atomically(path: Path, text: str) -> None:
    """Replace the file in one rename, so a reader never sees half a report."""
    path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".verify-")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
        tmp.chmod(0o644)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class ActionModule(ControllerAction):
    """Writes on the controller in-process: no module runs on localhost per host."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def act(self, args: dict[str, Any]) -> dict[str, Any]:
        data = report(args["host"], args["project"], args["images"], args["health"])
        path = Path(args["dir"]) / ("verify-%s.json" % args["host"])
        # The report is output on the controller, not state of the servers: never "changed",
        # so a rerun of site.yml still reports changed=0. Check mode writes nothing.
        if self._task.check_mode:
            return {"path": str(path), "written": False, "report": data}
        try:
            write_atomically(path, json.dumps(data, indent=4, sort_keys=True) + "\n")
        except OSError as exc:
            raise AnsibleActionFail("cannot write the report %s: %s" % (path, exc)) from exc
        return {"path": str(path), "written": True, "report": data}
