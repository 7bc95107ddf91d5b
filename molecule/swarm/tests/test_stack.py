"""The stack on the three-node swarm, deployed by site.yml, then the cluster drills.

In order: the deployed stack, a release under load, a release that fails and is rolled
back by Swarm, a secret rotation, a drained worker, and a stopped worker node. The figures
go to reports/swarm-drills.json and are printed at the end (verifier option -s).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

TOP = Path(__file__).resolve().parents[3]
EPHEMERAL = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/tmp"))
REPORTS = EPHEMERAL / "reports"
MANAGER, WORKERS = "evaonline-m1", ("evaonline-w1", "evaonline-w2")
STACK = "evaonline"
ETO_BODY = (TOP / "tests/data/fao56_example18.json").read_text()
TEST_VARS = TOP / "inventories/test/group_vars/all/main.yml"
LOAD_DIR = "/root/load"  # not /tmp: the node's /tmp is a tmpfs docker cp cannot see
FIGURES: dict[str, Any] = {}
# Prints "<status> <body>" for a request through nginx on the manager (no curl there).
HTTP = (
    "import sys, urllib.request as u, urllib.error as e; m, url, body = sys.argv[1:4]\n"
    "req = u.Request(url, data=body.encode() or None, method=m, "
    "headers={'Content-Type': 'application/json'})\n"
    "try:\n r = u.urlopen(req, timeout=5); print(r.status, r.read().decode())\n"
    "except e.HTTPError as x:\n print(x.code, x.read().decode())\n"
    "except Exception as x:\n print(0, repr(x))\n"
)


def sh(node: str, cmd: str, check: bool = True) -> str:
    """A shell command in a node's container, through the outer Docker."""
    run = subprocess.run(["docker", "exec", node, "sh", "-c", cmd], capture_output=True, text=True)
    if check:
        assert run.returncode == 0, f"{cmd}: {run.stderr[-1500:]}"
    return run.stdout.strip()


def wait_until(probe: Callable[[], bool], seconds: float, what: str, step: float = 1) -> float:
    t0 = time.monotonic()
    while not probe():
        assert time.monotonic() - t0 < seconds, f"{what}: not within {seconds:.0f} s"
        time.sleep(step)
    return round(time.monotonic() - t0, 1)


def replicas() -> dict[str, str]:
    """Service (without the stack prefix) -> running/desired."""
    out = sh(
        MANAGER,
        f"docker service ls --filter label=com.docker.stack.namespace={STACK}"
        " --format '{{.Name}} {{.Replicas}}'",
    )
    return {
        n.removeprefix(f"{STACK}_"): r.split()[0]
        for n, r in (x.split(" ", 1) for x in out.splitlines())
    }


def ready_nodes() -> set[str]:
    out = sh(MANAGER, "docker node ls --format '{{.Hostname}} {{.Status}}'")
    return {
        host for host, status in (line.split() for line in out.splitlines()) if status == "Ready"
    }


def tasks(*services: str) -> list[tuple[str, str]]:
    """(service, node) of each running task on a ready node: Swarm lists the tasks of a node
    that went down as running until it comes back, though it runs their replacements."""
    names = " ".join(f"{STACK}_{s}" for s in services)
    out = sh(
        MANAGER,
        f"docker service ps {names} --filter desired-state=running"
        " --format '{{.Name}} {{.Node}} {{.CurrentState}}'",
    )
    ready = ready_nodes()
    found = []
    for line in out.splitlines():
        name, node, state = line.split(" ", 2)
        if state.startswith("Running") and node in ready:
            found.append((name.split(".")[0].removeprefix(f"{STACK}_"), node))
    return found


def converged(away_from: str = "") -> bool:
    """Every service runs exactly its desired tasks on ready nodes, none on `away_from`."""
    want = {name: int(r.partition("/")[2]) for name, r in replicas().items()}
    found = tasks(*want)
    counts = {name: sum(1 for s, _ in found if s == name) for name in want}
    return counts == want and all(node != away_from for _, node in found)


def service_image(service: str) -> str:
    return sh(
        MANAGER,
        f"docker service inspect {STACK}_{service}"
        " --format '{{.Spec.TaskTemplate.ContainerSpec.Image}}'",
    )


def http(method: str, path: str, body: str = "") -> tuple[int, Any]:
    cmd = f"python3 -c {shlex.quote(HTTP)} {method} http://127.0.0.1{path} {shlex.quote(body)}"
    status, _, text = sh(MANAGER, cmd).partition(" ")
    try:
        return int(status), json.loads(text)
    except ValueError:
        return int(status), text


def submit(count: int) -> list[str]:
    ids = []
    for _ in range(count):
        status, body = http("POST", "/api/v1/eto", ETO_BODY)
        if status == 0:
            # Setup, not the drill: the client's own 5 s timeout on a CI machine that runs
            # two scenarios at once (seen once) gets one more try; a second one fails.
            status, body = http("POST", "/api/v1/eto", ETO_BODY)
        assert status == 202, body
        ids.append(body["id"])
    return ids


def sql(query: str) -> str:
    pg = sh(MANAGER, f"docker ps -q --filter label=com.docker.swarm.service.name={STACK}_postgres")
    return sh(
        MANAGER, f"docker exec {pg} psql -U evaonline -d evaonline -At -c {shlex.quote(query)}"
    )


def all_done(ids: list[str], seconds: float = 240) -> float:
    def done() -> bool:
        rows = sql("SELECT id, status FROM eto_requests")
        status = dict(line.split("|") for line in rows.splitlines())
        return all(status.get(i) == "done" for i in ids)

    return wait_until(done, seconds, f"{len(ids)} ET0 requests computed", step=2)


def healthy() -> bool:
    status, body = http("GET", "/api/v1/health")
    return status == 200 and isinstance(body, dict) and body.get("status") == "ok"


def playbook(name: str, extra: dict[str, Any] | None = None, *args: str) -> tuple[int, str, float]:
    """playbooks/<name> over the scenario's inventory, as an operator runs it."""
    cmd = ["ansible-playbook", "-i", str(EPHEMERAL / "inventory"), str(TOP / "playbooks" / name)]
    cmd += args
    cmd += ["-e", f"evaonline_report_dir={REPORTS}"]
    env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"}
    with tempfile.NamedTemporaryFile("w", suffix=".json", dir=EPHEMERAL) as vars_file:
        if extra:
            json.dump(extra, vars_file)
            vars_file.flush()
            cmd += ["-e", f"@{vars_file.name}"]
        t0 = time.monotonic()
        run = subprocess.run(cmd, cwd=TOP, capture_output=True, text=True, env=env)
    return run.returncode, run.stdout + run.stderr, round(time.monotonic() - t0, 1)


def app_copy(name: str, line: str) -> Path:
    """The bundled app with one line appended to backend/__init__.py."""
    dest = EPHEMERAL / name
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(TOP / "app", dest, ignore=shutil.ignore_patterns("__pycache__"))
    with (dest / "backend" / "__init__.py").open("a") as init:
        init.write(line + "\n")
    return dest


def beats_at_once(since: str) -> int:
    """The most beat containers that ran at once on any node since `since`."""
    peak = 0
    for node in (MANAGER, *WORKERS):
        events = sh(
            node,
            f"docker events --since {since} --until $(date +%s)"
            f" --filter label=com.docker.swarm.service.name={STACK}_beat"
            " --filter event=start --filter event=die --format '{{.Action}}'",
            check=False,
        ).split()
        running = len(
            sh(
                node, f"docker ps -q --filter label=com.docker.swarm.service.name={STACK}_beat"
            ).split()
        )
        running -= events.count("start") - events.count("die")  # those running at `since`
        for action in events:
            running += 1 if action == "start" else -1
            peak = max(peak, running)
    return peak


@contextmanager
def load(seconds: float = 400) -> Iterator[dict[str, Any]]:
    """tests/load/loadgen.py on the manager against nginx on loopback: 20 requests/s, every
    10th an ET0 POST, at most 8000 requests and `seconds`. The report fills the dict."""
    sh(MANAGER, f"mkdir -p {LOAD_DIR} && rm -f {LOAD_DIR}/stop {LOAD_DIR}/report.json")
    for src in (TOP / "tests/load/loadgen.py", TOP / "tests/data/fao56_example18.json"):
        subprocess.run(["docker", "cp", str(src), f"{MANAGER}:{LOAD_DIR}/"], check=True)
    args = (
        f"--url http://127.0.0.1 --rate 20 --count 8000 --seconds {seconds} --eto-every 10"
        f" --eto-body {LOAD_DIR}/fao56_example18.json --stop-file {LOAD_DIR}/stop"
        f" --out {LOAD_DIR}/report.json"
    )
    subprocess.run(
        ["docker", "exec", "-d", MANAGER, "sh", "-c", f"python3 {LOAD_DIR}/loadgen.py {args}"],
        check=True,
    )
    time.sleep(5)
    result: dict[str, Any] = {"since": sh(MANAGER, "date +%s")}
    try:
        yield result
    finally:
        time.sleep(4)
        sh(MANAGER, f"touch {LOAD_DIR}/stop")
        report = ["docker", "exec", MANAGER, "test", "-s", f"{LOAD_DIR}/report.json"]
        wait_until(
            lambda: subprocess.run(report).returncode == 0, 60, "the load generator's report"
        )
        result.update(json.loads(sh(MANAGER, f"cat {LOAD_DIR}/report.json")))


def timeline(out: str) -> list[str]:
    """'HH:MM:SS task' of each task a playbook ran (profile_tasks prints the clock)."""
    lines = out.splitlines()
    found = []
    for i, line in enumerate(lines[:-1]):
        if line.startswith("TASK [") and " +0000 " in lines[i + 1]:
            clock = lines[i + 1].split()[4]
            found.append(f"{clock} {line[6:].split(']')[0][:70]}")
    return found


def under_load(report: dict[str, Any], out: str = "") -> dict[str, Any]:
    """No failed request, one beat at most, and every ET0 request accepted finished."""
    assert report["total"] > 0, report
    if report["failed"]:  # what postgres and the app's tasks did, for the failure message
        report["tasks"] = sh(
            MANAGER,
            f"docker service ps {STACK}_postgres {STACK}_api {STACK}_worker"
            " --format '{{.Name}} {{.Node}} {{.DesiredState}} {{.CurrentState}} {{.Error}}'",
            check=False,
        )
        report["postgres_log"] = sh(
            MANAGER, f"docker service logs --tail 20 {STACK}_postgres 2>&1", check=False
        )[-3000:]
        first = int(report["since"]) - 5 + int(report["failures"][0]["at"])
        report["first_failure"] = time.strftime("%H:%M:%S", time.gmtime(first))
        report["timeline"] = timeline(out)[-40:]
    assert report["failed"] == 0, (
        f"{report['failed']} of {report['total']} requests failed: {report['failures'][:5]}"
        f" first at {report.get('first_failure')}; tasks: {report.get('tasks')}"
        f" postgres: {report.get('postgres_log')} playbook: {report.get('timeline')}"
    )
    assert beats_at_once(report["since"]) <= 1
    ids = report["accepted_eto_ids"]
    assert ids, "the load generator got no ET0 request accepted"
    all_done(ids)
    return {"requests": report["total"], "failed": report["failed"], "eto_tasks": len(ids)}


def record(drill: str, **figures: Any) -> None:
    FIGURES[drill] = figures
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "swarm-drills.json").write_text(json.dumps(FIGURES, indent=2) + "\n")
    print(f"\nswarm drill {drill}: {json.dumps(figures)}")


@pytest.fixture(scope="module", autouse=True)
def settled() -> None:
    wait_until(converged, 180, "every service at its desired tasks")


def test_every_service_runs_its_desired_tasks() -> None:
    found = replicas()
    assert found["api"] == "2/2" and found["worker"] == "2/2", found
    assert found["beat"] == "1/1", found
    assert set(found) >= {"postgres", "redis", "nginx", "flower", "prometheus"}
    assert converged(), found


def test_app_tasks_spread_over_the_nodes() -> None:
    nodes = {node for _, node in tasks("api", "worker", "beat", "flower")}
    assert len(nodes) >= 2, nodes
    assert nodes & set(WORKERS), nodes
    assert {node for _, node in tasks("postgres", "redis", "nginx")} == {MANAGER}


def test_no_secret_in_any_service_or_container_environment() -> None:
    secrets = [
        line.split(":", 1)[1].strip()
        for line in TEST_VARS.read_text().splitlines()
        if line.startswith(
            ("stack_postgres_password:", "stack_redis_password:", "stack_secret_key:")
        )
    ]
    assert len(secrets) == 3
    specs = sh(
        MANAGER,
        "docker service inspect $(docker service ls -q"
        f" --filter label=com.docker.stack.namespace={STACK})",
    )
    assert "POSTGRES_PASSWORD_FILE" in specs and "DATABASE_URL_FILE" in specs
    for node in (MANAGER, *WORKERS):
        envs = sh(node, "docker ps -q | xargs -r docker inspect --format '{{json .Config.Env}}'")
        for secret in secrets:
            assert secret not in specs
            assert secret not in envs, node


def test_an_eto_request_is_computed_through_nginx() -> None:
    ids = submit(3)
    seconds = all_done(ids, 120)
    record("eto through nginx", computed=len(ids), seconds=seconds)


def test_verify_report_lists_each_task_node() -> None:
    report = json.loads((REPORTS / f"verify-{MANAGER}.json").read_text())
    assert report["healthy"] is True, report["health_msg"]
    assert report["services"]["api"]["replicas"] == "2/2"
    assert set(report["services"]["api"]["nodes"]) <= {MANAGER, *WORKERS}


def test_check_mode_on_the_deployed_cluster_predicts_no_change() -> None:
    rc, out, seconds = playbook("site.yml", None, "--check")
    assert rc == 0, out[-3000:]
    recap = [line for line in out.splitlines() if line.startswith(("evaonline-m1 ", "evaonline-w"))]
    assert len(recap) == 3 and all("changed=0" in line for line in recap), recap
    record("site.yml --check", seconds=seconds)


ROTATED = "rotated-secret-key-0002"


def secret_of(service: str) -> set[str]:
    """The versioned name of the SECRET_KEY secret the service reads."""
    out = sh(
        MANAGER,
        f"docker service inspect {STACK}_{service}"
        " --format '{{range .Spec.TaskTemplate.ContainerSpec.Secrets}}{{.SecretName}} {{end}}'",
    )
    return {s for s in out.split() if "app_secret_key" in s}


def api_processes_with(setting: str) -> int:
    """How many running api containers, on any node, have `setting` in PID 1's environment
    (the entrypoint exports what *_FILE names, then execs the server)."""
    count = 0
    for node in (MANAGER, *WORKERS):
        ids = sh(node, f"docker ps -q --filter label=com.docker.swarm.service.name={STACK}_api")
        for cid in ids.split():
            env = sh(node, f"docker exec {cid} cat /proc/1/environ | tr '\\0' '\\n'")
            count += setting in env.splitlines()
    return count


def test_a_release_with_a_rotated_secret_under_load_drops_no_request() -> None:
    # One deploy: a changed app and a new SECRET_KEY, as an operator's release with a
    # rotation in the vault; the services roll onto the new image and the new secret version.
    before = service_image("api")
    (old,) = secret_of("api")
    app = str(app_copy("app-v2", "RELEASE = 'v2'"))
    with load() as report:
        rc, out, seconds = playbook(
            "deploy.yml", {"evaonline_app_src": app, "stack_secret_key": ROTATED}
        )
    assert rc == 0, out[-3000:]
    figures = under_load(report, out)
    after = service_image("api")
    assert after != before
    assert {service_image(s) for s in ("worker", "beat", "flower")} == {after}
    (new,) = secret_of("api")
    assert new != old and secret_of("worker") == {new}
    assert api_processes_with(f"SECRET_KEY={ROTATED}") == 2
    assert converged()
    record(
        "release with a secret rotation, under load",
        seconds=seconds,
        image=after,
        secret_old=old,
        secret_new=new,
        **figures,
    )


def test_a_release_failing_its_health_check_is_rolled_back_by_swarm() -> None:
    good = service_image("api")
    bad = app_copy(
        "app-bad",
        "import os\nif os.environ.get('SERVICE') == 'api':\n"
        "    raise SystemExit('drill: this release cannot start its api')",
    )
    with load() as report:
        rc, out, seconds = playbook("deploy.yml", {"evaonline_app_src": str(bad)})
    assert rc != 0, "deploy.yml accepted a release whose api cannot start"
    assert "Swarm rolled api back" in out, out[-3000:]
    assert f"back on {good}" in out, out[-3000:]
    figures = under_load(report, out)
    assert {service_image(s) for s in ("api", "worker", "beat", "flower")} == {good}
    wait_until(converged, 120, "every service at its desired tasks after the rollback")
    record("failed release rolled back by swarm", seconds=seconds, **figures)


APP = ("api", "worker", "beat", "flower")


def test_a_drained_worker_hands_its_tasks_on_and_queued_work_completes() -> None:
    node = WORKERS[0]
    on_node = sorted(s for s, n in tasks(*APP) if n == node)
    assert on_node, f"no app task on {node} to move: {tasks(*APP)}"
    ids = submit(60)
    t0 = time.monotonic()
    sh(MANAGER, f"docker node update --availability drain {node}")
    try:
        moved = wait_until(lambda: converged(away_from=node), 180, f"the tasks of {node} elsewhere")
        assert healthy()
        done = all_done(ids)
    finally:
        sh(MANAGER, f"docker node update --availability active {node}")
    record(
        "drain a worker",
        node=node,
        tasks_moved=on_node,
        moved_s=moved,
        eto=len(ids),
        eto_done_s=done,
        total_s=round(time.monotonic() - t0, 1),
    )


def test_a_stopped_worker_node_loses_nothing() -> None:
    node = WORKERS[1]
    on_node = sorted(s for s, n in tasks(*APP) if n == node)
    assert on_node, f"no app task on {node} to lose: {tasks(*APP)}"
    ids = submit(60)
    with load(seconds=300) as report:
        t0 = time.monotonic()
        subprocess.run(["docker", "stop", "-t", "30", node], check=True, capture_output=True)
        try:
            elsewhere = wait_until(
                lambda: converged(away_from=node), 240, f"the tasks of the stopped {node} elsewhere"
            )
            assert healthy()
            done = all_done(ids)
        finally:
            subprocess.run(["docker", "start", node], check=True, capture_output=True)
            # Test plumbing, as in prepare: a restarted test host's /proc/sys is read-only
            # again, and the inner dockerd needs it writable for its tasks' networks.
            sh(node, "mount -o remount,rw /proc/sys")
    back = wait_until(lambda: node in ready_nodes(), 120, f"{node} back in the swarm")
    wait_until(converged, 180, "every service at its desired tasks with the node back")
    record(
        "stop a worker node",
        node=node,
        tasks_lost=on_node,
        # Requests through nginx while the node was lost (reported, not asserted).
        requests=report["total"],
        failed=report["failed"],
        failures=report["failures"][:3],
        rescheduled_s=elsewhere,
        eto=len(ids),
        eto_done_s=done,
        node_back_s=back,
        total_s=round(time.monotonic() - t0, 1),
    )
