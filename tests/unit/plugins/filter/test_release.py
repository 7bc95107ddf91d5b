"""Unit tests of the release filters, on the shapes community.docker returns."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.evaonline.deploy.plugins.filter.release import (
    compose_replaces,
    container_names,
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
