#!/usr/bin/python
# Copyright (c) EVAonline team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: stack_health
short_description: Wait until a Docker Compose project or Swarm stack is running, healthy and stable
version_added: 0.1.0
description:
  - Polls the Docker Engine API for the containers of a Compose project, found by the labels
    C(com.docker.compose.project) and C(com.docker.compose.service).
  - It waits until every expected service has a running container, C(healthy) where the
    container has a healthcheck, and is not restart-looping.
  - Not restart-looping means the container is not in C(restarting) state, its C(RestartCount)
    did not grow since the previous poll, and it has been up for at least O(min_uptime)
    seconds, measured from C(State.StartedAt) against the daemon clock.
  - Also probes O(http_checks) and O(tcp_checks) from the host the module runs on.
  - Containers are inspected and checks are probed concurrently in each poll. The first poll
    starts at once, so a stack that is already healthy costs one poll.
  - On timeout it fails. The message names each failing service with the reason, the last
    lines of its healthcheck log and the last lines of its container log.
  - With O(mode=swarm) it checks a Docker Swarm stack instead, see O(mode).
  - The module never changes anything, so it never reports C(changed).
author:
  - EVAonline team (@evaonline)
extends_documentation_fragment:
  - evaonline.deploy.checks
  - evaonline.deploy.checks.attributes
options:
  mode:
    description:
      - V(compose) checks the containers of a Compose project.
      - V(swarm) checks the services of a Docker Swarm stack, found by the label
        C(com.docker.stack.namespace), and must run on a swarm manager. Each task Swarm wants
        running is judged as a container is, by its task state; Swarm keeps a task with a
        healthcheck in C(starting) until the check passes, so a running task is healthy.
        A service also needs as many running tasks as desired replicas (one per eligible
        node for a global service), and no rolling update in progress. A paused update, and a
        rollback of an update begun after O(updates_since), fail the service and end the wait
        at once. Failure details and the
        O(secrets) scan use the service logs, which cover every task of the service.
      - In V(swarm) mode a replacement task is a new task, so O(min_uptime) counts from the
        time the task started running and restarts are never counted; O(fail_fast) has
        little to act on since Swarm replaces failed tasks itself.
    type: str
    choices: [compose, swarm]
    default: compose
    version_added: 0.1.0
  updates_since:
    description:
      - Swarm mode. Daemon time (RFC 3339, as C(SystemTime) of C(docker info)) taken before the
        deploy this check judges. A service Swarm rolled back from an update begun since then
        fails; an older rollback is history, and the service passes once it runs its tasks.
      - Unset, no rollback fails a service by itself.
    type: str
    version_added: 0.1.0
  project:
    description:
      - Compose project name, the value of the C(com.docker.compose.project) label.
      - With O(mode=swarm), the stack name, the value of the C(com.docker.stack.namespace)
        label; service names are given without the C(<project>_) prefix.
    type: str
    required: true
  services:
    description:
      - Services that must be up. Default is every service that has a container in the project.
      - A listed service without any container fails the check.
      - With O(mode=swarm), the default is every service of the stack that is global or has
        at least one desired replica.
    type: list
    elements: str
  http_checks:
    description:
      - HTTP(S) URLs that must answer before the stack counts as healthy.
    type: list
    elements: dict
    default: []
    suboptions:
      url:
        description: Absolute C(http://) or C(https://) URL, fetched with GET.
        type: str
        required: true
      status:
        description: Expected HTTP status code.
        type: int
        default: 200
      contains:
        description: Text the response body must contain.
        type: str
      validate_certs:
        description: Verify the server certificate of C(https://) URLs.
        type: bool
        default: true
  tcp_checks:
    description:
      - TCP endpoints that must accept a connection.
    type: list
    elements: dict
    default: []
    suboptions:
      host:
        description: Host name or address.
        type: str
        required: true
      port:
        description: TCP port, 1 to 65535.
        type: int
        required: true
  timeout:
    description:
      - Overall seconds to wait for the stack.
    type: float
    default: 120
  interval:
    description:
      - Seconds between polls.
    type: float
    default: 1
  min_uptime:
    description:
      - Seconds a container must have been up (since its last start) to count as stable.
        A container that keeps crashing sooner is reported as restart-looping.
    type: float
    default: 2
  log_lines:
    description:
      - Number of container log lines and healthcheck log lines quoted per failing service.
    type: int
    default: 5
  secrets:
    description:
      - Managed secret values. When the stack is healthy, the last O(log_scan_lines) log
        lines of each container of O(log_scan_services) are searched for each of them, raw
        and URL-encoded; a hit fails the check, naming the service and the line number, never
        the secret.
      - They are also masked in the log lines a failure message quotes.
    type: list
    elements: str
    default: []
  log_scan_services:
    description: Services whose logs are scanned for O(secrets). Default is every service checked.
    type: list
    elements: str
  log_scan_lines:
    description: How many of the newest log lines of each container are scanned.
    type: int
    default: 200
  dependencies:
    description:
      - Services the checked ones need (postgres, redis). When none of a dependency's
        containers runs, the wait ends at once, naming it, instead of at the timeout.
      - With O(mode=swarm), when a dependency has no running task and none on its way up
        (C(pending), C(preparing), C(starting) and the like).
    type: list
    elements: str
    default: []
  fail_fast:
    description:
      - End the wait at once when a checked container is V(unhealthy) or has exited, verdicts
        it does not come back from by itself, as C(docker compose up --wait) does.
    type: bool
    default: false
  min_free_mb:
    description:
      - MiB that must be free on the Docker data root (C(DockerRootDir)), measured with
        C(statvfs) as C(stat -f) does. Below it the check fails, even with every service
        healthy, since Postgres and Redis are about to fail their writes. V(0) only reports.
    type: int
    default: 0
seealso:
  - module: community.docker.docker_compose_v2
  - module: evaonline.deploy.image_budget
"""

EXAMPLES = r"""
- name: Wait for the EVAonline stack
  evaonline.deploy.stack_health:
    project: evaonline
    timeout: 180
    http_checks:
      - url: http://127.0.0.1:8000/health
        contains: '"status":"ok"'
      - url: http://127.0.0.1/
        status: 200
    tcp_checks:
      - host: 127.0.0.1
        port: 5432
  register: stack

- name: Only some services matter
  evaonline.deploy.stack_health:
    project: evaonline
    services: [api, worker, redis, postgres]
    timeout: 60
    interval: 0.5

- name: Wait for the EVAonline Swarm stack, on a manager
  evaonline.deploy.stack_health:
    mode: swarm
    project: evaonline
    dependencies: [postgres, redis]
    timeout: 300
"""

RETURN = r"""
healthy:
  description: Whether every service and check passed before the timeout.
  returned: always
  type: bool
  sample: true
ended:
  description: Why the wait ended before the timeout (O(dependencies), O(fail_fast), and
    with O(mode=swarm) an update Swarm rolled back or paused). Empty otherwise.
  returned: always
  type: list
  elements: str
  sample: ["postgres stopped: exited (exit code 137)"]
services:
  description: Per-service table, keyed by service name.
  returned: always
  type: dict
  sample:
    api:
      ok: true
      reason: running, healthy
      state: running
      health: healthy
      restarts: 0
      uptime: 734.2
      ports: ["0.0.0.0:8000->8000/tcp"]
      containers: [evaonline-api-1]
  contains:
    ok:
      description: Whether the service passed.
      type: bool
    reason:
      description: Why it passed or not, for example C(health unhealthy (failing streak 3)).
      type: str
    state:
      description: Container state (C(running), C(restarting), C(exited), or C(missing)).
        With O(mode=swarm), the task state (C(running), C(starting), C(failed) and so on).
      type: str
    health:
      description: Healthcheck status, or V(null) without a healthcheck.
      type: str
    restarts:
      description: Container C(RestartCount).
      type: int
    uptime:
      description: Seconds since the container last started, 0 when not running.
      type: float
    ports:
      description: Published ports as C(hostip:hostport->port/proto). With O(mode=swarm),
        C(*:published->target/proto), followed by C( (host)) for a host-mode port.
      type: list
      elements: str
    containers:
      description: Names of the service's containers. With O(mode=swarm), of its tasks
        Swarm wants running, as C(service.slot), or C(service.nodeid) for a global service.
      type: list
      elements: str
    replicas:
      description: Running tasks against desired ones, as C(running/desired).
      returned: O(mode=swarm)
      type: str
      sample: 2/2
    nodes:
      description: Sorted hostnames of the nodes that run a task of the service.
      returned: O(mode=swarm)
      type: list
      elements: str
      sample: [manager1, worker1]
    update_state:
      description: C(UpdateStatus.State) of the service's last rolling update (C(updating),
        C(completed), C(paused), C(rollback_completed) and so on), V(null) when it never had
        one.
      returned: O(mode=swarm)
      type: str
      sample: completed
secret_leaks:
  description:
    - Service to the line numbers (within the last O(log_scan_lines)) that hold a secret.
  returned: always
  type: dict
  sample: {worker: [3, 17]}
checks:
  description: Results of O(http_checks) and O(tcp_checks) from the last poll.
  returned: always
  type: list
  elements: dict
  sample:
    - {type: http, url: "http://127.0.0.1:8000/health", expected_status: 200, status: 200,
       ok: true, detail: status 200}
    - {type: tcp, host: 127.0.0.1, port: 5432, ok: true, detail: connected}
elapsed:
  description: Seconds spent waiting.
  returned: always
  type: float
  sample: 0.41
disk:
  description: Free space on the Docker data root.
  returned: always
  type: dict
  sample: {root: /var/lib/docker, free_mb: 20480, min_free_mb: 1024, ok: true}
rounds:
  description: Number of polls made.
  returned: always
  type: int
  sample: 1
"""

import time
from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.evaonline.deploy.plugins.module_utils.disk import free_mib
from ansible_collections.evaonline.deploy.plugins.module_utils.docker_api import (
    DOCKER_COMMON_ARGS,
    DockerException,
    docker_client,
)
from ansible_collections.evaonline.deploy.plugins.module_utils.health import (
    ONEOFF_LABEL,
    PROJECT_LABEL,
    container_view,
    ending,
    evaluate,
    http_check,
    leak_message,
    leaked_lines,
    parse_docker_time,
    redact,
    secret_forms,
    tail,
    tcp_check,
    timeout_message,
    validate_url,
    wait_until,
)
from ansible_collections.evaonline.deploy.plugins.module_utils.swarm_health import (
    STACK_LABEL,
    log_lines,
    short_name,
    stack_services,
    swarm_ending,
    swarm_timeout_message,
    swarm_verdict,
    swarm_views,
)


def validate(module: AnsibleModule) -> None:
    """Fail cleanly, naming the option, on bad input."""
    params = module.params
    if not (params["project"] or "").strip():
        module.fail_json(
            msg="project must be a non-empty %s"
            % ("stack name" if params["mode"] == "swarm" else "compose project name")
        )
    if params["services"] is not None and not all((s or "").strip() for s in params["services"]):
        module.fail_json(msg="services must not contain empty names")
    for index, check in enumerate(params["http_checks"]):
        if not validate_url(check["url"]):
            module.fail_json(
                msg="http_checks[%d].url: %r is not an absolute http:// or https:// URL"
                % (index, check["url"])
            )
        if not 100 <= check["status"] <= 599:
            module.fail_json(
                msg="http_checks[%d].status: %r is not an HTTP status code (100-599)"
                % (index, check["status"])
            )
    for index, check in enumerate(params["tcp_checks"]):
        if not (check["host"] or "").strip():
            module.fail_json(msg="tcp_checks[%d].host must not be empty" % index)
        if not 1 <= check["port"] <= 65535:
            module.fail_json(
                msg="tcp_checks[%d].port: %r is not a TCP port (1-65535)" % (index, check["port"])
            )
    for name in ("timeout", "interval"):
        if params[name] <= 0:
            module.fail_json(msg="%s must be greater than 0, got %r" % (name, params[name]))
    if params["min_uptime"] < 0:
        module.fail_json(msg="min_uptime must not be negative, got %r" % params["min_uptime"])
    for name in ("log_lines", "log_scan_lines"):
        if params[name] < 0:
            module.fail_json(msg="%s must not be negative, got %r" % (name, params[name]))


class Observer:
    """One poll: list the project's containers, inspect them and probe checks concurrently."""

    def __init__(self, module: AnsibleModule, client: object, pool: ThreadPoolExecutor) -> None:
        self.params = module.params
        self.client = client
        self.pool = pool
        self.info = client.info()
        daemon_now = parse_docker_time(self.info.get("SystemTime") or "")
        self.skew = (daemon_now - time.time()) if daemon_now else 0.0

    def probes(self, remaining: float) -> list:
        timeout = max(0.5, min(5.0, remaining))
        futures = [
            self.pool.submit(
                http_check, c["url"], c["status"], c["contains"], timeout, c["validate_certs"]
            )
            for c in self.params["http_checks"]
        ]
        futures += [
            self.pool.submit(tcp_check, c["host"], c["port"], timeout)
            for c in self.params["tcp_checks"]
        ]
        return futures

    def views(self) -> list:
        listed = self.client.containers(
            all=True, filters={"label": "%s=%s" % (PROJECT_LABEL, self.params["project"])}
        )
        ids = [
            c["Id"]
            for c in listed
            if (c.get("Labels") or {}).get(ONEOFF_LABEL, "False").lower() != "true"
        ]
        inspected = list(self.pool.map(self._inspect, ids))
        now = time.time() + self.skew
        return [container_view(i, now) for i in inspected if i is not None]

    def _inspect(self, container_id: str) -> dict | None:
        try:
            return self.client.inspect_container(container_id)
        except DockerException:  # removed between list and inspect
            return None

    def step(self, previous: dict | None, remaining: float) -> dict:
        futures = self.probes(remaining)
        views = self.views()
        checks = [f.result() for f in futures]
        result = evaluate(
            views, self.params["services"], previous, self.params["min_uptime"], checks
        )
        result["ended"] = ending(result, self.params["dependencies"], self.params["fail_fast"])
        return result

    def details(self, result: dict) -> dict:
        """Health log and container log tails of the failing services."""
        count = self.params["log_lines"]
        out = {}
        for name in result["failing"]:
            views = sorted(
                (v for v in result["views"].values() if v["service"] == name),
                key=lambda v: v["name"],
            )
            logs = self.failure_logs(result, name, views, count) if count else []
            if not views and not logs:
                continue
            forms = secret_forms(self.params["secrets"])
            out[name] = {
                "health_log": redact(tail(views[0]["health_log"], count), forms) if views else [],
                "logs": redact(logs, forms),
            }
        return out

    def failure_logs(self, result: dict, name: str, views: list, count: int) -> list:
        """Log lines quoted for a failing service: those of its first container."""
        return self._logs(views[0]["id"], count) if views else []

    def log_sources(self, result: dict) -> list:
        """``(service, id for _logs)`` of each log the secret scan reads: every container."""
        return [
            (v["service"], v["id"])
            for v in sorted(result["views"].values(), key=lambda v: v["name"])
        ]

    def message(self, result: dict, elapsed: float, details: dict) -> str:
        return timeout_message(self.params["project"], result, elapsed, details)

    def _logs(self, source: str, count: int) -> list:
        """The newest ``count`` log lines of a container (``source`` is its ID)."""
        try:
            raw = self.client.logs(source, stdout=True, stderr=True, tail=count)
        except DockerException:
            return []
        return [x for x in raw.decode("utf-8", "replace").splitlines() if x.strip()]

    def leaks(self, result: dict) -> dict:
        """Service -> line numbers of its newest log lines that hold a managed secret."""
        forms = secret_forms(self.params["secrets"])
        if not forms:
            return {}
        wanted = self.params["log_scan_services"]
        found = {}
        for service, source in self.log_sources(result):
            if wanted is not None and service not in wanted:
                continue
            lines = self._logs(source, self.params["log_scan_lines"])
            numbers = leaked_lines(lines, forms)
            if numbers:
                found.setdefault(service, []).extend(numbers)
        return found


class SwarmObserver(Observer):
    """One poll of a Swarm stack: its services, their tasks meant to run, and the nodes."""

    def __init__(self, module: AnsibleModule, client: object, pool: ThreadPoolExecutor) -> None:
        self.since = parse_docker_time(module.params["updates_since"] or "")
        super().__init__(module, client, pool)
        swarm = self.info.get("Swarm") or {}
        if not swarm.get("ControlAvailable"):
            node_state = swarm.get("LocalNodeState") or "inactive"
            module.fail_json(
                msg="mode=swarm must run on a swarm manager: the Docker daemon at %s is %s"
                % (
                    self.params["docker_host"],
                    "a worker"
                    if node_state == "active"
                    else "not a manager (swarm %s)" % node_state,
                )
            )

    def observe(self) -> tuple:
        project = self.params["project"]
        services = self.client.services(filters={"label": "%s=%s" % (STACK_LABEL, project)})
        ids = [s["ID"] for s in services]
        tasks = dict(self.pool.map(self._tasks, ids))
        nodes = self.client.nodes()
        now = time.time() + self.skew
        return services, swarm_views(services, tasks, nodes, project, now)

    def views(self) -> list:
        return self.observe()[1]

    def _tasks(self, service_id: str) -> tuple:
        try:
            tasks = self.client.tasks(filters={"service": service_id, "desired-state": "running"})
        except DockerException:  # removed between list and tasks
            tasks = []
        return service_id, tasks

    def step(self, previous: dict | None, remaining: float) -> dict:
        futures = self.probes(remaining)
        services, views = self.observe()
        checks = [f.result() for f in futures]
        project = self.params["project"]
        expected = self.params["services"] or stack_services(services, project)
        result = evaluate(views, expected, previous, self.params["min_uptime"], checks)
        result = swarm_verdict(result, services, project, self.since)
        result["service_ids"] = {short_name(s["Spec"]["Name"], project): s["ID"] for s in services}
        result["ended"] = swarm_ending(
            result, self.params["dependencies"], self.params["fail_fast"]
        )
        return result

    def failure_logs(self, result: dict, name: str, views: list, count: int) -> list:
        """The service's logs, which also hold those of the tasks Swarm replaced."""
        service_id = result.get("service_ids", {}).get(name)
        return self._logs(service_id, count) if service_id else []

    def log_sources(self, result: dict) -> list:
        return sorted(result.get("service_ids", {}).items())

    def message(self, result: dict, elapsed: float, details: dict) -> str:
        return swarm_timeout_message(self.params["project"], result, elapsed, details)

    def _logs(self, source: str, count: int) -> list:
        """The newest ``count`` log lines of a service (``source`` is its ID), all tasks."""
        try:
            raw = self.client.service_logs(source, stdout=True, stderr=True, tail=count)
            return log_lines(raw)
        except DockerException:
            return []


OBSERVERS = {"compose": Observer, "swarm": SwarmObserver}


def disk_report(client: object, minimum: int) -> dict:
    """Free MiB on the daemon's data root against the minimum."""
    root = client.info()["DockerRootDir"]
    free = free_mib(root)
    return {"root": root, "free_mb": free, "min_free_mb": minimum, "ok": free >= minimum}


def public(result: dict) -> dict:
    return {"services": result["services"], "checks": result["checks"]}


def main() -> None:
    argument_spec = {
        "mode": {"type": "str", "choices": ["compose", "swarm"], "default": "compose"},
        "updates_since": {"type": "str"},
        "project": {"type": "str", "required": True},
        "services": {"type": "list", "elements": "str"},
        "http_checks": {
            "type": "list",
            "elements": "dict",
            "default": [],
            "options": {
                "url": {"type": "str", "required": True},
                "status": {"type": "int", "default": 200},
                "contains": {"type": "str"},
                "validate_certs": {"type": "bool", "default": True},
            },
        },
        "tcp_checks": {
            "type": "list",
            "elements": "dict",
            "default": [],
            "options": {
                "host": {"type": "str", "required": True},
                "port": {"type": "int", "required": True},
            },
        },
        "timeout": {"type": "float", "default": 120},
        "interval": {"type": "float", "default": 1},
        "min_uptime": {"type": "float", "default": 2},
        "log_lines": {"type": "int", "default": 5},
        "secrets": {"type": "list", "elements": "str", "default": [], "no_log": True},
        "log_scan_services": {"type": "list", "elements": "str"},
        "log_scan_lines": {"type": "int", "default": 200},
        "min_free_mb": {"type": "int", "default": 0},
        "dependencies": {"type": "list", "elements": "str", "default": []},
        "fail_fast": {"type": "bool", "default": False},
    }
    argument_spec.update(DOCKER_COMMON_ARGS)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    validate(module)
    params = module.params
    client = docker_client(module)
    workers = 8 + len(params["http_checks"]) + len(params["tcp_checks"])
    with ThreadPoolExecutor(max_workers=workers) as pool:
        try:
            observer = OBSERVERS[params["mode"]](module, client, pool)
            ok, result, elapsed, rounds = wait_until(
                observer.step, params["timeout"], params["interval"]
            )
            details = {} if ok else observer.details(result)
            leaks = observer.leaks(result) if ok else {}
            disk = disk_report(client, params["min_free_mb"])
        except DockerException as exc:
            module.fail_json(msg="Docker API error while polling the stack: %s" % exc)
    summary = {
        "changed": False,
        "healthy": ok and not leaks and disk["ok"],
        "secret_leaks": leaks,
        "disk": disk,
        "ended": result.get("ended", []),
        "elapsed": round(elapsed, 3),
        "rounds": rounds,
    }
    summary.update(public(result))
    if not ok:
        module.fail_json(msg=observer.message(result, elapsed, details), **summary)
    if leaks:
        module.fail_json(
            msg=leak_message(params["project"], leaks, params["log_scan_lines"]), **summary
        )
    if not disk["ok"]:
        module.fail_json(
            msg="stack '%s': the Docker data root %s has %d MiB free, below min_free_mb=%d;"
            " Postgres and Redis will fail their writes: free some space"
            % (params["project"], disk["root"], disk["free_mb"], disk["min_free_mb"]),
            **summary,
        )
    module.exit_json(
        msg="stack '%s': %d services healthy in %.2fs, %d MiB free on %s"
        % (params["project"], len(result["services"]), elapsed, disk["free_mb"], disk["root"]),
        **summary,
    )


if __name__ == "__main__":
    main()
