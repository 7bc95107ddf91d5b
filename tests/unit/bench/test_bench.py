"""bench/bench.py's pure helpers: docker stats parsing, suggested limits, ratios, Markdown.

bench.py is a script, not a package: it is loaded from its path under a name of its own.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location("evaonline_bench", ROOT / "bench" / "bench.py")
assert _spec and _spec.loader
bench = importlib.util.module_from_spec(_spec)
sys.modules["evaonline_bench"] = bench
_spec.loader.exec_module(bench)

API = "a" * 64
WORKER = "b" * 64
API2 = "c" * 64


@pytest.mark.parametrize(
    ("text", "mib"),
    [
        ("12.5MiB", 12.5),
        ("768MiB", 768.0),
        ("1.5GiB", 1536.0),
        ("512KiB", 0.5),
        ("0B", 0.0),
        ("768M", 768.0),
        ("1G", 1024.0),
        (" 256m ", 256.0),
        ("1MB", 1e6 / 2**20),
    ],
)
def test_to_mib(text, mib):
    assert bench.to_mib(text) == pytest.approx(mib)


@pytest.mark.parametrize("text", ["12.5XiB", "MiB", "", "1.2.3MiB", "--"])
def test_to_mib_refuses_what_is_no_size(text):
    with pytest.raises(ValueError, match="not a memory size"):
        bench.to_mib(text)


def stats_line(cid: str, usage: str) -> str:
    return json.dumps({"ID": cid[:12], "Name": "x", "MemUsage": usage, "CPUPerc": "1%"})


def test_stats_mib_keys_by_service_and_adds_up_its_containers():
    out = "\n".join(
        [
            stats_line(API, "100MiB / 768MiB"),
            stats_line(API2, "50.5MiB / 768MiB"),
            stats_line(WORKER, "1.25GiB / 768MiB"),
            stats_line("d" * 64, "9MiB / 1GiB"),  # not a container of the stack
            "",
        ]
    )
    services = {API: "api", API2: "api", WORKER: "worker"}
    assert bench.stats_mib(out, services) == {"api": 150.5, "worker": 1280.0}


def test_peak_keeps_the_highest_sample_of_each_service():
    samples = [{"api": 100.0, "worker": 80.0}, {"api": 90.0, "worker": 120.0}, {"redis": 5.0}]
    assert bench.peak(samples) == {"api": 100.0, "worker": 120.0, "redis": 5.0}


@pytest.mark.parametrize(
    ("load", "limit"),
    [(0.0, 64), (20.0, 64), (32.0, 64), (33.0, 96), (48.0, 96), (60.0, 128), (100.0, 256)],
)
def test_suggested_limit_is_twice_the_load_up_to_the_next_step(load, limit):
    assert bench.suggested_limit_mib(load) == limit


def test_limit_steps_are_powers_of_two_and_halfway():
    steps = bench.limit_steps()
    assert [next(steps) for _ in range(8)] == [64, 96, 128, 192, 256, 384, 512, 768]


@pytest.mark.parametrize(
    ("mib", "text"), [(64, "64M"), (768, "768M"), (1024, "1G"), (1536, "1536M"), (2048, "2G")]
)
def test_compose_size(mib, text):
    assert bench.compose_size(mib) == text
    assert bench.to_mib(text) == mib


def test_every_limit_in_the_role_defaults_parses():
    assert all(bench.to_mib(r["memory"]) > 0 for r in bench.RESOURCES.values())


def test_commit_text_says_dirty():
    assert bench.commit_text("abc1234") == "commit `abc1234`"
    assert bench.commit_text("abc1234-dirty").endswith("with uncommitted changes (dirty)")


# --- a whole synthetic run --------------------------------------------------------------


def synthetic_run(n: int, idle_api: float) -> dict[str, Any]:
    ours = {
        "cold_deploy_s": 200.0,
        "cold_build_s": 20.0,
        "noop_s": 40.0,
        "noop_changed": 0,
        "noop_tasks": [{"name": "t", "path": "roles/x.yml:1", "s": 1.0}],
        "floor_s": 0.8,
        "rebuild_s": 2.0,
        "verify_s": 5.0,
        "app_images": 1,
        "release_app_images": 1,
        "release_recreated": ["api"],
        "app_dedup_bytes": 250e6,
        "runtime_image_bytes": 250e6,
        "base_image_bytes": 170e6,
    }
    seed = {"naive_bytes": 3.7e9, "dedup_bytes": 3.2e9, "images": 4}
    seed |= {"build_nocache_s": 200.0, "build_cached_s": 2.0}
    peer = {"cold_deploy_s": 50.0, "cold_changed": 4, "noop_s": 8.0, "noop_changed": 0}
    memory = {
        "idle_mib": {"api": idle_api, "postgres": 30.0, "nginx": 4.0},
        "load_mib": {"api": idle_api + 60, "postgres": 50.0, "nginx": 6.0},
        "burst_requests": 800,
        "burst_failed": 0,
        "burst_s": 21.0,
    }
    memory["idle_sum_mib"] = sum(memory["idle_mib"].values())
    memory["load_sum_mib"] = sum(memory["load_mib"].values())
    run = {"run": n, "s": 900.0, "load_1m": [1.5, 2.5], "ours": ours, "seed": seed}
    return run | {"peer": peer, "memory": memory, "ratios": bench.ratios(ours, seed, peer)}


def test_ratios_against_the_peer():
    r = synthetic_run(1, 100.0)["ratios"]
    assert r["cold_vs_peer"] == pytest.approx(4.0)
    assert r["noop_vs_peer"] == pytest.approx(5.0)
    assert {key for _, key in bench.RATIO_ROWS} <= set(r)


def test_memory_summary_rows_limits_and_suggestions():
    runs = [synthetic_run(1, 100.0), synthetic_run(2, 120.0), {"run": 3, "error": "boom"}]
    mem = bench.memory_summary(runs)
    rows = {r["service"]: r for r in mem["services"]}
    assert [r["service"] for r in mem["services"]] == ["api", "postgres", "nginx"]
    assert rows["api"]["idle_mib"]["median"] == 110.0
    assert rows["api"]["limit"] == bench.RESOURCES["api"]["memory"]
    # From the worst run: 180 MiB under load -> 360 -> 384.
    assert rows["api"]["suggested_mib"] == 384
    assert rows["nginx"]["suggested_mib"] == bench.MEMORY_FLOOR_MIB
    assert mem["suggested_sum_mib"] == 384 + 128 + 64
    assert mem["design_mb"] == bench.DESIGN_MEMORY_MB


def test_goals_report_the_idle_memory_against_the_design():
    runs = [synthetic_run(1, 100.0)]
    summary = bench.summarise(runs)
    memory_goal = bench.goals(runs, summary)[-1]
    assert f"{bench.DESIGN_MEMORY_MB} MB" in memory_goal["goal"]
    assert memory_goal["met"]  # 134 MiB, 141 MB
    assert memory_goal["value"].startswith("141 MB (134 MiB")


def synthetic_result(runs: list[dict[str, Any]]) -> dict[str, Any]:
    summary = {k: defaultdict(lambda: None, v) for k, v in bench.summarise(runs).items()}
    return {
        "date": "2026-12-01T21:00:00+00:00",
        "runs_requested": len(runs),
        "machine": {"nproc": 2, "commit": "abc1234-dirty"},
        "runs": runs,
        "summary": summary,
        "memory": bench.memory_summary(runs),
        "goals": [{"goal": "g", "value": "v", "met": False}],
    }


def test_markdown_names_the_commit_the_peer_and_the_memory():
    text = bench.markdown(synthetic_result([synthetic_run(1, 100.0)]))
    assert "commit `abc1234` with uncommitted changes (dirty)" in text
    assert "1 run finished" in text
    assert f"| cold deploy: ours `site.yml` / peer playbook | 4.00{bench.X} |" in text
    assert "peer: 50.0 s, images present" in text
    assert "| api | 100 MiB | 160 MiB | 768M | 384M |" in text
    assert "| **sum** | 134 MiB | 216 MiB |" in text
    assert f"Load average (1 min) during the runs: 1.5{bench.EN}2.5." in text
    assert "- **not met**: g: v" in text


def test_a_failed_peer_or_memory_step_leaves_the_rest_of_the_run():
    run = synthetic_run(1, 100.0)
    run["peer"] = {"error": "ansible-playbook ... exited 2:\nfatal: boom"}
    run["memory"] = {"error": "the memory burst's load generator wrote no report"}
    run["ratios"] = bench.ratios(run["ours"], run["seed"], run["peer"])
    assert "cold_vs_peer" not in run["ratios"]
    summary = bench.summarise([run])
    assert bench.goals([run], summary)[-1] | {"goal": ""} == {
        "goal": "",
        "value": "not measured",
        "met": False,
    }
    text = bench.markdown(synthetic_result([run]))
    assert f"| cold deploy: ours `site.yml` / peer playbook | {bench.EN} |" in text
    assert "Memory: not measured" in text
    assert "- run 1, peer step failed: ansible-playbook ... exited 2: fatal: boom" in text
    assert "- run 1, memory step failed: the memory burst's" in text
