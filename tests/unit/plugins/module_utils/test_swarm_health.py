"""stack_health in swarm mode: task views and service verdicts from Engine API 1.41 dicts."""

import copy
from concurrent.futures import ThreadPoolExecutor

import pytest
from ansible_collections.evaonline.deploy.plugins.module_utils.health import (
    container_verdict,
    evaluate,
    parse_docker_time,
    wait_until,
)
from ansible_collections.evaonline.deploy.plugins.module_utils.swarm_health import (
    desired_replicas,
    has_healthcheck,
    log_lines,
    node_names,
    stack_services,
    swarm_ending,
    swarm_ports,
    swarm_timeout_message,
    swarm_verdict,
    swarm_views,
    task_view,
)

T0 = parse_docker_time("2025-01-01T00:00:00Z")
NOW = T0 + 60

NODES = [
    {
        "ID": "60gvrl6tm78dmak4yl7srz94v",
        "Version": {"Index": 9},
        "Spec": {"Role": "manager", "Availability": "active", "Labels": {"evaonline.db": "true"}},
        "Description": {
            "Hostname": "manager1",
            "Platform": {"Architecture": "x86_64", "OS": "linux"},
            "Engine": {"EngineVersion": "28.2.2"},
        },
        "Status": {"State": "ready", "Addr": "172.20.0.2"},
        "ManagerStatus": {"Leader": True, "Reachability": "reachable", "Addr": "172.20.0.2:2377"},
    },
    {
        "ID": "2j8bsiqd6tvkrwy9k2sqc8ghw",
        "Version": {"Index": 15},
        "Spec": {"Role": "worker", "Availability": "active", "Labels": {}},
        "Description": {"Hostname": "worker1", "Platform": {"OS": "linux"}},
        "Status": {"State": "ready", "Addr": "172.20.0.3"},
    },
    {
        "ID": "q9xk0ly3hzd8uff1a0c7ew1m4",
        "Version": {"Index": 17},
        "Spec": {"Role": "worker", "Availability": "active", "Labels": {}},
        "Description": {"Hostname": "worker2", "Platform": {"OS": "linux"}},
        "Status": {"State": "ready", "Addr": "172.20.0.4"},
    },
]
MANAGER, WORKER1, WORKER2 = (n["ID"] for n in NODES)

HEALTHCHECK = {
    "Test": ["CMD-SHELL", "wget -qO- http://127.0.0.1:8000/health || exit 1"],
    "Interval": 15000000000,
    "Timeout": 5000000000,
    "StartPeriod": 30000000000,
    "Retries": 3,
}
INGRESS_8000 = {
    "Protocol": "tcp",
    "TargetPort": 8000,
    "PublishedPort": 8000,
    "PublishMode": "ingress",
}


def service(
    name="api",
    sid="9mnpnzenvg8p8tdbtq4wvbkcz",
    replicas=2,
    healthcheck=HEALTHCHECK,
    ports=(INGRESS_8000,),
    update=None,
    message="",
):
    """A ``GET /services`` entry of a service of stack evaonline, as ``docker stack deploy``
    makes it."""
    mode = {"Global": {}} if replicas is None else {"Replicated": {"Replicas": replicas}}
    container = {
        "Image": f"registry.local:5000/evaonline/{name}:1.4.0@sha256:{'ab' * 32}",
        "Labels": {"com.docker.stack.namespace": "evaonline"},
        "Privileges": {"CredentialSpec": None, "SELinuxContext": None},
        "StopGracePeriod": 10000000000,
        "DNSConfig": {},
        "Isolation": "default",
    }
    if healthcheck is not None:
        container["Healthcheck"] = healthcheck
    spec_ports = [dict(p) for p in ports]
    out = {
        "ID": sid,
        "Version": {"Index": 2311},
        "CreatedAt": "2025-01-01T00:00:00.000000000Z",
        "UpdatedAt": "2025-01-01T00:00:10.000000000Z",
        "Spec": {
            "Name": f"evaonline_{name}",
            "Labels": {
                "com.docker.stack.image": f"registry.local:5000/evaonline/{name}:1.4.0",
                "com.docker.stack.namespace": "evaonline",
            },
            "TaskTemplate": {
                "ContainerSpec": container,
                "Resources": {"Limits": {"MemoryBytes": 536870912}},
                "RestartPolicy": {"Condition": "any", "Delay": 5000000000, "MaxAttempts": 0},
                "Placement": {"Platforms": [{"Architecture": "amd64", "OS": "linux"}]},
                "Networks": [{"Target": "k3m2w0j1x1v4o0a9tq6p8d2pl", "Aliases": [name]}],
                "ForceUpdate": 0,
                "Runtime": "container",
            },
            "Mode": mode,
            "UpdateConfig": {
                "Parallelism": 1,
                "FailureAction": "rollback",
                "Monitor": 5000000000,
                "MaxFailureRatio": 0,
                "Order": "start-first",
            },
            "EndpointSpec": {"Mode": "vip", "Ports": spec_ports},
        },
        "Endpoint": {
            "Spec": {"Mode": "vip", "Ports": spec_ports},
            "Ports": [dict(p) for p in ports],
            "VirtualIPs": [{"NetworkID": "k3m2w0j1x1v4o0a9tq6p8d2pl", "Addr": "10.0.1.5/24"}],
        },
    }
    if update:
        out["UpdateStatus"] = {
            "State": update,
            "StartedAt": "2025-01-01T00:00:10.000000000Z",
            "Message": message,
        }
    return out


def task(
    tid="0kzzo1i0y4jz6027t0k7aezc7",
    sid="9mnpnzenvg8p8tdbtq4wvbkcz",
    slot=1,
    node=MANAGER,
    state="running",
    desired="running",
    since="2025-01-01T00:00:00.5Z",
    exit_code=0,
    message="started",
    err=None,
):
    """A ``GET /tasks`` entry."""
    status = {
        "Timestamp": since,
        "State": state,
        "Message": message,
        "PortStatus": {},
    }
    if state not in ("new", "pending", "assigned"):
        status["ContainerStatus"] = {
            "ContainerID": "e5d62702a1b48d01c3a02e1a04b6e4ba5fee0b96a5ee5c3a1f3bb2c9a2e1b7c0",
            "PID": 677 if state == "running" else 0,
            "ExitCode": exit_code,
        }
    if err:
        status["Err"] = err
    out = {
        "ID": tid,
        "Version": {"Index": 2320},
        "CreatedAt": "2025-01-01T00:00:00.000000000Z",
        "UpdatedAt": since,
        "Labels": {},
        "Spec": {"ContainerSpec": {"Image": "registry.local:5000/evaonline/api:1.4.0"}},
        "ServiceID": sid,
        "NodeID": node,
        "Status": status,
        "DesiredState": desired,
        "NetworksAttachments": [],
    }
    if slot:
        out["Slot"] = slot
    return out


def poll(services, tasks, previous=None, expected=None, min_uptime=2.0, checks=None, since=T0):
    """One swarm round as SwarmObserver.step makes it, from API dicts; the deploy judged
    began at ``since`` (the services' updates start 10 s after T0)."""
    views = swarm_views(services, tasks, NODES, "evaonline", NOW)
    expected = expected or stack_services(services, "evaonline")
    result = evaluate(views, expected, previous, min_uptime, checks)
    result = swarm_verdict(result, services, "evaonline", since)
    result["ended"] = swarm_ending(result, [], False)
    return result


def two_api_tasks(second_state="running", **second):
    return [
        task(),
        task(
            tid="1ctkhkmsf1c2jzfqr0xk6pd7r",
            slot=2,
            node=WORKER1,
            state=second_state,
            message=second.pop("message", "started"),
            **second,
        ),
    ]


# --- views -------------------------------------------------------------------------------


def test_view_has_the_container_view_keys_and_task_fields():
    view = task_view(task(), service(), "evaonline", node_names(NODES), NOW)
    assert view == {
        "id": "0kzzo1i0y4jz6027t0k7aezc7",
        "name": "api.1",
        "service": "api",
        "state": "running",
        "running": True,
        "exit_code": 0,
        "health": "healthy",
        "failing_streak": 0,
        "health_log": ["started"],
        "restarts": 0,
        "started_at": "0kzzo1i0y4jz6027t0k7aezc7",
        "uptime": 59.5,
        "ports": ["*:8000->8000/tcp"],
        "node": "manager1",
        "service_id": "9mnpnzenvg8p8tdbtq4wvbkcz",
    }


def test_view_without_healthcheck_or_with_none_has_no_health():
    hostnames = node_names(NODES)
    assert (
        task_view(task(), service(healthcheck=None), "evaonline", hostnames, NOW)["health"] is None
    )
    disabled = service(healthcheck={"Test": ["NONE"]})
    assert not has_healthcheck(disabled)
    assert task_view(task(), disabled, "evaonline", hostnames, NOW)["health"] is None


def test_starting_task_is_not_healthy_yet():
    view = task_view(task(state="starting", message="starting"), service(), "evaonline", {}, NOW)
    assert view["health"] == "starting" and not view["running"] and view["uptime"] == 0.0
    # Not running yet, so the verdict is the state's, before any health is read.
    assert container_verdict(view, None, 2.0) == (
        False,
        "state starting (exit code 0, RestartCount 0)",
    )


def test_failed_task_keeps_exit_code_and_error():
    view = task_view(
        task(state="failed", exit_code=137, err="task: non-zero exit (137)"),
        service(),
        "evaonline",
        node_names(NODES),
        NOW,
    )
    assert view["exit_code"] == 137 and view["running"] is False
    assert view["health_log"] == ["task: non-zero exit (137)", "started"]
    assert container_verdict(view, None, 0.0) == (
        False,
        "state failed (exit code 137, RestartCount 0)",
    )


def test_only_tasks_meant_to_run_become_views():
    tasks = {
        "9mnpnzenvg8p8tdbtq4wvbkcz": [
            task(),
            task(tid="old1", state="shutdown", desired="shutdown", exit_code=0),
        ]
    }
    views = swarm_views([service()], tasks, NODES, "evaonline", NOW)
    assert [v["id"] for v in views] == ["0kzzo1i0y4jz6027t0k7aezc7"]


def test_node_names_and_unknown_node():
    assert node_names(NODES) == {MANAGER: "manager1", WORKER1: "worker1", WORKER2: "worker2"}
    view = task_view(task(node="zzzzunknownnode00000000000"), service(), "evaonline", {}, NOW)
    assert view["node"] == "zzzzunknownnode00000000000"
    pending = task_view(task(node="", state="pending"), service(), "evaonline", {}, NOW)
    assert pending["node"] is None


def test_ports_ingress_host_unpublished_and_spec_fallback():
    ports = (
        INGRESS_8000,
        {"Protocol": "udp", "TargetPort": 53, "PublishedPort": 5353, "PublishMode": "ingress"},
        {"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8080, "PublishMode": "host"},
        {"Protocol": "tcp", "TargetPort": 9000, "PublishMode": "ingress"},
    )
    svc = service(ports=ports)
    assert swarm_ports(svc) == [
        "*:5353->53/udp",
        "*:8000->8000/tcp",
        "*:8080->80/tcp (host)",
    ]
    # Before Swarm set up the endpoint only the spec holds the ports.
    del svc["Endpoint"]
    assert swarm_ports(svc) == ["*:5353->53/udp", "*:8000->8000/tcp", "*:8080->80/tcp (host)"]
    assert swarm_ports(service(ports=())) == []


# --- verdicts ----------------------------------------------------------------------------


def test_converged_service_passes_with_replicas_and_nodes():
    result = poll(
        [service(update="completed", message="update completed")],
        {"9mnpnzenvg8p8tdbtq4wvbkcz": two_api_tasks()},
    )
    assert result["ok"] is True and result["failing"] == [] and result["ended"] == []
    row = result["services"]["api"]
    assert row["ok"] is True and row["reason"] == "running, healthy"
    assert row["replicas"] == "2/2"
    assert row["nodes"] == ["manager1", "worker1"]
    assert row["update_state"] == "completed"
    assert row["containers"] == ["api.1", "api.2"]
    assert row["ports"] == ["*:8000->8000/tcp"]


def test_one_of_two_running_fails():
    result = poll([service()], {"9mnpnzenvg8p8tdbtq4wvbkcz": [task()]})
    row = result["services"]["api"]
    assert result["ok"] is False and result["failing"] == ["api"]
    assert row["ok"] is False and row["reason"] == "running 1/2 tasks"
    assert row["replicas"] == "1/2" and row["nodes"] == ["manager1"] and row["update_state"] is None
    assert result["ended"] == []


def test_second_replica_starting_names_the_task():
    tasks = two_api_tasks("starting", message="starting")
    result = poll([service()], {"9mnpnzenvg8p8tdbtq4wvbkcz": tasks})
    row = result["services"]["api"]
    assert not result["ok"]
    assert row["reason"] == "running 1/2 tasks; api.2: state starting (exit code 0, RestartCount 0)"
    assert row["health"] == "starting" and row["replicas"] == "1/2"
    assert row["nodes"] == ["manager1"]


def test_young_task_is_not_stable_yet():
    tasks = [task(since="2025-01-01T00:00:59.5Z")]
    result = poll([service(replicas=1)], {"9mnpnzenvg8p8tdbtq4wvbkcz": tasks})
    assert result["services"]["api"]["reason"] == "up only 0.5s (min_uptime 2.0s)"


def test_service_without_tasks_yet_is_not_passed_over():
    result = poll([service(), service("worker", sid="w0rk3rserv1ce00000000000")], {})
    assert result["ok"] is False and result["failing"] == ["api", "worker"]
    assert result["services"]["worker"]["reason"] == "running 0/2 tasks"
    assert result["services"]["worker"]["replicas"] == "0/2"


def test_service_scaled_to_zero_is_not_expected_but_a_named_one_missing_fails():
    services = [service(replicas=1), service("flower", sid="fl0w3r", replicas=0)]
    assert stack_services(services, "evaonline") == ["api"]
    result = poll(services, {"9mnpnzenvg8p8tdbtq4wvbkcz": [task()]}, expected=["api", "beat"])
    assert result["ok"] is False and result["failing"] == ["beat"]
    assert result["services"]["beat"]["reason"] == "no service evaonline_beat in the stack"
    assert result["services"]["api"]["ok"] is True


def test_updating_is_not_ok_yet_and_does_not_end_the_wait():
    result = poll(
        [service(update="updating", message="update in progress")],
        {"9mnpnzenvg8p8tdbtq4wvbkcz": two_api_tasks()},
    )
    row = result["services"]["api"]
    assert not result["ok"] and row["reason"] == "updating" and row["update_state"] == "updating"
    assert result["ended"] == []


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (
            "rollback_started",
            "update rolled back due to failure or early termination of task 1ctkhkmsf1c2",
        ),
        ("rollback_completed", "rollback completed"),
        ("rollback_paused", "update rolled back due to failure or early termination of task x"),
        ("paused", "update paused due to failure or early termination of task 1ctkhkmsf1c2"),
    ],
)
def test_halted_update_fails_and_ends_the_wait(state, message):
    # The rollback brought back two running tasks of the old spec: still a failed deploy.
    result = poll(
        [service(update=state, message=message)], {"9mnpnzenvg8p8tdbtq4wvbkcz": two_api_tasks()}
    )
    row = result["services"]["api"]
    assert not result["ok"] and result["failing"] == ["api"]
    assert row["reason"] == f"update {state}: {message}"
    assert row["replicas"] == "2/2" and row["update_state"] == state
    assert result["ended"] == [f"api: update {state}: {message}"]


@pytest.mark.parametrize("since", [T0 + 30, None], ids=["before-this-deploy", "no-deploy"])
def test_an_earlier_rollback_is_history(since):
    tasks = {"9mnpnzenvg8p8tdbtq4wvbkcz": two_api_tasks()}
    done = poll([service(update="rollback_completed", message="done")], tasks, since=since)
    assert done["ok"] and done["services"]["api"]["update_state"] == "rollback_completed"
    going = poll([service(update="rollback_started", message="x")], tasks, since=since)
    assert going["services"]["api"]["reason"] == "rolling back an earlier update"
    assert not going["ok"] and going["ended"] == []
    paused = poll([service(update="paused", message="stuck")], tasks, since=since)
    assert not paused["ok"] and paused["ended"] == ["api: update paused: stuck"]


def test_rolled_back_update_ends_wait_until_in_one_round():
    rounds = []

    def step(previous, remaining):
        rounds.append(remaining)
        return poll(
            [service(update="rollback_completed", message="rollback completed")],
            {"9mnpnzenvg8p8tdbtq4wvbkcz": two_api_tasks()},
            previous,
        )

    clock = [0.0]
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        clock[0] += seconds

    ok, result, _elapsed, count = wait_until(step, 30, 1, lambda: clock[0], sleep)
    assert ok is False and count == 1 and sleeps == []
    message = swarm_timeout_message("evaonline", result, 0.2, {})
    assert message == (
        "stack 'evaonline': api: update rollback_completed: rollback completed (after 0.2s)"
    )


def test_replacement_task_is_a_new_task_not_a_restart():
    first = poll([service(replicas=1)], {"9mnpnzenvg8p8tdbtq4wvbkcz": [task()]})
    assert first["ok"]
    replaced = [task(tid="n3wtask00000000000000000", since="2025-01-01T00:00:30Z")]
    second = poll([service(replicas=1)], {"9mnpnzenvg8p8tdbtq4wvbkcz": replaced}, first)
    assert second["ok"] and second["services"]["api"]["restarts"] == 0


# --- global mode -------------------------------------------------------------------------


def agent_tasks(states=("running", "running", "running")):
    return [
        task(tid=f"g{i}", sid="gl0ba1agent", slot=None, node=node, state=state, message=state)
        for i, (node, state) in enumerate(zip((MANAGER, WORKER1, WORKER2), states, strict=True))
    ]


def test_global_service_names_desired_and_nodes():
    agent = service("agent", sid="gl0ba1agent", replicas=None, healthcheck=None, ports=())
    views = swarm_views([agent], {"gl0ba1agent": agent_tasks()}, NODES, "evaonline", NOW)
    assert [v["name"] for v in views] == [
        "agent.2j8bsiqd6tvk",
        "agent.60gvrl6tm78d",
        "agent.q9xk0ly3hzd8",
    ]
    assert desired_replicas(agent, views) == 3
    result = poll([agent], {"gl0ba1agent": agent_tasks()})
    row = result["services"]["agent"]
    assert result["ok"] and row["reason"] == "running" and row["replicas"] == "3/3"
    assert row["nodes"] == ["manager1", "worker1", "worker2"]


def test_global_service_with_a_task_not_running_yet():
    agent = service("agent", sid="gl0ba1agent", replicas=None, healthcheck=None, ports=())
    tasks = {"gl0ba1agent": agent_tasks(("running", "preparing", "running"))}
    row = poll([agent], tasks)["services"]["agent"]
    assert row["ok"] is False and row["replicas"] == "2/3"
    assert row["reason"] == (
        "running 2/3 tasks; agent.2j8bsiqd6tvk: state preparing (exit code 0, RestartCount 0)"
    )
    assert row["nodes"] == ["manager1", "worker2"]


def test_global_service_without_tasks_is_expected():
    agent = service("agent", sid="gl0ba1agent", replicas=None, healthcheck=None, ports=())
    assert stack_services([agent], "evaonline") == ["agent"]
    row = poll([agent], {})["services"]["agent"]
    assert row["ok"] is False and row["reason"] == "running 0/0 tasks"


# --- dependencies, messages, logs --------------------------------------------------------


def test_dependency_stopped_coming_up_and_missing():
    postgres = service("postgres", sid="p0stgr3s", replicas=1, ports=())
    api = service(replicas=1)
    base = {"9mnpnzenvg8p8tdbtq4wvbkcz": [task()]}

    def ended(pg_tasks, deps=("postgres",)):
        tasks = dict(base, p0stgr3s=pg_tasks)
        views = swarm_views([api, postgres], tasks, NODES, "evaonline", NOW)
        result = swarm_verdict(evaluate(views, ["api"], None, 2.0), [api, postgres], "evaonline")
        return swarm_ending(result, list(deps), False)

    failed = task(tid="pgt1", sid="p0stgr3s", state="failed", exit_code=1, err="non-zero exit")
    assert ended([failed]) == ["postgres stopped: failed (exit code 1)"]
    assert ended([task(tid="pgt2", sid="p0stgr3s", state="starting")]) == []
    assert ended([task(tid="pgt3", sid="p0stgr3s", state="preparing")]) == []
    assert ended([task(tid="pgt4", sid="p0stgr3s")]) == []
    assert ended([]) == ["postgres stopped: no task"]
    assert ended([], deps=()) == []


def test_timeout_message_names_the_stack_label_and_replicas():
    result = poll([], {})
    assert result["no_services"] and not result["ok"]
    assert swarm_timeout_message("evaonline", result, 5.0, {}) == (
        "stack 'evaonline' not healthy after 5.0s: "
        "no services with label com.docker.stack.namespace=evaonline"
    )
    result = poll([service()], {"9mnpnzenvg8p8tdbtq4wvbkcz": [task()]})
    details = {"api": {"health_log": [], "logs": ["boot", "connection refused"]}}
    assert swarm_timeout_message("evaonline", result, 5.0, details) == (
        "stack 'evaonline' not healthy after 5.0s: "
        "api: running 1/2 tasks | logs: boot / connection refused"
    )


def test_log_lines_from_bytes_and_from_a_generator():
    assert log_lines(b"one\n\ntwo\r\n") == ["one", "two"]
    assert log_lines(x for x in [b"one\ntw", b"o\n", "three\n"]) == ["one", "two", "three"]
    assert log_lines(None) == [] and log_lines(b"") == []


def test_verdict_does_not_touch_its_input():
    result = evaluate(swarm_views([service()], {}, NODES, "evaonline", NOW), ["api"], None, 2.0)
    before = copy.deepcopy(result)
    swarm_verdict(result, [service()], "evaonline")
    assert result == before


# --- the module's SwarmObserver, against a fake low-level client -------------------------


class FakeClient:
    def __init__(self, services, tasks, logs=b"", control=True):
        self._services, self._tasks, self._logs = services, tasks, logs
        self.control = control
        self.calls = []

    def info(self):
        return {
            "SystemTime": "2025-01-01T00:01:00Z",
            "DockerRootDir": "/var/lib/docker",
            "Swarm": {"LocalNodeState": "active", "ControlAvailable": self.control},
        }

    def services(self, filters=None):
        self.calls.append(("services", filters))
        return copy.deepcopy(self._services)

    def tasks(self, filters=None):
        self.calls.append(("tasks", filters))
        return copy.deepcopy(self._tasks.get(filters["service"], []))

    def nodes(self):
        return copy.deepcopy(NODES)

    def service_logs(self, service_id, stdout, stderr, tail):
        self.calls.append(("service_logs", service_id, tail))
        return (chunk for chunk in [self._logs])


class FakeModule:
    def __init__(self, **params):
        self.params = {
            "mode": "swarm",
            "project": "evaonline",
            "services": None,
            "http_checks": [],
            "tcp_checks": [],
            "min_uptime": 2.0,
            "log_lines": 5,
            "secrets": [],
            "log_scan_services": None,
            "log_scan_lines": 200,
            "dependencies": [],
            "fail_fast": False,
            "updates_since": None,
            "docker_host": "unix:///var/run/docker.sock",
        }
        self.params.update(params)

    def fail_json(self, **kwargs):
        raise SystemExit(kwargs["msg"])


@pytest.fixture
def stack_health(monkeypatch):
    from ansible_collections.evaonline.deploy.plugins.modules import stack_health

    monkeypatch.setattr(stack_health.time, "time", lambda: NOW)
    return stack_health


def test_observer_step_details_and_leaks(stack_health):
    client = FakeClient(
        [service()],
        {"9mnpnzenvg8p8tdbtq4wvbkcz": [task()]},
        logs=b"api ready\nDATABASE_URL=postgres://u:s3cr3t@db/x\n",
    )
    module = FakeModule(secrets=["s3cr3t"])
    with ThreadPoolExecutor(max_workers=4) as pool:
        observer = stack_health.OBSERVERS["swarm"](module, client, pool)
        result = observer.step(None, 10.0)
        assert result["services"]["api"]["reason"] == "running 1/2 tasks"
        assert result["services"]["api"]["nodes"] == ["manager1"]
        assert ("services", {"label": "com.docker.stack.namespace=evaonline"}) in client.calls
        assert (
            "tasks",
            {"service": "9mnpnzenvg8p8tdbtq4wvbkcz", "desired-state": "running"},
        ) in client.calls
        details = observer.details(result)
        assert details["api"]["logs"] == ["api ready", "DATABASE_URL=postgres://u:********@db/x"]
        assert observer.leaks(result) == {"api": [2]}
    log_calls = [c for c in client.calls if c[0] == "service_logs"]
    assert log_calls == [
        ("service_logs", "9mnpnzenvg8p8tdbtq4wvbkcz", 5),
        ("service_logs", "9mnpnzenvg8p8tdbtq4wvbkcz", 200),
    ]


def test_observer_refuses_a_worker(stack_health):
    with ThreadPoolExecutor(max_workers=1) as pool, pytest.raises(SystemExit, match="a worker"):
        stack_health.OBSERVERS["swarm"](FakeModule(), FakeClient([], {}, control=False), pool)


def test_tasks_on_a_lost_node_are_left_out():
    # worker2 went down: Swarm still lists its task as running, and runs a replacement.
    nodes = [dict(n) for n in NODES]
    nodes[2] = {**nodes[2], "Status": {"State": "down", "Addr": "172.20.0.4"}}
    tasks = [*two_api_tasks(), task(tid="lost0task0on0worker2xxxxx", slot=2, node=WORKER2)]
    views = swarm_views([service()], {"9mnpnzenvg8p8tdbtq4wvbkcz": tasks}, nodes, "evaonline", NOW)
    assert {v["node"] for v in views} == {"manager1", "worker1"}
    assert len(views) == 2
