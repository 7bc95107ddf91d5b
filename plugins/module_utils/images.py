# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Image references and the pinned base image table: parse, check, mirror, resolve.

Every message names the variable to fix. Pure functions, so the base_images role,
playbooks/bundle.yml and the unit tests share one reading of an image reference.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

_HUB_PREFIX = re.compile(r"^(docker\.io|index\.docker\.io|registry-1\.docker\.io)/")
_MIRROR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*(:[0-9]+)?(/[a-z0-9._-]+)*/?$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_REPOSITORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:-]*[A-Za-z0-9]$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_WHOLE = re.compile(r"^[0-9]+$")
_FACTOR = re.compile(r"^[0-9]+(\.[0-9]+)?$")


@dataclass(frozen=True)
class ImageRef:
    """A parsed reference: registry host ('' for Docker Hub), repository, tag, digest."""

    registry: str
    repository: str
    tag: str
    digest: str


def _is_registry(part: str) -> bool:
    return "." in part or ":" in part or part == "localhost"


def parse(ref: str) -> ImageRef:
    """Split ``[registry/]repository[:tag][@digest]``; Docker Hub prefixes are dropped."""
    rest, at, digest = str(ref).strip().partition("@")
    digest = digest if at else ""
    rest = _HUB_PREFIX.sub("", rest)
    first, slash, after = rest.partition("/")
    registry = first if slash and _is_registry(first) else ""
    path = after if registry else rest
    repository, colon, tag = path.rpartition(":")
    if not colon or "/" in tag:
        repository, tag = path, ""
    return ImageRef(registry, repository, tag, digest)


def pinned(ref: str) -> bool:
    """Whether ``ref`` names one image by an explicit tag or a digest, never :latest."""
    image = parse(ref)
    return bool(image.repository) and image.tag != "latest" and bool(image.tag or image.digest)


def mirror_problem(mirror: str) -> str | None:
    """Why evaonline_registry_mirror is not host[:port][/path], or None."""
    value = str(mirror or "").strip()
    if value and not _MIRROR.match(value):
        return (
            "evaonline_registry_mirror must be host[:port][/path] with no scheme "
            f"(e.g. mirror.example.com:5000), got {json.dumps(value)}"
        )
    return None


def merge_table(table: Mapping[str, Any], overrides: Mapping[str, Any] | None) -> dict[str, dict]:
    """The table with each known entry's overridden fields; unknown names are ignored here."""
    merged = {name: dict(entry or {}) for name, entry in table.items()}
    for name, fields in (overrides or {}).items():
        if name in merged and isinstance(fields, Mapping):
            merged[name].update(fields)
    return merged


def _entry_problems(name: str, entry: Mapping[str, Any]) -> list[str]:
    where = f"base_images_table.{name}"
    tag = str(entry.get("tag") or "").strip()
    repository = entry.get("repository") or ""
    digest = entry.get("digest") or ""
    size = entry.get("approx_size_mb", 0)
    problems = []
    if tag in ("", "latest"):
        problems.append(f"{where}.tag must be an explicit version, got {json.dumps(tag)}")
    elif not _TAG.match(tag):
        problems.append(f"{where}.tag is not a valid tag: {json.dumps(tag)}")
    if not _REPOSITORY.match(str(repository)):
        problems.append(
            f"{where}.repository must be a repository name without tag or digest,"
            f" got {json.dumps(entry.get('repository', ''))}"
        )
    if digest and not _DIGEST.match(str(digest)):
        problems.append(f"{where}.digest must be sha256:<64 hex digits>, got {json.dumps(digest)}")
    if not _WHOLE.match(str(size)):
        problems.append(
            f"{where}.approx_size_mb must be a whole number of MB, got {json.dumps(size)}"
        )
    return problems


def _unknown(variable: str, given: Iterable[str], known: list[str]) -> list[str]:
    unknown = sorted(set(given) - set(known))
    if not unknown:
        return []
    return [f"{variable}: unknown image(s) {', '.join(unknown)} (known: {', '.join(known)})"]


def table_problems(
    table: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    enabled: Iterable[str] | None = None,
    mirror: str = "",
    margin_mb: Any = 0,
    size_factor: Any = 1,
) -> list[str]:
    """Every problem of the base image inputs, each naming its variable."""
    known = sorted(table)
    problems = [p for p in [mirror_problem(mirror)] if p]
    problems += _unknown("base_images_overrides", (overrides or {}).keys(), known)
    problems += _unknown("base_images_enabled", enabled or [], known)
    merged = merge_table(table, overrides)
    for name in known:
        problems += _entry_problems(name, merged[name])
    if not _WHOLE.match(str(margin_mb)):
        got = json.dumps(margin_mb)
        problems.append(f"base_images_min_free_margin_mb must be a whole number >= 0, got {got}")
    if not _FACTOR.match(str(size_factor)) or float(size_factor) < 1:
        problems.append(
            f"base_images_bundle_size_factor must be a number >= 1, got {json.dumps(size_factor)}"
        )
    return problems


def mirrored(repository: str, mirror: str) -> str:
    """Where a pull finds ``repository``: under the mirror for Docker Hub names, else as is."""
    repo = _HUB_PREFIX.sub("", repository)
    first = repo.split("/")[0]
    on_hub = "/" not in repo or not _is_registry(first)
    host = str(mirror or "").strip().rstrip("/")
    if not (host and on_hub):
        return repo
    return f"{host}/{repo if '/' in repo else 'library/' + repo}"


def selected(merged: Mapping[str, Any], enabled: Iterable[str] | None, flavour: str) -> list[str]:
    """Names to make present: base_images_enabled, else each enabled entry, one postgres flavour."""
    chosen = list(enabled or [])
    other = "postgres" if flavour == "postgis" else "postgis"
    if chosen:
        return [name for name in sorted(merged) if name in chosen]
    return [
        name
        for name in sorted(merged)
        if _truthy(merged[name].get("enabled", True)) and name != other
    ]


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "yes", "on", "1")


def resolve(
    table: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    enabled: Iterable[str] | None = None,
    mirror: str = "",
    flavour: str = "postgres",
) -> dict[str, dict[str, Any]]:
    """name -> pull (what to pull and look up), ref (handed to the stack), canonical
    (Docker Hub style repository:tag), repository, tag, digest, approx_size_mb."""
    merged = merge_table(table, overrides)
    refs = {}
    for name in selected(merged, enabled, flavour):
        entry = merged[name]
        repo = _HUB_PREFIX.sub("", str(entry["repository"]))
        where = mirrored(repo, mirror)
        tag = str(entry["tag"]).strip()
        digest = entry.get("digest") or ""
        refs[name] = {
            "pull": f"{where}@{digest}" if digest else f"{where}:{tag}",
            "ref": f"{where}:{tag}" + (f"@{digest}" if digest else ""),
            "canonical": f"{repo}:{tag}",
            "repository": repo,
            "tag": tag,
            "digest": digest,
            "approx_size_mb": int(entry.get("approx_size_mb") or 0),
        }
    return refs


def present_refs(images: Iterable[Mapping[str, Any]]) -> set[str]:
    """Every tag and digest reference of images as docker_image_info returns them."""
    have: set[str] = set()
    for image in images:
        have.update(image.get("RepoTags") or [])
        have.update(image.get("RepoDigests") or [])
    return have


def missing(lookup: Mapping[str, str], images: Iterable[Mapping[str, Any]]) -> list[str]:
    """Names whose reference (name -> ref) no image carries."""
    have = present_refs(images)
    return [name for name, ref in lookup.items() if ref not in have]


def bundle_stale(manifest: Mapping[str, Any], refs: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The wanted images the bundle manifest does not hold at the pinned version."""
    images = manifest.get("images") or {}
    stale = []
    for name, want in refs.items():
        got = images.get(name) or {}
        fields = ("repository", "tag", "digest")
        if [got.get(f, "") for f in fields] != [want[f] for f in fields]:
            pin = want["canonical"] + (f"@{want['digest']}" if want["digest"] else "")
            stale.append(f"{name} {pin}")
    return stale


def _ids_of(ref: str, images: Iterable[Mapping[str, Any]]) -> list[str]:
    return [str(i.get("Id")) for i in images if ref in (i.get("RepoTags") or [])]


def bundle_wrong_ids(
    manifest: Mapping[str, Any], names: Iterable[str], images: Iterable[Mapping[str, Any]]
) -> list[str]:
    """The loaded images whose ID is not the one the manifest records."""
    images = list(images)
    wrong = []
    for name in names:
        entry = manifest["images"][name]
        ids = _ids_of(entry["ref"], images)
        if ids != [entry["id"]]:
            wrong.append(
                f"{entry['ref']} has ID {','.join(ids) or 'none'}, manifest says {entry['id']}"
            )
    return wrong


def bundle_images(
    refs: Mapping[str, Mapping[str, Any]], images: Iterable[Mapping[str, Any]]
) -> dict[str, dict[str, str]]:
    """The manifest's images: each tagged with its canonical name, and its image ID."""
    images = list(images)
    entries = {}
    for name in sorted(refs):
        ref = refs[name]
        ids = _ids_of(ref["canonical"], images)
        entries[name] = {
            "ref": ref["canonical"],
            "repository": ref["repository"],
            "tag": ref["tag"],
            "digest": ref["digest"],
            "source": ref["ref"],
            "id": ids[0] if ids else "",
        }
    return entries
