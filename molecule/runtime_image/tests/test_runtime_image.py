"""Testinfra checks of the runtime image built by the runtime_image role inside DinD."""

import json
import re
import shlex
import time

import pytest

IMAGE = "evaonline-runtime:latest"
BASE = "evaonline-registry:5000/evaonline-test/python:3.13-slim"
POSTGRES = "evaonline-registry:5000/evaonline-test/postgres:15"
REDIS = "evaonline-registry:5000/evaonline-test/redis:7"
NET = "rt-net"
CONTEXT = "/opt/evaonline/build/context"
DB_URL = "postgresql://evaonline:pg-secret@rt-postgres:5432/evaonline"
REDIS_URL = "redis://:redis-secret@rt-redis:6379/0"
LONG_RUNNING = ["api", "worker", "beat", "flower"]


def record(host, name):
    return json.loads(host.file(f"/root/runtime-image-{name}.json").content_string)


def inspect(host, ref):
    return json.loads(host.check_output(f"docker image inspect {shlex.quote(ref)}"))[0]


def cached_steps(log):
    """Build step numbers buildx reports as CACHED, mapped to their step titles."""
    titles = dict(re.findall(r"^#(\d+) (\[.*)$", log, re.M))
    return {titles.get(n, n) for n in re.findall(r"^#(\d+) CACHED$", log, re.M)}


def test_first_converge_built_and_second_did_not(host):
    build, noop = record(host, "build"), record(host, "noop")
    assert build["built"] is True
    assert noop["built"] is False
    assert noop["tag"] == build["tag"]
    assert noop["id"] == build["id"]
    # The image behind the first tag is still the one the first converge built.
    image = inspect(host, build["tag"])
    assert image["Id"] == build["id"]
    assert image["Config"]["Labels"]["org.evaonline.context-hash"] == build["context_hash"]


def test_code_change_rebuilt_only_the_app_layers(host):
    build, rebuild = record(host, "build"), record(host, "rebuild")
    assert rebuild["built"] is True
    assert rebuild["tag"] != build["tag"]
    cached = cached_steps(rebuild["build_log"])
    assert any("install-deps" in step for step in cached), cached
    assert any("COPY --from=builder /opt/venv" in step for step in cached), cached
    ratio = float(rebuild["seconds"]) / float(build["seconds"])
    print(
        f"\nFIGURES cold={build['seconds']}s noop={record(host, 'noop')['seconds']}s "
        f"rebuild={rebuild['seconds']}s ratio={ratio:.2f}\nFIGURES cached steps: {sorted(cached)}"
    )
    # The figure depends on the machine's load; the cached layers above are the real gate.
    assert float(rebuild["seconds"]) < float(build["seconds"])


def test_latest_alias_and_code_change_in_image(host):
    rebuild = record(host, "rebuild")
    assert inspect(host, IMAGE)["Id"] == inspect(host, rebuild["tag"])["Id"]
    out = host.check_output(
        f"docker run --rm --entrypoint python3 {IMAGE} "
        "-c 'from backend.build_marker import BUILD_MARKER; print(BUILD_MARKER)'"
    )
    assert out == "changed"


def test_stale_context_files_were_removed(host):
    assert host.file(f"{CONTEXT}/app/backend/build_marker.py").exists
    assert not host.file(f"{CONTEXT}/stale.txt").exists
    assert not host.file(f"{CONTEXT}/app/backend/old_module.py").exists
    assert host.file(f"{CONTEXT}/build/entrypoint.sh").mode == 0o755
    # The dependency layer's input: only the app's requirements file and the manifest.
    deps = host.check_output(f"cd {CONTEXT}/build/deps && find . -type f | sort").split()
    assert deps == ["./deps.env", "./requirements/production.txt"]
    # Ignored paths never reach the context.
    assert host.run(f"find {CONTEXT} -name __pycache__ | grep -q .").rc != 0


def test_check_mode_built_nothing(host):
    planned = host.file("/root/runtime-image-planned.tag").content_string.strip()
    assert host.run(f"docker image inspect {planned}").rc != 0
    # The context still holds the last real build's app.
    marker = host.file(f"{CONTEXT}/app/backend/build_marker.py").content_string
    assert marker == 'BUILD_MARKER = "changed"\n'


def test_pruning_kept_two_and_the_running_one(host):
    build, rebuild = record(host, "build"), record(host, "rebuild")
    tags = set(host.check_output("docker images evaonline-runtime --format '{{.Tag}}'").split())
    hash_tags = {t for t in tags if re.fullmatch(r"[0-9a-f]{12}", t)}
    assert hash_tags == {
        rebuild["tag"].split(":")[1],
        build["tag"].split(":")[1],
        "000000000003",
    }
    assert {"latest", "custom"} <= tags


def test_runs_as_uid_1000_without_compilers(host):
    assert inspect(host, IMAGE)["Config"]["User"] == "1000"
    assert host.check_output(f"docker run --rm --entrypoint id {IMAGE} -u") == "1000"
    tools = "('gcc', 'cc', 'g++', 'make')"
    probe = f"import shutil, sys; sys.exit(any(shutil.which(c) for c in {tools}))"
    assert host.run(f"docker run --rm --entrypoint python3 {IMAGE} -c {shlex.quote(probe)}").rc == 0


def test_image_size_above_base(host):
    size, base = inspect(host, IMAGE)["Size"], inspect(host, BASE)["Size"]
    print(f"\nFIGURES image={size} B base={base} B above_base={size - base} B")
    assert size - base < 150 * 1024 * 1024


def test_bad_service_is_refused(host):
    out = host.run(f"docker run --rm -e SERVICE=bogus {IMAGE}")
    assert out.rc == 64
    assert "SERVICE must be one of: api, worker, beat, flower, migrate (got 'bogus')" in out.stderr


@pytest.fixture(scope="module")
def backing_services(host):
    """Postgres and Redis doubles on a user-defined network inside the test host."""
    host.run("docker rm -f rt-postgres rt-redis " + " ".join(f"rt-{s}" for s in LONG_RUNNING))
    host.run(f"docker network rm {NET}")
    host.check_output(f"docker network create {NET}")
    host.check_output(
        f"docker run -d --name rt-postgres --network {NET} -e POSTGRES_USER=evaonline "
        f"-e POSTGRES_PASSWORD=pg-secret -e POSTGRES_DB=evaonline {POSTGRES}"
    )
    host.check_output(
        f"docker run -d --name rt-redis --network {NET} {REDIS} "
        "redis-server --requirepass redis-secret --appendonly yes"
    )
    yield
    host.run("docker rm -f rt-postgres rt-redis " + " ".join(f"rt-{s}" for s in LONG_RUNNING))
    host.run(f"docker network rm {NET}")


def service_cmd(service, detach):
    env = f"-e SERVICE={service} -e DATABASE_URL={DB_URL} -e REDIS_URL={REDIS_URL}"
    env += " -e WAIT_TIMEOUT=90"
    # A short interval so the image's own health check is polled quickly; the check is unchanged.
    mode = f"-d --name rt-{service} --health-interval 2s" if detach else "--rm"
    return f"docker run {mode} --network {NET} {env} {IMAGE}"


def test_each_service_starts_and_becomes_healthy(host, backing_services):
    migrate = host.run(service_cmd("migrate", detach=False))
    assert migrate.rc == 0, migrate.stderr
    assert "schema is up to date" in migrate.stderr
    for service in LONG_RUNNING:
        host.check_output(service_cmd(service, detach=True))
    status, deadline = {}, time.monotonic() + 120
    while time.monotonic() < deadline:
        status = {
            s: host.check_output(f"docker inspect -f '{{{{.State.Health.Status}}}}' rt-{s}")
            for s in LONG_RUNNING
        }
        if all(v == "healthy" for v in status.values()) or "unhealthy" in status.values():
            break
        time.sleep(2)
    logs = {s: host.run(f"docker logs --tail 20 rt-{s}").stderr for s, v in status.items()}
    assert all(v == "healthy" for v in status.values()), (status, logs)


def test_the_build_was_pushed_to_the_registry(host):
    build, noop = record(host, "build"), record(host, "noop")
    assert build["pushed"] == "evaonline-registry:5000/evaonline-test-push/" + build["tag"]
    assert noop["pushed"] == build["pushed"]
    repo, tag = build["tag"].rsplit(":", 1)
    url = f"http://evaonline-registry:5000/v2/evaonline-test-push/{repo}/tags/list"
    read = "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())"
    listed = host.check_output(f"python3 -c {shlex.quote(read)} {url}")
    assert tag in json.loads(listed)["tags"]
