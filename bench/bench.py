"""Benchmarks (issues #10, #20): the seed's way and a peer playbook against ours, in one run.

    make bench                       # substrate + venv, then BENCH_RUNS runs (default 3)
    BENCH_RUNS=1 make bench
    python bench/bench.py --runs 3   # with the toolchain venv on PATH (. tests/lib.sh)
    python bench/bench.py --try-new  # only a cold deploy, the memory and the peer steps

Every run starts fresh Docker-in-Docker servers (tests/substrate/dind_server.py) with
the test inventory's settings, and removes them again, also on failure:

  ours  site.yml cold, to healthy; site.yml again with no change; a bare
        `docker compose up -d` on the same rendered files (the no-op floor); deploy.yml
        with one changed app file; verify.yml; image sizes and dedup-aware disk, read by
        the collection's own image_budget module; each container's memory, idle and
        under a burst of ET0 requests.
  peer  in the same server once ours is down: bench/peer/site.yml, the playbook a user
        would write by hand, deploys the files our stack role rendered, cold (the images
        are already there) and again with no change.
  seed  the docker role, then the four per-service images (api, worker, beat, flower)
        built one after another from the single-stage bench/seed/Dockerfile: without
        cache, then with cache after the same one-file change.

Absolute times on a shared 2-core machine are noisy, so ratios are taken inside each
run (the seed and ours back to back) and every figure is reported as the median of
the runs with min and max. Writes bench/results.json and bench/results.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

TOP = Path(__file__).resolve().parents[1]
BENCH = TOP / "bench"
WORK = BENCH / ".work"
LOGS = WORK / "logs"
TEST_INVENTORY = TOP / "inventories" / "test"
TEST_VARS = yaml.safe_load((TEST_INVENTORY / "group_vars" / "all" / "main.yml").read_text())

# The runtime image's base in the test inventory: the python:3.13-slim test double.
BASE_IMAGE: str = TEST_VARS["runtime_image_base"]
PROFILES: list[str] = TEST_VARS.get("stack_profiles", [])
PROJECT = "evaonline"
STACK_DIR = "/opt/evaonline"
APP_SERVICES = ("api", "worker", "beat", "flower")
BUILD_TASK = "Build the runtime image with buildx"
CA_BUNDLE = "/root/ca-certificates.crt"  # where dind_server.py puts this machine's CA bundle
SEED_CTX = "/root/seed"  # /tmp is a tmpfs in the server: docker cp there is not visible
RELEASE_LINE = "RELEASE = 'bench'  # the one changed file of make bench\n"
FLOOR_SAMPLES = 3  # the floor takes ~1 s: sample it several times per run

PEER_PLAYBOOK = "bench/peer/site.yml"
PEER_FILES = WORK / "peer-files"  # the rendered stack files, fetched after the cold deploy
# What compose never reads in STACK_DIR: the stack role's bookkeeping, and the runtime
# image's build context (the runtime_image role's, built before compose runs).
STACK_BOOKKEEPING = (".release", ".staging", "build")
RESOURCES: dict[str, dict[str, str]] = yaml.safe_load(
    (TOP / "roles" / "stack" / "defaults" / "main.yml").read_text()
)["stack_resources_defaults"]

DESIGN_MEMORY_MB = 300  # the design document's figure for the whole stack
MEMORY_SETTLE_S = 30  # after verify.yml, before the idle sample
MEMORY_SAMPLE_S = 2  # docker stats --no-stream itself takes about 2 s
MEMORY_FLOOR_MIB = 64  # the smallest limit suggested

GOAL_DISK_BELOW = 8.0
GOAL_NOOP_VS_COLD = 0.15
GOAL_REBUILD_VS_BUILD = 0.2
GOAL_VERIFY_S = 3.0
X = "\u00d7"  # multiplication sign, for ratios
EN = "\u2013"  # en dash, for ranges


class BenchError(RuntimeError):
    """A step of a run failed; the run is recorded as failed, the servers still removed."""


# --- running things ----------------------------------------------------------------


def log_path(name: str) -> Path:
    LOGS.mkdir(parents=True, exist_ok=True)
    return LOGS / f"{name}.log"


def run(argv: list[str], log: str, env: dict[str, str] | None = None) -> tuple[float, str]:
    """Run a command from the repository root; return (wall seconds, stdout).

    Output goes to a log file only: the json callback's stdout is too long to print.
    """
    start = time.monotonic()
    proc = subprocess.run(
        argv, cwd=TOP, env={**os.environ, **(env or {})}, capture_output=True, text=True
    )
    seconds = time.monotonic() - start
    path = log_path(log)
    path.write_text(f"$ {shlex.join(argv)}\n{proc.stdout}\n--- stderr ---\n{proc.stderr}")
    if proc.returncode != 0:
        tail = (proc.stderr.strip() or proc.stdout.strip())[-1500:]
        raise BenchError(f"{shlex.join(argv[:5])} ... exited {proc.returncode} ({path}):\n{tail}")
    return seconds, proc.stdout


def dexec(server: str, argv: list[str], log: str) -> tuple[float, str]:
    """Run a command inside a DinD server."""
    return run(["docker", "exec", server, *argv], log)


def json_doc(stdout: str) -> dict[str, Any]:
    """The ansible.posix.json callback prints one document; warnings may come before it."""
    return json.loads(stdout[stdout.index("{") :])


def task_seconds(task: dict[str, Any]) -> float:
    span = task["task"]["duration"]
    if "end" not in span:  # a task that never reported (e.g. an include with no hosts)
        return 0.0
    start = dt.datetime.fromisoformat(span["start"])
    return (dt.datetime.fromisoformat(span["end"]) - start).total_seconds()


def short_path(path: str) -> str:
    """roles/x/tasks/y.yml:12, whether ansible saw the checkout or the collection link."""
    for marker in ("/roles/", "/playbooks/", "/bench/"):
        if marker in path:
            return marker[1:] + path.split(marker, 1)[1]
    return path


def playbook(inventory: Path, path: str, log: str, *extra: str) -> dict[str, Any]:
    """Run a playbook with the JSON callback: wall time, changed count, per-task seconds."""
    env = {"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json", "ANSIBLE_FORCE_COLOR": "0"}
    argv = ["ansible-playbook", "-i", str(inventory), path, *extra]
    argv += ["-e", f"evaonline_report_dir={WORK / 'reports'}"]
    seconds, out = run(argv, log, env)
    return {"s": seconds, **parse_playbook(out)}


def parse_playbook(stdout: str) -> dict[str, Any]:
    """Changed count and per-task seconds from the json callback's output."""
    doc = json_doc(stdout)
    tasks = [
        {"name": t["task"]["name"], "path": short_path(t["task"]["path"]), "s": task_seconds(t)}
        for play in doc["plays"]
        for t in play["tasks"]
    ]
    return {"changed": sum(s["changed"] for s in doc["stats"].values()), "tasks": tasks}


def image_budget(inventory: Path, images: list[str], log: str) -> dict[str, Any]:
    """Sizes and dedup-aware totals from the collection's image_budget module (ad hoc)."""
    env = {"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json", "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1"}
    args = json.dumps({"images": images, "forbid_duplicates": False})
    argv = ["ansible", "-i", str(inventory), "all", "-m", "evaonline.deploy.image_budget"]
    _, out = run([*argv, "-a", args], log, env)
    result = next(iter(json_doc(out)["plays"][0]["tasks"][0]["hosts"].values()))
    if result.get("failed"):
        raise BenchError(f"image_budget failed: {result.get('msg')}")
    return result


def image_size(server: str, ref: str, log: str) -> int:
    return int(dexec(server, ["docker", "image", "inspect", "--format", "{{.Size}}", ref], log)[1])


def stack_containers(server: str, log: str) -> dict[str, dict[str, str]]:
    """Service -> container ID and image ID of the running stack."""
    ps = [
        "docker",
        "ps",
        "-q",
        "--no-trunc",
        "--filter",
        f"label=com.docker.compose.project={PROJECT}",
    ]
    ids = dexec(server, ps, log)[1].split()
    if not ids:
        return {}
    fmt = '{{index .Config.Labels "com.docker.compose.service"}} {{.Id}} {{.Image}}'
    out = dexec(server, ["docker", "inspect", "--format", fmt, *ids], log)[1]
    rows = (line.split() for line in out.splitlines() if line.strip())
    return {svc: {"container": cid, "image": image} for svc, cid, image in rows}


def recreated(before: dict[str, dict[str, str]], after: dict[str, dict[str, str]]) -> list[str]:
    """Services whose container changed, appeared or vanished."""
    names = set(before) | set(after)
    return sorted(
        n for n in names if before.get(n, {}).get("container") != after.get(n, {}).get("container")
    )


def is_build(task: dict[str, Any]) -> bool:
    """The runtime image build; ansible prefixes role tasks with "<role> : "."""
    return task["name"].rsplit(" : ", 1)[-1] == BUILD_TASK


def app_image_ids(containers: dict[str, dict[str, str]]) -> set[str]:
    return {c["image"] for svc, c in containers.items() if svc in APP_SERVICES}


# --- servers and inputs ---------------------------------------------------------------


def write_inventory(server: str) -> Path:
    """A one-host copy of the test inventory naming this server."""
    inventory = WORK / "inventories" / server
    inventory.mkdir(parents=True, exist_ok=True)
    host = {
        "ansible_connection": "community.docker.docker",
        "ansible_python_interpreter": "/usr/bin/python3",
    }
    hosts = {"evaonline": {"hosts": {server: host}}}
    (inventory / "hosts.yml").write_text("---\n" + yaml.safe_dump(hosts, sort_keys=False))
    link = inventory / "group_vars"
    if not link.is_symlink():
        link.symlink_to(TEST_INVENTORY / "group_vars")
    return inventory


@contextlib.contextmanager
def dind_server(server: str) -> Iterator[Path]:
    """A fresh DinD server with its inventory; removed at the end, whatever happens."""
    dind = [sys.executable, "tests/substrate/dind_server.py"]
    try:
        run([*dind, "up", server], f"{server}-up")
        yield write_inventory(server)
    finally:
        with contextlib.suppress(BenchError):
            run([*dind, "down", server], f"{server}-down")
        shutil.rmtree(WORK / "inventories" / server, ignore_errors=True)


def prepare_apps() -> tuple[Path, Path]:
    """Two copies of the reference app: as it is (seed context) and with one changed file."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    copies = []
    for name in ("app", "app-v2"):
        dest = WORK / name
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(TOP / "app", dest, ignore=ignore)
        copies.append(dest)
    with (copies[1] / "backend" / "__init__.py").open("a") as changed:
        changed.write(RELEASE_LINE)
    return copies[0], copies[1]


# --- one run: ours --------------------------------------------------------------------


def compose_argv() -> list[str]:
    """`docker compose` on the rendered files, with the role's project and profiles."""
    argv = ["docker", "compose", "--project-directory", STACK_DIR, "-p", PROJECT]
    for profile in PROFILES:
        argv += ["--profile", profile]
    return argv


def floor_samples(server: str, tag: str) -> list[float]:
    """Bare `docker compose up -d` on the rendered files."""
    argv = [*compose_argv(), "up", "-d"]
    return [dexec(server, argv, f"{tag}-floor-{i}")[0] for i in range(FLOOR_SAMPLES)]


LOAD_DIR = "/root/load"
LOAD_ARGS = (  # the drills' load: 20 requests/s, every 10th an ET0 POST, bounded in count and time
    "--url http://127.0.0.1 --rate 20 --count 8000 --seconds 400 --eto-every 10"
    f" --eto-body {LOAD_DIR}/fao56_example18.json --stop-file {LOAD_DIR}/stop"
    f" --out {LOAD_DIR}/report.json"
)


BURST_ARGS = (  # the memory burst: ET0 POSTs only, 40/s, bounded in count and time
    "--url http://127.0.0.1 --rate 40 --count 800 --seconds 20 --eto-every 1"
    f" --eto-body {LOAD_DIR}/fao56_example18.json --out {LOAD_DIR}/burst.json"
)


def start_loadgen(server: str, tag: str, args: str, report: str) -> None:
    """tests/load/loadgen.py, detached in the server against its nginx on loopback."""
    dexec(
        server,
        ["sh", "-c", f"mkdir -p {LOAD_DIR} && rm -f {LOAD_DIR}/stop {LOAD_DIR}/{report}"],
        f"{tag}-load-dir",
    )
    for src in (TOP / "tests/load/loadgen.py", TOP / "tests/data/fao56_example18.json"):
        run(["docker", "cp", str(src), f"{server}:{LOAD_DIR}/"], f"{tag}-load-cp")
    run(
        ["docker", "exec", "-d", server, "sh", "-c", f"python3 {LOAD_DIR}/loadgen.py {args}"],
        f"{tag}-load-start",
    )


def load_report(server: str, tag: str, report: str) -> dict[str, Any] | None:
    """The load generator's report, or None while it has not written one."""
    with contextlib.suppress(BenchError, ValueError):
        return json.loads(dexec(server, ["cat", f"{LOAD_DIR}/{report}"], f"{tag}-load-report")[1])
    return None


@contextlib.contextmanager
def under_load(server: str, tag: str) -> Iterator[dict[str, Any]]:
    """The drills' load for the with block plus 3 s on each side; the report fills the
    yielded dict."""
    start_loadgen(server, tag, LOAD_ARGS, "report.json")
    report: dict[str, Any] = {}
    time.sleep(3)
    yield report
    time.sleep(3)
    dexec(server, ["touch", f"{LOAD_DIR}/stop"], f"{tag}-load-stop")
    for _ in range(60):
        done = load_report(server, tag, "report.json")
        if done is not None:
            report.update(done)
            return
        time.sleep(1)
    raise BenchError("the load generator wrote no report")


def api_image_ref(server: str, log: str) -> str:
    """The image reference (name:tag) the running api container was created from."""
    script = (
        "docker inspect -f '{{.Config.Image}}' $(docker ps -q"
        f" --filter label=com.docker.compose.project={PROJECT}"
        " --filter label=com.docker.compose.service=api)"
    )
    return dexec(server, ["sh", "-c", script], log)[1].strip()


def seed_way_release(server: str, tag: str, image: str) -> None:
    """The seed's release: the app services' image changed in compose.yaml, then a plain
    `docker compose up -d`, which recreates them in place."""
    current = api_image_ref(server, f"{tag}-seedway-ref")
    profiles = " ".join(f"--profile {p}" for p in PROFILES)
    script = (
        f"cd {STACK_DIR} && sed -i 's#image: {current}$#image: {image}#' compose.yaml"
        f" && docker compose {profiles} up -d"
    )
    dexec(server, ["sh", "-c", script], f"{tag}-seedway")


# --- one run: memory ------------------------------------------------------------------

# Binary suffixes: docker stats (go-units BytesSize: "12.5MiB") and compose limits ("768M",
# which Docker reads as MiB). The decimal ones are go-units HumanSize ("1.2MB").
MIB_PER_UNIT = {"b": 2**-20, "k": 2**-10, "m": 1.0, "g": 2**10, "t": 2**20}
MIB_PER_DECIMAL = {"kb": 1e3 / 2**20, "mb": 1e6 / 2**20, "gb": 1e9 / 2**20, "tb": 1e12 / 2**20}


SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", re.IGNORECASE)


def to_mib(text: str) -> float:
    """'12.5MiB', '768M', '1G', '0B' or '1.2MB' in MiB."""
    match = SIZE.fullmatch(text)
    unit = match.group(2).lower() if match else "?"
    if unit not in MIB_PER_DECIMAL:
        unit = unit.removesuffix("ib").removesuffix("b") or "b"
    factor = MIB_PER_DECIMAL.get(unit, MIB_PER_UNIT.get(unit))
    if match is None or factor is None:
        raise ValueError(f"not a memory size: {text!r}")
    return float(match.group(1)) * factor


def stats_mib(stdout: str, services: dict[str, str]) -> dict[str, float]:
    """Service -> MiB used, from `docker stats --format '{{json .}}'` lines; services maps
    full container IDs to compose services (a service's containers add up)."""
    used: dict[str, float] = {}
    for line in stdout.splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        service = next((s for cid, s in services.items() if cid.startswith(row["ID"])), None)
        if service is not None:
            used[service] = used.get(service, 0.0) + to_mib(row["MemUsage"].split("/")[0])
    return used


def peak(samples: list[dict[str, float]]) -> dict[str, float]:
    """The highest sample of each service."""
    best: dict[str, float] = {}
    for sample in samples:
        for service, value in sample.items():
            best[service] = max(best.get(service, 0.0), value)
    return best


def container_services(server: str, log: str) -> dict[str, str]:
    """Full container ID -> compose service, for every running container of the stack."""
    fmt = '{{.ID}} {{.Label "com.docker.compose.service"}}'
    argv = ["docker", "ps", "--no-trunc", "--filter", f"label=com.docker.compose.project={PROJECT}"]
    out = dexec(server, [*argv, "--format", fmt], log)[1]
    rows = (line.split() for line in out.splitlines() if line.strip())
    return {cid: service for cid, service in rows}


def memory_sample(server: str, services: dict[str, str], log: str) -> dict[str, float]:
    argv = ["docker", "stats", "--no-stream", "--format", "{{json .}}", *services]
    return stats_mib(dexec(server, argv, log)[1], services)


def memory_burst(
    server: str, tag: str, services: dict[str, str]
) -> tuple[dict[str, float], dict[str, Any]]:
    """Peak memory per service while loadgen sends its burst; and loadgen's report."""
    start_loadgen(server, tag, BURST_ARGS, "burst.json")
    samples: list[dict[str, float]] = []
    # The burst's 20 s, then what its 64 threads still wait for (10 s timeouts each).
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        started = time.monotonic()
        samples.append(memory_sample(server, services, f"{tag}-stats-{len(samples)}"))
        report = load_report(server, tag, "burst.json")
        if report is not None:
            return peak(samples), report
        time.sleep(max(0.0, MEMORY_SAMPLE_S - (time.monotonic() - started)))
    raise BenchError("the memory burst's load generator wrote no report")


def measure_memory(server: str, tag: str, say: Callable[[str], None]) -> dict[str, Any]:
    """Each service's memory once the deploy has settled, then at a burst's peak."""
    say(f"ours: memory, idle ({MEMORY_SETTLE_S} s after verify.yml)")
    time.sleep(MEMORY_SETTLE_S)
    services = container_services(server, f"{tag}-mem-ps")
    idle = memory_sample(server, services, f"{tag}-stats-idle")
    say("ours: memory under a burst of ET0 requests (40/s)")
    load, report = memory_burst(server, tag, services)
    return {
        "idle_mib": idle,
        "load_mib": load,
        "idle_sum_mib": sum(idle.values()),
        "load_sum_mib": sum(load.values()),
        "burst_requests": report["total"],
        "burst_failed": report["failed"],
        "burst_s": report["seconds"],
    }


def limit_steps() -> Iterator[int]:
    """64, 96, 128, 192, 256, 384 ... MiB: powers of two and halfway between them."""
    step = MEMORY_FLOOR_MIB
    while True:
        yield step
        yield step * 3 // 2
        step *= 2


def suggested_limit_mib(load_mib: float) -> int:
    """Twice the peak under load, at least the floor, up to the next step."""
    need = max(load_mib * 2, MEMORY_FLOOR_MIB)
    return next(step for step in limit_steps() if step >= need)


def compose_size(mib: float) -> str:
    """MiB as stack_resources_defaults writes it: 768M, 1G."""
    return f"{mib / 1024:g}G" if mib >= 1024 and mib % 1024 == 0 else f"{mib:g}M"


# --- one run: the peer playbook -----------------------------------------------------------


def fetch_stack_files(server: str, tag: str) -> None:
    """The files our stack role rendered, for the peer playbook to copy."""
    shutil.rmtree(PEER_FILES, ignore_errors=True)
    PEER_FILES.parent.mkdir(parents=True, exist_ok=True)
    run(["docker", "cp", f"{server}:{STACK_DIR}/.", str(PEER_FILES)], f"{tag}-peer-fetch")
    for name in STACK_BOOKKEEPING:
        path = PEER_FILES / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def peer_serves(server: str, tag: str) -> None:
    """The peer's api answers through its nginx: its deploy is a working one."""
    url = "http://127.0.0.1/api/v1/health"
    probe = f"import urllib.request; urllib.request.urlopen({url!r}, timeout=10)"
    dexec(server, ["python3", "-c", probe], f"{tag}-peer-probe")


def measure_peer(server: str, inv: Path, tag: str, say: Callable[[str], None]) -> dict[str, Any]:
    """Ours down, volumes too, so that the peer (the same project name) starts from nothing;
    then the peer cold and again."""
    say("ours: docker compose down -v, which frees the published port for the peer")
    dexec(server, [*compose_argv(), "down", "-v", "--remove-orphans"], f"{tag}-down")
    files = ["-e", json.dumps({"peer_files": f"{PEER_FILES}/", "peer_profiles": PROFILES})]
    say("peer: bench/peer/site.yml, cold (the images are in the server already)")
    cold = playbook(inv, PEER_PLAYBOOK, f"{tag}-peer-cold", *files)
    peer_serves(server, tag)
    say("peer: bench/peer/site.yml again, no change")
    noop = playbook(inv, PEER_PLAYBOOK, f"{tag}-peer-noop", *files)
    return {
        "cold_deploy_s": cold["s"],
        "cold_changed": cold["changed"],
        "noop_s": noop["s"],
        "noop_changed": noop["changed"],
    }


def attempt(step: Callable[[], dict[str, Any]], say: Callable[[str], None]) -> dict[str, Any]:
    """A step whose failure is recorded, not fatal: ours' and the seed's figures still count."""
    try:
        return step()
    except BenchError as exc:
        say(f"step FAILED: {exc}")
        return {"error": str(exc)}


def measure_ours(
    n: int, app_v2: Path, say: Callable[[str], None]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Ours' figures, its memory, and the peer's figures from the same server."""
    server = f"evaonline-bench-ours-{n}"
    tag = f"run{n}-ours"
    with dind_server(server) as inv:
        say("ours: site.yml, cold")
        cold = playbook(inv, "playbooks/site.yml", f"{tag}-site-cold")
        # As rendered by the cold deploy: the releases below change compose.yaml's image.
        fetch_stack_files(server, tag)
        cold_build = sum(t["s"] for t in cold["tasks"] if is_build(t))
        deployed = stack_containers(server, f"{tag}-ps-cold")
        app_ids = sorted(app_image_ids(deployed))
        app = image_budget(inv, app_ids, f"{tag}-budget-app")
        stack = image_budget(
            inv, sorted({c["image"] for c in deployed.values()}), f"{tag}-budget-stack"
        )
        base_bytes = image_size(server, BASE_IMAGE, f"{tag}-base-size")

        say("ours: site.yml again, no change")
        noop = playbook(inv, "playbooks/site.yml", f"{tag}-site-noop")

        # On the healthy stack the no-op rerun leaves: its time is the checks', no waiting.
        say("ours: verify.yml")
        verify = playbook(inv, "playbooks/verify.yml", f"{tag}-verify")

        say("ours: bare docker compose up -d (floor)")
        floor = floor_samples(server, tag)
        floor_recreated = recreated(deployed, stack_containers(server, f"{tag}-ps-floor"))

        say("ours: deploy.yml, one changed app file, under load")
        before = stack_containers(server, f"{tag}-ps-before")
        previous = api_image_ref(server, f"{tag}-ref-before")
        with under_load(server, f"{tag}-deploy") as ours_load:
            release = playbook(
                inv, "playbooks/deploy.yml", f"{tag}-deploy", "-e", f"evaonline_app_src={app_v2}"
            )
        after = stack_containers(server, f"{tag}-ps-after")

        say("seed's way: the previous image back with docker compose up -d, under load")
        with under_load(server, f"{tag}-seedway") as seed_load:
            seed_way_release(server, tag, previous)
        rebuilds = [t["s"] for t in release["tasks"] if is_build(t)]
        if not rebuilds:
            raise BenchError(f"deploy.yml ran no task named {BUILD_TASK!r}: nothing was rebuilt")

        # The seed's way left containers starting: verify.yml waits until they are healthy.
        say("ours: verify.yml again, until the stack is healthy")
        playbook(inv, "playbooks/verify.yml", f"{tag}-verify-settle")
        memory = attempt(lambda: measure_memory(server, tag, say), say)
        peer = attempt(lambda: measure_peer(server, inv, tag, say), say)

    runtime_bytes = app["images"][0]["size"] if len(app["images"]) == 1 else None
    ours = {
        "cold_deploy_s": cold["s"],
        "cold_changed": cold["changed"],
        "cold_build_s": cold_build,
        "noop_s": noop["s"],
        "noop_changed": noop["changed"],
        "noop_tasks": sorted(noop["tasks"], key=lambda t: -t["s"]),
        "floor_s": statistics.median(floor),
        "floor_samples_s": floor,
        "floor_recreated": floor_recreated,
        "release_s": release["s"],
        "release_requests": ours_load["total"],
        "release_failed": ours_load["failed"],
        "release_gap_s": ours_load["longest_failure_gap_s"],
        "seedway_requests": seed_load["total"],
        "seedway_failed": seed_load["failed"],
        "seedway_gap_s": seed_load["longest_failure_gap_s"],
        "release_changed": release["changed"],
        "rebuild_s": sum(rebuilds),
        "release_recreated": recreated(before, after),
        "release_app_images": len(app_image_ids(after)),
        "verify_s": verify["s"],
        "app_images": len(app_ids),
        "runtime_image": app["images"][0]["name"] if app["images"] else None,
        "runtime_image_bytes": runtime_bytes,
        "base_image_bytes": base_bytes,
        "runtime_above_base_bytes": runtime_bytes - base_bytes if runtime_bytes else None,
        "app_dedup_bytes": app["dedup_total"],
        "app_naive_bytes": app["naive_total"],
        "stack_images": len(stack["images"]),
        "stack_dedup_bytes": stack["dedup_total"],
        "stack_naive_bytes": stack["naive_total"],
        "daemon_layers_bytes": stack["daemon_layers_size"],
        "layer_sizes_verified": stack["layer_sizes_verified"],
    }
    return ours, memory, peer


# --- one run: the seed's way ----------------------------------------------------------


def seed_builds(server: str, tag: str, cache: bool) -> dict[str, float]:
    """Build api, worker, beat and flower one after another, as separate images."""
    times = {}
    for service in APP_SERVICES:
        argv = ["docker", "buildx", "build", "--load", "--progress=plain"]
        argv += ["--no-cache"] if not cache else []
        argv += ["--secret", f"id=ca,src={CA_BUNDLE}", "--build-arg", f"BASE_IMAGE={BASE_IMAGE}"]
        argv += [
            "--build-arg",
            f"SERVICE={service}",
            "-t",
            f"evaonline-seed-{service}:bench",
            SEED_CTX,
        ]
        times[service] = dexec(
            server, argv, f"{tag}-build-{'cached' if cache else 'nocache'}-{service}"
        )[0]
    return times


def measure_seed(n: int, app: Path, app_v2: Path, say: Callable[[str], None]) -> dict[str, Any]:
    server = f"evaonline-bench-seed-{n}"
    tag = f"run{n}-seed"
    with dind_server(server) as inv:
        say("seed: docker role")
        docker_role = playbook(inv, "bench/seed/docker.yml", f"{tag}-docker")
        dexec(server, ["mkdir", "-p", SEED_CTX], f"{tag}-mkdir")
        run(["docker", "cp", f"{app}/.", f"{server}:{SEED_CTX}/"], f"{tag}-cp-app")
        run(
            ["docker", "cp", str(BENCH / "seed" / "Dockerfile"), f"{server}:{SEED_CTX}/Dockerfile"],
            f"{tag}-cp-df",
        )
        # Ours pulls its base in a task of its own, outside the build it times: so here.
        dexec(server, ["docker", "pull", BASE_IMAGE], f"{tag}-pull-base")

        say("seed: four builds without cache")
        nocache = seed_builds(server, tag, cache=False)
        built = image_budget(inv, ["evaonline-seed-*"], f"{tag}-budget-nocache")

        say("seed: four builds with cache, one changed app file")
        changed = app_v2 / "backend" / "__init__.py"
        run(
            ["docker", "cp", str(changed), f"{server}:{SEED_CTX}/backend/__init__.py"],
            f"{tag}-cp-v2",
        )
        cached = seed_builds(server, tag, cache=True)
        rebuilt = image_budget(inv, ["evaonline-seed-*"], f"{tag}-budget-cached")

    sizes = [i["size"] for i in built["images"]]
    return {
        "docker_role_s": docker_role["s"],
        "build_nocache_s": sum(nocache.values()),
        "build_nocache_each_s": nocache,
        "build_cached_s": sum(cached.values()),
        "build_cached_each_s": cached,
        "images": len({i["id"] for i in built["images"]}),
        "image_bytes": statistics.median(sizes) if sizes else None,
        "naive_bytes": built["naive_total"],
        "dedup_bytes": built["dedup_total"],
        "dedup_after_cached_bytes": rebuilt["dedup_total"],
        "naive_after_cached_bytes": rebuilt["naive_total"],
        "layer_sizes_verified": built["layer_sizes_verified"],
    }


def ratios(ours: dict[str, Any], seed: dict[str, Any], peer: dict[str, Any]) -> dict[str, float]:
    """Ours against the seed, the peer playbook (when it ran) and the floors, inside one run."""
    against_peer = {}
    if "error" not in peer:
        against_peer = {
            "cold_vs_peer": ours["cold_deploy_s"] / peer["cold_deploy_s"],
            "noop_vs_peer": ours["noop_s"] / peer["noop_s"],
        }
    return {
        **against_peer,
        "disk_vs_seed_naive": ours["app_dedup_bytes"] / seed["naive_bytes"],
        "disk_vs_seed_dedup": ours["app_dedup_bytes"] / seed["dedup_bytes"],
        "images_built": ours["app_images"] / seed["images"],
        "cold_build_vs_seed": ours["cold_build_s"] / seed["build_nocache_s"],
        "rebuild_vs_seed": ours["rebuild_s"] / seed["build_cached_s"],
        "noop_vs_cold": ours["noop_s"] / ours["cold_deploy_s"],
        "noop_vs_floor": ours["noop_s"] / ours["floor_s"],
        "rebuild_vs_cold_build": ours["rebuild_s"] / ours["cold_build_s"],
        "runtime_vs_base": ours["runtime_image_bytes"] / ours["base_image_bytes"],
    }


# --- summary --------------------------------------------------------------------------


def stats(values: list[float]) -> dict[str, float] | None:
    values = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if not values:
        return None
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


def summarise(runs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Median, min and max of every number over the runs that finished."""
    done = [r for r in runs if "error" not in r]
    summary: dict[str, dict[str, Any]] = {}
    for part in ("ours", "peer", "memory", "seed", "ratios"):
        keys = {k for r in done for k, v in r[part].items() if isinstance(v, int | float)}
        summary[part] = {k: stats([r[part].get(k) for r in done]) for k in sorted(keys)}
    return summary


def mib_to_mb(value: float) -> float:
    return value * 2**20 / 1e6


def service_order(service: str) -> tuple[int, str]:
    """The order of stack_resources_defaults (the app first), then by name."""
    names = list(RESOURCES)
    return (names.index(service) if service in names else len(names), service)


def memory_row(service: str, done: list[dict[str, Any]]) -> dict[str, Any]:
    """One service's memory over the runs; the suggestion comes from the worst run."""
    idle = [r["memory"]["idle_mib"].get(service) for r in done]
    load = [r["memory"]["load_mib"].get(service) for r in done]
    peaks = [v for v in load if v is not None]
    limit = RESOURCES.get(service, {}).get("memory")
    return {
        "service": service,
        "idle_mib": stats(idle),
        "load_mib": stats(load),
        "limit": limit,
        "limit_mib": to_mib(limit) if limit else None,
        "suggested_mib": suggested_limit_mib(max(peaks)) if peaks else None,
    }


def memory_summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per service: idle and under load (median, min, max), its limit and a suggested one."""
    done = [r for r in runs if "error" not in r and "error" not in r["memory"]]
    names = {s for r in done for part in ("idle_mib", "load_mib") for s in r["memory"][part]}
    rows = [memory_row(s, done) for s in sorted(names, key=service_order)]
    return {
        "services": rows,
        "idle_sum_mb": stats([mib_to_mb(r["memory"]["idle_sum_mib"]) for r in done]),
        "limit_sum_mib": sum(r["limit_mib"] or 0 for r in rows),
        "suggested_sum_mib": sum(r["suggested_mib"] or 0 for r in rows),
        "design_mb": DESIGN_MEMORY_MB,
    }


def slowest_noop_tasks(runs: list[dict[str, Any]], count: int = 10) -> list[dict[str, Any]]:
    """The no-op rerun's slowest tasks, median over runs (a task is its file:line)."""
    per_task: dict[tuple[str, str], list[float]] = {}
    for r in runs:
        if "error" in r:
            continue
        seen: dict[tuple[str, str], float] = {}
        for t in r["ours"]["noop_tasks"]:
            key = (t["path"], t["name"])
            seen[key] = seen.get(key, 0.0) + t["s"]
        for key, s in seen.items():
            per_task.setdefault(key, []).append(s)
    rows = [{"task": k[1], "where": k[0], **(stats(v) or {})} for k, v in per_task.items()]
    return sorted(rows, key=lambda r: -r["median"])[:count]


def goals(runs: list[dict[str, Any]], summary: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Each goal of the issue, met or not, with the measured value (median; worst run)."""
    done = [r for r in runs if "error" not in r]
    below = [1 / r["ratios"]["disk_vs_seed_naive"] for r in done]
    counts = {r["ours"][k] for r in done for k in ("app_images", "release_app_images")}
    changed = [r["ours"]["noop_changed"] for r in done]
    noop = summary["ratios"]["noop_vs_cold"]
    rebuild = summary["ratios"]["rebuild_vs_cold_build"]
    verify = summary["ours"]["verify_s"]
    idle = summary["memory"].get("idle_sum_mib")
    return [
        {
            "goal": f"dedup-aware runtime disk ≥ {GOAL_DISK_BELOW:g}{X} below the seed's naive sum",
            "value": f"{statistics.median(below):.1f}{X} below (worst run {min(below):.1f}{X})",
            "met": statistics.median(below) >= GOAL_DISK_BELOW,
        },
        {
            "goal": "exactly 1 app image (api, worker, beat and flower run one image ID)",
            "value": f"{', '.join(map(str, sorted(counts)))} after the cold deploy and the release",
            "met": counts == {1},
        },
        {
            "goal": "no-op rerun changed=0",
            "value": f"changed={max(changed)} (per run: {', '.join(map(str, changed))})",
            "met": max(changed) == 0,
        },
        {
            "goal": f"no-op rerun ≤ {GOAL_NOOP_VS_COLD:g}{X} the cold deploy",
            "value": f"{noop['median']:.3f}{X} (worst run {noop['max']:.3f}{X})",
            "met": noop["median"] <= GOAL_NOOP_VS_COLD,
        },
        {
            "goal": f"rebuild ≤ {GOAL_REBUILD_VS_BUILD:g}{X} the cold build",
            "value": f"{rebuild['median']:.3f}{X} (worst run {rebuild['max']:.3f}{X})",
            "met": rebuild["median"] <= GOAL_REBUILD_VS_BUILD,
        },
        {
            "goal": f"verify.yml ≤ {GOAL_VERIFY_S:g} s",
            "value": f"{verify['median']:.1f} s (worst run {verify['max']:.1f} s)",
            "met": verify["median"] <= GOAL_VERIFY_S,
        },
        memory_goal(idle),
    ]


def memory_goal(idle: dict[str, float] | None) -> dict[str, Any]:
    """Informational: the idle sum against the design document's figure."""
    goal = (
        f"memory: idle sum of the stack's containers ≤ {DESIGN_MEMORY_MB} MB,"
        " the design document's figure (informational)"
    )
    if not idle:
        return {"goal": goal, "value": "not measured", "met": False}
    return {
        "goal": goal,
        "value": f"{mib_to_mb(idle['median']):.0f} MB ({idle['median']:.0f} MiB;"
        f" worst run {mib_to_mb(idle['max']):.0f} MB)",
        "met": mib_to_mb(idle["median"]) <= DESIGN_MEMORY_MB,
    }


# --- Markdown ---------------------------------------------------------------------------


def cell(stat: dict[str, float] | None, fmt: Callable[[float], str]) -> str:
    """Median (min-max), or the median alone when every run agreed."""
    if not stat:
        return EN
    low, high = fmt(stat["min"]), fmt(stat["max"])
    if low == high:
        return fmt(stat["median"])
    # One unit for the range when both ends share it: "199.0 s (197.1-209.3 s)".
    number = low.rstrip(" sMGBi" + X)
    unit = low[len(number) :]
    if high.endswith(unit) and high[: len(high) - len(unit)].replace(".", "").isdigit():
        low = number
    return f"{fmt(stat['median'])} ({low}{EN}{high})"


def mb(value: float) -> str:
    return f"{value / 1e9:.2f} GB" if value >= 1e9 else f"{value / 1e6:.0f} MB"


def sec(value: float) -> str:
    return f"{value:.1f} s"


def mib(value: float) -> str:
    return f"{value:.0f} MiB"


def num(value: float) -> str:
    return f"{value:g}"


def times(value: float) -> str:
    return f"{value:.3f}{X}" if value < 0.1 else f"{value:.2f}{X}"


def figure_rows(
    s: dict[str, Any], o: dict[str, Any], p: dict[str, Any], recreated_sets: list[str]
) -> list[tuple]:
    """(figure, seed baseline, ours, floor or peer) rows of the first table."""
    return [
        ("app images built", cell(s["images"], num), cell(o["app_images"], num), ""),
        (
            "app image size",
            f"{cell(s['image_bytes'], mb)} each",
            f"{cell(o['runtime_image_bytes'], mb)}"
            f" ({cell(o['runtime_above_base_bytes'], mb)} above the base)",
            f"{cell(o['base_image_bytes'], mb)} (the base image)",
        ),
        (
            "app images, naive sum of sizes",
            cell(s["naive_bytes"], mb),
            cell(o["app_naive_bytes"], mb),
            "",
        ),
        (
            "app images, dedup-aware disk",
            cell(s["dedup_bytes"], mb),
            cell(o["app_dedup_bytes"], mb),
            "",
        ),
        (
            "whole stack, dedup-aware disk",
            "",
            f"{cell(o['stack_dedup_bytes'], mb)} ({cell(o['stack_images'], num)} images)",
            "",
        ),
        (
            "cold build",
            f"{cell(s['build_nocache_s'], sec)}; 4 builds, no cache",
            f"{cell(o['cold_build_s'], sec)}; 1 build",
            "",
        ),
        (
            "rebuild, one changed app file",
            f"{cell(s['build_cached_s'], sec)}; 4 builds, cache",
            f"{cell(o['rebuild_s'], sec)}; 1 build, cache",
            "",
        ),
        (
            "`site.yml` cold, to healthy",
            "",
            cell(o["cold_deploy_s"], sec),
            f"peer: {cell(p.get('cold_deploy_s'), sec)}, images present",
        ),
        (
            "`site.yml` rerun, no change",
            "",
            f"{cell(o['noop_s'], sec)}, changed={cell(o['noop_changed'], num)}",
            f"{cell(o['floor_s'], sec)}; bare `docker compose up -d`;"
            f" peer: {cell(p.get('noop_s'), sec)}, changed={cell(p.get('noop_changed'), num)}",
        ),
        (
            "`deploy.yml`, one changed app file",
            "",
            f"{cell(o['release_s'], sec)}; recreated: {' / '.join(recreated_sets)}",
            "",
        ),
        (
            "a release under 20 requests/s: failed requests, longest gap",
            f"{cell(o['seedway_failed'], num)} of {cell(o['seedway_requests'], num)},"
            f" {cell(o['seedway_gap_s'], sec)}; `docker compose up -d`",
            f"{cell(o['release_failed'], num)} of {cell(o['release_requests'], num)},"
            f" {cell(o['release_gap_s'], sec)}; `deploy.yml`",
            "",
        ),
        ("`verify.yml` on the healthy stack", "", cell(o["verify_s"], sec), ""),
    ]


RATIO_ROWS = (
    ("cold deploy: ours `site.yml` / peer playbook", "cold_vs_peer"),
    ("no-op rerun: ours `site.yml` / peer playbook", "noop_vs_peer"),
    ("app disk: ours dedup-aware / seed naive sum", "disk_vs_seed_naive"),
    ("app disk: ours dedup-aware / seed dedup-aware", "disk_vs_seed_dedup"),
    ("app images built: ours / seed", "images_built"),
    ("cold build time: ours / seed", "cold_build_vs_seed"),
    ("rebuild time with cache: ours / seed", "rebuild_vs_seed"),
    ("no-op rerun / cold deploy", "noop_vs_cold"),
    ("no-op rerun / bare compose floor", "noop_vs_floor"),
    ("rebuild / cold build (ours)", "rebuild_vs_cold_build"),
    ("runtime image / base image (the floor)", "runtime_vs_base"),
)


def commit_text(commit: str) -> str:
    """machine()'s "abc1234" or "abc1234-dirty", said in words."""
    sha, dirty = commit.removesuffix("-dirty"), commit.endswith("-dirty")
    return f"commit `{sha}`" + (" with uncommitted changes (dirty)" if dirty else "")


def memory_lines(result: dict[str, Any]) -> list[str]:
    """The memory table: per service, idle, under load, its limit and a suggested one."""
    mem, summary = result["memory"], result["summary"]["memory"]
    if not mem["services"]:
        return ["Memory: not measured (see the runs' errors below)."]
    lines = [
        f"Memory of each container (`docker stats`), ours: idle {MEMORY_SETTLE_S} s after"
        f" `verify.yml`; under load the highest of samples every ~{MEMORY_SAMPLE_S} s during a"
        " burst of ET0 POSTs (`tests/load/loadgen.py`, 40/s for 20 s:"
        f" {cell(summary.get('burst_requests'), num)} requests,"
        f" {cell(summary.get('burst_failed'), num)} failed). Limit: `stack_resources_defaults`"
        f" (roles/stack/defaults/main.yml). Suggested: max(2{X} under load,"
        f" {MEMORY_FLOOR_MIB} MiB) up to the next of 64, 96, 128, 192, 256, 384 ... MiB,"
        " from the worst run (the defaults' comments say which of these they follow).",
        "",
        "| service | idle | under load | limit | suggested limit |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in mem["services"]:
        suggested = row["suggested_mib"]
        lines.append(
            f"| {row['service']} | {cell(row['idle_mib'], mib)} | {cell(row['load_mib'], mib)}"
            f" | {row['limit'] or EN} | {compose_size(suggested) if suggested else EN} |"
        )
    idle = summary["idle_sum_mib"]
    lines.append(
        f"| **sum** | {cell(idle, mib)} | {cell(summary.get('load_sum_mib'), mib)}"
        f" | {mem['limit_sum_mib']:.0f} MiB | {mem['suggested_sum_mib']:.0f} MiB |"
    )
    lines += [
        "",
        f"Idle sum {mib_to_mb(idle['median']):.0f} MB against the design document's about"
        f" {DESIGN_MEMORY_MB} MB.",
    ]
    return lines


def heading_lines(result: dict[str, Any], done: int) -> list[str]:
    m = result["machine"]
    runs = f"{done} run{'s' if done != 1 else ''} finished"
    return [
        f"Measured {result['date'][:10]} on {commit_text(m['commit'])} with `make bench`"
        f" (BENCH_RUNS={result['runs_requested']}, {runs}) on a shared {m['nproc']}-core"
        " machine, every server a fresh Docker-in-Docker container."
        f" Cells: median ({'min' + EN + 'max'}) over the runs.",
        "Seed baseline: api, worker, beat and flower built one after another as four images from"
        " the single-stage `bench/seed/Dockerfile`, on the `python:3.13-slim` test double standing"
        " in for the seed's `python:3.10`.",
        "Peer baseline: `bench/peer/site.yml`, a hand-written playbook (copy the files our stack"
        " role rendered, migrate the schema, `community.docker.docker_compose_v2` with"
        " `wait: true`), in ours' server under the compose file's own project name once ours"
        " is down, volumes too (`docker compose down -v`). Its cold deploy finds Docker"
        " installed and every image built or pulled by ours: it times the copy, the migration"
        " and compose up to healthy only.",
    ]


def markdown(result: dict[str, Any]) -> str:
    s, o, p, r = (result["summary"][k] for k in ("seed", "ours", "peer", "ratios"))
    done = [x for x in result["runs"] if "error" not in x]
    recreated_sets = sorted({", ".join(x["ours"]["release_recreated"]) or "none" for x in done})
    lines = [
        *heading_lines(result, len(done)),
        "",
        "| figure | seed baseline | ours | floor, peer playbook |",
        "| --- | --- | --- | --- |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in figure_rows(s, o, p, recreated_sets)]
    load = [v for x in result["runs"] for v in x.get("load_1m", [])]
    lines += ["", f"| ratio | median ({'min' + EN + 'max'}) |", "| --- | --- |"]
    lines += [f"| {label} | {cell(r.get(key), times)} |" for label, key in RATIO_ROWS]
    lines += ["", *memory_lines(result)]
    lines += ["", f"Load average (1 min) during the runs: {min(load):.1f}{EN}{max(load):.1f}."]
    lines += ["", "Goals:", ""]
    for g in result["goals"]:
        lines.append(f"- {'met' if g['met'] else '**not met**'}: {g['goal']}: {g['value']}")
    for x in result["runs"]:
        if "error" in x:
            lines.append(f"- run {x['run']} failed: {x['error'].splitlines()[0]}")
        for part in ("memory", "peer"):
            if "error" in x.get(part, {}):
                error = " ".join(x[part]["error"].split())[:300]  # one line of the list
                lines.append(f"- run {x['run']}, {part} step failed: {error}")
    return "\n".join(lines) + "\n"


# --- main -----------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    git = ["git", "-C", str(TOP)]
    commit = subprocess.run(
        [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = bool(
        subprocess.run(
            [*git, "status", "--porcelain"], capture_output=True, text=True
        ).stdout.strip()
    )
    docker = subprocess.run(
        ["docker", "version", "--format", "{{.Server.Version}}"], capture_output=True, text=True
    )
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "mem_gib": round(mem_kib / 2**20, 1),
        "kernel": platform.release(),
        "docker_outer": docker.stdout.strip(),
        "commit": commit + ("-dirty" if dirty else ""),
        "base_image": BASE_IMAGE,
    }


def one_run(n: int, app: Path, app_v2: Path) -> dict[str, Any]:
    # The load average at every step shows how much else shared the machine.
    load: list[float] = []

    def say(msg: str) -> None:
        load.append(os.getloadavg()[0])
        print(f"[run {n}] {msg}  (load {load[-1]:.1f})", flush=True)

    start = time.monotonic()
    try:
        ours, memory, peer = measure_ours(n, app_v2, say)
        seed = measure_seed(n, app, app_v2, say)
    except BenchError as exc:
        say(f"FAILED: {exc}")
        return {"run": n, "error": str(exc), "s": time.monotonic() - start, "load_1m": load}
    return {
        "run": n,
        "s": time.monotonic() - start,
        "load_1m": load,
        "ours": ours,
        "peer": peer,
        "memory": memory,
        "seed": seed,
        "ratios": ratios(ours, seed, peer),
    }


def write_results(result: dict[str, Any]) -> str | None:
    """Write results.json, and results.md once a run has finished; return the table."""
    runs = result["runs"]
    table = None
    if any("error" not in r for r in runs):
        result["summary"] = summarise(runs)
        result["ratios"] = result["summary"]["ratios"]
        result["memory"] = memory_summary(runs)
        result["goals"] = goals(runs, result["summary"])
        result["noop_slowest_tasks"] = slowest_noop_tasks(runs)
        table = markdown(result)
        (BENCH / "results.md").write_text(table)
    (BENCH / "results.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return table


def try_new() -> int:
    """--try-new: one cold site.yml, then only the memory and peer steps; prints their
    figures and writes no results (a quick check of those steps)."""

    def say(msg: str) -> None:
        print(f"[try] {msg}  (load {os.getloadavg()[0]:.1f})", flush=True)

    server, tag = "evaonline-bench-try", "try"
    with dind_server(server) as inv:
        say("ours: site.yml, cold")
        playbook(inv, "playbooks/site.yml", f"{tag}-site-cold")
        fetch_stack_files(server, tag)
        memory = measure_memory(server, tag, say)
        peer = measure_peer(server, inv, tag, say)
    print(json.dumps({"memory": memory, "peer": peer}, indent=2))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "3")))
    parser.add_argument(
        "--try-new",
        action="store_true",
        help="only a cold deploy, then the memory and peer steps; writes no results",
    )
    args = parser.parse_args()
    if args.try_new:
        return try_new()
    if args.runs < 1:
        parser.error("--runs (BENCH_RUNS) must be at least 1")
    start = time.monotonic()
    app, app_v2 = prepare_apps()
    result: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "runs_requested": args.runs,
        "machine": machine(),
        "runs": [],
    }
    table = None
    for n in range(1, args.runs + 1):
        result["runs"].append(one_run(n, app, app_v2))
        # Written after every run, so an interrupted bench still leaves its figures.
        result["wall_s"] = time.monotonic() - start
        table = write_results(result)
    done = [r for r in result["runs"] if "error" not in r]
    if table is None:
        print("bench: every run failed; see bench/results.json, bench/.work/logs/", file=sys.stderr)
        return 1
    print("\n" + table)
    print("Slowest tasks of the no-op site.yml rerun (median s):")
    for t in result["noop_slowest_tasks"]:
        print(f"  {t['median']:6.2f}  {t['task']}  ({t['where']})")
    print(f"\nbench: {len(done)}/{args.runs} runs in {result['wall_s'] / 60:.1f} min")
    return 0 if len(done) == args.runs else 1


if __name__ == "__main__":
    sys.exit(main())
