"""Unit tests for the rules action plugin: only the broken rules are reported."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleActionFail
from ansible_collections.evaonline.deploy.plugins.action.rules import broken, message


def test_only_broken_rules_and_given_problems_are_reported() -> None:
    rules = [{"ok": True, "msg": "a"}, {"ok": False, "msg": "b "}, {"ok": "false", "msg": "c"}]
    assert broken(rules, ["d", " "]) == ["b", "c", "d"]
    assert message("stack", ["b", "c"]) == "stack: b; c"
    assert message("", ["b"]) == "b"


def test_all_rules_hold() -> None:
    assert broken([{"ok": "True", "msg": "a"}], []) == []


def test_a_rule_that_is_no_boolean_is_an_error() -> None:
    with pytest.raises(AnsibleActionFail, match=r"rules\[0\]\.ok must be a boolean"):
        broken([{"ok": "maybe", "msg": "a"}], [])
