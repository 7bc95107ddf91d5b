"""Unit tests for the cluster-mode filters: nodes that cannot join, and the Swarm secrets."""

from __future__ import annotations

from ansible_collections.evaonline.deploy.plugins.filter.swarm import (
    swarm_problems,
    swarm_secret_names,
    swarm_secrets,
)

INACTIVE = {"LocalNodeState": "inactive", "NodeID": ""}
HEAD = {
    "LocalNodeState": "active",
    "NodeID": "m1",
    "ControlAvailable": True,
    "Cluster": {"ID": "c1"},
}


def swarm_foreign(states: dict, first: str) -> list[str]:
    """swarm_problems over docker info holding only these Swarm parts."""
    return swarm_problems({node: {"Swarm": state} for node, state in states.items()}, first)


def test_live_restore_is_named_per_node() -> None:
    infos = {"m1": {"Swarm": INACTIVE, "LiveRestoreEnabled": True}, "w1": {"Swarm": INACTIVE}}
    (message,) = swarm_problems(infos, "m1")
    assert message.startswith("m1 runs dockerd with live-restore")
    assert "docker_live_restore: false" in message


def worker(managers: list[str]) -> dict:
    return {
        "LocalNodeState": "active",
        "NodeID": "w",
        "ControlAvailable": False,
        "RemoteManagers": [{"NodeID": m, "Addr": f"{m}:2377"} for m in managers],
    }


def test_a_fresh_cluster_and_our_own_members_pass() -> None:
    assert swarm_foreign({"m1": INACTIVE, "w1": INACTIVE}, "m1") == []
    assert swarm_foreign({"m1": HEAD, "w1": worker(["m1"]), "w2": INACTIVE}, "m1") == []
    manager = {**HEAD, "NodeID": "m2"}
    assert swarm_foreign({"m1": HEAD, "m2": manager}, "m1") == []


def test_members_of_another_swarm_are_named() -> None:
    other = {**HEAD, "NodeID": "x1", "Cluster": {"ID": "c9"}}
    (first, second) = swarm_foreign({"m1": HEAD, "w1": worker(["x1"]), "m2": other}, "m1")
    assert first.startswith("m2 is already in another swarm (node x1)")
    assert second.startswith("w1 is already in another swarm (node w)")


def test_any_active_node_is_foreign_while_the_first_manager_has_no_swarm() -> None:
    (message,) = swarm_foreign({"m1": INACTIVE, "w1": worker(["x1"])}, "m1")
    assert message.startswith("w1 is already in another swarm")


def test_a_first_manager_that_is_someone_elses_worker_is_refused() -> None:
    (message,) = swarm_foreign({"m1": worker(["x1"]), "w1": INACTIVE}, "m1")
    assert message.startswith("m1 (the first of swarm_managers_group) is a worker of another swarm")


def test_swarm_secrets_name_app_entries_and_drop_services_left_out() -> None:
    got = swarm_secrets(
        {"DATABASE_URL": "postgresql://u:pw@postgres/db", "SECRET_KEY": "k"},
        {"postgres_password": "pw", "grafana_admin_password": None},
    )
    assert got == {
        "app_database_url": "postgresql://u:pw@postgres/db",
        "app_secret_key": "k",
        "postgres_password": "pw",
    }


def test_swarm_secret_names_map_each_key_to_its_version() -> None:
    results = [
        {"item": {"key": "postgres_password"}, "secret_name": "evaonline_postgres_password_v2"},
        {"item": {"key": "redis_conf"}, "secret_name": "evaonline_redis_conf_v1"},
        {"item": {"key": "new_in_check_mode"}, "changed": True},
    ]
    assert swarm_secret_names(results) == {
        "postgres_password": "evaonline_postgres_password_v2",
        "redis_conf": "evaonline_redis_conf_v1",
    }
