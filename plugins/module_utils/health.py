# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pure logic of evaonline.deploy.stack_health: verdicts, restart-loop detection, polling loop.

The module gathers observations from Docker (container inspect data) and from HTTP/TCP probes;
everything that decides "healthy or not yet" lives here and takes plain dicts, a clock and a
sleep function, so it is unit-testable without Docker.
"""

from __future__ import annotations

import calendar
import re
import socket
import time

from urllib.error import HTTPError
from urllib.parse import quote, urlparse

from ansible.module_utils.urls import open_url

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
ONEOFF_LABEL = "com.docker.compose.oneoff"

_TIME_RE = re.compile(
    r"^(?P<base>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?P<frac>\.\d+)?(?P<tz>Z|[+-]\d\d:?\d\d)?$"
)


def parse_docker_time(text: str) -> float | None:
    """Parse Docker's RFC 3339 timestamps (nanoseconds, Z or offset) to epoch seconds."""
    if not text or text.startswith("0001-01-01"):
        return None
    match = _TIME_RE.match(text.strip())
    if not match:
        return None
    seconds = calendar.timegm(time.strptime(match.group("base"), "%Y-%m-%dT%H:%M:%S"))
    frac = match.group("frac")
    value = float(seconds) + (float("0" + frac[:10]) if frac else 0.0)
    tz = match.group("tz")
    if tz and tz != "Z":
        sign = -1 if tz[0] == "+" else 1
        digits = tz[1:].replace(":", "")
        value += sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return value


def format_ports(ports: dict | None) -> list:
    """``NetworkSettings.Ports`` to ``["0.0.0.0:8080->80/tcp", "5432/tcp"]``."""
    result = []
    for container_port, bindings in sorted((ports or {}).items()):
        if not bindings:
            continue
        for binding in bindings:
            result.append(
                "%s:%s->%s"
                % (binding.get("HostIp") or "0.0.0.0", binding.get("HostPort"), container_port)  # noqa: S104
            )
    return result


def container_view(inspect: dict, now: float) -> dict:
    """Reduce ``docker inspect`` output to what the verdict needs. ``now`` is daemon time."""
    state = inspect.get("State") or {}
    labels = (inspect.get("Config") or {}).get("Labels") or {}
    health = state.get("Health")
    started = parse_docker_time(state.get("StartedAt") or "")
    running = bool(state.get("Running")) and state.get("Status") == "running"
    log = (health or {}).get("Log") or []
    return {
        "id": inspect.get("Id", ""),
        "name": (inspect.get("Name") or "").lstrip("/"),
        "service": labels.get(SERVICE_LABEL, ""),
        "state": "restarting" if state.get("Restarting") else state.get("Status", "unknown"),
        "running": running,
        "exit_code": state.get("ExitCode"),
        "health": health.get("Status") if health else None,
        "failing_streak": (health or {}).get("FailingStreak", 0),
        "health_log": [(entry.get("Output") or "").strip() for entry in log],
        "restarts": int(inspect.get("RestartCount") or 0),
        "started_at": state.get("StartedAt"),
        "uptime": round(max(0.0, now - started), 3) if running and started else 0.0,
        "ports": format_ports((inspect.get("NetworkSettings") or {}).get("Ports")),
    }


def container_verdict(view: dict, previous: dict | None, min_uptime: float) -> tuple:
    """Return ``(ok, reason)`` for one container; ``previous`` is its view from the last poll."""
    if previous is not None and view["restarts"] > previous["restarts"]:
        return False, "restart-looping (RestartCount %d -> %d since last poll)" % (
            previous["restarts"],
            view["restarts"],
        )
    if previous is not None and view["started_at"] != previous["started_at"] and view["running"]:
        return False, "restarted since last poll"
    if view["state"] == "restarting":
        return False, "restarting (RestartCount %d)" % view["restarts"]
    if not view["running"]:
        return False, "state %s (exit code %s, RestartCount %d)" % (
            view["state"],
            view["exit_code"],
            view["restarts"],
        )
    if view["health"] is not None and view["health"] != "healthy":
        return False, "health %s (failing streak %d)" % (view["health"], view["failing_streak"])
    if view["uptime"] < min_uptime:
        if view["restarts"]:
            return False, "restart-looping? up %.1fs after %d restarts (min_uptime %.1fs)" % (
                view["uptime"],
                view["restarts"],
                min_uptime,
            )
        return False, "up only %.1fs (min_uptime %.1fs)" % (view["uptime"], min_uptime)
    return True, "running" + (", healthy" if view["health"] else "")


def evaluate(
    views: list,
    expected: list | None,
    previous: dict | None,
    min_uptime: float,
    checks: list | None = None,
) -> dict:
    """Decide the state of the stack from container views and check results.

    ``expected`` lists the services that must be up (None: every service seen). ``previous``
    is the result of the previous call (or None). Returns ``{"ok", "services", "checks",
    "failing"}``; ``services`` maps service name to its row.
    """
    previous_views = (previous or {}).get("views", {})
    by_service = {}
    for view in views:
        by_service.setdefault(view["service"], []).append(view)
    names = sorted(expected) if expected else sorted(by_service)
    services = {}
    failing = []
    for name in names:
        members = sorted(by_service.get(name, []), key=lambda v: v["name"])
        if not members:
            services[name] = {
                "ok": False,
                "reason": "no container",
                "state": "missing",
                "health": None,
                "restarts": 0,
                "uptime": 0.0,
                "ports": [],
                "containers": [],
            }
            failing.append(name)
            continue
        verdicts = []
        bad = []
        for view in members:
            good, why = container_verdict(view, previous_views.get(view["id"]), min_uptime)
            verdicts.append((good, why))
            if not good:
                bad.append((view, why))
        worst = bad[0][0] if bad else members[0]
        reason = (
            "; ".join(("%s: %s" % (v["name"], r)) if len(members) > 1 else r for v, r in bad)
            or verdicts[0][1]
        )
        services[name] = {
            "ok": not bad,
            "reason": reason,
            "state": worst["state"],
            "health": worst["health"],
            "restarts": max(v["restarts"] for v in members),
            "uptime": min(v["uptime"] for v in members),
            "ports": sorted({p for v in members for p in v["ports"]}),
            "containers": [v["name"] for v in members],
        }
        if bad:
            failing.append(name)
    checks = list(checks or [])
    no_services = not names
    ok = not failing and not no_services and all(c["ok"] for c in checks)
    return {
        "ok": ok,
        "services": services,
        "checks": checks,
        "failing": failing,
        "no_services": no_services,
        "views": {v["id"]: v for v in views},
    }


# Verdicts a container does not come back from by itself within a wait.
_FINAL_HEALTH = ("unhealthy",)
_FINAL_STATES = ("exited", "dead")


def ending(result: dict, dependencies: list, fail_fast: bool) -> list:
    """Why a wait cannot end well, so it ends now: a dependency (a service the checked ones
    need, such as postgres) whose containers are not running, and with fail_fast a checked
    container that is unhealthy or exited. Empty when the wait may go on."""
    views = list(result.get("views", {}).values())
    reasons = []
    for name in dependencies:
        members = [v for v in views if v["service"] == name]
        if not any(v["running"] for v in members):
            state = (
                ", ".join("%s (exit code %s)" % (v["state"], v["exit_code"]) for v in members)
                or "no container"
            )
            reasons.append("%s stopped: %s" % (name, state))
    if fail_fast:
        for name in result.get("failing", []):
            for view in (v for v in views if v["service"] == name):
                if view["health"] in _FINAL_HEALTH or view["state"] in _FINAL_STATES:
                    reasons.append("%s: %s" % (view["name"], result["services"][name]["reason"]))
    return reasons


def wait_until(
    step: object,
    timeout: float,
    interval: float,
    clock: object = time.monotonic,
    sleep: object = time.sleep,
) -> tuple:
    """Call ``step(previous, remaining)`` until its result has ``ok`` or ``timeout`` passes.

    Returns ``(ok, result, elapsed, rounds)``. The first round runs at once, so a stack that is
    already healthy costs one round.
    """
    start = clock()
    deadline = start + timeout
    previous = None
    rounds = 0
    while True:
        result = step(previous, max(0.0, deadline - clock()))
        rounds += 1
        now = clock()
        if result["ok"]:
            return True, result, now - start, rounds
        if result.get("ended"):
            return False, result, now - start, rounds
        remaining = deadline - now
        if remaining <= 0:
            return False, result, now - start, rounds
        sleep(min(interval, remaining))
        previous = result


def validate_url(url: str) -> bool:
    parsed = urlparse(url or "")
    try:
        port = parsed.port
    except ValueError:
        return False
    return parsed.scheme in ("http", "https") and bool(parsed.hostname) and port != 0


def http_check(
    url: str,
    status: int = 200,
    contains: str | None = None,
    timeout: float = 5.0,
    validate_certs: bool = True,
) -> dict:
    """GET ``url``; ok when the status matches and the body contains ``contains``."""
    result = {"type": "http", "url": url, "expected_status": status, "ok": False}
    try:
        response = open_url(
            url, method="GET", timeout=timeout, validate_certs=validate_certs, use_proxy=False
        )
        code = response.getcode()
        body = response.read(1024 * 1024)
    except HTTPError as exc:
        code = exc.code
        try:
            body = exc.read(1024 * 1024)
        except Exception:  # the error body is optional
            body = b""
    except Exception as exc:  # connection refused, DNS, TLS, timeout: report, keep polling
        result.update(status=None, detail="%s" % (getattr(exc, "reason", None) or exc))
        return result
    result["status"] = code
    text = body.decode("utf-8", "replace")
    if code != status:
        result["detail"] = "status %s, expected %s" % (code, status)
    elif contains is not None and contains not in text:
        result["detail"] = "status %s but body lacks %r" % (code, contains)
    else:
        result["ok"] = True
        result["detail"] = "status %s" % code
    return result


def tcp_check(host: str, port: int, timeout: float = 5.0) -> dict:
    """Open a TCP connection to ``host:port``."""
    result = {"type": "tcp", "host": host, "port": port, "ok": False}
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        result["detail"] = "%s" % exc
        return result
    result["ok"] = True
    result["detail"] = "connected"
    return result


def check_label(check: dict) -> str:
    if check["type"] == "http":
        return "GET %s" % check["url"]
    return "tcp %s:%s" % (check["host"], check["port"])


def tail(lines: list, count: int) -> list:
    flat = []
    for line in lines:
        flat.extend(x for x in (line or "").splitlines() if x.strip())
    return flat[-count:]


def timeout_message(project: str, result: dict, elapsed: float, details: dict) -> str:
    """Failure text: each failing service with its reason, health log and container logs."""
    if result.get("ended"):
        return "stack '%s': %s (after %.1fs)" % (project, "; ".join(result["ended"]), elapsed)
    parts = []
    if result.get("no_services"):
        parts.append("no containers with label %s=%s" % (PROJECT_LABEL, project))
    for name in result["failing"]:
        row = result["services"][name]
        text = "%s: %s" % (name, row["reason"])
        extra = details.get(name) or {}
        if extra.get("health_log"):
            text += " | health log: %s" % " / ".join(extra["health_log"])
        if extra.get("logs"):
            text += " | logs: %s" % " / ".join(extra["logs"])
        parts.append(text)
    for check in result["checks"]:
        if not check["ok"]:
            parts.append("%s: %s" % (check_label(check), check.get("detail")))
    return "stack '%s' not healthy after %.1fs: %s" % (project, elapsed, "; ".join(parts))


def secret_forms(secrets: list) -> list:
    """Each non-empty secret raw and URL-encoded (as it appears in a URL), longest first."""
    forms = set()
    for secret in secrets or []:
        if secret:
            forms.add(str(secret))
            forms.add(quote(str(secret), safe=""))
    return sorted(forms, key=len, reverse=True)


def leaked_lines(lines: list, forms: list) -> list:
    """1-based numbers of the lines that hold one of the secret forms."""
    return [n for n, line in enumerate(lines, 1) if any(f in line for f in forms)]


def redact(lines: list, forms: list) -> list:
    out = []
    for line in lines:
        for form in forms:
            line = line.replace(form, "********")
        out.append(line)
    return out


def leak_message(project: str, leaks: dict, scanned: int) -> str:
    """Names each service and line number, never the secret."""
    parts = [
        "%s line%s %s" % (name, "s" if len(numbers) > 1 else "", ", ".join(map(str, numbers[:10])))
        for name, numbers in sorted(leaks.items())
    ]
    return "stack '%s': a managed secret appears in the last %d log lines of %s" % (
        project,
        scanned,
        "; ".join(parts),
    )
