import pytest
from ansible_collections.evaonline.deploy.plugins.module_utils import health
from ansible_collections.evaonline.deploy.plugins.module_utils.health import (
    container_verdict,
    container_view,
    ending,
    evaluate,
    format_ports,
    http_check,
    parse_docker_time,
    tail,
    tcp_check,
    timeout_message,
    validate_url,
    wait_until,
)

T0 = parse_docker_time("2025-01-01T00:00:00Z")


def inspect(
    cid="c1",
    service="api",
    status="running",
    health=None,
    restarts=0,
    started="2025-01-01T00:00:00.5Z",
    restarting=False,
    log=(),
    ports=None,
):
    state = {
        "Status": status,
        "Running": status == "running",
        "Restarting": restarting,
        "ExitCode": 0 if status == "running" else 1,
        "StartedAt": started,
    }
    if health:
        state["Health"] = {
            "Status": health,
            "FailingStreak": 3 if health == "unhealthy" else 0,
            "Log": [{"Output": o} for o in log],
        }
    return {
        "Id": cid,
        "Name": f"/proj-{service}-1",
        "RestartCount": restarts,
        "State": state,
        "Config": {"Labels": {"com.docker.compose.service": service}},
        "NetworkSettings": {"Ports": ports or {}},
    }


def test_parse_docker_time():
    assert parse_docker_time("2025-01-01T00:00:00Z") == 1735689600.0
    assert parse_docker_time("2025-01-01T00:00:01.250000000Z") == pytest.approx(1735689601.25)
    assert parse_docker_time("2025-01-01T02:00:00+02:00") == 1735689600.0
    assert parse_docker_time("0001-01-01T00:00:00Z") is None
    assert parse_docker_time("garbage") is None


def test_format_ports():
    ports = {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}], "5432/tcp": None}
    assert format_ports(ports) == ["0.0.0.0:8080->80/tcp"]


def test_view_uptime_and_fields():
    view = container_view(inspect(health="healthy"), T0 + 10.5)
    assert view["uptime"] == 10.0
    assert view["service"] == "api" and view["name"] == "proj-api-1"
    assert view["health"] == "healthy" and view["state"] == "running"


@pytest.mark.parametrize(
    ("kwargs", "now", "ok", "reason"),
    [
        ({"health": "healthy"}, T0 + 60, True, "running, healthy"),
        ({}, T0 + 60, True, "running"),
        ({"health": "starting"}, T0 + 60, False, "health starting (failing streak 0)"),
        ({"health": "unhealthy"}, T0 + 60, False, "health unhealthy (failing streak 3)"),
        (
            {"status": "restarting", "restarting": True, "restarts": 4},
            T0 + 60,
            False,
            "restarting (RestartCount 4)",
        ),
        ({"status": "exited"}, T0 + 60, False, "state exited (exit code 1, RestartCount 0)"),
        (
            {"restarts": 5},
            T0 + 1.5,
            False,
            "restart-looping? up 1.0s after 5 restarts (min_uptime 2.0s)",
        ),
        ({}, T0 + 1.5, False, "up only 1.0s (min_uptime 2.0s)"),
    ],
)
def test_container_verdict(kwargs, now, ok, reason):
    assert container_verdict(container_view(inspect(**kwargs), now), None, 2.0) == (ok, reason)


def test_restart_count_growth_between_polls_is_a_loop():
    before = container_view(inspect(restarts=3), T0 + 60)
    after = container_view(inspect(restarts=5, started="2025-01-01T00:00:50Z"), T0 + 60)
    ok, reason = container_verdict(after, before, 0.0)
    assert not ok and reason == "restart-looping (RestartCount 3 -> 5 since last poll)"


def test_evaluate_healthy_stack_in_one_round():
    views = [
        container_view(inspect(cid=f"c{i}", service=f"s{i}", health="healthy"), T0 + 30)
        for i in range(9)
    ]
    result = evaluate(views, None, None, 2.0, [{"ok": True}])
    assert result["ok"] is True
    assert sorted(result["services"]) == [f"s{i}" for i in range(9)]
    assert result["failing"] == []


def test_evaluate_missing_expected_service_and_failed_check():
    views = [container_view(inspect(health="healthy"), T0 + 30)]
    result = evaluate(views, ["api", "worker"], None, 2.0)
    assert not result["ok"]
    assert result["failing"] == ["worker"]
    assert result["services"]["worker"]["reason"] == "no container"
    result = evaluate(views, ["api"], None, 2.0, [{"ok": False}])
    assert not result["ok"] and result["failing"] == []


def test_evaluate_no_containers_is_not_ok():
    result = evaluate([], None, None, 2.0)
    assert not result["ok"] and result["no_services"]


def test_evaluate_scaled_service_reports_the_bad_replica():
    views = [
        container_view(inspect(cid="a", service="worker", health="healthy"), T0 + 30),
        container_view(inspect(cid="b", service="worker", health="unhealthy"), T0 + 30),
    ]
    views[1]["name"] = "proj-worker-2"
    row = evaluate(views, None, None, 2.0)["services"]["worker"]
    assert row["ok"] is False
    assert row["reason"] == "proj-worker-2: health unhealthy (failing streak 3)"
    assert row["health"] == "unhealthy"


class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_wait_until_returns_after_one_round_when_ok():
    clock = FakeClock()
    calls = []

    def step(previous, remaining):
        calls.append((previous, remaining))
        clock.now += 0.2
        return {"ok": True}

    ok, _result, elapsed, rounds = wait_until(step, 10, 1, clock, clock.sleep)
    assert ok and rounds == 1 and elapsed == pytest.approx(0.2) and clock.sleeps == []
    assert calls == [(None, 10)]


def test_wait_until_times_out_and_passes_previous():
    clock = FakeClock()
    seen = []

    def step(previous, remaining):
        seen.append(previous)
        clock.now += 0.1
        return {"ok": False, "n": len(seen)}

    ok, result, elapsed, rounds = wait_until(step, 3, 1, clock, clock.sleep)
    assert not ok
    assert rounds == 4  # t=0, 1.1, 2.2, 3.0 (last sleep clipped to what is left)
    assert elapsed == pytest.approx(3.1)
    assert result == {"ok": False, "n": 4}
    assert seen[0] is None and seen[1] == {"ok": False, "n": 1}
    assert clock.sleeps == pytest.approx([1, 1, 0.7])


def test_wait_until_restart_loop_detected_across_polls():
    """A container that keeps restarting never passes, even when caught while running."""
    clock = FakeClock()
    restarts = iter(range(100))

    def step(previous, remaining):
        n = next(restarts)
        view = container_view(
            inspect(restarts=n, started=f"2025-01-01T00:00:{n:02d}Z"), T0 + n + 0.9
        )
        return evaluate([view], None, previous, 2.0)

    ok, result, _elapsed, rounds = wait_until(step, 5, 1, clock, clock.sleep)
    assert not ok and rounds == 6
    assert result["services"]["api"]["reason"] == (
        "restart-looping (RestartCount 4 -> 5 since last poll)"
    )


@pytest.mark.parametrize(
    ("url", "valid"),
    [
        ("http://127.0.0.1:8000/health", True),
        ("https://example.org", True),
        ("ftp://x", False),
        ("localhost:8000", False),
        ("not a url", False),
        ("http://", False),
        ("http://host:99999/", False),
    ],
)
def test_validate_url(url, valid):
    assert validate_url(url) is valid


def test_http_check_ok_and_contains(web):
    result = http_check(web + "/health", 200, '"status":"ok"', 2)
    assert result["ok"] and result["status"] == 200
    result = http_check(web + "/health", 200, "nope", 2)
    assert not result["ok"] and result["detail"] == "status 200 but body lacks 'nope'"


def test_http_check_status(web):
    result = http_check(web + "/boom", 200, None, 2)
    assert not result["ok"] and result["detail"] == "status 500, expected 200"
    assert http_check(web + "/boom", 500, "broken", 2)["ok"]


def test_http_check_refused(closed_port):
    result = http_check(f"http://127.0.0.1:{closed_port}/", 200, None, 1)
    assert not result["ok"] and result["status"] is None
    assert "refused" in result["detail"].lower()


def test_tcp_check(web, closed_port):
    port = int(web.rsplit(":", 1)[1])
    assert tcp_check("127.0.0.1", port, 1)["ok"]
    result = tcp_check("127.0.0.1", closed_port, 1)
    assert not result["ok"] and "refused" in result["detail"].lower()


def test_tail_flattens_and_trims():
    assert tail(["a\nb\n", "", "c"], 2) == ["b", "c"]


def test_timeout_message():
    views = [
        container_view(inspect(cid="u", service="sick", health="unhealthy"), T0 + 30),
        container_view(inspect(cid="h", service="fine", health="healthy"), T0 + 30),
    ]
    checks = [{"type": "tcp", "host": "127.0.0.1", "port": 1, "ok": False, "detail": "refused"}]
    result = evaluate(views, ["fine", "sick", "gone"], None, 2.0, checks)
    details = {"sick": {"health_log": ["check failed"], "logs": ["boot", "oops"]}}
    assert timeout_message("p1", result, 12.34, details) == (
        "stack 'p1' not healthy after 12.3s: gone: no container; "
        "sick: health unhealthy (failing streak 3) | health log: check failed | logs: boot / oops; "
        "tcp 127.0.0.1:1: refused"
    )


def test_secret_forms_are_raw_and_urlencoded_longest_first():
    assert health.secret_forms(["p@ss", "", None, "p@ss"]) == ["p%40ss", "p@ss"]


def test_leaked_lines_are_numbered_from_one():
    forms = health.secret_forms(["p@ss"])
    lines = ["boot", "redis://:p%40ss@redis", "ok", "password p@ss"]
    assert health.leaked_lines(lines, forms) == [2, 4]
    assert health.leaked_lines(lines, []) == []


def test_redact_masks_every_form():
    forms = health.secret_forms(["p@ss"])
    assert health.redact(["a p@ss b", "url :p%40ss@"], forms) == ["a ******** b", "url :********@"]


def test_leak_message_names_services_and_lines_only():
    msg = health.leak_message("eva", {"worker": [3, 17], "api": [1]}, 200)
    assert msg == (
        "stack 'eva': a managed secret appears in the last 200 log lines of api line 1; "
        "worker lines 3, 17"
    )


def test_a_stopped_dependency_ends_the_wait_naming_it():
    views = [
        container_view(inspect(cid="a", service="api", health="starting"), T0 + 30),
        container_view(inspect(cid="p", service="postgres", status="exited"), T0 + 30),
        container_view(inspect(cid="r", service="redis", health="healthy"), T0 + 30),
    ]
    result = evaluate(views, ["api"], None, 2.0)
    assert ending(result, ["postgres", "redis"], False) == [
        "postgres stopped: exited (exit code 1)"
    ]
    assert ending(result, ["redis"], False) == []
    assert ending(result, ["ghost"], False) == ["ghost stopped: no container"]


def test_fail_fast_ends_on_an_unhealthy_or_exited_container_only():
    starting = container_view(inspect(cid="a", service="api", health="starting"), T0 + 30)
    sick = container_view(inspect(cid="b", service="api", health="unhealthy"), T0 + 30)
    gone = container_view(inspect(cid="c", service="worker", status="exited"), T0 + 30)
    assert ending(evaluate([starting], ["api"], None, 2.0), [], True) == []
    assert ending(evaluate([sick], ["api"], None, 2.0), [], False) == []
    got = ending(evaluate([sick, gone], ["api", "worker"], None, 2.0), [], True)
    assert got == [
        "proj-api-1: health unhealthy (failing streak 3)",
        "proj-worker-1: state exited (exit code 1, RestartCount 0)",
    ]


def test_wait_until_stops_at_once_when_the_wait_has_ended():
    clock = FakeClock()

    def step(previous, remaining):
        clock.now += 0.1
        return {"ok": False, "ended": ["postgres stopped: exited (exit code 137)"]}

    ok, result, _elapsed, rounds = wait_until(step, 60, 1, clock, clock.sleep)
    assert not ok and rounds == 1 and clock.sleeps == []
    msg = timeout_message("proj", result, 0.1, {})
    assert msg == "stack 'proj': postgres stopped: exited (exit code 137) (after 0.1s)"
