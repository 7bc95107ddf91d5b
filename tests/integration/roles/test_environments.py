"""Switching the inventory changes what the stack renders: dev against production.

The stack role renders for real (compose.yaml is checked by `docker compose config`),
into a temporary directory, without deploying anything.
"""

import os
import subprocess
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).parent
TOP = HERE.parents[2]
SECRETS = {  # strong enough for production's checks; never real
    name: f"unit-test-{name}-0123456789abcdef"
    for name in ("postgres", "redis", "admin", "grafana_admin", "pgadmin")
}
SECRET_KEY = "unit-test-secret-key-0123456789abcdef"


def render(env: str, out: Path, **more: object) -> dict:
    extra = {
        "render_dir": str(out),
        "stack_runtime_image": "evaonline-runtime:0123456789ab",
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        **{f"stack_{k}_password": v for k, v in SECRETS.items()},
        **{f"vault_{k}_password": v for k, v in SECRETS.items()},
        "stack_secret_key": SECRET_KEY,
        "vault_secret_key": SECRET_KEY,
        **more,
    }
    args = [
        "ansible-playbook",
        "-i",
        f"inventories/{env}",
        str(HERE / "render_compose.yml"),
        "-e",
        yaml.safe_dump(extra, default_flow_style=True).strip(),
        "-l",
        "all",
    ]
    proc = subprocess.run(
        args, cwd=TOP, capture_output=True, text=True, env={**os.environ, "ANSIBLE_NOCOLOR": "1"}
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    return yaml.safe_load((out / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def composes(tmp_path_factory):
    base = tmp_path_factory.mktemp("envs")
    return {env: render(env, base / env) for env in ("dev", "production")}


def published(compose: dict) -> dict:
    return {
        name: svc.get("ports", []) for name, svc in compose["services"].items() if svc.get("ports")
    }


def test_only_nginx_publishes_in_both(composes):
    for compose in composes.values():
        assert list(published(compose)) == ["nginx"]


def test_published_ports_follow_the_environment(composes):
    dev = [str(p) for p in published(composes["dev"])["nginx"]]
    prod = [str(p) for p in published(composes["production"])["nginx"]]
    assert dev == ["127.0.0.1:8080:80"]
    assert sorted(prod) == ["0.0.0.0:443:443", "0.0.0.0:80:80"]


def test_profiles_follow_the_environment(composes):
    def profiled(compose):
        return {n for n, s in compose["services"].items() if "admin" in s.get("profiles", [])}

    assert "pgadmin" in profiled(composes["dev"])
    assert "pgadmin" in profiled(composes["production"])


def test_worker_settings_and_resources_differ(composes):
    dev, prod = composes["dev"]["services"], composes["production"]["services"]
    assert (
        dev["worker"]["environment"]["WORKER_CONCURRENCY"]
        != prod["worker"]["environment"]["WORKER_CONCURRENCY"]
    )
    assert (
        dev["api"]["deploy"]["resources"]["limits"] != prod["api"]["deploy"]["resources"]["limits"]
    )


def test_no_secret_in_either_compose_file(composes):
    for compose in composes.values():
        text = yaml.safe_dump(compose)
        for secret in [*SECRETS.values(), SECRET_KEY]:
            assert secret not in text


def test_production_mounts_its_tls_files_from_the_server(composes):
    """The shipped production inventory names files on the server (certbot style)."""
    volumes = composes["production"]["services"]["nginx"]["volumes"]
    assert "/etc/ssl/evaonline/fullchain.pem:/etc/nginx/tls/server.crt:ro" in volumes
    assert "/etc/ssl/evaonline/privkey.pem:/etc/nginx/tls/server.key:ro" in volumes
    assert not any("server.crt" in str(v) for v in composes["dev"]["services"]["nginx"]["volumes"])
