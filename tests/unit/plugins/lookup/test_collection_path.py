"""Unit tests for the collection_path lookup."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible.errors import AnsibleLookupError
from ansible_collections.evaonline.deploy.plugins.lookup.collection_path import collection_path

REPO = Path(__file__).resolve().parents[4]


def test_files_of_the_collection_are_found() -> None:
    assert Path(collection_path("app")).samefile(REPO / "app")
    assert Path(collection_path("scripts/entrypoint.sh")).samefile(REPO / "scripts/entrypoint.sh")


@pytest.mark.parametrize("relative", ["no-such-file", "../etc/passwd", "/etc/passwd"])
def test_paths_outside_or_missing_are_refused(relative: str) -> None:
    with pytest.raises(AnsibleLookupError, match="is not a file of the collection"):
        collection_path(relative)
