"""The bad-input table: each invalid input is refused before any change on the host.

Runs first, on the stack converge deployed. Each case runs site.yml with the bad
value and must fail with a message naming the variable, while every file under the
stack directory and every container of the stack stays exactly as it was.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EPHEMERAL, Server, containers, playbook, stack_snapshot

CASES = yaml.safe_load((Path(__file__).parents[1] / "bad_inputs.yml").read_text())
TABLE = EPHEMERAL / "bad_inputs.md"


def failure(out: str) -> str:
    """The output from the first failed task on: `fatal:`, or `failed:` for a loop item."""
    starts = [i for i in (out.find("fatal:"), out.find("failed: [")) if i >= 0]
    return out[min(starts) :] if starts else ""


def first_error(out: str) -> str:
    """The message an operator reads: the first argument error or msg of the failed task,
    from YAML-formatted results (ansible.cfg) or JSON ones (Molecule's configuration)."""
    patterns = (
        r'"argument_errors": \["((?:[^"\\]|\\.)*)"',
        r"^\s*argument_errors:\n\s*- '?(.*)",
        r'"msg": "((?:[^"\\]|\\.)*)"',
        r"^\s*msg: (.*(?:\n {6,}.*)*)",
    )
    fatal = failure(out)
    for pattern in patterns:
        match = re.search(pattern, fatal, re.MULTILINE)
        if match:
            text = match.group(1).replace('\\"', '"').replace("''", "'")
            return " ".join(text.split()).strip("'|-")[:220]
    return fatal.strip().splitlines()[0][:220] if fatal else "(no error)"


@pytest.fixture(scope="module")
def before(server: Server) -> Iterator[dict[str, Any]]:
    """The stack before the cases; the table of messages is printed after them."""
    TABLE.write_text("| # | bad input | message |\n| --- | --- | --- |\n")
    yield stack_snapshot(server)
    print("\n\nBAD INPUTS\n" + TABLE.read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_site_refuses_before_any_change(
    case: dict[str, Any], server: Server, before: dict[str, Any]
) -> None:
    run = playbook("site.yml", extra=case["vars"])
    message = first_error(run.out)
    with TABLE.open("a") as table:
        number = CASES.index(case) + 1
        table.write(f"| {number} | {case['name']}: `{case['vars']}` | {message} |\n")
    assert run.rc != 0, f"site.yml accepted {case['vars']}"
    assert re.search(case["expect"], run.out), f"no {case['expect']!r} in: {message}"
    assert "changed=0" in run.out and "unreachable=0" in run.out
    if "secret" in case:
        assert case["secret"] not in run.out
    # The message names only what failed.
    for text in case.get("absent", []):
        assert text not in failure(run.out), f"{text!r} in: {message}"
    assert stack_snapshot(server) == before


def test_entrypoint_refuses_an_unknown_service(server: Server, before: dict[str, Any]) -> None:
    image = containers(server)["api"]["image"]
    proc = server.run(f"docker run --rm -e SERVICE=web {image}")
    message = " ".join(proc.stderr.decode().split())
    with TABLE.open("a") as table:
        table.write(
            f"| {len(CASES) + 1} | unknown SERVICE: `SERVICE=web` (entrypoint) | {message} |\n"
        )
    assert proc.returncode == 64
    assert "SERVICE" in message and "web" in message
    assert stack_snapshot(server) == before
