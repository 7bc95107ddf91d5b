"""The pinned base images have one table, base_images_table: the stack role's fallback pins
(used when evaonline.deploy.base_images has not run) must name exactly its images and tags.
tests/unit/substrate/test_mirror.py checks the substrate's mirror.txt against the same table."""

from __future__ import annotations

from pathlib import Path

import yaml

TOP = Path(__file__).resolve().parents[3]


def test_the_stack_fallback_pins_are_the_base_images_table() -> None:
    table = yaml.safe_load((TOP / "roles/base_images/defaults/main.yml").read_text())
    stack = yaml.safe_load((TOP / "roles/stack/defaults/main.yml").read_text())
    want = {
        name: f"{entry['repository']}:{entry['tag']}"
        + (f"@{entry['digest']}" if entry.get("digest") else "")
        for name, entry in table["base_images_table"].items()
    }
    assert stack["stack_image_pins"] == want
