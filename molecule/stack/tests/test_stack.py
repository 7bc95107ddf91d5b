"""Testinfra checks of the deployed EVAonline stack (after converge, idempotence, side_effect)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

PROJECT = "evaonline"
STACK_DIR = "/opt/evaonline"
APP_SERVICES = {"api", "worker", "beat", "flower"}
INFRA_SERVICES = {"postgres", "redis", "nginx", "prometheus"}
ADMIN = ("admin", "stack-admin-test")
SECRETS = (
    "Pg test/pass@with:odd%chars",
    'redis test+pass&more "q" \\b',
    "stack-admin-test",
    "stack-test-secret-key-0001",
)
# FAO-56 example 18: Brussels, 6 July, about 3.9 mm/day.
ETO_BODY = json.loads(
    (Path(os.environ["MOLECULE_PROJECT_DIRECTORY"]) / "tests/data/fao56_example18.json").read_text()
)

# Runs on the test host (no curl there): method, url, body, user, password -> status and body.
HTTP = r"""
import base64, json, sys, urllib.error, urllib.request
method, url, body, user, password = sys.argv[1:6]
req = urllib.request.Request(url, method=method, data=body.encode() if body else None)
if body:
    req.add_header("Content-Type", "application/json")
if user:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    req.add_header("Authorization", "Basic " + token)
try:
    with urllib.request.urlopen(req, timeout=15) as r:
        status, text = r.status, r.read().decode()
except urllib.error.HTTPError as e:
    status, text = e.code, e.read().decode()
print(json.dumps({"status": status, "body": text}))
"""


def http(
    host: Any,
    method: str,
    url: str,
    body: dict | None = None,
    auth: tuple[str, str] | None = None,
) -> dict:
    user, password = auth or ("", "")
    payload = json.dumps(body) if body is not None else ""
    out = host.check_output(
        "python3 -c %s %s %s %s %s %s",
        HTTP,
        method,
        url,
        payload,
        user,
        password,
    )
    return json.loads(out)


def containers(host: Any) -> list[dict]:
    ids = host.check_output(
        "docker ps -aq --filter label=com.docker.compose.project=%s", PROJECT
    ).split()
    # IDs are hex: pass them as separate words (a %s argument would be one quoted word).
    return json.loads(host.check_output("docker inspect " + " ".join(ids)))


def by_service(host: Any) -> dict[str, dict]:
    return {c["Config"]["Labels"]["com.docker.compose.service"]: c for c in containers(host)}


def record(host: Any, name: str) -> dict:
    return json.loads(host.file(f"/root/{name}").content_string)


def test_every_service_running_and_healthy(host):
    services = by_service(host)
    assert set(services) == APP_SERVICES | INFRA_SERVICES
    for name, c in services.items():
        assert c["State"]["Status"] == "running", name
        assert c["State"]["Health"]["Status"] == "healthy", name
        assert c["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped", name
        assert c["HostConfig"]["LogConfig"] == {
            "Type": "json-file",
            "Config": {"max-file": "3", "max-size": "10m"},
        }, name
        assert c["HostConfig"]["Memory"] > 0 and c["HostConfig"]["NanoCpus"] > 0, name


def test_stack_ends_on_release_v2_after_the_rollback(host):
    services = by_service(host)
    for name in APP_SERVICES:
        assert services[name]["Config"]["Image"] == "evaonline-stacktest:v2", name
    release = json.loads(host.file(f"{STACK_DIR}/.release").content_string)
    assert release["runtime_image"] == "evaonline-stacktest:v2"


def test_only_nginx_publishes_ports(host):
    published = {
        c["Config"]["Labels"]["com.docker.compose.service"]: {
            port: [f"{b['HostIp']}:{b['HostPort']}" for b in binds]
            for port, binds in (c["NetworkSettings"]["Ports"] or {}).items()
            if binds
        }
        for c in containers(host)
    }
    print("\npublished ports:", json.dumps({k: v for k, v in published.items() if v}))
    assert published.pop("nginx") == {"80/tcp": ["0.0.0.0:80"]}
    assert all(not ports for ports in published.values()), published


def test_backend_network_is_internal_and_nginx_is_not_on_it(host):
    net = json.loads(host.check_output("docker network inspect %s_backend", PROJECT))[0]
    assert net["Internal"] is True
    attached = {c["Name"] for c in net["Containers"].values()}
    assert not any("nginx" in name for name in attached)
    assert any("postgres" in name for name in attached)


def test_env_file_is_private_and_compose_holds_no_secret(host):
    env = host.file(f"{STACK_DIR}/.env")
    assert env.user == "root" and env.group == "root"
    assert env.mode == 0o600
    compose = host.file(f"{STACK_DIR}/compose.yaml").content_string
    assert "version:" not in compose.split("services:")[0]
    for secret in SECRETS:
        assert secret not in compose
    assert "${POSTGRES_PASSWORD" in compose and "${REDIS_PASSWORD" in compose


def test_redis_password_stays_off_the_command_line(host):
    redis = json.loads(host.check_output("docker inspect %s-redis-1", PROJECT))[0]
    command = " ".join(redis["Config"]["Cmd"])
    assert "/usr/local/etc/redis/redis.conf" in command
    assert not any(secret in command for secret in SECRETS)
    conf = host.file(f"{STACK_DIR}/redis/redis.conf")
    assert conf.user == "root" and host.file(STACK_DIR).mode == 0o750


def test_eto_request_through_nginx_is_computed_and_stored(host):
    accepted = http(host, "POST", "http://127.0.0.1/api/v1/eto", ETO_BODY)
    assert accepted["status"] == 202, accepted
    request_id = json.loads(accepted["body"])["id"]
    for _ in range(30):
        result = json.loads(http(host, "GET", f"http://127.0.0.1/api/v1/eto/{request_id}")["body"])
        if result["status"] == "done":
            break
        time.sleep(2)
    assert result["status"] == "done", result
    assert abs(result["eto_mm_day"] - 3.9) < 0.1  # FAO-56 example 18
    row = host.check_output(
        "docker compose -p %s --project-directory %s exec -T postgres "
        "psql -U evaonline -d evaonline -tAc %s",
        PROJECT,
        STACK_DIR,
        f"SELECT status, round(eto_mm_day::numeric, 2) FROM eto_requests WHERE id = '{request_id}'",
    )
    assert row.strip() == "done|3.88"


def test_data_written_before_the_rollback_drill_survives(host):
    before = record(host, "stack-eto-before-rollback.json")
    result = http(host, "GET", f"http://127.0.0.1/api/v1/eto/{before['id']}")
    assert result["status"] == 200
    assert json.loads(result["body"])["eto_mm_day"] == before["eto_mm_day"]


def test_admin_locations_need_basic_auth(host):
    assert http(host, "GET", "http://127.0.0.1/flower/")["status"] == 401
    assert http(host, "GET", "http://127.0.0.1/prometheus/-/ready")["status"] == 401
    assert http(host, "GET", "http://127.0.0.1/flower/", auth=ADMIN)["status"] == 200
    assert http(host, "GET", "http://127.0.0.1/flower/", auth=("admin", "wrong"))["status"] == 401
    assert http(host, "GET", "http://127.0.0.1/metrics")["status"] == 404


def test_prometheus_scrapes_api_and_flower(host):
    health: dict[str, str] = {}
    for _ in range(30):
        answer = http(host, "GET", "http://127.0.0.1/prometheus/api/v1/targets", auth=ADMIN)
        targets = json.loads(answer["body"])["data"]["activeTargets"]
        health = {t["labels"]["job"]: t["health"] for t in targets}
        if health.get("api") == "up" and health.get("flower") == "up":
            break
        time.sleep(2)
    assert health == {"api": "up", "flower": "up", "prometheus": "up"}


def test_noop_rerun_recreated_nothing(host):
    first, second = record(host, "stack-run-1.json"), record(host, "stack-run-2.json")
    print(f"\ndeploy to healthy: {first['seconds']} s; no-op rerun: {second['seconds']} s")
    assert first["ids"] == second["ids"]
    assert set(first["ids"]) == APP_SERVICES | INFRA_SERVICES


def test_new_release_recreates_only_the_app_containers(host):
    newtag = record(host, "stack-newtag.json")
    print(f"\nnew release {newtag['release']}: {newtag['seconds']} s")
    before, after = newtag["before"], newtag["after"]
    assert set(before) == set(after) == APP_SERVICES | INFRA_SERVICES
    for name in INFRA_SERVICES:
        assert before[name] == after[name], f"{name} was recreated"
    for name in APP_SERVICES:
        assert before[name] != after[name], f"{name} was not recreated"


def test_rollback_drill_reported_the_failing_service(host):
    drill = record(host, "stack-rollback.json")
    print(f"\nrollback drill: {drill['seconds']} s: {drill['message']}")
    assert "api" in drill["message"]
    assert "rolled back to evaonline-stacktest:v2" in drill["message"]
