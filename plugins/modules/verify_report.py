# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# The work is done by the action plugin of the same name, on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: verify_report
short_description: Write the JSON report of verify.yml for one host, on the controller
version_added: 0.1.0
author:
  - EVAonline team (@evaonline)
description:
  - Builds the report of one host from the results of M(evaonline.deploy.image_budget) and
    M(evaonline.deploy.stack_health), failed or not, and writes it as
    C(<dir>/verify-<host>.json) on the controller. It creates O(dir) when missing.
  - It runs inside the controller's Ansible process. No module runs on localhost, so the
    report costs no round trip.
  - The file is replaced in one rename, so a reader never sees half a report.
  - The report is output, not state of a server, so the task never reports C(changed). In check
    mode it writes nothing and returns the report it would write.
options:
  dir:
    description: Directory on the controller that gets the report.
    type: path
    required: true
  host:
    description: The host the report is about. It names the file.
    type: str
    required: true
  project:
    description: The stack's Compose project or Swarm stack name.
    type: str
    required: true
  images:
    description: The registered result of M(evaonline.deploy.image_budget).
    type: dict
    default: {}
  health:
    description: The registered result of M(evaonline.deploy.stack_health).
    type: dict
    default: {}
extends_documentation_fragment:
  - evaonline.deploy.checks.controller
attributes:
  check_mode:
    description: Can run in check mode. It then writes nothing.
    support: full
"""

EXAMPLES = r"""
- name: Write the JSON report on the controller
  evaonline.deploy.verify_report:
    dir: "{{ playbook_dir }}/reports"
    host: "{{ inventory_hostname }}"
    project: evaonline
    images: "{{ verify_images }}"
    health: "{{ verify_health }}"
"""

RETURN = r"""
path:
  description: The report file.
  returned: always
  type: str
  sample: /home/ops/evaonline/reports/verify-web1.json
written:
  description: Whether the file was written (V(false) in check mode).
  returned: always
  type: bool
  sample: true
report:
  description:
    - The report. Its keys are C(host), C(project), C(images), C(duplicates), C(image_totals),
      C(images_ok), C(images_msg), C(services), C(checks), C(healthy), C(secret_leaks),
      C(disk), C(health_msg) and C(elapsed).
  returned: always
  type: dict
"""
