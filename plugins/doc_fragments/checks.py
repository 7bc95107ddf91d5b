# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """Shared by the read-only check modules (image_budget, stack_health)."""

    # The Docker connection options and requirements.
    DOCUMENTATION = r"""
requirements:
  - Docker SDK for Python >= 2.0 (C(docker))
  - Docker API >= 1.25
options:
  docker_host:
    description:
      - URL of the Docker daemon API, as for the community.docker modules.
    type: str
    default: unix:///var/run/docker.sock
    aliases: [docker_url]
  api_timeout:
    description:
      - Seconds to wait for one Docker API response.
    type: int
    default: 60
    aliases: [docker_timeout]
"""

    # A check reads and never changes anything.
    ATTRIBUTES = r"""
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without changes.
    support: full
  diff_mode:
    description: Will return details on what has changed when in diff mode.
    support: none
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second
        invocation indicates no change.
    support: full
    details:
      - This action does not modify state.
"""

    # An action that runs on the controller alone, with no connection to the host.
    CONTROLLER = r"""
attributes:
  action:
    description: Runs on the controller, as an action plugin.
    support: full
  async:
    description: Cannot run asynchronously.
    support: none
  become:
    description: Needs no privilege escalation.
    support: none
  bypass_host_loop:
    description: Runs once per host.
    support: none
  connection:
    description: Needs no connection to the host.
    support: none
  delegation:
    description: Runs on the controller whatever delegate_to says.
    support: none
  diff_mode:
    description: Will return details on what has changed when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: all
"""
