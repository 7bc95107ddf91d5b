# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Lookup plugin: the files of a Docker build context and its content hash."""

from __future__ import annotations

DOCUMENTATION = r"""
name: build_context
author:
  - EVAonline team (@evaonline)
short_description: List a Docker build context assembled from controller paths and hash it
description:
  - Merges controller files and directories into one virtual build context, in order
    (a later source overrides an earlier one at the same path).
  - Drops every path the context's C(.dockerignore) excludes, with Docker's pattern rules
    (C(*), C(?), C(**), character classes, C(!) exceptions, a leading C(/), a pattern that
    matches a directory excludes everything below it, the last matching pattern wins).
    C(Dockerfile) and C(.dockerignore) always stay, as Docker always sends them.
  - Symbolic links are followed, as M(ansible.builtin.copy) does by default.
  - File modes are normalised to C(0755) (any execute bit) or C(0644), so the hash does not
    depend on the controller's umask; copy the files with the returned mode.
  - The hash is SHA-256 over the sorted relative paths, each file's mode and bytes, the
    directories, and O(extra) as canonical JSON. It is exact and deterministic.
  - Returns a single dictionary with keys C(hash), C(files) (list of C(path), C(src), C(mode)),
    C(dirs) (list of relative directory paths) and C(ignored) (count of excluded files).
  - A source may carry its own ignore files (C(ignore_files)), whose patterns apply to the
    paths below that source, as if it were a build context of its own. This is how an app's
    own C(.dockerignore) and the collection's are both honoured under C(app/).
options:
  sources:
    description:
      - Ordered list of dictionaries with C(src) (controller file or directory; relative paths
        resolve against the playbook directory) and C(dest) (path inside the context;
        C(.) for the root).
      - Instead of C(src), C(content) gives the text of a generated file at C(dest).
      - C(ignore_files) (optional) lists controller files in C(.dockerignore) syntax applied to a
        directory source's own relative paths, in order (the last matching pattern wins);
        files that do not exist are skipped.
    type: list
    elements: dict
    required: true
  extra:
    description: Further build inputs to fold into the hash (build arguments, base image ID).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Compute the build context and its hash
  ansible.builtin.set_fact:
    ctx: >-
      {{ query('evaonline.deploy.build_context',
               sources=[{'src': 'app', 'dest': '.'}, {'src': 'Dockerfile', 'dest': 'Dockerfile'}],
               extra={'BASE_IMAGE': 'python:3.13-slim'}) | first }}
"""

RETURN = r"""
_raw:
  description: One dictionary with C(hash), C(files), C(dirs) and C(ignored).
  type: list
  elements: dict
"""

import re
from pathlib import Path

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.evaonline.deploy.plugins.plugin_utils.build_context import (
    build_context,
    norm_dest,
)


class LookupModule(LookupBase):
    def run(self, terms: list, variables: dict | None = None, **kwargs: object) -> list[dict]:
        self.set_options(var_options=variables, direct=kwargs)
        try:
            return [self._context()]
        except (OSError, ValueError, re.error) as exc:
            raise AnsibleLookupError(f"build_context: {exc}") from exc

    def _context(self) -> dict:
        pairs, contents = [], {}
        for item in self.get_option("sources"):
            if isinstance(item, dict) and "content" in item and item.get("dest"):
                contents[norm_dest(item["dest"])] = str(item["content"])
                continue
            if not isinstance(item, dict) or "src" not in item:
                raise ValueError(f"a source needs src and dest: {item!r}")
            src = Path(self._loader.path_dwim(str(item["src"]))).resolve()
            ignore = [
                str(Path(self._loader.path_dwim(str(p)))) for p in item.get("ignore_files") or []
            ]
            pairs.append((str(src), norm_dest(item.get("dest", ".")), ignore))
        return build_context(pairs, self.get_option("extra"), contents)
