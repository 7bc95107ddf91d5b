"""compose.yaml and stack.yaml come from one template: render both and compare them.

Swarm ignores compose's profiles, so stack.yaml holds exactly the services compose
starts with the same profiles, less the one-shot migrate (a release runs it on its own).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

HERE = Path(__file__).parent
TOP = HERE.parents[2]
SECRETS = {
    "stack_postgres_password": "pg-secret-0001-unit",
    "stack_redis_password": "redis-secret-0001-unit",
    "stack_secret_key": "key-secret-0001-unit",
    "stack_admin_password": "admin-secret-0001-unit",
    "stack_grafana_admin_password": "grafana-secret-0001-unit",
    "stack_pgadmin_password": "pgadmin-secret-0001-unit",
}
SETTINGS = {
    "stack_runtime_image": "evaonline-runtime:0123456789ab",
    **SECRETS,
}


def render(tmp: Path, mode: str, extra: dict[str, Any]) -> dict[str, Any]:
    dest = tmp / f"{mode}.yaml"
    run = subprocess.run(
        [
            "ansible-playbook",
            str(HERE / "render_stack_modes.yml"),
            "-e",
            json.dumps(
                {**SETTINGS, **extra, "evaonline_stack_mode": mode, "render_dest": str(dest)}
            ),
        ],
        cwd=TOP,
        capture_output=True,
        text=True,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_ROLES_PATH": str(HERE)},
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    return yaml.safe_load(dest.read_text())


PROFILES = [["monitoring"], ["monitoring", "admin"], []]


@pytest.fixture(scope="module", params=PROFILES, ids=lambda p: "+".join(p) or "none")
def both(request, tmp_path_factory) -> tuple[dict, dict, list[str]]:
    tmp = tmp_path_factory.mktemp("modes")
    extra = {"stack_profiles": request.param}
    return render(tmp, "compose", extra), render(tmp, "swarm", extra), request.param


def started_by_compose(doc: dict, profiles: list[str]) -> set[str]:
    return {
        name
        for name, svc in doc["services"].items()
        if not svc.get("profiles") or set(svc["profiles"]) & set(profiles)
    } - {"migrate"}


def test_swarm_runs_the_services_compose_starts(both) -> None:
    compose, swarm, profiles = both
    assert set(swarm["services"]) == started_by_compose(compose, profiles)
    assert "migrate" in compose["services"] and "migrate" not in swarm["services"]


def test_each_service_keeps_its_image_networks_and_health_check(both) -> None:
    compose, swarm, _ = both
    for name, svc in swarm["services"].items():
        theirs = compose["services"][name]
        assert svc["image"] == theirs["image"], name
        assert svc["networks"] == theirs["networks"], name
        assert svc["deploy"]["resources"] == theirs["deploy"]["resources"], name
        if name != "redis":  # swarm's redis reads its password from a secret
            assert svc.get("healthcheck") == theirs.get("healthcheck"), name


def test_stack_yaml_holds_no_secret_and_no_interpolation(both) -> None:
    _, swarm, _ = both
    text = yaml.safe_dump(swarm)
    # $$ is a literal $ for the container's shell; a lone ${ would need an .env.
    assert not re.search(r"(?<!\$)\$\{", text)
    for name, value in SECRETS.items():
        assert value not in text, name


def test_every_secret_read_is_declared_and_every_file_variable_has_its_secret(both) -> None:
    _, swarm, _ = both
    declared = set(swarm["secrets"])
    assert all(s["external"] for s in swarm["secrets"].values())
    for name, svc in swarm["services"].items():
        used = {s if isinstance(s, str) else s["source"] for s in svc.get("secrets", [])}
        assert used <= declared, name
        for var, path in (svc.get("environment") or {}).items():
            if var.endswith("_FILE") and str(path).startswith("/run/secrets/"):
                assert path.removeprefix("/run/secrets/") in used, (name, var)


def test_beat_runs_one_task_and_never_two(both) -> None:
    _, swarm, _ = both
    deploy = swarm["services"]["beat"]["deploy"]
    assert deploy["replicas"] == 1
    assert deploy["update_config"]["order"] == "stop-first"
    assert deploy["rollback_config"]["order"] == "stop-first"


@pytest.mark.parametrize("service", ["api", "worker"])
def test_app_updates_start_first_and_roll_back_on_failure(both, service: str) -> None:
    _, swarm, _ = both
    deploy = swarm["services"][service]["deploy"]
    assert deploy["replicas"] == 2
    update = deploy["update_config"]
    assert (update["order"], update["failure_action"]) == ("start-first", "rollback")
    assert update["monitor"] == "20s"


def test_data_services_stay_on_their_labelled_node_and_nginx_publishes_in_host_mode(both) -> None:
    _, swarm, _ = both
    services = swarm["services"]
    for name in ("postgres", "redis"):
        assert services[name]["deploy"]["placement"]["constraints"] == [
            f"node.labels.evaonline.{name} == true"
        ]
    assert services["nginx"]["deploy"]["placement"]["constraints"] == [
        "node.id == node-of-the-files"
    ]
    assert [p["mode"] for p in services["nginx"]["ports"]] == ["host"]
    published = [n for n, s in services.items() if s.get("ports")]
    assert published == ["nginx"]
