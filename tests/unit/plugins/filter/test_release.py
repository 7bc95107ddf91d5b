"""Unit tests of the release filters, on the shapes community.docker returns."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.evaonline.deploy.plugins.filter.release import (
    compose_replaces,
    container_names,
    kept_releases,
    rollback_target,
    swarm_rollback_note,
    swarm_rolled_back,
)

# docker_compose_v2's actions of `up --dry-run` after the api's environment changed.
PLAN = [
    {"what": "container", "id": "evaonline-redis-1", "status": "Running"},
    {"what": "container", "id": "evaonline-api-1", "status": "Recreate"},
    {"what": "container", "id": "evaonline-api-1", "status": "Recreated"},
    {"what": "container", "id": "evaonline-worker-1", "status": "Recreate"},
    {"what": "network", "id": "evaonline_backend", "status": "Recreate"},
]


def test_compose_replaces_names_only_the_given_recreated_containers() -> None:
    assert compose_replaces(PLAN, ["evaonline-api-1"]) == ["evaonline-api-1"]
    assert compose_replaces(PLAN, ["evaonline-redis-1", "evaonline_backend"]) == []


def test_compose_replaces_nothing_on_a_no_op_plan() -> None:
    assert (
        compose_replaces(
            [{"what": "container", "id": "evaonline-api-1", "status": "Running"}],
            ["evaonline-api-1"],
        )
        == []
    )
    assert compose_replaces([], ["evaonline-api-1"]) == []


def test_container_names_reads_both_module_shapes() -> None:
    host_info = [{"Id": "abc", "Names": ["/evaonline-api-2"]}]
    compose = [{"ID": "def", "Name": "evaonline-api-3", "Service": "api"}]
    assert container_names(host_info) == ["evaonline-api-2"]
    assert container_names(compose) == ["evaonline-api-3"]


def test_container_names_refuses_an_unknown_shape() -> None:
    with pytest.raises(AnsibleFilterError, match="no Name or Names"):
        container_names([{"Id": "abc"}])


def images() -> list[dict]:
    """docker_host_info images (verbose) of a host with three releases and a base image."""

    def image(tags: list[str], created: int, version: str) -> dict:
        labels = {"org.opencontainers.image.version": version}
        return {"Id": f"sha256:{created}", "RepoTags": tags, "Created": created, "Labels": labels}

    return [
        image(["evaonline-runtime:aaaaaaaaaaaa"], 1_700_000_000, "1.0.0"),
        image(
            ["evaonline-runtime:cccccccccccc", "evaonline-runtime:latest"], 1_700_000_200, "1.2.0"
        ),
        image(["evaonline-runtime:bbbbbbbbbbbb"], 1_700_000_100, "1.1.0"),
        image(["python:3.13-slim"], 1_600_000_000, ""),
    ]


def test_kept_releases_are_the_hash_tags_newest_first() -> None:
    releases = kept_releases(images(), "evaonline-runtime")
    assert [r["tag"] for r in releases] == ["cccccccccccc", "bbbbbbbbbbbb", "aaaaaaaaaaaa"]
    assert releases[0]["version"] == "1.2.0"
    assert releases[0]["built"] == "2023-11-14T22:16:40Z"


def test_rollback_target_is_the_previous_release_by_default() -> None:
    releases = kept_releases(images(), "evaonline-runtime")
    assert rollback_target(releases, "evaonline-runtime:cccccccccccc")["tag"] == "bbbbbbbbbbbb"
    assert rollback_target(releases, "evaonline-runtime:bbbbbbbbbbbb")["tag"] == "aaaaaaaaaaaa"


def test_rollback_target_takes_a_named_kept_release() -> None:
    releases = kept_releases(images(), "evaonline-runtime")
    got = rollback_target(releases, "evaonline-runtime:cccccccccccc", "aaaaaaaaaaaa")
    assert got["image"] == "evaonline-runtime:aaaaaaaaaaaa"


def test_rollback_target_refuses_a_tag_not_kept_with_the_list() -> None:
    releases = kept_releases(images(), "evaonline-runtime")
    with pytest.raises(
        AnsibleFilterError,
        match=r"evaonline_rollback_to: 0123456789ab is not a kept.*cccccccccccc \(built",
    ):
        rollback_target(releases, "evaonline-runtime:cccccccccccc", "0123456789ab")
    with pytest.raises(AnsibleFilterError, match="is the release serving now"):
        rollback_target(releases, "evaonline-runtime:cccccccccccc", "cccccccccccc")


def test_rollback_target_refuses_when_nothing_older_is_kept() -> None:
    releases = kept_releases(images(), "evaonline-runtime")
    with pytest.raises(
        AnsibleFilterError, match="no kept release older than evaonline-runtime:aaaaaaaaaaaa"
    ):
        rollback_target(releases, "evaonline-runtime:aaaaaaaaaaaa")


def test_release_failure_names_the_migration_then_the_services_then_the_step():
    from ansible_collections.evaonline.deploy.plugins.filter.release import release_failure

    health = {"services": {"api": {"ok": False, "reason": "unhealthy"}, "redis": {"ok": True}}}
    assert release_failure(health, "alembic: boom", True) == "alembic: boom"
    assert release_failure(health, "timeout") == "api: unhealthy"
    assert release_failure({"services": {}}, "x" * 500) == "x" * 400
    assert release_failure(None, "") == "unknown error"


def test_swarm_rolled_back_names_services_in_a_rollback_state() -> None:
    health = {
        "services": {
            "api": {"ok": False, "update_state": "rollback_completed"},
            "worker": {"ok": True, "update_state": "completed"},
            "beat": {"ok": True, "update_state": None},
            "flower": {"ok": False, "update_state": "rollback_started"},
        }
    }
    assert swarm_rolled_back(health) == ["api", "flower"]
    assert swarm_rolled_back(None) == []


def test_swarm_rollback_note_says_what_swarm_did() -> None:
    assert swarm_rollback_note(["api", "worker"]) == "Swarm rolled api, worker back by itself."
    assert swarm_rollback_note([]) == "Swarm rolled no service back by itself."


def _listed(name: str, service: str, image: str) -> dict:
    # One container as docker_host_info lists it with verbose_output.
    return {
        "Names": [f"/{name}"],
        "Image": image,
        "Labels": {
            "com.docker.compose.project": "evaonline",
            "com.docker.compose.service": service,
        },
    }


def test_service_containers_picks_the_service_by_its_label():
    from ansible_collections.evaonline.deploy.plugins.filter.release import service_containers

    listed = [
        _listed("evaonline-api-1", "api", "evaonline-runtime:aaa"),
        _listed("evaonline-nginx-1", "nginx", "nginx:1.27"),
        _listed("evaonline-api-2", "api", "evaonline-runtime:bbb"),
        {"Names": ["/stray"], "Image": "x", "Labels": None},
    ]
    assert service_containers(listed, "api") == ["evaonline-api-1", "evaonline-api-2"]
    assert service_containers(listed, "nginx") == ["evaonline-nginx-1"]
    assert service_containers(listed, "redis") == []


def test_service_runs_only_one_container_of_the_image():
    from ansible_collections.evaonline.deploy.plugins.filter.release import service_runs_only

    one = [_listed("evaonline-api-1", "api", "evaonline-runtime:aaa")]
    assert service_runs_only(one, "api", "evaonline-runtime:aaa")
    assert not service_runs_only(one, "api", "evaonline-runtime:bbb")
    assert not service_runs_only([], "api", "evaonline-runtime:aaa")
    two = [*one, _listed("evaonline-api-2", "api", "evaonline-runtime:aaa")]
    assert not service_runs_only(two, "api", "evaonline-runtime:aaa")
