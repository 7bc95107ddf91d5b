"""Unit tests for the stack role's filters (plugins/filter/stack.py)."""

from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible_collections.evaonline.deploy.plugins.filter.stack import (
    app_environment,
    memory_total_mib,
    redact,
    resource_limits,
    secret_problems,
    tls_problems,
)

ROOT = Path(__file__).resolve().parents[4]

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


def test_redact_masks_raw_and_urlencoded_secrets_longest_first():
    text = "url redis://:p%40ss@redis pw p@ss key p@ssword"
    assert (
        redact(text, ["p@ss", "p@ssword", ""])
        == "url redis://:********@redis pw ******** key ********"
    )


STRONG = {
    "stack_postgres_password": "Zq8-vK2m-Lp4x-Rt7w",
    "stack_redis_password": "Hn3-Bc9v-Xe5t-Qa1z",
}


def test_secret_problems_outside_production_only_needs_usable_values():
    assert secret_problems({"a": "x", "b": "x"}) == []
    assert secret_problems({"a": "", "b": None, "c": "it's"}) == [
        "a is missing (set it in the inventory or vault)",
        "b is missing (set it in the inventory or vault)",
        "c must not contain a single quote or a line break",
    ]


def test_strong_distinct_secrets_pass_in_production():
    assert secret_problems(STRONG, strict=True) == []


WEAK = "is too weak for production:"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (
            "replace-with-a-long-random-secret",
            "is a placeholder from an example file, not a secret",
        ),
        ("Please-CHANGEME-before-use-0001", "is a placeholder from an example file, not a secret"),
        ("changeme", f"{WEAK} shorter than 16 characters"),
        ("short-1", f"{WEAK} shorter than 16 characters"),
        ("aaaaaaaaaaaaaaaaaaaa", f"{WEAK} it repeats one or two characters"),
        ("abababababababababab", f"{WEAK} it repeats one or two characters"),
        ("LetMeIn-LetMeIn-1", f"{WEAK} it is in stack_weak_passwords"),
    ],
)
def test_production_refuses_weak_and_placeholder_secrets_naming_only_the_variable(value, reason):
    secrets = {**STRONG, "stack_admin_password": value}
    problems = secret_problems(secrets, strict=True, weak=["letmein-letmein-1"])
    assert problems == [f"stack_admin_password {reason}"]


def test_equal_secrets_are_refused_in_production():
    secrets = {**STRONG, "stack_admin_password": STRONG["stack_redis_password"]}
    assert secret_problems(secrets, strict=True) == [
        "stack_admin_password equals stack_redis_password: every secret must differ"
    ]


def test_every_value_of_the_example_vault_file_is_refused():
    example = yaml.safe_load(
        (ROOT / "inventories/production/group_vars/all/vault.yml.example").read_text()
    )
    placeholders = yaml.safe_load((ROOT / "roles/stack/defaults/main.yml").read_text())[
        "stack_placeholder_secrets"
    ]
    for name, value in example.items():
        problems = secret_problems({name: value}, strict=True, placeholders=placeholders)
        assert problems == [f"{name} is a placeholder from an example file, not a secret"]


CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"


def tls(**given):
    names = ["cert", "key", "cert_file", "key_file", "cert_path", "key_path"]
    return tls_problems({f"stack_tls_{n}": given.get(n, "") for n in names})


def test_tls_given_one_way_passes(tmp_path):
    (tmp_path / "c.pem").write_text(CERT)
    (tmp_path / "k.pem").write_text(KEY)
    assert tls() == []
    assert tls(cert=CERT, key=KEY) == []
    assert tls(cert_file=str(tmp_path / "c.pem"), key_file=str(tmp_path / "k.pem")) == []
    assert tls(cert_path="/etc/letsencrypt/live/x/fullchain.pem", key_path="/etc/x/k.pem") == []


def test_a_path_in_the_pem_variable_is_named_as_a_path():
    assert tls(cert="/etc/ssl/evaonline/fullchain.pem", key=KEY) == [
        "stack_tls_cert holds a path (/etc/ssl/evaonline/fullchain.pem), not PEM text: set"
        " stack_tls_cert_path for a file on the server or stack_tls_cert_file for one on the"
        " controller"
    ]


def test_tls_problems_name_the_variable_and_never_the_key(tmp_path):
    (tmp_path / "k.pem").write_text("not a key at all")
    assert tls(cert=CERT) == [
        "stack_tls_cert and stack_tls_key must be given together (or both left empty)."
    ]
    assert tls(cert=CERT, key="garbage-secret", cert_path="/x") == [
        "give the TLS certificate and key one way only, not stack_tls_cert/stack_tls_key and "
        "stack_tls_cert_path/stack_tls_key_path"
    ]
    assert tls(cert=CERT, key="garbage-secret") == [
        "stack_tls_key is not a PEM private key (no -----BEGIN ... PRIVATE KEY----- block)"
    ]
    assert tls(cert_file=str(tmp_path / "none.pem"), key_file=str(tmp_path / "k.pem")) == [
        f"stack_tls_cert_file: {tmp_path}/none.pem is not a file on the controller",
        "stack_tls_key_file is not a PEM private key (no -----BEGIN ... PRIVATE KEY----- block)",
    ]
    assert tls(cert_path="etc/fullchain.pem", key_path="/k") == [
        "stack_tls_cert_path must be an absolute path on the server (got 'etc/fullchain.pem')"
    ]


def test_under_dir_keeps_enabled_entries_with_absolute_paths():
    from ansible_collections.evaonline.deploy.plugins.filter.stack import under_dir

    entries = [
        {"path": "", "mode": "0750"},
        {"path": "nginx/", "mode": "0755", "enabled": True},
        {"path": "grafana", "mode": "0755", "enabled": False},
    ]
    assert under_dir(entries, "/opt/evaonline/") == [
        {"path": "/opt/evaonline", "mode": "0750"},
        {"path": "/opt/evaonline/nginx", "mode": "0755"},
    ]
    files = [{"dest": ".env", "mode": "0600", "secret": True}]
    assert under_dir(files, "/s", "dest") == [{"dest": "/s/.env", "mode": "0600", "secret": True}]


def test_resource_problems_wants_cpus_above_zero_and_a_memory_size():
    from ansible_collections.evaonline.deploy.plugins.filter.stack import resource_problems

    assert resource_problems({"api": {"cpus": "0.5", "memory": "512M"}}) == []
    for bad in ({"cpus": 0, "memory": "1G"}, {"cpus": "1", "memory": "1 G"}, {"cpus": "1"}):
        (message,) = resource_problems({"api": bad})
        assert message.startswith("stack_resources: each service needs cpus above 0")


def test_sha512_crypt_matches_the_reference_vector():
    from ansible.errors import AnsibleFilterError
    from ansible_collections.evaonline.deploy.plugins.filter.stack import sha512_crypt

    # From Ulrich Drepper's specification of SHA-crypt (and glibc's crypt(3)).
    assert sha512_crypt("Hello world!", "saltstring") == (
        "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"
    )
    with pytest.raises(AnsibleFilterError, match="salt must be"):
        sha512_crypt("x", "bad salt!")
