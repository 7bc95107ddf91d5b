"""image_budget against real images: FROM scratch builds with files of known size."""

import os

import pytest
from evaonline_itest import FIXTURE_LABEL, docker, needs_docker

pytestmark = needs_docker

KB = 1000


def build(ctx, tag, files, base="scratch", label_title=None, extra_tags=()):
    ctx.mkdir(parents=True, exist_ok=True)
    lines = [f"FROM {base}"]
    for name, content in files:
        (ctx / name).write_bytes(content)
        lines.append(f"COPY {name} /{name}")
    labels = [FIXTURE_LABEL]
    if label_title:
        labels.append(f"org.opencontainers.image.title={label_title}")
    lines.append("LABEL " + " ".join(labels))
    (ctx / "Dockerfile").write_text("\n".join(lines) + "\n")
    docker("build", "-q", "-t", tag, str(ctx))
    for extra in extra_tags:
        docker("tag", tag, extra)
    return docker("image", "inspect", "-f", "{{.Id}}", tag).stdout.strip()


@pytest.fixture(scope="module")
def images(tmp_path_factory, unique):
    """small (1 MB, two tags), derived (small + 0.5 MB), fat (3 MB), dup-a/dup-b (two builds)."""
    root = tmp_path_factory.mktemp("images")
    p = f"{unique}-img"
    names = {
        "small": f"{p}-small:1",
        "small_alias": f"{p}-small:latest",
        "derived": f"{p}-derived:1",
        "fat": f"{p}-fat:1",
        "dup_a": f"{p}-api:1",
        "dup_b": f"{p}-worker:1",
    }
    ids = {}
    try:
        ids["small"] = build(
            root / "small",
            names["small"],
            [("one", os.urandom(1_000 * KB))],
            extra_tags=[names["small_alias"]],
        )
        ids["derived"] = build(
            root / "derived", names["derived"], [("two", os.urandom(500 * KB))], base=names["small"]
        )
        ids["fat"] = build(root / "fat", names["fat"], [("fat", os.urandom(3_000 * KB))])
        # two separate builds of one recipe: same title label, same-size content, distinct IDs
        title = f"{p}-app"
        ids["dup_a"] = build(
            root / "a",
            names["dup_a"],
            [("big", os.urandom(2_000 * KB)), ("tail", b"a")],
            label_title=title,
        )
        ids["dup_b"] = build(
            root / "b",
            names["dup_b"],
            [("big", os.urandom(2_000 * KB)), ("tail", b"bb")],
            label_title=title,
        )
        yield {"prefix": p, "names": names, "ids": ids, "title": title}
    finally:
        for tag in names.values():
            docker("rmi", "-f", tag, check=False)


def test_exact_sizes_dedup_and_aliases(run, images):
    n = images["names"]
    res = run("image_budget", {"images": [n["small"], n["derived"]]})
    assert not res.failed, res.msg
    assert res["changed"] is False
    rows = {r["name"]: r for r in res["images"]}
    assert set(rows) == {n["small"], n["derived"]}
    assert rows[n["small"]]["size"] == 1_000_000
    assert rows[n["small"]]["tags"] == sorted([n["small"], n["small_alias"]])
    assert rows[n["derived"]]["size"] == 1_500_000
    assert rows[n["derived"]]["layers"] == 2
    # the 1 MB layer is shared by small and derived; derived alone adds 0.5 MB
    assert rows[n["small"]]["shared"] == 1_000_000 and rows[n["small"]]["unique"] == 0
    assert rows[n["derived"]]["shared"] == 1_000_000
    assert rows[n["derived"]]["unique"] == 500_000
    assert res["naive_total"] == 2_500_000
    assert res["dedup_total"] == 1_500_000
    assert res["duplicates"] == []
    assert res["aliases"] == [
        {"id": images["ids"]["small"], "tags": sorted([n["small"], n["small_alias"]])}
    ]


def test_over_budget_and_duplicates_fail_with_one_message(run, images):
    n, ids = images["names"], images["ids"]
    args = {
        "images": ["{}-*".format(images["prefix"])],
        "budgets": [
            {"pattern": "{}-fat:*".format(images["prefix"]), "max_size": "2.5MB"},
            {"pattern": "{}-*".format(images["prefix"]), "max_size": "0.01GiB"},
        ],
        "total_budget": "8 MB",
    }
    res = run("image_budget", args)
    assert res.failed and res["changed"] is False
    assert res["within"] is False
    print("image_budget failure message:", res.msg)
    fat = "{} (3 MB) exceeds budget 2.5 MB by 500 kB".format(n["fat"])
    assert res.msg.startswith(fat + "; ")
    assert (
        "images take 8.5 MB on disk (layers counted once; 9.5 MB if summed naively), "
        "exceeding total_budget 8 MB by 500 kB"
    ) in res.msg
    a, b = sorted([(n["dup_a"], ids["dup_a"]), (n["dup_b"], ids["dup_b"])])
    assert (
        "duplicate builds of '{}' (same org.opencontainers.image.title label and same layer "
        "sizes): {} ({}, 2 MB), {} ({}, 2 MB); 2 MB stored redundantly".format(
            images["title"], a[0], a[1][:19], b[0], b[1][:19]
        )
    ) in res.msg
    assert len(res["duplicates"]) == 1
    group = res["duplicates"][0]
    assert {m["id"] for m in group["images"]} == {ids["dup_a"], ids["dup_b"]}
    assert group["criteria"] == ["label", "layers"]
    rows = {r["name"]: r for r in res["images"]}
    assert rows[n["fat"]]["budget"] == 2_500_000 and rows[n["fat"]]["over_by"] == 500_000
    assert rows[n["small"]]["budget"] == 10_737_418 and rows[n["small"]]["within"] is True
    assert res["naive_total"] == 1_000_000 + 1_500_000 + 3_000_000 + 2_000_001 + 2_000_002
    assert res["dedup_total"] == 1_500_000 + 3_000_000 + 2_000_001 + 2_000_002


def test_duplicates_can_be_warnings(run, images):
    args = {"images": ["{}-*".format(images["prefix"])], "forbid_duplicates": False}
    res = run("image_budget", args)
    assert not res.failed, res.msg
    assert len(res["duplicates"]) == 1
    assert any("duplicate builds of" in w for w in res.result.get("warnings", []))


def test_project_considers_only_the_images_its_containers_run(run, images):
    """With project, the module lists the stack's containers itself: fat is on the daemon,
    tagged and over budget, but no container of the project runs it."""
    n = images["names"]
    project = "{}-proj".format(images["prefix"])
    label = f"com.docker.compose.project={project}"
    made = [
        docker("create", "--label", label, "--label", FIXTURE_LABEL, ref, "/none").stdout.strip()
        for ref in (n["small"], n["derived"])
    ]
    try:
        args = {"project": project, "budgets": [{"pattern": "*", "max_size": "2MB"}]}
        res = run("image_budget", args)
        assert not res.failed, res.msg
        assert sorted(r["id"] for r in res["images"]) == sorted(
            [images["ids"]["small"], images["ids"]["derived"]]
        )
        empty = run("image_budget", {"project": f"{project}-none"})
        assert not empty.failed, empty.msg
        assert empty["images"] == []
        both = run("image_budget", {"project": project, "images": [n["fat"]]})
        assert both.failed
        assert "mutually exclusive" in both.msg and "project" in both.msg
    finally:
        docker("rm", "-f", *made, check=False)


def test_check_mode_and_idempotence(run, images):
    n = images["names"]
    args = {
        "images": [n["small"], n["derived"], n["fat"]],
        "budgets": [{"pattern": "*", "max_size": "3MB"}],
    }
    results = [
        run("image_budget", args, check=True),
        run("image_budget", args),
        run("image_budget", args, check=True),
        run("image_budget", args),
    ]
    for res in results:
        assert not res.failed, res.msg
        assert res["changed"] is False
        assert res["within"] is True
    keys = ("images", "duplicates", "aliases", "dedup_total", "naive_total")
    first = {k: results[0][k] for k in keys}
    for res in results[1:]:
        assert {k: res[k] for k in keys} == first


@pytest.mark.parametrize(
    ("args", "msg"),
    [
        (
            {"budgets": [{"pattern": "x", "max_size": "12 parsecs"}]},
            "budgets[0].max_size: invalid size '12 parsecs': unknown unit 'parsecs' "
            "(use B, kB, MB, GB, TB, KiB, MiB, GiB, TiB)",
        ),
        (
            {"budgets": [{"pattern": "x", "max_size": -5}]},
            "budgets[0].max_size: invalid size -5: must not be negative",
        ),
        ({"total_budget": "-1GB"}, "total_budget: invalid size '-1GB': must not be negative"),
        (
            {"budgets": [{"pattern": "", "max_size": 1}]},
            "budgets[0].pattern must not be empty",
        ),
    ],
)
def test_bad_input_fails_cleanly(run, args, msg):
    res = run("image_budget", args)
    assert res.failed
    assert res.msg == msg
