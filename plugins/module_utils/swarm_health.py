# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pure logic of evaonline.deploy.stack_health in swarm mode (``mode: swarm``).

A Swarm stack is a set of services labelled ``com.docker.stack.namespace=<project>``; each
service runs tasks on nodes. Every task Swarm wants running (``DesiredState: running``) becomes
one "view" with the keys of ``health.container_view``, so ``health.evaluate`` judges tasks as it
judges containers; ``swarm_verdict`` then adds what only a service knows: running against
desired replicas, and the state of its rolling update. All functions take the plain dicts of
the Docker Engine API (1.41), so they are unit-testable without a swarm.
"""

from __future__ import annotations

from ansible_collections.evaonline.deploy.plugins.module_utils.health import (
    PROJECT_LABEL,
    ending,
    parse_docker_time,
    timeout_message,
)

STACK_LABEL = "com.docker.stack.namespace"

# Update states in which Swarm has already decided against the new spec: it rolled back, or
# paused the update on failures. The wait ends at once, as for a stopped dependency.
HALTED_UPDATES = ("rollback_started", "rollback_completed", "rollback_paused", "paused")
# A rollback is this wait's verdict only when its update began after ``since``; an older one
# is history: the service runs its previous spec, settled (completed) or about to be.
ROLLBACKS = ("rollback_started", "rollback_completed")
# Update states in which the service is not converged yet.
PENDING_UPDATES = ("updating",)
# Task states on the way to running: a dependency in one of them is coming up, not stopped.
COMING_UP = (
    "new",
    "allocated",
    "pending",
    "assigned",
    "accepted",
    "ready",
    "preparing",
    "starting",
)


def short_name(name: str, project: str) -> str:
    """``evaonline_api`` -> ``api``: the service name as the stack file spells it."""
    prefix = project + "_"
    return name[len(prefix) :] if name.startswith(prefix) else name


def _spec(service: dict) -> dict:
    return service.get("Spec") or {}


def has_healthcheck(service: dict) -> bool:
    """Whether the service's containers have a healthcheck (not disabled with ``NONE``)."""
    container = (_spec(service).get("TaskTemplate") or {}).get("ContainerSpec") or {}
    test = (container.get("Healthcheck") or {}).get("Test") or []
    return bool(test) and test != ["NONE"]


def swarm_ports(service: dict) -> list:
    """Published ports as ``*:8080->80/tcp``; host-mode ports end in `` (host)``.

    ``Endpoint.Ports`` holds what Swarm assigned (a published port it picked itself too);
    ``Spec.EndpointSpec.Ports`` what was asked, used until the endpoint is set up.
    """
    ports = (service.get("Endpoint") or {}).get("Ports") or (
        (_spec(service).get("EndpointSpec") or {}).get("Ports") or []
    )
    result = []
    for port in ports:
        if not port.get("PublishedPort"):
            continue
        text = "*:%s->%s/%s" % (
            port["PublishedPort"],
            port.get("TargetPort"),
            port.get("Protocol") or "tcp",
        )
        if port.get("PublishMode") == "host":
            text += " (host)"
        result.append(text)
    return sorted(set(result))


def node_names(nodes: list) -> dict:
    """Node ID -> hostname, from ``GET /nodes``."""
    return {
        node["ID"]: ((node.get("Description") or {}).get("Hostname") or node["ID"])
        for node in nodes or []
        if node.get("ID")
    }


def lost_nodes(nodes: list) -> set:
    """IDs of the nodes Swarm does not see as ready (down, disconnected): it lists their
    tasks as running until the node comes back, though Swarm already runs their
    replacements elsewhere."""
    return {
        node["ID"]
        for node in nodes or []
        if node.get("ID") and (node.get("Status") or {}).get("State", "ready") != "ready"
    }


def task_name(task: dict, short: str) -> str:
    """``api.2`` for a replicated task, ``agent.<node id[:12]>`` for a global one."""
    if task.get("Slot"):
        return "%s.%s" % (short, task["Slot"])
    return "%s.%s" % (short, (task.get("NodeID") or task.get("ID") or "")[:12])


def task_view(task: dict, service: dict, project: str, hostnames: dict, now: float) -> dict:
    """One task as a ``container_view`` dict, plus ``node`` and ``service_id``.

    ``now`` is daemon time. Swarm holds a task with a healthcheck in ``starting`` until the
    check passes, so a running task of such a service is healthy. A replacement task is a new
    task, so ``started_at`` is the task ID and ``restarts`` stays 0.
    """
    status = task.get("Status") or {}
    state = status.get("State") or "unknown"
    running = state == "running"
    short = short_name(_spec(service).get("Name") or "", project)
    if running and has_healthcheck(service):
        health = "healthy"
    elif state == "starting":
        health = "starting"
    else:
        health = None
    since = parse_docker_time(status.get("Timestamp") or "")
    node_id = task.get("NodeID") or ""
    messages = []
    for text in (status.get("Err"), status.get("Message")):
        text = (text or "").strip()
        if text and text not in messages:
            messages.append(text)
    return {
        "id": task.get("ID", ""),
        "name": task_name(task, short),
        "service": short,
        "state": state,
        "running": running,
        "exit_code": (status.get("ContainerStatus") or {}).get("ExitCode"),
        "health": health,
        "failing_streak": 0,
        "health_log": messages,
        "restarts": 0,
        "started_at": task.get("ID", ""),
        "uptime": round(max(0.0, now - since), 3) if running and since else 0.0,
        "ports": swarm_ports(service),
        "node": hostnames.get(node_id) or node_id or None,
        "service_id": service.get("ID", ""),
    }


def swarm_views(services: list, tasks: dict, nodes: list, project: str, now: float) -> list:
    """Views of the tasks Swarm wants running, less those on a lost node (see
    ``lost_nodes``). ``tasks`` maps service ID to its tasks."""
    hostnames = node_names(nodes)
    lost = lost_nodes(nodes)
    views = []
    for service in services:
        for task in tasks.get(service.get("ID"), []) or []:
            if task.get("DesiredState") == "running" and task.get("NodeID") not in lost:
                views.append(task_view(task, service, project, hostnames, now))
    return sorted(views, key=lambda v: v["name"])


def is_global(service: dict) -> bool:
    return "Replicated" not in (_spec(service).get("Mode") or {"Replicated": {}})


def desired_replicas(service: dict, views: list) -> int:
    """``Spec.Mode.Replicated.Replicas``; for a global service, its tasks meant to run."""
    if is_global(service):
        return sum(1 for v in views if v["service_id"] == service.get("ID"))
    replicated = (_spec(service).get("Mode") or {}).get("Replicated") or {}
    return int(replicated.get("Replicas", 1))


def stack_services(services: list, project: str) -> list:
    """Short names of the services that should run tasks: what is checked by default.

    A replicated service scaled to 0 is left out; a global service is kept even before
    Swarm has made its tasks, so a fresh deploy does not pass for lack of services.
    """
    return sorted(
        short_name(_spec(s).get("Name") or "", project)
        for s in services
        if is_global(s) or desired_replicas(s, []) > 0
    )


def update_state(service: dict) -> tuple:
    """``(state or None, message)`` of the service's last rolling update."""
    status = service.get("UpdateStatus") or {}
    return status.get("State") or None, (status.get("Message") or "").strip()


def update_started(service: dict) -> float | None:
    """When the service's last rolling update began (daemon time), if known."""
    return parse_docker_time((service.get("UpdateStatus") or {}).get("StartedAt") or "")


def update_halted(service: dict, since: float | None) -> bool:
    """Whether Swarm decided against an update this wait is about: a paused update always,
    a rollback only of an update that began after ``since``."""
    state = update_state(service)[0]
    if state not in HALTED_UPDATES:
        return False
    if state not in ROLLBACKS:
        return True
    started = update_started(service)
    return since is not None and started is not None and started >= since


def swarm_verdict(result: dict, services: list, project: str, since: float | None = None) -> dict:
    """Add the per-service swarm verdict to an ``evaluate`` result (a new dict is returned).

    A service fails with fewer running tasks than desired (``running 1/2 tasks``), while its
    update is ``updating``, and when the update was rolled back or paused
    (``update rollback_completed: <message>``); the last ones are also listed in ``halted``,
    which ends the wait; a rollback only of an update begun after ``since`` (older ones are
    history: ``rollback_completed`` passes, ``rollback_started`` waits). Each row gains
    ``replicas`` (``running/desired``), ``nodes`` (the sorted hostnames of its running tasks)
    and ``update_state`` (the update state or None).
    """
    by_name = {short_name(_spec(s).get("Name") or "", project): s for s in services}
    views = list(result.get("views", {}).values())
    rows = {}
    failing = []
    halted = []
    for name, row in result["services"].items():
        row = dict(row)
        service = by_name.get(name)
        members = [v for v in views if v["service"] == name]
        running = [v for v in members if v["running"]]
        if service is None:
            row.update(ok=False, reason="no service %s_%s in the stack" % (project, name))
            row.update(replicas="0/0", nodes=[], update_state=None)
            rows[name] = row
            failing.append(name)
            continue
        desired = desired_replicas(service, views)
        state, message = update_state(service)
        reasons = []
        if update_halted(service, since):
            text = "update %s: %s" % (state, message or "no message")
            reasons.append(text)
            halted.append("%s: %s" % (name, text))
        elif state in PENDING_UPDATES:
            reasons.append("updating")
        elif state == "rollback_started":
            reasons.append("rolling back an earlier update")
        if len(running) < desired or not members:
            reasons.append("running %d/%d tasks" % (len(running), desired))
        if not row["ok"] and members:
            reasons.append(row["reason"])
        row.update(
            replicas="%d/%d" % (len(running), desired),
            nodes=sorted({v["node"] for v in running if v.get("node")}),
            update_state=state,
        )
        if reasons:
            row.update(ok=False, reason="; ".join(reasons))
            failing.append(name)
        rows[name] = row
    checks = result.get("checks", [])
    out = dict(result)
    out.update(
        services=rows,
        failing=failing,
        halted=halted,
        ok=not failing and not result.get("no_services") and all(c["ok"] for c in checks),
    )
    return out


def swarm_ending(result: dict, dependencies: list, fail_fast: bool) -> list:
    """Why the wait ends now: a halted update (see ``swarm_verdict``), or a dependency with
    no running task and none on its way up (Swarm is not about to start one). With
    ``fail_fast`` also what ``health.ending`` finds. Empty when the wait may go on."""
    views = list(result.get("views", {}).values())
    reasons = list(result.get("halted", []))
    for name in dependencies:
        members = [v for v in views if v["service"] == name]
        if any(v["running"] or v["state"] in COMING_UP for v in members):
            continue
        state = (
            ", ".join("%s (exit code %s)" % (v["state"], v["exit_code"]) for v in members)
            or "no task"
        )
        reasons.append("%s stopped: %s" % (name, state))
    return reasons + ending(result, [], fail_fast)


def log_lines(raw: object) -> list:
    """``service_logs`` output (bytes, or a generator of byte chunks) to non-empty lines."""
    if raw is None:
        return []
    chunks = [raw] if isinstance(raw, (bytes, str)) else list(raw)
    text = "".join(c.decode("utf-8", "replace") if isinstance(c, bytes) else c for c in chunks)
    return [line for line in text.splitlines() if line.strip()]


def swarm_timeout_message(project: str, result: dict, elapsed: float, details: dict) -> str:
    """``health.timeout_message`` naming the stack label instead of the compose one."""
    return timeout_message(project, result, elapsed, details).replace(
        "no containers with label %s=%s" % (PROJECT_LABEL, project),
        "no services with label %s=%s" % (STACK_LABEL, project),
    )
