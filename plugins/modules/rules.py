# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# The work is done by the action plugin of the same name, on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: rules
short_description: Check a list of rules and fail with the broken ones only
version_added: 0.1.0
author:
  - EVAonline team (@evaonline)
description:
  - Each rule is a condition and the message to show when it does not hold. The task fails
    with the messages of every broken rule, joined by C(; ), so one run names every variable
    to fix. Messages found another way (a filter that returns problems) can be added with
    O(problems).
  - It runs on the controller and needs no connection, so a role's C(validate) entry point can
    check an inventory before any host is reached.
options:
  rules:
    description: The rules, each C(ok) (a boolean) and C(msg) (what to fix, naming the variable).
    type: list
    elements: dict
    default: []
    suboptions:
      ok:
        description: Whether the rule holds.
        type: raw
        required: true
      msg:
        description: The message when it does not.
        type: str
        required: true
  problems:
    description: Messages of problems already found; each one fails the task.
    type: list
    elements: str
    default: []
  prefix:
    description: Put in front of the joined messages, such as the role's name.
    type: str
    default: ""
extends_documentation_fragment:
  - evaonline.deploy.checks.controller
attributes:
  check_mode:
    description: Can run in check mode.
    support: full
"""

EXAMPLES = r"""
- name: Check the backup settings
  evaonline.deploy.rules:
    prefix: backup
    rules:
      - ok: "{{ backup_dir is abs }}"
        msg: "backup_dir must be an absolute path (got '{{ backup_dir }}')"
      - ok: "{{ backup_keep | int >= 1 }}"
        msg: "backup_keep must be at least 1 (got {{ backup_keep }})"
"""

RETURN = r"""
problems:
  description: The messages of the broken rules and the given problems.
  returned: always
  type: list
  elements: str
checked:
  description: How many rules were checked.
  returned: always
  type: int
"""
