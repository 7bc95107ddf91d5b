# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters over image references and the pinned base image table: the functions of
module_utils/images.py, which the unit tests call directly."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible_collections.evaonline.deploy.plugins.module_utils import images


class FilterModule:
    """Filters of evaonline.deploy's image references."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "base_image_problems": images.table_problems,
            "base_image_refs": images.resolve,
            "images_missing": images.missing,
            "bundle_stale": images.bundle_stale,
            "bundle_wrong_ids": images.bundle_wrong_ids,
            "bundle_images": images.bundle_images,
        }
