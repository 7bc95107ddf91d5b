# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pure logic of evaonline.deploy.image_budget: layer sizes, dedup totals, budgets, duplicates.

Nothing here talks to Docker; the module feeds it plain dicts built from the Engine API so the
arithmetic is unit-testable.

Layer sizes. The Engine API has no per-layer size call, but ``GET /images/{id}/history``
returns (newest first) one entry per build step with the on-disk diff size the daemon
measured for that step's layer (metadata-only steps have size 0). The entries that carry a
layer are, in order, the image's ``RootFS.Layers``. Entries with a size above 0 always carry a
layer; zero-size entries are assigned with the help of their ``CreatedBy`` text (``#(nop)``
steps other than ADD/COPY, and BuildKit's ENV/LABEL/CMD/... steps, carry none). Layers are
identified by their chain ID (the OCI ``ChainID`` of the diff IDs up to that layer), which is
what the daemon's layer store deduplicates on. The module cross-checks the result against the
daemon's own ``SharedSize`` from ``GET /system/df`` and reports ``layer_sizes_verified``.
"""

from __future__ import annotations

import fnmatch
import hashlib

from ansible_collections.evaonline.deploy.plugins.module_utils.sizes import format_size

TITLE_LABEL = "org.opencontainers.image.title"

_METADATA_STEPS = (
    "ARG",
    "CMD",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
)


def chain_ids(diff_ids: list) -> list:
    """Return the OCI chain IDs for a list of layer diff IDs (identity of a layer on disk)."""
    result = []
    for diff_id in diff_ids:
        if not result:
            result.append(diff_id)
        else:
            digest = hashlib.sha256(("%s %s" % (result[-1], diff_id)).encode("utf-8")).hexdigest()
            result.append("sha256:" + digest)
    return result


def step_has_layer(created_by: str) -> bool:
    """Guess whether a zero-size history step produced a (zero-size) layer."""
    text = (created_by or "").strip()
    if "#(nop)" in text:
        rest = text.split("#(nop)", 1)[1].strip()
        return rest.startswith(("ADD", "COPY"))
    word = text.split(" ", 1)[0].upper() if text else ""
    return word not in _METADATA_STEPS


def layer_sizes_from_history(history: list, layer_count: int) -> tuple:
    """Align history entries (oldest first, dicts with Size/CreatedBy) with the image layers.

    Returns ``(sizes, exact)``: ``sizes`` has one int per layer and sums to the image size;
    ``exact`` is False when the alignment had to guess.
    """
    sized = [i for i, h in enumerate(history) if int(h.get("Size") or 0) > 0]
    zero = [i for i, h in enumerate(history) if int(h.get("Size") or 0) <= 0]
    missing = layer_count - len(sized)
    exact = True
    if missing < 0:
        # More sized steps than layers should not happen; fold the oldest extras into layer 0.
        sizes = [int(history[i]["Size"]) for i in sized]
        if layer_count == 0:
            return [], False
        extra = len(sizes) - layer_count
        return [sum(sizes[: extra + 1]), *sizes[extra + 1 :]], False
    candidates = [i for i in zero if step_has_layer(history[i].get("CreatedBy", ""))]
    if len(candidates) != missing:
        exact = missing == 0
        if len(candidates) > missing:
            candidates = candidates[:missing]
        else:
            others = [i for i in zero if i not in candidates]
            candidates = candidates + others[: missing - len(candidates)]
    chosen = sorted(sized + candidates)
    sizes = [int(history[i].get("Size") or 0) for i in chosen]
    sizes += [0] * (layer_count - len(sizes))
    return sizes, exact


def shared_sizes(images: list, of: list | None = None) -> dict:
    """Recompute the daemon's SharedSize per image ID from chain IDs and layer sizes: of the
    images in ``of`` (default all), counting the layers every image in ``images`` uses."""
    refs = {}
    for image in images:
        for chain in set(image["chain_ids"]):
            refs[chain] = refs.get(chain, 0) + 1
    result = {}
    for image in images if of is None else of:
        seen = set()
        total = 0
        for index, chain in enumerate(image["chain_ids"]):
            size = image["layer_sizes"][index]
            if chain in seen:
                continue
            seen.add(chain)
            if refs[chain] > 1:
                total += size
        result[image["id"]] = total
    return result


def dedup_total(images: list) -> int:
    """Bytes on disk for the images' layers, each distinct layer counted once."""
    layers = {}
    for image in images:
        for index, chain in enumerate(image["chain_ids"]):
            layers.setdefault(chain, image["layer_sizes"][index])
    return sum(layers.values())


def naive_total(images: list) -> int:
    """Sum of the images' sizes, as if no layer were shared."""
    return sum(int(image["size"]) for image in images)


def pattern_matches(pattern: str, image: dict) -> bool:
    """True when ``pattern`` names the image.

    A pattern is matched (fnmatch, case-sensitive) against each ``repo:tag``; a pattern without a
    tag part also matches the repository alone (``api`` matches ``api:1``); ``sha256:...`` or a
    12+ hex-digit prefix matches the image ID.
    """
    image_id = image["id"]
    bare_id = image_id.split(":", 1)[-1]
    if pattern.startswith("sha256:") and image_id.startswith(pattern):
        return True
    is_hex = len(pattern) >= 12 and all(c in "0123456789abcdef" for c in pattern)
    if is_hex and bare_id.startswith(pattern):
        return True
    has_tag = ":" in pattern.rsplit("/", 1)[-1]
    for tag in image["tags"]:
        if fnmatch.fnmatchcase(tag, pattern):
            return True
        if not has_tag and fnmatch.fnmatchcase(tag.rsplit(":", 1)[0], pattern):
            return True
    return False


def running_image_refs(listed: list, mode: str) -> list:
    """The image references a stack runs, from ``GET /containers/json`` (compose) or
    ``GET /services`` (swarm). Older runtime builds kept for rollback are left out."""
    if mode == "swarm":
        refs = {s["Spec"]["TaskTemplate"]["ContainerSpec"]["Image"] for s in listed}
    else:
        refs = {c["Image"] for c in listed}
    # Swarm pins tags to a digest (name:tag@sha256:...); the local store knows name:tag.
    return sorted(ref.split("@", 1)[0] for ref in refs if ref)


def select_images(images: list, patterns: list) -> tuple:
    """Return ``(selected, unmatched_patterns)``; no patterns means every tagged image."""
    if not patterns:
        return [i for i in images if i["tags"]], []
    selected = [i for i in images if any(pattern_matches(p, i) for p in patterns)]
    unmatched = [p for p in patterns if not any(pattern_matches(p, i) for i in images)]
    return selected, unmatched


def display_name(image: dict) -> str:
    return image["tags"][0] if image["tags"] else short_id(image["id"])


def short_id(image_id: str) -> str:
    return image_id[: len("sha256:") + 12] if image_id.startswith("sha256:") else image_id[:12]


def evaluate_budgets(images: list, budgets: list) -> list:
    """Per image, attach the first budget whose pattern matches. Returns report rows."""
    rows = []
    for image in images:
        budget = None
        pattern = None
        for entry in budgets:
            if pattern_matches(entry["pattern"], image):
                budget = entry["max_size"]
                pattern = entry["pattern"]
                break
        size = int(image["size"])
        shared = int(image["shared"])
        rows.append(
            {
                "name": display_name(image),
                "tags": list(image["tags"]),
                "id": image["id"],
                "size": size,
                "size_human": format_size(size),
                "shared": shared,
                "unique": size - shared,
                "layers": len(image["chain_ids"]),
                "title": (image.get("labels") or {}).get(TITLE_LABEL),
                "budget": budget,
                "budget_pattern": pattern,
                "within": True if budget is None else size <= budget,
                "over_by": 0 if budget is None else max(0, size - budget),
            }
        )
    return rows


class _UnionFind:
    def __init__(self) -> None:
        self.parent = {}

    def find(self, item: str) -> str:
        self.parent.setdefault(item, item)
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: str, b: str) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[max(root_a, root_b)] = min(root_a, root_b)


def near_duplicate_layers(a: dict, b: dict, tail: int) -> bool:
    """Layer criterion: two builds of the same recipe.

    Same layer count (at least ``tail + 1``), the layers before the last ``tail`` have equal
    sizes position by position, and at least one of those compared, non-empty layers is stored
    twice (different chain IDs), so the same content occupies disk space twice.
    """
    count = len(a["chain_ids"])
    if count != len(b["chain_ids"]) or count <= tail:
        return False
    head = count - tail
    if a["layer_sizes"][:head] != b["layer_sizes"][:head]:
        return False
    return any(
        a["chain_ids"][i] != b["chain_ids"][i] and a["layer_sizes"][i] > 0 for i in range(head)
    )


def duplicate_groups(images: list, tail: int = 1, label: str = TITLE_LABEL) -> list:
    """Group distinct image IDs that look like separate builds of one image.

    Criteria (either suffices): the same ``label`` value (default the OCI title), or
    :func:`near_duplicate_layers`. Tags sharing one ID are aliases, never duplicates.
    """
    by_id = {}
    for image in images:
        by_id.setdefault(image["id"], image)
    unique = [by_id[k] for k in sorted(by_id)]
    uf = _UnionFind()
    reasons = {}
    titles = {}
    for image in unique:
        uf.find(image["id"])
        title = (image.get("labels") or {}).get(label) if label else None
        if title:
            if title in titles:
                uf.union(titles[title], image["id"])
            else:
                titles[title] = image["id"]
    for i, a in enumerate(unique):
        for b in unique[i + 1 :]:
            if near_duplicate_layers(a, b, tail):
                uf.union(a["id"], b["id"])
                reasons[(a["id"], b["id"])] = True
    groups = {}
    for image in unique:
        groups.setdefault(uf.find(image["id"]), []).append(image)
    result = []
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda m: (display_name(m), m["id"]))
        member_titles = {(m.get("labels") or {}).get(label) for m in members} - {None}
        by_label = len(member_titles) == 1 and all(
            (m.get("labels") or {}).get(label) for m in members
        )
        ids = {m["id"] for m in members}
        by_layers = any(a in ids and b in ids for a, b in reasons)
        criteria = []
        if by_label:
            criteria.append("label")
        if by_layers or not by_label:
            criteria.append("layers")
        name = sorted(member_titles)[0] if len(member_titles) == 1 else display_name(members[0])
        largest = max(int(m["size"]) for m in members)
        result.append(
            {
                "name": name,
                "criteria": criteria,
                "label": label if by_label else None,
                "images": [
                    {
                        "name": display_name(m),
                        "tags": list(m["tags"]),
                        "id": m["id"],
                        "size": int(m["size"]),
                    }
                    for m in members
                ],
                "dedup_size": dedup_total(members),
                "redundant_bytes": max(0, dedup_total(members) - largest),
            }
        )
    result.sort(key=lambda g: g["name"])
    return result


def aliases(images: list) -> list:
    """Images carrying several tags (fine: one ID, stored once)."""
    return [
        {"id": i["id"], "tags": list(i["tags"])}
        for i in sorted(images, key=lambda x: x["id"])
        if len(i["tags"]) > 1
    ]


def failure_message(
    rows: list,
    groups: list,
    dedup: int,
    naive: int,
    total_budget: int | None,
    units: str = "si",
) -> str:
    """One message naming every offender with its figures; empty string when all is well."""
    parts = []
    for row in rows:
        if not row["within"]:
            parts.append(
                "%s (%s) exceeds budget %s by %s"
                % (
                    row["name"],
                    format_size(row["size"], units),
                    format_size(row["budget"], units),
                    format_size(row["over_by"], units),
                )
            )
    if total_budget is not None and dedup > total_budget:
        parts.append(
            "images take %s on disk (layers counted once; %s if summed naively), "
            "exceeding total_budget %s by %s"
            % (
                format_size(dedup, units),
                format_size(naive, units),
                format_size(total_budget, units),
                format_size(dedup - total_budget, units),
            )
        )
    for group in groups:
        members = ", ".join(
            "%s (%s, %s)" % (m["name"], short_id(m["id"]), format_size(m["size"], units))
            for m in group["images"]
        )
        how = " and ".join(
            {"label": "same %s label" % group.get("label"), "layers": "same layer sizes"}[c]
            for c in group["criteria"]
        )
        parts.append(
            "duplicate builds of '%s' (%s): %s; %s stored redundantly"
            % (group["name"], how, members, format_size(group["redundant_bytes"], units))
        )
    return "; ".join(parts)
