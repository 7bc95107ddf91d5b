"""file_set's plan: what differs between wanted and present files and directories."""

import os

import pytest
from ansible_collections.evaonline.deploy.plugins.module_utils.file_set import (
    attr_changes,
    changed,
    dir_plan,
    file_plan,
)

UID, GID = os.getuid(), os.getgid()


def file_spec(path, content="a\n", mode="0644", force=True):
    return {"dest": str(path), "content": content, "mode": mode, "force": force}


def test_a_missing_file_is_created_and_an_equal_one_is_left(tmp_path):
    path = tmp_path / "f"
    assert file_plan(file_spec(path), UID, GID) == {"create": True, "content": True, "attrs": []}
    path.write_text("a\n")
    path.chmod(0o644)
    plan = file_plan(file_spec(path), UID, GID)
    assert not changed(plan)


def test_content_and_mode_are_compared_separately(tmp_path):
    path = tmp_path / "f"
    path.write_text("a\n")
    path.chmod(0o600)
    assert file_plan(file_spec(path, content="b\n"), UID, GID) == {
        "create": False, "content": True, "attrs": ["mode"],
    }  # fmt: skip
    assert file_plan(file_spec(path, content="b\n", force=False), UID, GID) == {
        "create": False, "content": False, "attrs": [],
    }  # fmt: skip


def test_owner_and_group_are_compared_by_number():
    have = {"mode": "0644", "uid": UID, "gid": GID}
    assert attr_changes(have, "644", UID, GID) == []
    assert attr_changes(have, "0755", UID + 1, GID + 1) == ["mode", "owner", "group"]


def test_a_directory_where_a_file_is_wanted_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="is not a regular file"):
        file_plan(file_spec(tmp_path), UID, GID)
    (tmp_path / "f").write_text("")
    with pytest.raises(ValueError, match="is not a directory"):
        dir_plan({"path": str(tmp_path / "f"), "mode": "0755"}, UID, GID)
    assert dir_plan({"path": str(tmp_path / "d"), "mode": "0755"}, UID, GID)["create"] is True
