# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Lookup plugin: absolute paths of files shipped inside this collection."""

from __future__ import annotations

DOCUMENTATION = r"""
name: collection_path
author:
  - EVAonline team (@evaonline)
version_added: 0.1.0
short_description: Absolute path of a file shipped in the evaonline.deploy collection
description:
  - Returns, for each term, the absolute path of that relative path inside the installed
    collection, such as the bundled reference app (V(app)) or the runtime image's V(Dockerfile).
  - The roles use it instead of climbing out of C(role_path), so they find the collection's
    files wherever it is installed. It fails for a path the collection does not ship.
options:
  _terms:
    description: Paths relative to the collection's root.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Show where the bundled app lives
  ansible.builtin.debug:
    msg: "{{ lookup('evaonline.deploy.collection_path', 'app') }}"
"""

RETURN = r"""
_raw:
  description: One absolute path per term.
  type: list
  elements: path
"""

from pathlib import Path

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

# plugins/lookup/collection_path.py -> the collection's root
ROOT = Path(__file__).resolve().parents[2]


def collection_path(relative: str) -> str:
    """The absolute path of ``relative`` in the collection; it must exist and stay inside."""
    path = (ROOT / relative).resolve()
    if (path != ROOT and ROOT not in path.parents) or not path.exists():
        raise AnsibleLookupError(f"collection_path: {relative!r} is not a file of the collection")
    return str(path)


class LookupModule(LookupBase):
    def run(self, terms: list, variables: dict | None = None, **kwargs: object) -> list[str]:
        return [collection_path(str(term)) for term in terms]
