"""Every variable has one documented home.

- A role's argument spec and its defaults/main.yml name the same variables, under the
  role's prefix (the evaonline role's prefix is evaonline_).
- The cross-role evaonline_* variables the roles read are documented once, by the evaonline
  role; the few the playbooks read are documented once, in playbooks/README.md.
- A role's outputs (facts it sets) never reuse the name of an input.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

TOP = Path(__file__).resolve().parents[3]
ROLES = sorted(p.name for p in (TOP / "roles").iterdir() if (p / "meta").is_dir())
NAME = re.compile(r"\bevaonline_[a-z][a-z0-9_]*\b")
# Names that are not variables: nginx upstreams and variables, Prometheus metrics and jobs,
# the cluster's inventory groups, the validate playbook's loop variables.
NOT_VARIABLES = re.compile(
    r"^evaonline_(api|api_any|tls|flower|grafana|pgadmin|portainer|portainer_realm|prometheus"
    r"|managers|workers"
    r"|http_.*|eto_.*|validate_.*)$"
)


def spec(role: str) -> dict:
    return yaml.safe_load((TOP / "roles" / role / "meta/argument_specs.yml").read_text())[
        "argument_specs"
    ]


def options(role: str) -> set[str]:
    return {name for entry in spec(role).values() for name in entry.get("options") or {}}


def defaults(role: str) -> set[str]:
    return set(yaml.safe_load((TOP / "roles" / role / "defaults/main.yml").read_text()) or {})


def used(paths: list[Path]) -> set[str]:
    names = set()
    for path in paths:
        names |= {n for n in NAME.findall(path.read_text()) if not NOT_VARIABLES.match(n)}
    return names


def playbook_table() -> list[str]:
    text = (TOP / "playbooks/README.md").read_text()
    return re.findall(r"^\| `(evaonline_[a-z_]+)` \|", text, re.MULTILINE)


@pytest.mark.parametrize("role", ROLES)
def test_the_spec_and_the_defaults_name_the_same_variables(role: str) -> None:
    assert options(role) == defaults(role)


@pytest.mark.parametrize("role", ROLES)
def test_every_variable_carries_the_role_prefix(role: str) -> None:
    prefix = "evaonline_" if role == "evaonline" else f"{role}_"
    assert sorted(n for n in defaults(role) if not n.startswith(prefix)) == []


@pytest.mark.parametrize("role", [r for r in ROLES if r != "evaonline"])
def test_only_the_evaonline_role_documents_cross_role_variables(role: str) -> None:
    assert sorted(n for n in options(role) if n.startswith("evaonline_")) == []


def test_every_cross_role_variable_a_role_reads_is_documented_by_the_evaonline_role() -> None:
    files = [
        f
        for role in ROLES
        for sub in ("tasks", "defaults", "vars", "templates")
        for f in (TOP / "roles" / role / sub).rglob("*")
        if f.is_file()
    ]
    assert sorted(used(files) - options("evaonline")) == []


def test_every_playbook_variable_is_documented_once_in_its_table() -> None:
    table = playbook_table()
    assert len(table) == len(set(table)), "a variable is listed twice"
    read = used(sorted((TOP / "playbooks").glob("*.yml"))) - options("evaonline")
    assert sorted(read ^ set(table)) == []
    assert sorted(set(table) & options("evaonline")) == []


def set_facts(tasks: list) -> set[str]:
    """The names every set_fact in these tasks (blocks included) sets."""
    names: set[str] = set()
    for task in tasks or []:
        names |= set(task.get("ansible.builtin.set_fact") or {})
        for key in ("block", "rescue", "always"):
            names |= set_facts(task.get(key) or [])
    return names


@pytest.mark.parametrize("role", ROLES)
def test_outputs_never_reuse_an_input_name(role: str) -> None:
    facts = set()
    for path in (TOP / "roles" / role).glob("tasks/*.yml"):
        facts |= set_facts(yaml.safe_load(path.read_text()))
    public = {f for f in facts if "__" not in f and f != "cacheable"}
    assert sorted(public & defaults(role)) == []
