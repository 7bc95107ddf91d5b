import pytest
from ansible_collections.evaonline.deploy.plugins.module_utils.budget import (
    aliases,
    chain_ids,
    dedup_total,
    duplicate_groups,
    evaluate_budgets,
    failure_message,
    layer_sizes_from_history,
    naive_total,
    pattern_matches,
    running_image_refs,
    select_images,
    shared_sizes,
    step_has_layer,
)

GB = 1_000_000_000
MB = 1_000_000


def image(image_id, tags, layers, sizes, title=None, shared=0):
    """A fake image; ``layers`` are diff IDs (strings), identical prefixes share chain IDs."""
    labels = {"org.opencontainers.image.title": title} if title else {}
    return {
        "id": "sha256:" + image_id * 64 if len(image_id) == 1 else image_id,
        "tags": tags,
        "labels": labels,
        "size": sum(sizes),
        "shared": shared,
        "chain_ids": chain_ids(["sha256:" + d for d in layers]),
        "layer_sizes": list(sizes),
    }


def test_chain_ids_follow_oci_spec():
    # ChainID(L0|L1) = sha256(ChainID(L0) + " " + DiffID(L1))
    chains = chain_ids(["sha256:aa", "sha256:bb"])
    assert chains[0] == "sha256:aa"
    import hashlib

    assert chains[1] == "sha256:" + hashlib.sha256(b"sha256:aa sha256:bb").hexdigest()
    # same diff on a different parent is a different layer
    assert chain_ids(["sha256:cc", "sha256:bb"])[1] != chains[1]


@pytest.mark.parametrize(
    ("created_by", "has_layer"),
    [
        ("/bin/sh -c #(nop)  ENV A=b", False),
        ("/bin/sh -c #(nop)  LABEL x=y", False),
        ("/bin/sh -c #(nop) COPY file:abc in /x ", True),
        ("/bin/sh -c #(nop) ADD file:abc in / ", True),
        ("/bin/sh -c apt-get update", True),
        ("|1 V=2 /bin/sh -c true", True),
        ("RUN /bin/sh -c true # buildkit", True),
        ("COPY pad /pad # buildkit", True),
        ("WORKDIR /app", True),
        ("LABEL org.opencontainers.image.title=x", False),
        ('CMD ["sh"]', False),
        ("ENV PATH=/x", False),
        ("", True),
    ],
)
def test_step_has_layer(created_by, has_layer):
    assert step_has_layer(created_by) is has_layer


def test_layer_sizes_from_history_skips_metadata_steps():
    history = [
        {"Size": 110, "CreatedBy": ""},
        {"Size": 0, "CreatedBy": "/bin/sh -c #(nop)  ENV A=b"},
        {"Size": 0, "CreatedBy": "/bin/sh -c touch /empty"},  # zero-size layer
        {"Size": 77, "CreatedBy": "/bin/sh -c apt-get install"},
        {"Size": 0, "CreatedBy": '/bin/sh -c #(nop)  CMD ["x"]'},
    ]
    assert layer_sizes_from_history(history, 3) == ([110, 0, 77], True)


def test_layer_sizes_from_history_all_sized():
    history = [{"Size": 5, "CreatedBy": "a"}, {"Size": 0, "CreatedBy": "LABEL a=b"}]
    assert layer_sizes_from_history(history, 1) == ([5], True)


def test_layer_sizes_from_history_guess_is_flagged():
    history = [
        {"Size": 5, "CreatedBy": ""},
        {"Size": 0, "CreatedBy": "LABEL a=b"},
        {"Size": 7, "CreatedBy": "RUN x"},
    ]
    sizes, exact = layer_sizes_from_history(history, 3)
    assert sum(sizes) == 12 and len(sizes) == 3
    assert exact is False


def test_layer_sizes_more_sized_steps_than_layers():
    history = [{"Size": 1}, {"Size": 2}, {"Size": 3}]
    assert layer_sizes_from_history(history, 2) == ([3, 3], False)


def test_dedup_counts_shared_layers_once():
    base = 100 * MB
    a = image("a", ["api:1"], ["base", "a1"], [base, 50 * MB])
    b = image("b", ["worker:1"], ["base", "b1"], [base, 70 * MB])
    c = image("c", ["other:1"], ["zzz"], [5 * MB])
    assert naive_total([a, b, c]) == 2 * base + 125 * MB
    assert dedup_total([a, b, c]) == base + 125 * MB
    # same diff ID on top of a different base is a different layer
    d = image("d", ["d:1"], ["other-base", "a1"], [base, 50 * MB])
    assert dedup_total([a, d]) == 2 * base + 100 * MB


def test_shared_sizes_matches_daemon_definition():
    a = image("a", ["api:1"], ["base", "a1"], [100, 50])
    b = image("b", ["worker:1"], ["base", "b1"], [100, 70])
    c = image("c", ["base:1"], ["base"], [100])
    d = image("d", ["solo:1"], ["solo"], [9])
    assert shared_sizes([a, b, c, d]) == {a["id"]: 100, b["id"]: 100, c["id"]: 100, d["id"]: 0}


def test_pattern_matching():
    img = image("a", ["registry.local/evaonline-api:1.2", "evaonline-api:latest"], ["x"], [1])
    assert pattern_matches("evaonline-api", img)
    assert pattern_matches("evaonline-api:latest", img)
    assert pattern_matches("evaonline-*", img)
    assert pattern_matches("*/evaonline-api:1.*", img)
    assert pattern_matches("sha256:aaaa", img)
    assert pattern_matches("a" * 12, img)
    assert not pattern_matches("evaonline-api:2", img)
    assert not pattern_matches("evaonline", img)


def test_select_images_default_is_tagged_only():
    tagged = image("a", ["x:1"], ["x"], [1])
    untagged = image("b", [], ["y"], [1])
    assert select_images([tagged, untagged], []) == ([tagged], [])
    assert select_images([tagged, untagged], ["x:*", "nope"]) == ([tagged], ["nope"])


def test_budgets_first_match_wins():
    img = image("a", ["evaonline-runtime:abc"], ["l1", "l2"], [1_000 * MB, 210 * MB], shared=0)
    rows = evaluate_budgets(
        [img],
        [
            {"pattern": "evaonline-runtime:*", "max_size": 600 * MB},
            {"pattern": "*", "max_size": 10 * GB},
        ],
    )
    assert rows[0]["budget"] == 600 * MB
    assert rows[0]["within"] is False
    assert rows[0]["over_by"] == 610 * MB
    assert rows[0]["unique"] == 1_210 * MB
    assert rows[0]["budget_pattern"] == "evaonline-runtime:*"
    assert evaluate_budgets([img], [])[0]["within"] is True


def seed_builds():
    """The seed's defect: four separate builds of one ~2 GB image."""
    images = []
    for n, name in enumerate(["api", "worker", "beat", "flower"]):
        images.append(
            image(
                "abcd"[n],
                [f"{name}:1"],
                ["base", f"deps-{n}", f"app-{n}"],
                [110 * MB, 1_900 * MB, 80 * MB],
                title="evaonline-api",
            )
        )
    return images


def test_duplicates_by_title_label():
    groups = duplicate_groups(seed_builds())
    assert len(groups) == 1
    group = groups[0]
    assert group["name"] == "evaonline-api"
    assert group["criteria"] == ["label", "layers"]
    assert [m["name"] for m in group["images"]] == ["api:1", "beat:1", "flower:1", "worker:1"]
    assert group["dedup_size"] == 110 * MB + 4 * 1_980 * MB
    assert group["redundant_bytes"] == 3 * 1_980 * MB


def test_duplicates_by_layers_without_label():
    a = image("a", ["x:1"], ["base", "big-a", "top-a"], [10, 500, 3])
    b = image("b", ["y:1"], ["base", "big-b", "top-b"], [10, 500, 4])
    groups = duplicate_groups([a, b])
    assert len(groups) == 1 and groups[0]["criteria"] == ["layers"]


def test_shared_layers_are_not_duplicates():
    # FROM one base + a different app layer: the base is stored once, nothing wasted.
    a = image("a", ["x:1"], ["base", "app-a"], [100, 3])
    b = image("b", ["y:1"], ["base", "app-b"], [100, 4])
    assert duplicate_groups([a, b]) == []
    # different sizes before the tail: different recipes
    c = image("c", ["c:1"], ["c1", "c2"], [100, 3])
    d = image("d", ["d:1"], ["d1", "d2"], [101, 3])
    assert duplicate_groups([c, d]) == []
    assert duplicate_groups([c, d], tail=2) == []  # nothing left to compare


def test_tags_on_one_id_are_aliases_not_duplicates():
    one = image("a", ["api:1", "api:latest"], ["l"], [10], title="evaonline-api")
    assert duplicate_groups([one, one]) == []
    assert aliases([one]) == [{"id": one["id"], "tags": ["api:1", "api:latest"]}]


def test_label_can_be_disabled():
    a = image("a", ["x:1"], ["a"], [1], title="t")
    b = image("b", ["y:1"], ["b"], [2], title="t")
    assert len(duplicate_groups([a, b])) == 1
    assert duplicate_groups([a, b], label="") == []


def test_failure_message_names_every_offender():
    runtime = image("e", ["evaonline-runtime:abc"], ["r1"], [1_210 * MB])
    builds = seed_builds()
    rows = evaluate_budgets([runtime], [{"pattern": "evaonline-runtime:*", "max_size": 600 * MB}])
    groups = duplicate_groups(builds)
    msg = failure_message(rows, groups, 3 * GB, 9 * GB, 2 * GB)
    assert msg.startswith("evaonline-runtime:abc (1.21 GB) exceeds budget 600 MB by 610 MB; ")
    assert "images take 3 GB on disk (layers counted once; 9 GB if summed naively), " in msg
    assert "exceeding total_budget 2 GB by 1 GB" in msg
    assert (
        "duplicate builds of 'evaonline-api' (same org.opencontainers.image.title label and "
        "same layer sizes): api:1 (sha256:aaaaaaaaaaaa, 2.09 GB), beat:1 (sha256:cccccccccccc, "
        "2.09 GB), flower:1 (sha256:dddddddddddd, 2.09 GB), worker:1 (sha256:bbbbbbbbbbbb, "
        "2.09 GB); 5.94 GB stored redundantly"
    ) in msg


def test_failure_message_empty_when_fine():
    assert failure_message([], [], 10, 20, None) == ""
    assert failure_message([], [], 10, 20, 10) == ""


def test_running_image_refs_of_containers_and_services():
    containers = [{"Image": ref} for ref in ("evaonline-runtime:b", "postgres:15", "postgres:15")]
    assert running_image_refs(containers, "compose") == ["evaonline-runtime:b", "postgres:15"]
    refs = ("reg:5000/rt:b@sha256:" + "a" * 64, "redis:7")
    services = [{"Spec": {"TaskTemplate": {"ContainerSpec": {"Image": ref}}}} for ref in refs]
    assert running_image_refs(services, "swarm") == ["redis:7", "reg:5000/rt:b"]
    assert running_image_refs([], "compose") == []
