"""Unit tests for plugin_utils/build_context.py (Docker ignore rules, the context hash, the
tar) and the build_context lookup over it."""

import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from ansible import constants as C
from ansible.errors import AnsibleLookupError
from ansible.parsing.dataloader import DataLoader
from ansible_collections.evaonline.deploy.plugins.lookup.build_context import (
    DOCUMENTATION,
    LookupModule,
)
from ansible_collections.evaonline.deploy.plugins.plugin_utils.build_context import (
    ContextError,
    DockerIgnore,
    build_context,
    pack,
    parse_dockerignore,
)

REPO = Path(__file__).resolve().parents[4]


def ignored(patterns: str, path: str) -> bool:
    return DockerIgnore(patterns).excluded(path)


@pytest.mark.parametrize(
    ("patterns", "path", "expected"),
    [
        ("*.log", "a.log", True),
        ("*.log", "sub/a.log", False),  # "*" never crosses a "/"
        ("**/*.log", "sub/deep/a.log", True),
        ("**/*.log", "a.log", True),  # "**/" also matches zero directories
        ("tests", "tests/unit/test_x.py", True),  # a matched directory takes its contents
        ("tests", "backend/tests/x.py", False),  # a plain name is anchored at the root
        ("**/tests", "backend/tests/x.py", True),
        ("/secret.txt", "secret.txt", True),  # a leading "/" is the context root
        ("./secret.txt", "secret.txt", True),
        ("docs/", "docs/index.md", True),
        ("?.txt", "a.txt", True),
        ("?.txt", "ab.txt", False),
        ("*.py[cod]", "x.pyc", True),
        ("*.py[cod]", "x.py", False),
        ("a.b", "axb", False),  # "." is literal
        ("foo/**", "foo/bar/baz", True),
        ("foo/**", "foobar", False),
        ("**", "anything/at/all", True),
        ("*\n!keep.log", "keep.log", False),  # an exception re-includes
        ("*.log\n!keep.log\nkeep.log", "keep.log", True),  # the last match wins
        ("build\n!build/keep.txt", "build/keep.txt", False),
        ("build\n!build/keep.txt", "build/other.txt", True),
        ("# comment\n\n  spaced.txt  ", "spaced.txt", True),
        ("# comment", "# comment", False),
        ("\ufeffbom.txt", "bom.txt", True),
        (r"\*.txt", "*.txt", True),
        (r"\*.txt", "a.txt", False),
    ],
)
def test_docker_pattern_semantics(patterns: str, path: str, expected: bool) -> None:
    assert ignored(patterns, path) is expected


def test_parse_cleans_patterns() -> None:
    assert parse_dockerignore("/a/../b/\n! /c\n") == [(False, "b"), (True, "c")]
    with pytest.raises(ValueError, match="illegal exclusion"):
        parse_dockerignore("!\n")


@pytest.fixture
def tree(tmp_path: Path, make_tree: Callable[[Path, dict[str, str]], Path]) -> Path:
    return make_tree(
        tmp_path / "app",
        {
            "backend/main.py": "print('hi')\n",
            "backend/__pycache__/main.cpython-313.pyc": "junk",
            "backend/tests/test_main.py": "def test(): pass\n",
            "requirements/production.txt": "fastapi==0.165.0\n",
            ".env": "SECRET=1\n",
            "Dockerfile": "FROM scratch\n",
            ".dockerignore": ".env\n**/__pycache__\n**/tests\nDockerfile\n.dockerignore\n",
        },
    )


def ctx(root: Path, extra: dict | None = None) -> dict:
    return build_context([(str(root), "")], extra)


def test_context_lists_kept_files_with_modes(tree: Path) -> None:
    (tree / "backend/main.py").chmod(0o775)
    result = ctx(tree)
    assert [f["path"] for f in result["files"]] == [
        ".dockerignore",
        "Dockerfile",
        "backend/main.py",
        "requirements/production.txt",
    ]
    modes = {f["path"]: f["mode"] for f in result["files"]}
    assert modes["backend/main.py"] == "0755"
    assert modes["Dockerfile"] == "0644"
    assert result["dirs"] == ["backend", "requirements"]
    assert result["ignored"] == 3
    assert len(result["hash"]) == 64


def test_hash_is_stable_and_ignores_excluded_files(tree: Path) -> None:
    first = ctx(tree)["hash"]
    (tree / "backend/__pycache__/other.pyc").write_text("more junk")
    (tree / ".env").write_text("SECRET=2\n")
    (tree / "backend/tests/test_more.py").write_text("")
    assert ctx(tree)["hash"] == first


@pytest.mark.parametrize(
    "change",
    [
        lambda t: (t / "backend/main.py").write_text("print('changed')\n"),
        lambda t: (t / "backend/extra.py").write_text(""),
        lambda t: (t / "requirements/production.txt").unlink(),
        lambda t: (t / "backend/main.py").chmod(0o755),
        lambda t: (t / "backend/main.py").rename(t / "backend/app.py"),
        lambda t: (t / "Dockerfile").write_text("FROM scratch\nUSER 1000\n"),  # ignored, still sent
        lambda t: (t / "empty").mkdir(),
    ],
)
def test_hash_changes_with_content(tree: Path, change: object) -> None:
    before = ctx(tree)["hash"]
    change(tree)  # type: ignore[operator]
    assert ctx(tree)["hash"] != before


def test_hash_covers_extra_inputs(tree: Path) -> None:
    assert ctx(tree, {"BASE_IMAGE": "a"})["hash"] != ctx(tree, {"BASE_IMAGE": "b"})["hash"]
    assert ctx(tree, {"a": 1, "b": 2})["hash"] == ctx(tree, {"b": 2, "a": 1})["hash"]


def test_umask_does_not_change_the_hash(tree: Path) -> None:
    before = ctx(tree)["hash"]
    (tree / "backend/main.py").chmod(0o664)
    assert ctx(tree)["hash"] == before


def test_later_sources_override_and_merge(tree: Path, tmp_path: Path) -> None:
    other = tmp_path / "Dockerfile.real"
    other.write_text("FROM python\n")
    script = tmp_path / "entrypoint.sh"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    result = build_context(
        [(str(tree), ""), (str(other), "Dockerfile"), (str(script), "scripts/entrypoint.sh")]
    )
    files = {f["path"]: f for f in result["files"]}
    assert files["Dockerfile"]["src"] == str(other)
    assert files["scripts/entrypoint.sh"]["mode"] == "0755"
    assert "scripts" in result["dirs"]


def test_exception_keeps_parent_dirs(
    tmp_path: Path, make_tree: Callable[[Path, dict[str, str]], Path]
) -> None:
    root = make_tree(
        tmp_path / "c",
        {"build/keep.txt": "k", "build/drop.txt": "d", ".dockerignore": "build\n!build/keep.txt\n"},
    )
    result = ctx(root)
    assert [f["path"] for f in result["files"]] == [".dockerignore", "build/keep.txt"]
    assert result["dirs"] == ["build"]


def test_symlinks_are_followed(tree: Path, tmp_path: Path) -> None:
    target = tmp_path / "shared.py"
    target.write_text("X = 1\n")
    (tree / "backend/shared.py").symlink_to(target)
    files = {f["path"]: f for f in ctx(tree)["files"]}
    assert files["backend/shared.py"]["src"] == str(tree / "backend/shared.py")
    before = ctx(tree)["hash"]
    target.write_text("X = 2\n")
    assert ctx(tree)["hash"] != before


def test_missing_source_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ContextError, match="does not exist"):
        build_context([(str(tmp_path / "nope"), "")])


def test_lookup_plugin_on_the_collection_defaults() -> None:
    # Register the documented options as the plugin loader would, so set_options validates.
    lookup = LookupModule(loader=DataLoader())
    lookup._load_name = "evaonline.deploy.build_context"
    options = yaml.safe_load(DOCUMENTATION)["options"]
    C.config.initialize_plugin_configuration_definitions("lookup", lookup._load_name, options)
    sources = [
        {"src": str(REPO / "app"), "dest": "."},
        {"src": str(REPO / "Dockerfile"), "dest": "Dockerfile"},
        {"src": str(REPO / ".dockerignore"), "dest": ".dockerignore"},
        {"src": str(REPO / "scripts/entrypoint.sh"), "dest": "scripts/entrypoint.sh"},
    ]
    (result,) = lookup.run([], {}, sources=sources, extra={"BASE_IMAGE": "python:3.13-slim"})
    paths = [f["path"] for f in result["files"]]
    assert {"Dockerfile", ".dockerignore", "scripts/entrypoint.sh"} <= set(paths)
    assert "requirements/production.txt" in paths
    assert "backend/main.py" in paths
    assert not [p for p in paths if "__pycache__" in p]
    with pytest.raises(AnsibleLookupError, match="inside the context"):
        lookup.run([], {}, sources=[{"src": str(REPO / "Dockerfile"), "dest": "../x"}])


def test_pack_writes_the_context_as_a_tar(tree: Path, tmp_path: Path) -> None:
    (tree / "backend/main.py").chmod(0o755)
    context = ctx(tree)
    dest = tmp_path / "ctx.tar"
    pack(context, str(dest))
    with tarfile.open(dest) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert sorted(members) == sorted(context["dirs"] + [f["path"] for f in context["files"]])
        main = members["backend/main.py"]
        assert (main.mode, main.uid, main.gid, main.mtime) == (0o755, 0, 0, 0)
        assert members["backend"].isdir()
        assert tar.extractfile(main).read() == b"print('hi')\n"
    first = dest.read_bytes()
    pack(context, str(dest))
    assert dest.read_bytes() == first  # byte-for-byte reproducible


def test_a_source_honours_its_own_ignore_files_in_order(tmp_path, make_tree):
    app = make_tree(
        tmp_path / "app",
        {
            rel: rel
            for rel in [
                "backend/main.py",
                "logs/x.log",
                ".env",
                ".env.example",
                "data/seed.csv",
                "keep.log",
            ]
        },
    )
    (app / ".dockerignore").write_text("logs/\ndata\n!.env.example\n!keep.log\n")
    ours = tmp_path / "ours"
    ours.write_text(".env\n.env.*\n**/*.log\n.dockerignore\n")
    result = build_context(
        [(str(app), "app", [str(app / ".dockerignore"), str(ours), str(tmp_path / "nope")])]
    )
    paths = {f["path"] for f in result["files"]}
    # The app's exception re-includes nothing that a later rule (ours) excludes.
    assert paths == {"app/backend/main.py"}
    assert "app/logs" not in result["dirs"]
    assert "app/data" not in result["dirs"]


def test_generated_contents_are_packed_and_hashed(tmp_path):
    one = build_context([], {}, {"build/deps/deps.env": "SHAPE=uv\n"})
    two = build_context([], {}, {"build/deps/deps.env": "SHAPE=requirements\n"})
    assert one["hash"] != two["hash"]
    assert one["dirs"] == ["build", "build/deps"]
    tar = tmp_path / "ctx.tar"
    pack(one, str(tar))
    with tarfile.open(tar) as handle:
        assert handle.extractfile("build/deps/deps.env").read() == b"SHAPE=uv\n"
