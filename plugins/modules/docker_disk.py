#!/usr/bin/python
# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: docker_disk
short_description: Refuse a build or pull when the Docker data root is short of space
version_added: 0.1.0
description:
  - Asks the Docker daemon for its data root (C(DockerRootDir) of C(GET /info)) and measures
    the space available on its file system with C(statvfs), as C(stat -f) does, whatever the
    file system's type (ext4, xfs, tmpfs, overlay, ZFS).
  - Fails before any change when fewer than O(need_mb) plus O(margin_mb) MiB are free. The
    message names O(margin_var) and the figures.
  - The module never changes anything, so it never reports C(changed).
author:
  - EVAonline team (@evaonline)
extends_documentation_fragment:
  - evaonline.deploy.checks
  - evaonline.deploy.checks.attributes
options:
  need_mb:
    description: MiB the coming step writes (an estimate of what it pulls or builds).
    type: int
    default: 0
  margin_mb:
    description:
      - MiB that must stay free beyond O(need_mb), for the running stack to keep writing
        (Postgres' WAL, Redis' AOF, logs).
    type: int
    required: true
  margin_var:
    description: Name of the variable that sets O(margin_mb), quoted in the failure message.
    type: str
    default: margin_mb
  purpose:
    description: What the space is for, quoted in the messages.
    type: str
    default: the next step
seealso:
  - module: evaonline.deploy.stack_health
"""

EXAMPLES = r"""
- name: Refuse the build when the Docker data root is short of space
  evaonline.deploy.docker_disk:
    need_mb: 1500
    margin_mb: "{{ runtime_image_min_free_mb }}"
    margin_var: runtime_image_min_free_mb
    purpose: the runtime image build
"""

RETURN = r"""
root:
  description: The Docker data root, as the daemon reports it.
  returned: success
  type: str
  sample: /var/lib/docker
free_mb:
  description: MiB available on the data root's file system.
  returned: always
  type: int
  sample: 20480
needed_mb:
  description: O(need_mb) plus O(margin_mb).
  returned: always
  type: int
  sample: 3548
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.evaonline.deploy.plugins.module_utils.disk import (
    free_mib,
    room_problem,
)
from ansible_collections.evaonline.deploy.plugins.module_utils.docker_api import (
    DOCKER_COMMON_ARGS,
    docker_client,
)


def measure(module: AnsibleModule) -> dict:
    """Data root, free MiB and the refusal (or None) for the module's parameters."""
    params = module.params
    root = docker_client(module).info()["DockerRootDir"]
    free = free_mib(root)
    problem = room_problem(
        root, free, params["need_mb"], params["margin_mb"], params["margin_var"], params["purpose"]
    )
    return {
        "root": root,
        "free_mb": free,
        "needed_mb": params["need_mb"] + params["margin_mb"],
        "problem": problem,
    }


def main() -> None:
    argument_spec = {
        "need_mb": {"type": "int", "default": 0},
        "margin_mb": {"type": "int", "required": True},
        "margin_var": {"type": "str", "default": "margin_mb"},
        "purpose": {"type": "str", "default": "the next step"},
    }
    argument_spec.update(DOCKER_COMMON_ARGS)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    found = measure(module)
    problem = found.pop("problem")
    if problem:
        module.fail_json(msg=problem, changed=False, **found)
    module.exit_json(
        msg="%s has %d MiB free for %s (needs %d MiB)"
        % (found["root"], found["free_mb"], module.params["purpose"], found["needed_mb"]),
        changed=False,
        **found,
    )


if __name__ == "__main__":
    main()
