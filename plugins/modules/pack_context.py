# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# The work is done by the action plugin of the same name, on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: pack_context
short_description: Write a Docker build context as one tar on the controller
version_added: 0.1.0
author:
  - EVAonline team (@evaonline)
description:
  - Packs the files and directories that the P(evaonline.deploy.build_context#lookup) lookup
    returned into one tar on the controller, with fixed owners, modes and times, so that it
    unpacks the same anywhere and travels to the host as one file.
options:
  context:
    description: The context, as the P(evaonline.deploy.build_context#lookup) lookup returns it.
    type: dict
    required: true
  dest:
    description: The tar to write on the controller; it is replaced.
    type: path
    required: true
extends_documentation_fragment:
  - evaonline.deploy.checks.controller
attributes:
  check_mode:
    description: Can run in check mode.
    support: none
"""

EXAMPLES = r"""
- name: Pack the context files into one tar on the controller
  evaonline.deploy.pack_context:
    context: "{{ query('evaonline.deploy.build_context', sources=sources) | first }}"
    dest: /tmp/context.tar
"""

RETURN = r"""
dest:
  description: The tar written.
  returned: success
  type: str
files:
  description: How many files it holds.
  returned: success
  type: int
"""
