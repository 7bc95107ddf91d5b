"""A checkout shaped like the public EVAonline code, deployed by inventory variables alone.

site.yml deployed tests/fixtures/evaonline_app (converge, idempotence); side_effect.yml
then released a copy with one code file changed through deploy.yml.
"""

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECT = "evaonline"
FIXTURE = Path(os.environ["MOLECULE_PROJECT_DIRECTORY"]) / "tests/fixtures/evaonline_app"
APP_SERVICES = ["api", "worker", "beat", "flower"]
ETO_BODY = {
    "station": "BSB-A001",
    "lat": -15.79,
    "lon": -47.93,
    "tmin": 17.5,
    "tmax": 29.8,
    "day_of_year": 200,
}
# The test host has python3 but no curl.
HTTP = (
    "import json, sys, urllib.request as u; m, url, body = sys.argv[1:4]; "
    "r = u.urlopen(u.Request(url, data=body.encode() or None, method=m, "
    "headers={'Content-Type': 'application/json'}), timeout=10); print(r.read().decode())"
)


def http(host, method, path, body=""):
    url = f"http://127.0.0.1{path}"
    cmd = f"python3 -c {shlex.quote(HTTP)} {method} {shlex.quote(url)} {shlex.quote(body)}"
    return json.loads(host.check_output(cmd))


def container(service):
    return f"{PROJECT}-{service}-1"


def inspect(host, ref, kind="container"):
    return json.loads(host.check_output(f"docker {kind} inspect {shlex.quote(ref)}"))[0]


def psql(host, sql):
    psql_cmd = "psql -U evaonline -d evaonline -tAc"
    cmd = f"docker exec {container('postgres')} {psql_cmd} {shlex.quote(sql)}"
    return host.check_output(cmd).strip()


def first_tag(host):
    return host.file("/root/realapp-first.tag").content_string.strip()


def current_tag(host):
    return json.loads(host.file("/opt/evaonline/.release").content_string)["runtime_image"]


def test_app_services_are_healthy(host):
    for service in APP_SERVICES:
        state = inspect(host, container(service))["State"]
        assert state["Running"], service
        assert state["Health"]["Status"] == "healthy", (service, state["Health"]["Log"][-1:])


def test_beat_health_is_the_schedule_mode(host):
    env = inspect(host, container("beat"))["Config"]["Env"]
    assert "BEAT_HEALTH=schedule" in env
    probe = host.run(f"docker exec {container('beat')} /usr/local/bin/entrypoint.sh health")
    assert probe.rc == 0, probe.stderr


def test_postgres_runs_the_postgis_flavour_and_alembic_migrated(host):
    image = inspect(host, container("postgres"))["Config"]["Image"]
    assert "postgis/postgis:15-3.5-alpine" in image
    assert psql(host, "SELECT extversion FROM pg_extension WHERE extname = 'postgis'").startswith(
        "3."
    )
    assert psql(host, "SELECT version_num FROM alembic_version") == "0001"


def test_the_app_reads_discrete_settings_only(host):
    env = dict(e.split("=", 1) for e in inspect(host, container("api"))["Config"]["Env"])
    assert env["POSTGRES_HOST"] == "postgres"
    assert env["REDIS_HOST"] == "redis"
    assert env["ENVIRONMENT"] == "test"
    assert env["SECRET_KEY"] == "test-secret-key-0001"
    # Secret-bearing entries come from .env, never from compose.yaml.
    compose = host.file("/opt/evaonline/compose.yaml").content_string
    assert "SECRET_KEY: ${APP_SECRET_KEY:?" in compose
    assert "test-secret-key-0001" not in compose


def test_app_is_read_only_and_writes_its_own_paths(host):
    api = container("api")
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
        for line in host.check_output("docker ps --format '{{.Names}} {{.ID}}'").splitlines()
    )
    for service in ["postgres", "redis", "nginx"]:
        assert after[container(service)] == before[container(service)], service
    for service in APP_SERVICES:
        assert after[container(service)] != before[container(service)], service


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
    """Run playbooks/<name> against the test host with the scenario's inventory."""
    ephemeral = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
    proc = subprocess.run(
        ["ansible-playbook", "-i", str(ephemeral / "inventory"), f"playbooks/{name}",
         "-e", "evaonline_hosts=all", "-e", f"evaonline_report_dir={ephemeral}/reports", *extra],
        cwd=Path(os.environ["MOLECULE_PROJECT_DIRECTORY"]), capture_output=True, text=True,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1"}, check=False,
    )  # fmt: skip
    return proc.returncode, proc.stdout + proc.stderr


def test_failed_migration_stops_the_release_and_rolls_back(host, tmp_path):
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
    assert "test-postgres-password-0001" not in out
    # The good release still serves, its schema and its rows untouched.
    assert current_tag(host) == good
    assert inspect(host, container("api"))["Config"]["Image"] == good
    assert psql(host, "SELECT version_num FROM alembic_version") == "0001"
    assert psql(host, "SELECT count(*) FROM eto_requests") == rows
    assert http(host, "GET", "/api/v1/health")["status"] == "healthy"


def test_verify_finds_a_secret_an_app_prints_naming_service_and_line(host):
    """Runs last: the worker prints its broker URL (the Redis password URL-encoded) to its log,
    as the public code does at start; verify.yml must fail without repeating it."""
    rc, out = playbook("verify.yml")
    assert rc == 0, out[-2000:]
    worker = container("worker")
    leak = 'echo "celery: connecting to $CELERY_BROKER_URL" > /proc/1/fd/1'
    host.check_output(f"docker exec {worker} sh -c {shlex.quote(leak)}")
    rc, out = playbook("verify.yml")
    assert rc != 0
    assert "a managed secret appears in the last 200 log lines of worker line" in out, out[-2000:]
    assert "test-redis-password-0001" not in out
    report = (
        Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "reports/verify-evaonline-realapp.json"
    )
    assert "test-redis-password-0001" not in report.read_text()
    assert list(json.loads(report.read_text())["secret_leaks"]) == ["worker"]
