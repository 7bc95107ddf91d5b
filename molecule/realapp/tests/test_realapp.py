"""Production as users run it, deploying a checkout shaped like the public EVAonline code.

site.yml deployed tests/fixtures/evaonline_app with the shipped production inventory plus
overlay/ (server address, doubles, app variables, vault), over SSH as the sudo user deploy
(converge, idempotence); side_effect.yml then released a copy with one code file changed.
These tests reach the test host as root over docker exec, and run playbooks as an operator
would, with the same inventories.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

PROJECT = "evaonline"
TOP = Path(os.environ["MOLECULE_PROJECT_DIRECTORY"])
SCENARIO = TOP / "molecule/realapp"
EPHEMERAL = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
FIXTURE = TOP / "tests/fixtures/evaonline_app"
SERVER = "eva-prod-1.evaonline.example"
REPORT = EPHEMERAL / f"reports/verify-{SERVER}.json"
VAULT_ARGS = ["--vault-password-file", str(SCENARIO / "overlay/vault-password")]
APP_SERVICES = ["api", "worker", "beat", "flower"]
ETO_BODY = {
    "station": "BSB-A001",
    "lat": -15.79,
    "lon": -47.93,
    "tmin": 17.5,
    "tmax": 29.8,
    "day_of_year": 200,
}
# The test host has python3 but no curl. HTTPS trusts the test CA; no redirect is followed.
# Prints "<status> <Location header> <body>".
HTTP = """
import base64, http.client, ssl, sys
method, url, body, auth = sys.argv[1:5]
scheme, _, rest = url.partition("://")
hostport, _, path = rest.partition("/")
if scheme == "https":
    ctx = ssl.create_default_context(cafile="/root/test-ca.crt")
    conn = http.client.HTTPSConnection(hostport, context=ctx, timeout=10)
else:
    conn = http.client.HTTPConnection(hostport, timeout=10)
headers = {"Content-Type": "application/json", "Host": "evaonline.example"}
if auth:
    headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
conn.request(method, "/" + path, body=body.encode() or None, headers=headers)
r = conn.getresponse()
print(r.status, r.getheader("Location") or "-", r.read().decode())
"""


def request(host, method, url, body="", auth=""):
    args = " ".join(shlex.quote(a) for a in (method, url, body, auth))
    status, location, text = host.check_output(f"python3 -c {shlex.quote(HTTP)} {args}").split(
        " ", 2
    )
    return int(status), location, text


def http(host, method, path, body=""):
    """A request to the API through nginx over HTTPS, as a user makes it."""
    status, _, text = request(host, method, f"https://127.0.0.1{path}", body)
    assert 200 <= status < 300, (status, text)
    return json.loads(text)


@pytest.fixture(scope="module")
def vault():
    """The secrets of the encrypted vault in overlay/, read as an operator would."""
    out = subprocess.run(
        ["ansible-vault", "view", *VAULT_ARGS, str(SCENARIO / "overlay/group_vars/all/vault.yml")],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return yaml.safe_load(out)


def container(host, service):
    """The running container of a service (a release names the new api container anew)."""
    names = host.check_output(
        "docker ps --format '{{.Names}}' --filter label=com.docker.compose.project=%s"
        " --filter label=com.docker.compose.service=%s",
        PROJECT,
        service,
    ).split()
    assert len(names) == 1, f"{service}: {names}"
    return names[0]


def inspect(host, ref, kind="container"):
    return json.loads(host.check_output(f"docker {kind} inspect {shlex.quote(ref)}"))[0]


def psql(host, sql):
    psql_cmd = "psql -U evaonline -d evaonline -tAc"
    cmd = f"docker exec {container(host, 'postgres')} {psql_cmd} {shlex.quote(sql)}"
    return host.check_output(cmd).strip()


def first_tag(host):
    return host.file("/root/realapp-first.tag").content_string.strip()


def current_tag(host):
    return json.loads(host.file("/opt/evaonline/.release").content_string)["runtime_image"]


def test_app_services_are_healthy(host):
    for service in APP_SERVICES:
        state = inspect(host, container(host, service))["State"]
        assert state["Running"], service
        assert state["Health"]["Status"] == "healthy", (service, state["Health"]["Log"][-1:])


def test_beat_health_is_the_schedule_mode(host):
    env = inspect(host, container(host, "beat"))["Config"]["Env"]
    assert "BEAT_HEALTH=schedule" in env
    probe = host.run(f"docker exec {container(host, 'beat')} /usr/local/bin/entrypoint.sh health")
    assert probe.rc == 0, probe.stderr


def test_postgres_runs_the_postgis_flavour_and_alembic_migrated(host):
    image = inspect(host, container(host, "postgres"))["Config"]["Image"]
    assert "postgis/postgis:15-3.5-alpine" in image
    assert psql(host, "SELECT extversion FROM pg_extension WHERE extname = 'postgis'").startswith(
        "3."
    )
    assert psql(host, "SELECT version_num FROM alembic_version") == "0001"


def test_the_app_reads_discrete_settings_only(host, vault):
    env = dict(e.split("=", 1) for e in inspect(host, container(host, "api"))["Config"]["Env"])
    assert env["POSTGRES_HOST"] == "postgres"
    assert env["REDIS_HOST"] == "redis"
    assert env["ENVIRONMENT"] == "production"
    assert env["SECRET_KEY"] == vault["vault_secret_key"]
    assert env["POSTGRES_PASSWORD"] == vault["vault_postgres_password"]
    # Secret-bearing entries come from .env, never from compose.yaml.
    compose = host.file("/opt/evaonline/compose.yaml").content_string
    assert "SECRET_KEY: ${APP_SECRET_KEY:?" in compose
    assert not [v for k, v in vault.items() if v in compose]


def test_app_is_read_only_and_writes_its_own_paths(host):
    api = container(host, "api")
    assert host.run(f"docker exec {api} touch /app/probe").rc != 0
    assert host.check_output(f"docker exec {api} stat -c %U /app") == "root"
    mounts = {m["Destination"]: m for m in inspect(host, api)["Mounts"]}
    assert mounts["/app/logs"]["Type"] == "volume"
    assert mounts["/app/logs"]["Name"] == f"{PROJECT}_app-logs"
    assert mounts["/app/data"]["Type"] == "volume"
    assert mounts["/app/temp"]["Type"] == "tmpfs"
    # The app created its log and its start file at import, in the volumes.
    assert host.run(f"docker exec {api} test -s /app/logs/app.log").rc == 0
    assert host.check_output(f"docker exec {api} sh -c 'ls /app/data'").startswith("started-")
    assert host.run(f"docker exec {api} touch /app/temp/probe").rc == 0


def test_image_holds_the_whole_checkout_but_no_secrets_or_tests(host):
    listing = host.check_output(
        f"docker run --rm --entrypoint ls {shlex.quote(current_tag(host))} -A /app"
    ).split()
    for wanted in [
        "backend",
        "config",
        "shared_utils",
        "frontend",
        "alembic",
        "alembic.ini",
        "requirements.txt",
        "requirements",
        "constraints.txt",
    ]:
        assert wanted in listing
    for unwanted in [".env.example", ".dockerignore"]:
        assert unwanted not in listing


def test_dependency_shape_was_detected_and_reported(host):
    labels = inspect(host, current_tag(host), "image")["Config"]["Labels"]
    assert labels["org.evaonline.dependencies"] == (
        "dependencies: requirements from requirements.txt "
        "(includes: constraints.txt, requirements/base.txt), installed with pip (auto-detected)"
    )


@pytest.fixture(scope="module")
def expected_eto():
    sys.path.insert(0, str(FIXTURE))
    try:
        from shared_utils.hargreaves import eto_hargreaves_samani
    finally:
        sys.path.remove(str(FIXTURE))
    b = ETO_BODY
    return eto_hargreaves_samani(b["tmin"], b["tmax"], b["lat"], b["day_of_year"])


def test_eto_task_round_trips_through_the_worker_into_postgis(host, expected_eto):
    accepted = http(host, "POST", "/api/v1/eto", json.dumps(ETO_BODY))
    assert accepted["status"] == "pending"
    for _ in range(60):
        result = http(host, "GET", f"/api/v1/eto/{accepted['id']}")
        if result["status"] != "pending":
            break
        time.sleep(1)
    assert result["status"] == "done", result
    assert abs(result["eto_mm"] - expected_eto) < 0.01
    assert result["location"] == "POINT(-47.93 -15.79)"
    row = psql(
        host,
        "SELECT status, ST_SRID(geom), ST_AsText(geom) FROM eto_requests"
        f" WHERE id = {accepted['id']}",
    )
    assert row == "done|4326|POINT(-47.93 -15.79)"


def test_health_through_nginx_has_the_apps_own_body(host):
    assert http(host, "GET", "/api/v1/health")["status"] == "healthy"


def test_one_file_release_rebuilt_only_the_code_layers(host):
    old, new = first_tag(host), current_tag(host)
    assert old != new
    old_layers = inspect(host, old, "image")["RootFS"]["Layers"]
    new_layers = inspect(host, new, "image")["RootFS"]["Layers"]
    # COPY app/ and the compileall layer above it change; the venv and everything below stay.
    assert len(old_layers) == len(new_layers)
    assert new_layers[:-2] == old_layers[:-2]
    assert new_layers[-2] != old_layers[-2]
    code = host.check_output(
        f"docker run --rm --entrypoint python3 {shlex.quote(new)} -c "
        "'import shared_utils; print(shared_utils.RELEASE)'"
    )
    assert code == "v2"


def test_release_recreated_only_the_app_services(host):
    before = dict(
        line.split()
        for line in host.file("/root/realapp-containers.txt").content_string.splitlines()
    )
    after = dict(
        line.split()
        for line in host.check_output(
            "docker ps --format '{{.Label \"com.docker.compose.service\"}} {{.ID}}'"
        ).splitlines()
    )
    for service in ["postgres", "redis", "nginx"]:
        assert after[service] == before[service], service
    for service in APP_SERVICES:
        assert after[service] != before[service], service


def test_the_deploy_came_over_ssh_as_deploy_with_sudo(host):
    journal = host.check_output("journalctl --no-pager -o cat -u ssh.service")
    assert re.search(r"Accepted publickey for deploy from \S+ port", journal), journal[-1500:]
    sudo = host.check_output("journalctl --no-pager -o cat _COMM=sudo")
    assert re.search(r"deploy : .*USER=root ; COMMAND=/bin/sh", sudo), sudo[-1500:]


def test_a_nopasswd_sudo_user_runs_verify_too(host):
    rc, out = playbook(
        "verify.yml", "-e", "ansible_user=deploy-nopw", "-e", "ansible_become_password="
    )
    assert rc == 0, out[-2000:]
    assert "unreachable=0" in out


def test_http_redirects_to_https(host):
    status, location, _ = request(host, "GET", "http://127.0.0.1/api/v1/health")
    assert status == 301
    assert location == "https://evaonline.example/api/v1/health"


def test_https_serves_the_api_with_the_test_cas_certificate(host):
    status, _, text = request(host, "GET", "https://127.0.0.1/api/v1/health")
    assert status == 200
    assert json.loads(text)["status"] == "healthy"
    cert = host.check_output("openssl x509 -noout -issuer -in /etc/ssl/evaonline/fullchain.pem")
    assert "evaonline-test-ca" in cert
    mounts = {
        m["Destination"]: m["Source"] for m in inspect(host, container(host, "nginx"))["Mounts"]
    }
    assert mounts["/etc/nginx/tls/server.crt"] == "/etc/ssl/evaonline/fullchain.pem"


@pytest.mark.parametrize("path", ["/flower/", "/prometheus/"])
def test_admin_routes_answer_only_behind_basic_auth(host, vault, path):
    assert request(host, "GET", f"https://127.0.0.1{path}")[0] == 401
    assert request(host, "GET", f"https://127.0.0.1{path}", auth="admin:wrong-password")[0] == 401
    status, location, _ = request(
        host, "GET", f"https://127.0.0.1{path}", auth=f"admin:{vault['vault_admin_password']}"
    )
    assert status in (200, 302), (path, status, location)


def test_verify_passes_under_production_tls(host):
    rc, out = playbook("verify.yml")
    assert rc == 0, out[-2000:]
    report = json.loads(REPORT.read_text())
    assert report["healthy"] is True
    assert report["checks"][0]["url"] == "https://127.0.0.1:443/api/v1/health"


BROKEN_MIGRATION = '''"""A release whose migration fails (a user's bad release)."""

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    raise RuntimeError("migration 0002 is broken on purpose")


def downgrade() -> None:
    pass
'''


def playbook(name, *extra):
    """Run playbooks/<name> as the operator does: production inventory, overlay, vault, SSH."""
    proc = subprocess.run(
        ["ansible-playbook", "-i", "inventories/production", "-i", str(SCENARIO / "overlay"),
         *VAULT_ARGS, f"playbooks/{name}", "-e", "evaonline_hosts=evaonline",
         "-e", f"evaonline_report_dir={EPHEMERAL}/reports", *extra],
        cwd=TOP, capture_output=True, text=True,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1"}, check=False,
    )  # fmt: skip
    return proc.returncode, proc.stdout + proc.stderr


def test_failed_migration_stops_the_release_and_rolls_back(host, tmp_path, vault):
    """A release whose new Alembic revision raises is never started."""
    good = current_tag(host)
    rows = psql(host, "SELECT count(*) FROM eto_requests")
    release = tmp_path / "broken"
    shutil.copytree(FIXTURE, release)
    (release / "alembic/versions/0002_broken.py").write_text(BROKEN_MIGRATION)
    rc, out = playbook("deploy.yml", "-e", f"evaonline_app_src={release}")
    assert rc != 0
    assert "migration (alembic upgrade head) exited 1" in out, out[-3000:]
    assert "RuntimeError: migration 0002 is broken on purpose" in out
    assert f"rolled back to {good}, which is healthy again" in out
    assert vault["vault_postgres_password"] not in out
    # The good release still serves, its schema and its rows untouched.
    assert current_tag(host) == good
    assert inspect(host, container(host, "api"))["Config"]["Image"] == good
    assert psql(host, "SELECT version_num FROM alembic_version") == "0001"
    assert psql(host, "SELECT count(*) FROM eto_requests") == rows
    assert http(host, "GET", "/api/v1/health")["status"] == "healthy"


def test_verify_finds_a_secret_an_app_prints_naming_service_and_line(host, vault):
    """Runs last: the worker prints its broker URL (the Redis password URL-encoded) to its log,
    as the public code does at start; verify.yml must fail without repeating it."""
    rc, out = playbook("verify.yml")
    assert rc == 0, out[-2000:]
    worker = container(host, "worker")
    leak = 'echo "celery: connecting to $CELERY_BROKER_URL" > /proc/1/fd/1'
    host.check_output(f"docker exec {worker} sh -c {shlex.quote(leak)}")
    rc, out = playbook("verify.yml")
    assert rc != 0
    assert "a managed secret appears in the last 200 log lines of worker line" in out, out[-2000:]
    assert vault["vault_redis_password"] not in out
    assert vault["vault_redis_password"] not in REPORT.read_text()
    assert list(json.loads(REPORT.read_text())["secret_leaks"]) == ["worker"]
