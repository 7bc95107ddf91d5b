#!/usr/bin/python
# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: image_budget
short_description: Enforce size budgets on local Docker images and catch duplicate builds
version_added: 0.1.0
description:
  - Reads the Docker Engine API (C(GET /system/df), C(GET /images/{id}/json) and
    C(GET /images/{id}/history)) and reports, per image, its size, the bytes it shares with
    other images, its unique bytes and the budget that applies to it.
  - Fails with one message naming every image over its budget, the disk total when over
    O(total_budget), and every group of duplicate builds when O(forbid_duplicates=true).
  - The total is dedup-aware. A layer used by several images is counted once, as the daemon's
    layer store keeps it once. RV(naive_total) gives the plain sum of image sizes beside it.
  - Per-layer sizes come from the image history. The steps that carry a layer are matched in
    order with C(RootFS.Layers), and layers are identified by chain ID. The result is
    cross-checked against the daemon's C(SharedSize) and reported as RV(layer_sizes_verified).
  - Two or more distinct image IDs count as duplicate builds if they carry the same
    O(duplicate_label) value. They also count if they have the same number of layers, equal
    layer sizes up to the last O(duplicate_tail_layers) layers, and at least one of those
    compared non-empty layers is stored twice. Several tags on one image ID are aliases, not
    duplicates.
  - The module never changes anything, so it never reports C(changed).
author:
  - EVAonline team (@evaonline)
extends_documentation_fragment:
  - evaonline.deploy.checks
  - evaonline.deploy.checks.attributes
options:
  budgets:
    description:
      - Size budgets. An image gets the first budget whose O(budgets[].pattern) matches it.
      - Images that match no pattern have no individual budget but still count for O(total_budget)
        and duplicate detection.
    type: list
    elements: dict
    default: []
    suboptions:
      pattern:
        description:
          - Image name, or an C(fnmatch) glob matched against each C(repo:tag) of the image.
          - A pattern without a tag part also matches the bare repository, so V(evaonline-api)
            matches C(evaonline-api:1.2). An image ID (C(sha256:...) or 12+ hex digits) works too.
        type: str
        required: true
      max_size:
        description:
          - Largest allowed image size. Give a number of bytes or a string with a unit, like
            V(600MB), V(0.6GiB) or V(120 MiB).
          - C(kB), C(MB), C(GB), C(TB) are decimal SI units (powers of 1000). C(KiB), C(MiB),
            C(GiB), C(TiB) are binary IEC units (powers of 1024). Unit names are
            case-insensitive.
        type: raw
        required: true
  total_budget:
    description:
      - Largest allowed disk use of all considered images together, with shared layers counted
        once. Same format as O(budgets[].max_size).
    type: raw
  forbid_duplicates:
    description:
      - Fail when duplicate builds are found. When V(false) they are reported as warnings.
    type: bool
    default: true
  duplicate_label:
    description:
      - Image label whose equal value on different image IDs marks duplicate builds.
      - Set to an empty string to use only the layer criterion.
    type: str
    default: org.opencontainers.image.title
  duplicate_tail_layers:
    description:
      - Number of trailing layers allowed to differ for two images to count as builds of the
        same recipe.
    type: int
    default: 1
  images:
    description:
      - Names or patterns (same syntax as O(budgets[].pattern)) of the images to consider.
      - Default is every tagged image on the daemon, or with O(project) the images it runs.
      - Mutually exclusive with O(project).
    type: list
    elements: str
  project:
    description:
      - Consider only the images that this stack runs. Older builds kept for a rollback do not
        count as duplicates.
      - They are the images of the Compose project's containers (label
        C(com.docker.compose.project)), or with O(mode=swarm) of the Swarm stack's services
        (label C(com.docker.stack.namespace)). The module lists them itself, so the
        check needs no separate listing task.
      - A project that runs nothing considers no image.
    type: str
    version_added: 0.1.0
  mode:
    description: How O(project) is deployed. Used only with O(project).
    type: str
    choices: [compose, swarm]
    default: compose
    version_added: 0.1.0
  size_units:
    description:
      - Units used in the failure message. The returned numbers are always in bytes.
    type: str
    choices: [si, iec]
    default: si
notes:
  - Run it where the images are, normally the deploy target.
seealso:
  - module: community.docker.docker_image_info
  - module: evaonline.deploy.stack_health
"""

EXAMPLES = r"""
- name: Keep the runtime image small and build it only once
  evaonline.deploy.image_budget:
    budgets:
      - pattern: "evaonline-runtime:*"
        max_size: 600MB
      - pattern: "postgres*"
        max_size: 0.5GiB
    total_budget: 2 GB
    images:
      - "evaonline-*"
      - "postgres*"

- name: Check the images the Compose project evaonline runs
  evaonline.deploy.image_budget:
    project: evaonline
    budgets:
      - pattern: "evaonline-runtime:*"
        max_size: 600MB

- name: Report only, warn about duplicates
  evaonline.deploy.image_budget:
    forbid_duplicates: false
  register: sizes

- name: Show the disk total
  ansible.builtin.debug:
    msg: >-
      {{ sizes.dedup_total | human_readable }} on disk
      ({{ sizes.naive_total | human_readable }} summed naively)
"""

RETURN = r"""
images:
  description: One entry per considered image ID.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: First tag of the image, or its short ID.
      type: str
      sample: evaonline-runtime:1.4.0
    tags:
      description: All C(repo:tag) names of the image.
      type: list
      elements: str
      sample: [evaonline-runtime:1.4.0, evaonline-runtime:latest]
    id:
      description: Image ID.
      type: str
      sample: sha256:4e1dda53698e0d7a4c2f1e8bb3a1c1e2d6f0b4a1a3f3e2c1d0b9a8f7e6d5c4b3
    size:
      description: Image size in bytes (all its layers).
      type: int
      sample: 1210000000
    size_human:
      description: O(size_units=si) rendering of RV(images[].size).
      type: str
      sample: 1.21 GB
    shared:
      description: Bytes in layers that other images use too (the daemon's C(SharedSize)).
      type: int
      sample: 110549129
    unique:
      description: Bytes only this image uses.
      type: int
      sample: 1099450871
    layers:
      description: Number of layers.
      type: int
      sample: 7
    title:
      description: Value of the C(org.opencontainers.image.title) label, if any.
      type: str
      sample: evaonline-runtime
    budget:
      description: Budget in bytes that applies to the image, or V(null).
      type: int
      sample: 600000000
    budget_pattern:
      description: Pattern of the budget that applies, or V(null).
      type: str
      sample: "evaonline-runtime:*"
    within:
      description: Whether the image fits its budget (V(true) without a budget).
      type: bool
      sample: false
    over_by:
      description: Bytes over budget, 0 when within.
      type: int
      sample: 610000000
duplicates:
  description: Groups of distinct image IDs that look like separate builds of one image.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Common title label, or the first member's name.
      type: str
      sample: evaonline-api
    criteria:
      description: Which criteria matched, V(label) and/or V(layers).
      type: list
      elements: str
      sample: [label]
    label:
      description: The O(duplicate_label) shared by the members, or V(null).
      type: str
      sample: org.opencontainers.image.title
    images:
      description: >-
        Members with RV(images[].name), RV(images[].tags), RV(images[].id) and
        RV(images[].size).
      type: list
      elements: dict
    dedup_size:
      description: Disk bytes the members take together.
      type: int
      sample: 8360000000
    redundant_bytes:
      description: >-
        RV(duplicates[].dedup_size) minus the largest member, what building once would save.
      type: int
      sample: 6270000000
aliases:
  description: Image IDs carrying several tags. This is fine and listed for information.
  returned: always
  type: list
  elements: dict
  sample: [{id: "sha256:4e1d...", tags: [api:1, api:latest]}]
dedup_total:
  description: Disk bytes of the considered images, each layer counted once.
  returned: always
  type: int
  sample: 2300000000
naive_total:
  description: Sum of the considered images' sizes.
  returned: always
  type: int
  sample: 8470000000
total_budget:
  description: O(total_budget) in bytes, or V(null).
  returned: always
  type: int
  sample: 2000000000
daemon_layers_size:
  description: The daemon's C(LayersSize), all layers in its store, considered or not.
  returned: always
  type: int
  sample: 317878617
layer_sizes_verified:
  description:
    - Whether shared sizes recomputed from the per-layer sizes equal the daemon's C(SharedSize)
      for every image, which confirms RV(dedup_total).
  returned: always
  type: bool
  sample: true
within:
  description: Whether every budget holds and, with O(forbid_duplicates=true), no duplicates exist.
  returned: always
  type: bool
  sample: true
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.evaonline.deploy.plugins.module_utils.budget import (
    TITLE_LABEL,
    aliases,
    chain_ids,
    dedup_total,
    duplicate_groups,
    evaluate_budgets,
    failure_message,
    layer_sizes_from_history,
    naive_total,
    pattern_matches,
    running_image_refs,
    select_images,
    shared_sizes,
)
from ansible_collections.evaonline.deploy.plugins.module_utils.docker_api import (
    DOCKER_COMMON_ARGS,
    DockerException,
    docker_client,
)
from ansible_collections.evaonline.deploy.plugins.module_utils.sizes import (
    SizeError,
    parse_size,
)


def parse_options(module: AnsibleModule) -> tuple:
    """Validate budgets and total_budget; fail naming the option on bad input."""
    budgets = []
    for index, entry in enumerate(module.params["budgets"]):
        if not entry.get("pattern"):
            module.fail_json(msg="budgets[%d].pattern must not be empty" % index)
        try:
            budgets.append({"pattern": entry["pattern"], "max_size": parse_size(entry["max_size"])})
        except SizeError as exc:
            module.fail_json(msg="budgets[%d].max_size: %s" % (index, exc))
    total = None
    if module.params["total_budget"] is not None:
        try:
            total = parse_size(module.params["total_budget"])
        except SizeError as exc:
            module.fail_json(msg="total_budget: %s" % exc)
    if module.params["duplicate_tail_layers"] < 0:
        module.fail_json(msg="duplicate_tail_layers must not be negative")
    return budgets, total


def read_usage(client: object) -> dict:
    """C(GET /system/df), for images only where the API allows it (1.42+): sizing every
    container and volume too would take most of the check's time."""
    version = tuple(int(p) for p in str(client.api_version).split(".")[:2])
    if version >= (1, 42):
        response = client._get(client._url("/system/df"), params={"type": "image"})
        return client._result(response, True)
    return client.df()


def collect_images(client: object, detailed: object) -> tuple:
    """Read every image (tags, labels, sizes, layers) from the daemon. The per-layer sizes,
    one history call each, are read only for the images ``detailed(image)`` selects."""
    usage = read_usage(client)
    images = []
    exact = True
    for item in usage.get("Images") or []:
        image_id = item["Id"]
        inspect = client.inspect_image(image_id)
        diff_ids = (inspect.get("RootFS") or {}).get("Layers") or []
        tags = [t for t in item.get("RepoTags") or [] if t and t != "<none>:<none>"]
        image = {
            "id": image_id,
            "tags": sorted(tags),
            "labels": item.get("Labels") or {},
            "size": int(item.get("Size") or 0),
            "shared": int(item.get("SharedSize") or 0),
            "chain_ids": chain_ids(diff_ids),
            "layer_sizes": [],
        }
        if detailed(image):
            history = list(reversed(client.history(image_id) or []))
            image["layer_sizes"], aligned = layer_sizes_from_history(history, len(diff_ids))
            exact = exact and aligned
        images.append(image)
    return images, int(usage.get("LayersSize") or 0), exact


def verify_shared(images: list, considered: list, exact: bool) -> bool:
    """Whether the recomputed shared sizes of the considered images equal the daemon's; fills
    in a shared size the daemon did not compute."""
    recomputed = shared_sizes(images, considered)
    verified = exact and all(
        recomputed[i["id"]] == i["shared"] for i in considered if i["shared"] >= 0
    )
    for image in considered:
        if image["shared"] < 0:
            image["shared"] = recomputed[image["id"]]
    return verified


PROJECT_LABELS = {"compose": "com.docker.compose.project", "swarm": "com.docker.stack.namespace"}


def wanted_patterns(module: AnsibleModule, client: object) -> list | None:
    """The patterns of the images to check: O(images), or the references O(project) runs
    (an empty list: nothing). None means every tagged image."""
    params = module.params
    if params["project"] is None:
        return params["images"] or None
    label = {"label": "%s=%s" % (PROJECT_LABELS[params["mode"]], params["project"])}
    if params["mode"] == "swarm":
        listed = client.services(filters=label)
    else:
        listed = client.containers(all=True, filters=label)
    return running_image_refs(listed, params["mode"])


def selector(patterns: list | None) -> object:
    if patterns is None:
        return lambda image: bool(image["tags"])
    return lambda image: any(pattern_matches(p, image) for p in patterns)


def main() -> None:
    argument_spec = {
        "budgets": {
            "type": "list",
            "elements": "dict",
            "default": [],
            "options": {
                "pattern": {"type": "str", "required": True},
                "max_size": {"type": "raw", "required": True},
            },
        },
        "total_budget": {"type": "raw"},
        "forbid_duplicates": {"type": "bool", "default": True},
        "duplicate_label": {"type": "str", "default": TITLE_LABEL},
        "duplicate_tail_layers": {"type": "int", "default": 1},
        "images": {"type": "list", "elements": "str"},
        "project": {"type": "str"},
        "mode": {"type": "str", "choices": ["compose", "swarm"], "default": "compose"},
        "size_units": {"type": "str", "choices": ["si", "iec"], "default": "si"},
    }
    argument_spec.update(DOCKER_COMMON_ARGS)
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[("images", "project")],
    )
    budgets, total = parse_options(module)
    client = docker_client(module)
    try:
        patterns = wanted_patterns(module, client)
        wanted = selector(patterns)
        all_images, layers_size, exact = collect_images(client, wanted)
    except DockerException as exc:
        module.fail_json(msg="Docker API error while reading images: %s" % exc)
    considered = [i for i in all_images if wanted(i)]
    if module.params["project"] is None:
        for pattern in select_images(all_images, patterns or [])[1]:
            module.warn("images: %r matches no local image" % pattern)
    verified = verify_shared(all_images, considered, exact)
    # The daemon lists images in no fixed order; sort so reruns report the same table.
    rows = sorted(evaluate_budgets(considered, budgets), key=lambda r: (r["name"], r["id"]))
    groups = duplicate_groups(
        considered, module.params["duplicate_tail_layers"], module.params["duplicate_label"]
    )
    dedup = dedup_total(considered)
    naive = naive_total(considered)
    units = module.params["size_units"]
    enforced = groups if module.params["forbid_duplicates"] else []
    if groups and not module.params["forbid_duplicates"]:
        module.warn(failure_message([], groups, dedup, naive, None, units))
    msg = failure_message(rows, enforced, dedup, naive, total, units)
    result = {
        "changed": False,
        "images": rows,
        "duplicates": groups,
        "aliases": aliases(considered),
        "dedup_total": dedup,
        "naive_total": naive,
        "total_budget": total,
        "daemon_layers_size": layers_size,
        "layer_sizes_verified": verified,
        "within": not msg,
    }
    if msg:
        module.fail_json(msg=msg, **result)
    module.exit_json(msg="%d images within budget, %d bytes on disk" % (len(rows), dedup), **result)


if __name__ == "__main__":
    main()
