"""Portainer, opt-in, checked statically: no test double of portainer/portainer-ce exists here.

The stack role renders the dev inventory with Portainer on; the compose file and the nginx
site are checked against what Portainer needs and what keeps the Docker socket private, and
the site is parsed by the nginx double's `nginx -t`.
"""

import subprocess

import pytest
from test_environments import render

NGINX = "evaonline-test/nginx:1"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("portainer")
    compose = render(
        "dev",
        out,
        stack_portainer_enabled=True,
        stack_portainer_password="unit-test-portainer-0123456789",
    )
    return out, compose


def test_portainer_is_opt_in_and_never_published(rendered, tmp_path):
    _, compose = rendered
    svc = compose["services"]["portainer"]
    assert svc["profiles"] == ["admin"]
    assert "ports" not in svc
    assert "/var/run/docker.sock:/var/run/docker.sock" in svc["volumes"]
    assert svc["image"] == "portainer/portainer-ce:2.21.5"
    assert "--admin-password-file" in svc["command"]
    # Off by default: the plain dev render has none.
    assert "portainer" not in render("dev", tmp_path / "plain")["services"]


def test_password_file_is_root_only_and_not_in_compose(rendered):
    out, _ = rendered
    path = out / "portainer/admin_password"
    assert path.read_text() == "unit-test-portainer-0123456789"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert "unit-test-portainer-0123456789" not in (out / "compose.yaml").read_text()


def test_nginx_gates_portainer_behind_basic_auth_and_parses(rendered):
    out, _ = rendered
    site = (out / "nginx/conf.d/evaonline.conf").read_text()
    block = site[site.index("location /portainer/ {") :].split("}")[0]
    assert "auth_basic $evaonline_portainer_realm;" in block
    assert "auth_basic_user_file /etc/nginx/auth/htpasswd;" in block
    assert '"~*^Bearer\\s"     off;' in site
    assert 'default           "EVAonline administration";' in site
    proc = subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "-v",
            f"{out}/nginx/conf.d:/etc/nginx/conf.d:ro",
            "-v",
            f"{out}/nginx/auth:/etc/nginx/auth:ro",
            "-v",
            f"{out}/nginx/live:/etc/nginx/live:ro",
            "--entrypoint",
            "nginx",
            NGINX,
            "-t",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "syntax is ok" in proc.stderr
