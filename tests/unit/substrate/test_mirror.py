"""The substrate's mirror paths must carry the tags pinned in the base_images role.

tests/substrate/mirror.txt pushes each test double to `<registry>/<path:tag>`; a tag
bumped in roles/base_images/defaults/main.yml without a matching mirror.txt line would
make the Molecule scenarios pull a path the test registry does not have.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
DEFAULTS = ROOT / "roles" / "base_images" / "defaults" / "main.yml"
MIRROR = ROOT / "tests" / "substrate" / "mirror.txt"
# Images with no test double (nothing reachable packages them): scenarios disable them.
NO_DOUBLE = {"grafana", "pgadmin", "portainer"}


def hub_path(repository: str) -> str:
    """Docker Hub path of a repository: official images live under library/."""
    return repository if "/" in repository else f"library/{repository}"


def load_table() -> dict[str, dict]:
    return yaml.safe_load(DEFAULTS.read_text())["base_images_table"]


def load_mirror() -> dict[str, str]:
    """mirror path -> tag, from the `<double ref> <path:tag>` lines."""
    paths: dict[str, str] = {}
    for raw in MIRROR.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        double, dst = line.split()
        assert double.startswith("evaonline-test/"), f"{double}: only test doubles are mirrored"
        path, _, tag = dst.rpartition(":")
        assert path and tag, f"{dst}: expected <path>:<tag>"
        assert path not in paths, f"{path} listed twice in mirror.txt"
        paths[path] = tag
    return paths


def test_every_tag_is_pinned() -> None:
    for name, entry in load_table().items():
        assert str(entry["tag"]) not in ("", "latest"), f"base_images_table.{name}.tag"


@pytest.mark.parametrize("name", sorted(set(load_table()) - NO_DOUBLE))
def test_mirror_has_the_pinned_tag(name: str) -> None:
    entry = load_table()[name]
    path = hub_path(entry["repository"])
    mirror = load_mirror()
    assert path in mirror, f"mirror.txt has no line for {path} ({name})"
    assert mirror[path] == str(entry["tag"]), (
        f"mirror.txt pushes {path}:{mirror[path]}, "
        f"but base_images_table.{name}.tag is {entry['tag']}"
    )


def test_mirror_lists_only_pinned_images() -> None:
    pinned = {hub_path(e["repository"]): str(e["tag"]) for e in load_table().values()}
    for path, tag in load_mirror().items():
        assert pinned.get(path) == tag, (
            f"mirror.txt pushes {path}:{tag}; the table pins no such tag"
        )
