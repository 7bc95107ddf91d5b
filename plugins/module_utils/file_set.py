# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of evaonline.deploy.file_set: what differs between wanted and present files, and
the writes that repair it. Plain functions over dicts and paths, unit-testable in a tmp dir.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
import tempfile
from pathlib import Path


def present(path: str) -> dict | None:
    """Type, mode, owner and group of ``path`` (not following a last symlink), or None."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    return {
        "dir": stat.S_ISDIR(st.st_mode),
        "file": stat.S_ISREG(st.st_mode),
        "mode": "%04o" % stat.S_IMODE(st.st_mode),
        "uid": st.st_uid,
        "gid": st.st_gid,
    }


def ids(owner: str, group: str) -> tuple:
    """Numeric uid and gid of a user and group given by name or number."""
    uid = int(owner) if owner.isdigit() else pwd.getpwnam(owner).pw_uid
    gid = int(group) if group.isdigit() else grp.getgrnam(group).gr_gid
    return uid, gid


def attr_changes(have: dict, mode: str, uid: int, gid: int) -> list:
    """Which of mode, owner and group differ from what is wanted."""
    out = []
    if have["mode"] != "%04o" % int(mode, 8):
        out.append("mode")
    if have["uid"] != uid:
        out.append("owner")
    if have["gid"] != gid:
        out.append("group")
    return out


def content_differs(path: str, content: bytes) -> bool:
    """Whether the regular file at ``path`` holds other bytes than ``content``."""
    file = Path(path)
    if file.stat().st_size != len(content):
        return True
    return file.read_bytes() != content


def file_plan(spec: dict, uid: int, gid: int) -> dict:
    """What writing one file changes: ``create``, ``content`` and the attributes."""
    have = present(spec["dest"])
    if have is None:
        return {"create": True, "content": True, "attrs": []}
    if not have["file"]:
        raise ValueError("%s exists and is not a regular file" % spec["dest"])
    if not spec["force"]:
        return {"create": False, "content": False, "attrs": []}
    content = spec["content"].encode("utf-8")
    return {
        "create": False,
        "content": content_differs(spec["dest"], content),
        "attrs": attr_changes(have, spec["mode"], uid, gid),
    }


def dir_plan(spec: dict, uid: int, gid: int) -> dict:
    """What making one directory changes: ``create`` and the attributes."""
    have = present(spec["path"])
    if have is None:
        return {"create": True, "attrs": []}
    if not have["dir"]:
        raise ValueError("%s exists and is not a directory" % spec["path"])
    return {"create": False, "attrs": attr_changes(have, spec["mode"], uid, gid)}


def changed(plan: dict) -> bool:
    return bool(plan.get("create") or plan.get("content") or plan.get("attrs"))


def apply_attrs(path: str, mode: str, uid: int, gid: int) -> None:
    os.chown(path, uid, gid, follow_symlinks=False)
    Path(path).chmod(int(mode, 8))


def make_dir(spec: dict, uid: int, gid: int) -> None:
    if present(spec["path"]) is None:
        Path(spec["path"]).mkdir()
    apply_attrs(spec["path"], spec["mode"], uid, gid)


def write_file(module: object, spec: dict, uid: int, gid: int) -> None:
    """Write beside the live file, validate, then rename over it: the live file is either
    the old one or the new one, never half of either."""
    dest = Path(spec["dest"])
    fd, name = tempfile.mkstemp(dir=dest.parent, prefix=".%s." % dest.name)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(spec["content"].encode("utf-8"))
        apply_attrs(name, spec["mode"], uid, gid)
        if spec.get("validate"):
            validate(module, spec["validate"], name, str(dest))
        tmp.rename(dest)
    finally:
        tmp.unlink(missing_ok=True)


def validate(module: object, command: str, tmp: str, dest: str) -> None:
    if "%s" not in command:
        module.fail_json(msg="files: validate of %s must contain %%s" % dest)
    rc, out, err = module.run_command(command % tmp)
    if rc != 0:
        module.fail_json(
            msg="failed to validate %s: %s" % (dest, (err.strip() or out.strip())),
            rc=rc,
            stdout=out,
            stderr=err,
        )
