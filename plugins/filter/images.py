# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters over image references and the pinned base image table (module_utils/images.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ansible_collections.evaonline.deploy.plugins.module_utils import images


def base_image_problems(
    table: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    enabled: Iterable[str] | None = None,
    mirror: str = "",
    margin_mb: Any = 0,
    size_factor: Any = 1,
) -> list[str]:
    return images.table_problems(table, overrides, enabled, mirror, margin_mb, size_factor)


def base_image_refs(
    table: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    enabled: Iterable[str] | None = None,
    mirror: str = "",
    flavour: str = "postgres",
) -> dict[str, dict[str, Any]]:
    return images.resolve(table, overrides, enabled, mirror, flavour)


def images_missing(lookup: Mapping[str, str], info: Iterable[Mapping[str, Any]]) -> list[str]:
    return images.missing(lookup, info)


def bundle_stale(manifest: Mapping[str, Any], refs: Mapping[str, Mapping[str, Any]]) -> list[str]:
    return images.bundle_stale(refs, manifest)


def bundle_wrong_ids(
    manifest: Mapping[str, Any], names: Iterable[str], info: Iterable[Mapping[str, Any]]
) -> list[str]:
    return images.bundle_wrong_ids(names, manifest, info)


def bundle_images(
    refs: Mapping[str, Mapping[str, Any]], info: Iterable[Mapping[str, Any]]
) -> dict[str, dict[str, str]]:
    return images.bundle_images(refs, info)


class FilterModule:
    """Filters of evaonline.deploy's image references."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "base_image_problems": base_image_problems,
            "base_image_refs": base_image_refs,
            "images_missing": images_missing,
            "bundle_stale": bundle_stale,
            "bundle_wrong_ids": bundle_wrong_ids,
            "bundle_images": bundle_images,
        }
