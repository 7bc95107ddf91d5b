"""Each role's README lists its variables as tools/role_docs.py writes them from its specs."""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("role_docs", TOP / "tools/role_docs.py")
role_docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(role_docs)


@pytest.mark.parametrize("role", role_docs.role_names())
def test_readme_is_current(role):
    readme, text = role_docs.expected(role)
    assert readme.exists(), f"{readme.relative_to(TOP)} is missing: run make docs"
    assert readme.read_text() == text, f"{readme.relative_to(TOP)} is stale: run make docs"


def test_every_role_has_specs():
    roles = sorted(p.name for p in (TOP / "roles").iterdir() if (p / "tasks").is_dir())
    assert role_docs.role_names() == roles


SPECS = textwrap.dedent(
    """
    argument_specs:
      main:
        short_description: Main things.
        options: &common
          demo_dir:
            type: path
            default: /srv/demo
            description: Where C(demo) lives; see O(demo_mode=fast).
          demo_mode:
            choices: [fast, safe]
            required: true
            description: [One | two., Second <para>.]
          demo_rules:
            type: list
            elements: dict
            options:
              port: {type: int, description: A port.}
      check:
        short_description: Check only.
        options: *common
      restore:
        short_description: Load a dump.
        options:
          <<: *common
          demo_file:
            type: str
            default: "{{ demo_dir }}/x"
      other:
        short_description: Its own.
        options:
          demo_dir: {type: str}
    """
)


@pytest.fixture
def block(tmp_path):
    role = tmp_path / "roles/demo"
    (role / "meta").mkdir(parents=True)
    (role / "meta/argument_specs.yml").write_text(SPECS)
    marked = f"{role_docs.BEGIN}\nold\n{role_docs.END}"
    (role / "README.md").write_text(f"# demo\n\nHand text.\n\n{marked}\n")
    _, text = role_docs.expected("demo", tmp_path)
    assert text.startswith("# demo\n\nHand text.\n\n") and "\nold\n" not in text
    return text


def test_main_options_are_listed_once_through_anchors(block):
    assert block.count("| `demo_dir` |") == 2  # main's, and other's where its type differs
    assert block.count("| `demo_mode` |") == 1
    every = "It takes every variable of `main`"
    assert f"`check` (`tasks_from: check`): Check only. {every}." in block
    assert f"`restore` (`tasks_from: restore`): Load a dump. {every}, and these:" in block
    assert "| `demo_file` | str | no | `{{ demo_dir }}/x` |" in block
    assert "`other` (`tasks_from: other`): Its own. Its variables:" in block


def test_cells_are_markdown(block):
    where = "Where `demo` lives; see `demo_mode=fast`."
    assert f"| `demo_dir` | path | no | `/srv/demo` |  | {where} |" in block
    paras = "One \\| two.<br>Second &lt;para&gt;."
    assert f"| `demo_mode` | str | yes |  | `fast`, `safe` | {paras} |" in block
    assert "| `demo_rules[].port` | int | no |" in block


def test_a_readme_without_markers_is_refused(tmp_path):
    role = tmp_path / "roles/demo"
    (role / "meta").mkdir(parents=True)
    (role / "meta/argument_specs.yml").write_text(SPECS)
    (role / "README.md").write_text("# demo\n")
    with pytest.raises(SystemExit, match="needs one"):
        role_docs.expected("demo", tmp_path)
