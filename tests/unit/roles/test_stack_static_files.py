"""Static checks of the Grafana and pgAdmin files the stack role renders.

No test double of grafana/grafana or dpage/pgadmin4 exists here, so these
files never meet their service in tests: check them against what each
service reads, and against the compose file that mounts them.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).parent
TOP = HERE.parents[2]
COMPOSE_TEMPLATE = TOP / "roles/stack/templates/opt/evaonline/compose.yaml.j2"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("stack")
    for sub in (
        "grafana/provisioning/datasources",
        "grafana/provisioning/dashboards",
        "grafana/dashboards",
        "pgadmin",
    ):
        (out / sub).mkdir(parents=True)
    subprocess.run(
        ["ansible-playbook", str(HERE / "render_stack_static.yml"), "-e", f"render_dir={out}"],
        check=True,
        cwd=TOP,
        capture_output=True,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
    )
    return out


def test_datasource_points_at_the_stack_prometheus(rendered):
    doc = yaml.safe_load(
        (rendered / "grafana/provisioning/datasources/prometheus.yaml").read_text()
    )
    assert doc["apiVersion"] == 1
    (source,) = doc["datasources"]
    assert source["type"] == "prometheus"
    assert source["url"].startswith("http://prometheus:9090")
    assert source["isDefault"] is True


def test_dashboard_provider_reads_the_mounted_folder(rendered):
    doc = yaml.safe_load((rendered / "grafana/provisioning/dashboards/evaonline.yaml").read_text())
    (provider,) = doc["providers"]
    assert provider["type"] == "file"
    path = provider["options"]["path"]
    assert f"./grafana/dashboards:{path}:ro" in COMPOSE_TEMPLATE.read_text()


def test_dashboard_uses_the_provisioned_datasource(rendered):
    source = yaml.safe_load(
        (rendered / "grafana/provisioning/datasources/prometheus.yaml").read_text()
    )["datasources"][0]
    board = json.loads((rendered / "grafana/dashboards/evaonline.json").read_text())
    assert board["uid"] and board["title"] and board["panels"]
    for panel in board["panels"]:
        assert panel["datasource"]["uid"] == source["uid"], panel["title"]
        for target in panel.get("targets", []):
            assert target["expr"].strip(), panel["title"]


def test_pgadmin_servers_reach_the_stack_postgres(rendered):
    defaults = yaml.safe_load((TOP / "roles/stack/defaults/main.yml").read_text())
    servers = json.loads((rendered / "pgadmin/servers.json").read_text())["Servers"]
    (server,) = servers.values()
    assert server["Host"] == "postgres"
    assert server["Port"] == 5432
    assert server["Username"] == defaults["stack_postgres_user"]
    assert server["MaintenanceDB"] == defaults["stack_postgres_db"]
    assert "Password" not in server  # the password never lands in this file
    # compose mounts the folder where PGADMIN_SERVER_JSON_FILE points.
    compose = COMPOSE_TEMPLATE.read_text()
    assert "PGADMIN_SERVER_JSON_FILE: /pgadmin4/evaonline/servers.json" in compose
    assert "./pgadmin:/pgadmin4/evaonline:ro" in compose
