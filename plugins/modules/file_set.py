#!/usr/bin/python
# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: file_set
short_description: Make a set of directories and files in one round trip
version_added: 0.1.0
description:
  - Makes each directory of O(dirs), then writes each file of O(files), in order, in one call
    to the host. A role that writes ten files pays one round trip instead of twenty (the
    C(stat) and C(copy) of each M(ansible.builtin.template) task).
  - Each file's content is compared byte for byte with the file on the host. Only a file whose
    content differs is written, to a temporary file in the same directory, checked with its
    O(files[].validate) command, then moved over the old one in one rename. A file whose mode,
    owner or group differ has them set in place.
  - A failing O(files[].validate) leaves the live file, and every file after it, as they were.
  - The action plugin of the same name renders O(files[].template) on the controller, with the
    task's variables and the role's C(templates/) search path, as M(ansible.builtin.template)
    does.
author:
  - EVAonline team (@evaonline)
options:
  dirs:
    description: Directories to make, parents first.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path of the directory.
        type: path
        required: true
      mode:
        description: Octal mode, as a string such as V('0750').
        type: str
        required: true
      owner:
        description: Owner, by name or number.
        type: str
        default: root
      group:
        description: Group, by name or number.
        type: str
        default: root
  files:
    description: Files to write, in order.
    type: list
    elements: dict
    default: []
    suboptions:
      dest:
        description: Absolute path of the file. Its directory must exist (see O(dirs)).
        type: path
        required: true
      content:
        description: The file's text. Give one of it, O(files[].template) and O(files[].src).
        type: str
      template:
        description:
          - A template under the role's C(templates/), rendered on the controller into
            O(files[].content).
        type: str
      src:
        description: A file under the role's C(files/), read on the controller and copied as it is.
        type: str
      mode:
        description: Octal mode, as a string such as V('0644').
        type: str
        required: true
      owner:
        description: Owner, by name or number.
        type: str
        default: root
      group:
        description: Group, by name or number.
        type: str
        default: root
      force:
        description: Replace a file that exists. With V(false) an existing file is left alone.
        type: bool
        default: true
      validate:
        description:
          - Command that checks the new content before it goes live. C(%s) stands for the
            temporary file.
        type: str
      secret:
        description:
          - The content is secret. The action plugin passes it in O(secret_contents), which is
            kept out of every log and result, and no diff shows it.
        type: bool
        default: false
  secret_contents:
    description:
      - The content of the O(files[].secret) files, by O(files[].dest). The action plugin fills
        it from O(files[].content) or O(files[].template).
    type: dict
    default: {}
attributes:
  check_mode:
    description: Reports what it would change and changes nothing.
    support: full
  diff_mode:
    description: Shows the content changes of files that are not O(files[].secret).
    support: full
  action:
    description: An action plugin renders the templates on the controller.
    support: full
notes:
  - Files are compared byte for byte, not by checksum, so a rerun reads each file once.
seealso:
  - module: ansible.builtin.template
  - module: ansible.builtin.file
"""

EXAMPLES = r"""
- name: Render the stack's files
  evaonline.deploy.file_set:
    dirs:
      - {path: /opt/evaonline, mode: "0750"}
      - {path: /opt/evaonline/nginx, mode: "0755"}
    files:
      - dest: /opt/evaonline/nginx/site.conf
        template: opt/evaonline/nginx/site.conf.j2
        mode: "0644"
        validate: nginx -t -c %s
      - dest: /opt/evaonline/.env
        template: opt/evaonline/.env.j2
        mode: "0600"
        secret: true
"""

RETURN = r"""
changed_dirs:
  description: The directories made or whose mode, owner or group were set.
  returned: always
  type: list
  elements: str
  sample: [/opt/evaonline/nginx]
changed_files:
  description: The files written or whose mode, owner or group were set.
  returned: always
  type: list
  elements: str
  sample: [/opt/evaonline/nginx/site.conf]
"""

from pathlib import Path

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.evaonline.deploy.plugins.module_utils.file_set import (
    apply_attrs,
    changed,
    dir_plan,
    file_plan,
    ids,
    make_dir,
    write_file,
)

OWNED = {
    "mode": {"type": "str", "required": True},
    "owner": {"type": "str", "default": "root"},
    "group": {"type": "str", "default": "root"},
}


def diff_of(spec: dict) -> dict:
    try:
        before = Path(spec["dest"]).read_text()
    except OSError:
        before = ""
    return {
        "before_header": spec["dest"],
        "after_header": spec["dest"],
        "before": before,
        "after": spec["content"],
    }


def do_dirs(module: AnsibleModule) -> list:
    done = []
    for spec in module.params["dirs"]:
        uid, gid = ids(spec["owner"], spec["group"])
        plan = dir_plan(spec, uid, gid)
        if changed(plan):
            done.append(spec["path"])
            if not module.check_mode:
                make_dir(spec, uid, gid)
    return done


def do_files(module: AnsibleModule) -> tuple:
    done, diffs = [], []
    secrets = module.params["secret_contents"]
    for spec in module.params["files"]:
        if spec["secret"] and spec["dest"] in secrets:
            spec = {**spec, "content": secrets[spec["dest"]]}
        if spec["content"] is None:
            module.fail_json(msg="files: %s needs content, template or src" % spec["dest"])
        uid, gid = ids(spec["owner"], spec["group"])
        plan = file_plan(spec, uid, gid)
        if not changed(plan):
            continue
        done.append(spec["dest"])
        if plan["content"] and module._diff and not spec["secret"]:
            diffs.append(diff_of(spec))
        if module.check_mode:
            continue
        if plan["content"]:
            write_file(module, spec, uid, gid)
        else:
            apply_attrs(spec["dest"], spec["mode"], uid, gid)
    return done, diffs


ARGUMENT_SPEC = {
    "dirs": {
        "type": "list",
        "elements": "dict",
        "default": [],
        "options": {"path": {"type": "path", "required": True}, **OWNED},
    },
    "files": {
        "type": "list",
        "elements": "dict",
        "default": [],
        "options": {
            "dest": {"type": "path", "required": True},
            "content": {"type": "str"},
            "template": {"type": "str"},
            "src": {"type": "str"},
            "force": {"type": "bool", "default": True},
            "validate": {"type": "str"},
            "secret": {"type": "bool", "default": False},
            **OWNED,
        },
    },
    "secret_contents": {"type": "dict", "default": {}, "no_log": True},
}


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    try:
        dirs = do_dirs(module)
        files, diffs = do_files(module)
    except (OSError, KeyError, ValueError) as exc:
        module.fail_json(msg="file_set: %s" % exc)
    result = {"changed": bool(dirs or files), "changed_dirs": dirs, "changed_files": files}
    if diffs:
        result["diff"] = diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()
