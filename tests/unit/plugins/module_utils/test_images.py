"""Unit tests for module_utils/images.py: references, the pinned table, bundles."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ansible_collections.evaonline.deploy.plugins.module_utils import images

REPO = Path(__file__).resolve().parents[4]
TABLE = yaml.safe_load((REPO / "roles/base_images/defaults/main.yml").read_text())[
    "base_images_table"
]
DIGEST = "sha256:" + "a" * 64


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("postgres:15", images.ImageRef("", "postgres", "15", "")),
        ("docker.io/library/redis:7", images.ImageRef("", "library/redis", "7", "")),
        ("localhost:5000/a/b:1.0", images.ImageRef("localhost:5000", "a/b", "1.0", "")),
        ("reg.example:5000/x", images.ImageRef("reg.example:5000", "x", "", "")),
        (f"x:1@{DIGEST}", images.ImageRef("", "x", "1", DIGEST)),
        ("prom/prometheus", images.ImageRef("", "prom/prometheus", "", "")),
    ],
)
def test_parse(ref: str, expected: images.ImageRef) -> None:
    assert images.parse(ref) == expected


@pytest.mark.parametrize(
    ("ref", "pinned"),
    [
        ("evaonline-runtime:3f2a9c", True),
        ("reg:5000/evaonline-runtime:3f2a9c", True),
        (f"evaonline-runtime@{DIGEST}", True),
        ("evaonline-runtime", False),
        ("reg:5000/evaonline-runtime", False),
        ("evaonline-runtime:latest", False),
        ("", False),
    ],
)
def test_pinned(ref: str, pinned: bool) -> None:
    assert images.pinned(ref) is pinned


def test_the_shipped_table_has_no_problem() -> None:
    assert images.table_problems(TABLE, {}, [], "", 1024, 1.1) == []


def test_each_problem_names_its_variable() -> None:
    problems = images.table_problems(
        TABLE,
        {"redis": {"tag": "latest"}, "nginx": {"digest": "md5:1", "approx_size_mb": "x"}, "x": {}},
        ["y"],
        "https://mirror",
        "-1",
        "0.5",
    )
    assert problems == [
        "evaonline_registry_mirror must be host[:port][/path] with no scheme"
        ' (e.g. mirror.example.com:5000), got "https://mirror"',
        "base_images_overrides: unknown image(s) x (known: " + ", ".join(sorted(TABLE)) + ")",
        "base_images_enabled: unknown image(s) y (known: " + ", ".join(sorted(TABLE)) + ")",
        'base_images_table.nginx.digest must be sha256:<64 hex digits>, got "md5:1"',
        'base_images_table.nginx.approx_size_mb must be a whole number of MB, got "x"',
        'base_images_table.redis.tag must be an explicit version, got "latest"',
        'base_images_min_free_margin_mb must be a whole number >= 0, got "-1"',
        'base_images_bundle_size_factor must be a number >= 1, got "0.5"',
    ]


def test_resolve_mirrors_hub_names_and_takes_one_postgres_flavour() -> None:
    refs = images.resolve(TABLE, {"redis": {"digest": DIGEST}}, [], "mirror:5000/hub/", "postgis")
    assert "postgres" not in refs and "postgis" in refs
    assert "portainer" not in refs  # enabled: false
    assert refs["nginx"]["pull"] == "mirror:5000/hub/library/nginx:1.28.0-alpine"
    assert refs["nginx"]["canonical"] == "nginx:1.28.0-alpine"
    assert refs["prometheus"]["ref"] == "mirror:5000/hub/prom/prometheus:v2.53.5"
    assert refs["redis"]["pull"] == f"mirror:5000/hub/library/redis@{DIGEST}"
    assert refs["redis"]["ref"] == f"mirror:5000/hub/library/redis:7.4.5-alpine@{DIGEST}"


def test_resolve_keeps_other_registries_and_the_enabled_list() -> None:
    table = {"app": {"repository": "reg.example:5000/app", "tag": "1", "enabled": False}}
    refs = images.resolve(table, {}, ["app"], "mirror:5000")
    assert refs["app"]["pull"] == "reg.example:5000/app:1"
    assert list(images.resolve(TABLE, {}, ["redis"], "")) == ["redis"]


def test_missing_and_bundle_checks() -> None:
    info = [{"RepoTags": ["redis:7", "x:1"], "RepoDigests": ["y@" + DIGEST], "Id": "sha256:1"}]
    assert images.missing({"a": "redis:7", "b": "y@" + DIGEST, "c": "z:1"}, info) == ["c"]
    refs = images.resolve(TABLE, {}, ["redis", "nginx"], "")
    manifest = {
        "images": images.bundle_images(refs, [{"RepoTags": ["redis:7.4.5-alpine"], "Id": "I"}])
    }
    assert manifest["images"]["redis"]["id"] == "I" and manifest["images"]["nginx"]["id"] == ""
    assert images.bundle_stale(manifest, refs) == []
    newer = images.resolve(TABLE, {"nginx": {"tag": "1.29.0"}}, ["redis", "nginx"], "")
    assert images.bundle_stale(manifest, newer) == ["nginx nginx:1.29.0"]
    loaded = [{"RepoTags": ["redis:7.4.5-alpine"], "Id": "I"}]
    assert images.bundle_wrong_ids(manifest, ["redis"], loaded) == []
    assert images.bundle_wrong_ids(manifest, ["redis"], []) == [
        "redis:7.4.5-alpine has ID none, manifest says I"
    ]
