"""Secret audit of the stack the drills left behind.

The -vvv output is that of the fresh site.yml run in the last drill (every file
rendered anew, every container created): no secret value may appear there, in
the JSON report, in compose.yaml or in the runtime image.
"""

from __future__ import annotations

import json
import re
import shlex
from urllib.parse import quote

import pytest
from conftest import EPHEMERAL, REPORTS, STACK_DIR, TEST_VARS, Server, containers

SECRET_VARS = [
    "stack_postgres_password",
    "stack_redis_password",
    "stack_admin_password",
    "stack_grafana_admin_password",
    "stack_pgadmin_password",
]
SECRETS = sorted(
    {
        form
        for name in SECRET_VARS
        if TEST_VARS.get(name)
        for form in (TEST_VARS[name], quote(TEST_VARS[name], safe=""))
    }
)


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def test_the_audit_has_secrets_to_look_for() -> None:
    assert len(SECRETS) >= 3


def test_site_vvv_output_holds_no_secret(server: Server) -> None:
    log = (EPHEMERAL / "site-vvv.log").read_text()
    # A -vvv run, which rendered the secret-bearing files anew.
    assert f"<{server.name}>" in log
    # The one task that writes every file, .env among them: the secret contents are masked.
    files_task = log.split("stack : Write the stack's directories and files")[1].split("TASK [")[0]
    assert "changed: [" in files_task
    # The result is JSON or YAML, as the callback prints it: match either.
    masked = re.search(r'/\.env"?: "?VALUE_SPECIFIED_IN_NO_LOG_PARAMETER', files_task)
    assert masked, files_task[-2000:]
    assert leaks(log) == []


def test_json_report_holds_no_secret() -> None:
    reports = sorted(REPORTS.glob("*.json"), key=lambda p: p.stat().st_mtime)
    assert reports
    report = reports[-1].read_text()
    assert json.loads(report)["healthy"] is True
    assert leaks(report) == []


def test_compose_file_holds_no_secret(server: Server) -> None:
    compose = server.check_output(f"cat {STACK_DIR}/compose.yaml")
    assert "${POSTGRES_PASSWORD" in compose or "${DATABASE_URL" in compose
    assert leaks(compose) == []


def test_env_file_is_root_only(server: Server) -> None:
    assert server.check_output(f"stat -c '%a %U %G' {STACK_DIR}/.env") == "600 root root"
    assert leaks(server.check_output(f"cat {STACK_DIR}/.env")) != []  # it is where they live


def test_only_nginx_publishes_ports(server: Server) -> None:
    lines = server.check_output(
        "docker ps --filter label=com.docker.compose.project=evaonline "
        "--format '{{.Label \"com.docker.compose.service\"}} {{.Ports}}'"
    ).splitlines()
    published = {line.partition(" ")[0] for line in lines if "->" in line}
    assert published == {"nginx"}
    # The test inventory publishes on 0.0.0.0, like production: only port 80 listens there,
    # besides the test host's own sshd (the image's, for scenarios that deploy over SSH).
    listening = [line.split(None, 5) for line in server.check_output("ss -Hltnp").splitlines()]
    wildcard = {
        fields[3].rsplit(":", 1)[1]
        for fields in listening
        if fields[3].rsplit(":", 1)[0] in ("0.0.0.0", "*", "[::]")
        and '(("sshd",' not in (fields[5] if len(fields) > 5 else "")
    }
    assert wildcard == {"80"}


@pytest.fixture(scope="module")
def image(server: Server) -> str:
    return containers(server)["api"]["image"]


def test_runtime_image_history_holds_no_secret(server: Server, image: str) -> None:
    history = server.check_output(
        f"docker history --no-trunc --format '{{{{.CreatedBy}}}}' {image}"
    )
    assert "entrypoint.sh" in history  # the image's own steps are there
    assert leaks(history) == []
    assert "PASSWORD" not in history  # no build argument or ENV carries a secret


def test_runtime_image_files_hold_no_env_file_and_no_secret(server: Server, image: str) -> None:
    cid = server.check_output(f"docker create {image}")
    try:
        names = server.check_output(f"docker export {cid} | tar -t").splitlines()
        assert len(names) > 1000
        assert [n for n in names if n.rstrip("/").split("/")[-1] == ".env"] == []
        assert [n for n in names if n.startswith("run/secrets/")] == []
        patterns = " ".join(f"-e {shlex.quote(s)}" for s in SECRETS)
        scan = server.run(f"docker export {cid} | grep -a -c -F {patterns}")
        assert scan.returncode == 1, f"a secret value is in the image: {scan.stdout.decode()}"
    finally:
        server.run(f"docker rm {cid}")
