# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Lookup plugin: the dependency files of an app, for the runtime image's dependency layer."""

from __future__ import annotations

DOCUMENTATION = r"""
name: app_dependencies
author:
  - EVAonline team (@evaonline)
short_description: Find how an app installs its dependencies, and the files that takes
description:
  - Detects the dependency shape of an app directory on the controller, or checks the one given.
    Auto-detection takes the first of C(requirements.txt), C(requirements/production.txt),
    C(pyproject.toml) with C(uv.lock) (shape C(uv)), C(pyproject.toml) alone (shape C(pyproject)).
  - For requirements files, follows their C(-r)/C(--requirement) and C(-c)/C(--constraint)
    includes (relative to the including file) and refuses includes outside the app and lines
    that install local code (C(-e .), paths), since the dependency layer holds no app code.
  - For C(pyproject), writes C([project].dependencies) out as a generated requirements file.
  - Returns one dictionary with C(shape), C(installer), C(entries), C(summary) (one line for the
    build output), C(sources) (build_context sources under O(dest)) and C(contents) (generated
    files under O(dest), the manifest C(deps.env) included).
options:
  src:
    description: The app directory on the controller.
    type: path
    required: true
  shape:
    description: V(auto), V(requirements), V(pyproject) or V(uv).
    type: str
    default: auto
  requirements:
    description: Requirements files relative to O(src) (shape V(requirements), or V(auto) when set).
    type: list
    elements: str
    default: []
  installer:
    description: V(pip) or V(uv) for the requirements and pyproject shapes (V(uv) always uses uv).
    type: str
    default: pip
  dest:
    description: Directory inside the build context that receives the files.
    type: str
    default: build/deps
"""

EXAMPLES = r"""
- name: Find the app's dependency files
  ansible.builtin.set_fact:
    deps: "{{ lookup('evaonline.deploy.app_dependencies', src='/srv/evaonline') }}"
"""

RETURN = r"""
_raw:
  description: One dictionary with C(shape), C(installer), C(entries), C(summary), C(sources)
    and C(contents).
  type: list
  elements: dict
"""

import posixpath
from pathlib import Path

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.evaonline.deploy.plugins.plugin_utils.app_deps import DepsError, resolve


class LookupModule(LookupBase):
    def run(self, terms: list, variables: dict | None = None, **kwargs: object) -> list[dict]:
        self.set_options(var_options=variables, direct=kwargs)
        root = Path(self._loader.path_dwim(str(self.get_option("src")))).resolve()
        dest = self.get_option("dest").strip("/")
        try:
            deps = resolve(
                str(root),
                self.get_option("shape"),
                self.get_option("requirements"),
                self.get_option("installer"),
            )
        except (DepsError, OSError) as exc:
            raise AnsibleLookupError(str(exc)) from exc
        contents = {posixpath.join(dest, p): text for p, text in deps.generated.items()}
        contents[posixpath.join(dest, "deps.env")] = deps.manifest()
        return [
            {
                "shape": deps.shape,
                "installer": deps.installer,
                "entries": deps.entries,
                "summary": deps.summary(),
                "sources": [
                    {"src": str(root / f), "dest": posixpath.join(dest, f)} for f in deps.files
                ],
                "contents": contents,
            }
        ]
