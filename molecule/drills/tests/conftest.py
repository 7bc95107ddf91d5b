"""Helpers of the drills: playbook runs against the test host, and the stack's state.

Every drill runs real playbooks (subprocess ansible-playbook with the scenario's
inventory) and real Docker commands inside the test host, then checks that the
stack is healthy and that every ET0 row written so far is still there.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

TOP = Path(os.environ["MOLECULE_PROJECT_DIRECTORY"])
EPHEMERAL = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
REPORTS = EPHEMERAL / "reports"
STACK_DIR = "/opt/evaonline"
PROJECT = "evaonline"
SERVICES = {"api", "worker", "beat", "flower", "postgres", "redis", "nginx", "prometheus"}
APP_SERVICES = {"api", "worker", "beat", "flower"}
TEST_VARS = yaml.safe_load((TOP / "inventories/test/group_vars/all/main.yml").read_text())
# FAO-56 example 18: Brussels, 6 July, about 3.9 mm/day.
ETO_BODY = json.loads((TOP / "tests/data/fao56_example18.json").read_text())
# The test host has python3 but no curl. Prints "<status> <body>", also for errors.
HTTP = (
    "import sys, urllib.request as u, urllib.error as e; m, url, body = sys.argv[1:4]\n"
    "req = u.Request(url, data=body.encode() or None, method=m, "
    "headers={'Content-Type': 'application/json'})\n"
    "try:\n r = u.urlopen(req, timeout=5); print(r.status, r.read().decode())\n"
    "except e.HTTPError as x:\n print(x.code, x.read().decode())\n"
    "except Exception as x:\n print(0, repr(x))\n"
)


class Server:
    """The test host, driven with docker exec from the controller (much faster than an
    Ansible round trip per command, which matters in polling loops)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def run(self, cmd: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        argv = [
            "docker",
            "exec",
            *(["-i"] if stdin is not None else []),
            self.name,
            "sh",
            "-c",
            cmd,
        ]
        return subprocess.run(argv, input=stdin, capture_output=True, check=False)

    def check_output(self, cmd: str) -> str:
        proc = self.run(cmd)
        assert proc.returncode == 0, f"{cmd!r} failed: {proc.stderr.decode()[-500:]}"
        return proc.stdout.decode().strip()


@dataclass
class Run:
    """One ansible-playbook run: exit code, combined output, wall time."""

    rc: int
    out: str
    seconds: float


def playbook(name: str, *args: str, extra: dict[str, Any] | None = None) -> Run:
    """Run playbooks/<name> against the test host, as an operator would."""
    cmd = [
        "ansible-playbook",
        "-i",
        str(EPHEMERAL / "inventory"),
        str(TOP / "playbooks" / name),
        "-e",
        "evaonline_hosts=all",
        "-e",
        f"evaonline_report_dir={REPORTS}",
        *args,
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".json", dir=EPHEMERAL) as vars_file:
        if extra is not None:
            json.dump(extra, vars_file)
            vars_file.flush()
            cmd += ["-e", f"@{vars_file.name}"]
        env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"}
        t0 = time.monotonic()
        proc = subprocess.run(cmd, cwd=TOP, capture_output=True, text=True, env=env, check=False)
    return Run(proc.returncode, proc.stdout + proc.stderr, round(time.monotonic() - t0, 1))


def http(host: Server, method: str, path: str, body: str = "") -> tuple[int, Any]:
    """A request through nginx, from inside the test host."""
    url = f"http://127.0.0.1{path}"
    cmd = f"python3 -c {shlex.quote(HTTP)} {method} {shlex.quote(url)} {shlex.quote(body)}"
    status, _, text = host.check_output(cmd).partition(" ")
    try:
        return int(status), json.loads(text)
    except ValueError:
        return int(status), text


def sql(host: Server, query: str) -> str:
    user, db = "evaonline", "evaonline"
    return host.check_output(
        f"docker exec {PROJECT}-postgres-1 psql -U {user} -d {db} -At -c {shlex.quote(query)}"
    )


def containers(host: Server) -> dict[str, dict[str, Any]]:
    """service -> id, state, health, start time and restart count of its container."""
    ids = host.check_output(f"docker ps -aq --filter label=com.docker.compose.project={PROJECT}")
    if not ids.strip():
        return {}
    found = json.loads(host.check_output(f"docker inspect {' '.join(ids.split())}"))
    return {
        c["Config"]["Labels"]["com.docker.compose.service"]: {
            "id": c["Id"][:12],
            "image": c["Config"]["Image"],
            "status": c["State"]["Status"],
            "health": c["State"].get("Health", {}).get("Status", "none"),
            "started": c["State"]["StartedAt"],
            "restarts": c["RestartCount"],
            "pid": c["State"]["Pid"],
        }
        for c in found
    }


def healthy(host: Server) -> bool:
    now = containers(host)
    running = {
        name for name, c in now.items() if c["status"] == "running" and c["health"] == "healthy"
    }
    return running >= SERVICES and http(host, "GET", "/api/v1/health")[0] == 200


def wait_until(check: Any, timeout: float, what: str, step: float = 1.0) -> float:
    """Seconds until check() is true; fails naming `what` after timeout."""
    t0 = time.monotonic()
    while not check():
        if time.monotonic() - t0 > timeout:
            pytest.fail(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(step)
    return round(time.monotonic() - t0, 1)


def wait_healthy(host: Server, timeout: float = 240) -> float:
    return wait_until(lambda: healthy(host), timeout, "every service healthy and the API answering")


def submit(host: Server, count: int) -> list[str]:
    """POST ET0 requests through nginx; returns their ids."""
    ids = []
    for _ in range(count):
        status, body = http(host, "POST", "/api/v1/eto", json.dumps(ETO_BODY))
        assert status == 202, body
        ids.append(body["id"])
    return ids


def eto_rows(host: Server) -> dict[str, tuple[str, float | None]]:
    out = sql(host, "SELECT id, status, eto_mm_day FROM eto_requests")
    rows = {}
    for line in out.splitlines():
        rid, status, value = line.split("|")
        rows[rid] = (status, float(value) if value else None)
    return rows


def stack_snapshot(host: Server) -> dict[str, Any]:
    """Every file under the stack directory (path, mode, size, mtime, sha256) and every
    container of the stack (id, start time, restarts): equal snapshots prove no change."""
    files = host.check_output(
        f"find {STACK_DIR} -xdev -type f -printf '%p %m %s %T@\\n' | sort; "
        f"find {STACK_DIR} -xdev -type f -print0 | sort -z | xargs -0 -r sha256sum"
    )
    state = {name: (c["id"], c["started"], c["restarts"]) for name, c in containers(host).items()}
    return {"files": files, "containers": state}


LOAD_DIR = "/root/load"  # not /tmp: the test host's /tmp is a tmpfs docker cp cannot see


@contextmanager
def load(host: Server, before: float = 8.0, after: float = 4.0) -> Iterator[dict[str, Any]]:
    """tests/load/loadgen.py on the test host against nginx on loopback: 20 requests/s
    (every 10th an ET0 POST), at most 8000 requests and 400 s. Phases before, during
    (the body of the with block) and after; the report fills the yielded dict."""
    host.check_output(f"mkdir -p {LOAD_DIR} && rm -f {LOAD_DIR}/stop {LOAD_DIR}/report.json")
    for src in (TOP / "tests/load/loadgen.py", TOP / "tests/data/fao56_example18.json"):
        subprocess.run(["docker", "cp", str(src), f"{host.name}:{LOAD_DIR}/"], check=True)
    phase = f"{LOAD_DIR}/phase"
    host.check_output(f"echo before > {phase}")
    args = (
        f"--url http://127.0.0.1 --rate 20 --count 8000 --seconds 400 --eto-every 10"
        f" --eto-body {LOAD_DIR}/fao56_example18.json --stop-file {LOAD_DIR}/stop"
        f" --phase-file {phase} --out {LOAD_DIR}/report.json"
    )
    subprocess.run(
        ["docker", "exec", "-d", host.name, "sh", "-c", f"python3 {LOAD_DIR}/loadgen.py {args}"],
        check=True,
    )
    result: dict[str, Any] = {}
    time.sleep(before)
    host.check_output(f"echo during > {phase}")
    started = host.check_output("date +%s")
    beats = len(host.check_output(f"docker ps -q --filter {BEAT}").split())
    try:
        yield result
    finally:
        host.check_output(f"echo after > {phase}")
        time.sleep(after)
        host.check_output(f"touch {LOAD_DIR}/stop")
        result["beat_max_running"] = most_running(host, BEAT, started, beats)
        wait_until(
            lambda: host.run(f"test -s {LOAD_DIR}/report.json").returncode == 0,
            60,
            "the load generator's report",
        )
        result.update(json.loads(host.check_output(f"cat {LOAD_DIR}/report.json")))


BEAT = f"label=com.docker.compose.project={PROJECT} --filter label=com.docker.compose.service=beat"


def most_running(host: Server, filters: str, since: str, at_start: int) -> int:
    """The most containers matching filters that ran at once since `since` (epoch s),
    from Docker's start and die events; at_start ran then."""
    events = host.check_output(
        f"docker events --since {since} --until $(date +%s) --filter {filters}"
        " --filter event=start --filter event=die --format '{{.Action}}'"
    ).split()
    running = peak = at_start
    for action in events:
        running += 1 if action == "start" else -1
        peak = max(peak, running)
    return peak


def finishes(host: Server, ids: list[str]) -> dict[str, int]:
    """How many times each ET0 request was finished (computed or failed)."""
    out = sql(host, "SELECT id, finishes FROM eto_requests")
    counts = dict(line.split("|") for line in out.splitlines())
    return {i: int(counts.get(i, 0)) for i in ids}


@dataclass
class Ledger:
    """Every ET0 request written during the drills, with its value once computed."""

    rows: dict[str, float] = field(default_factory=dict)

    def wait_done(self, host: Server, ids: list[str], timeout: float = 180) -> float:
        def done() -> bool:
            try:
                now = eto_rows(host)
            except AssertionError:  # Postgres starting up: ask again
                return False
            return all(now.get(i, ("", None))[0] == "done" for i in ids)

        seconds = wait_until(done, timeout, f"{len(ids)} ET0 requests computed", step=2)
        now = eto_rows(host)
        for i in ids:
            self.rows[i] = now[i][1]
        return seconds

    def assert_intact(self, host: Server) -> None:
        now = eto_rows(host)
        missing = [i for i in self.rows if i not in now]
        assert not missing, f"{len(missing)} of {len(self.rows)} ET0 rows lost: {missing[:3]}"
        changed = [i for i, v in self.rows.items() if now[i] != ("done", v)]
        assert not changed, f"ET0 rows changed: {changed[:3]}"


@dataclass
class Journal:
    """Drill results for the report printed at the end and saved as drills.json."""

    entries: list[dict[str, Any]] = field(default_factory=list)

    def record(self, drill: str, **figures: Any) -> None:
        self.entries.append({"drill": drill, **figures})


@pytest.fixture(scope="session")
def server() -> Server:
    """The scenario's test host (the platform is named evaonline-<scenario>)."""
    return Server(f"evaonline-{os.environ['MOLECULE_SCENARIO_NAME']}")


@pytest.fixture(scope="session")
def ledger(server: Server) -> Ledger:
    """Rows written before the first drill: 5 computed ET0 requests."""
    wait_healthy(server)
    book = Ledger()
    book.wait_done(server, submit(server, 5))
    return book


@pytest.fixture(scope="session")
def journal() -> Iterator[Journal]:
    book = Journal()
    yield book
    (EPHEMERAL / "drills.json").write_text(json.dumps(book.entries, indent=2) + "\n")
    print("\n\nDRILLS")
    for entry in book.entries:
        print("  " + json.dumps(entry))
