"""Unit tests for the stack role's filters (plugins/filter/stack.py)."""

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.evaonline.deploy.plugins.filter.stack import (
    app_environment,
    memory_total_mib,
    resource_limits,
)

BASE = {
    "DATABASE_URL": "postgresql://u:p%40ss@postgres/db",
    "POSTGRES_HOST": "postgres",
    "POSTGRES_PASSWORD": "p@ss",
    "WORKERS": 2,
}


def test_entries_holding_a_secret_raw_or_urlencoded_go_to_the_secret_side():
    env = app_environment(BASE, {}, ["p@ss"])
    assert env["secret"] == {"DATABASE_URL": BASE["DATABASE_URL"], "POSTGRES_PASSWORD": "p@ss"}
    assert env["public"] == {"POSTGRES_HOST": "postgres", "WORKERS": "2"}


def test_overrides_add_replace_and_remove_entries():
    env = app_environment(
        BASE, {"POSTGRES_SERVER": "db", "DATABASE_URL": None, "DEBUG": False}, ["p@ss"]
    )
    assert "DATABASE_URL" not in env["secret"] | env["public"]
    assert env["public"]["POSTGRES_SERVER"] == "db"
    assert env["public"]["DEBUG"] == "false"


def test_a_templated_override_holding_a_secret_is_kept_secret():
    env = app_environment({}, {"BROKER": "redis://:s3cret@redis:6379/2"}, ["s3cret"])
    assert env == {"public": {}, "secret": {"BROKER": "redis://:s3cret@redis:6379/2"}}


def test_public_dollars_are_escaped_for_compose():
    assert app_environment({}, {"PRICE": "$5"}, [])["public"] == {"PRICE": "$$5"}


def test_entries_are_sorted_so_reruns_render_the_same_file():
    env = app_environment({"B": "1", "A": "2"}, {"C": "3"}, [])
    assert list(env["public"]) == ["A", "B", "C"]


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"1BAD": "x"}, "stack_app_env: '1BAD' is not an environment variable name"),
        ({"LIST": [1]}, "stack_app_env.LIST must be a string, number or boolean"),
        (
            {"URL": "redis://:s3cret@x/'q'"},
            "stack_app_env.URL holds a secret and must not contain a single quote",
        ),
    ],
)
def test_bad_entries_are_refused_naming_the_entry(overrides, match):
    with pytest.raises(AnsibleFilterError, match=match):
        app_environment({}, overrides, ["s3cret"])


def test_empty_secrets_match_nothing():
    assert app_environment({"A": "x"}, {}, ["", None])["public"] == {"A": "x"}


def test_resource_overrides_merge_per_key_over_the_defaults():
    merged = resource_limits(
        {"api": {"cpus": "1.0", "memory": "512M"}}, {"api": {"memory": "1G"}, "x": {"cpus": "2"}}
    )
    assert merged == {"api": {"cpus": "1.0", "memory": "1G"}, "x": {"cpus": "2"}}


def test_resource_override_that_is_not_a_mapping_names_the_service():
    with pytest.raises(AnsibleFilterError, match=r"stack_resources\.api must be a mapping"):
        resource_limits({}, {"api": "1G"})


def test_memory_total_counts_binary_units_of_the_given_services():
    limits = {
        "api": {"memory": "768M"},
        "db": {"memory": "1G"},
        "beat": {"memory": "262144k"},
        "x": {},
    }
    assert memory_total_mib(limits, ["api", "db", "beat", "x", "absent"]) == 768 + 1024 + 256
    assert memory_total_mib(limits, ["api"]) == 768


def test_memory_that_is_not_a_size_is_refused():
    with pytest.raises(AnsibleFilterError, match="'lots' is not a memory size"):
        memory_total_mib({"api": {"memory": "lots"}}, ["api"])
