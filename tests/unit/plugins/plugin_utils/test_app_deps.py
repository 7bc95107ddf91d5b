"""Unit tests for plugin_utils/app_deps.py: shape detection and requirements includes."""

import pytest
from ansible_collections.evaonline.deploy.plugins.plugin_utils.app_deps import (
    GENERATED,
    DepsError,
    resolve,
)


@pytest.mark.parametrize(
    ("files", "shape", "entries"),
    [
        ({"requirements.txt": "six\n"}, "requirements", ["requirements.txt"]),
        ({"requirements/production.txt": "six\n"}, "requirements", ["requirements/production.txt"]),
        (
            {"pyproject.toml": "[project]\ndependencies=[]\n", "uv.lock": ""},
            "uv",
            ["pyproject.toml", "uv.lock"],
        ),
        ({"pyproject.toml": '[project]\ndependencies=["six"]\n'}, "pyproject", [GENERATED]),
        # A root requirements.txt wins over a lock file beside it.
        (
            {"requirements.txt": "six\n", "pyproject.toml": "", "uv.lock": ""},
            "requirements",
            ["requirements.txt"],
        ),
    ],
)
def test_auto_detects_the_first_shape_present(tmp_path, make_tree, files, shape, entries):
    deps = resolve(str(make_tree(tmp_path, files)))
    assert (deps.shape, deps.entries, deps.detected) == (shape, entries, True)
    assert "(auto-detected)" in deps.summary()


def test_no_dependency_file_names_the_variables(tmp_path):
    with pytest.raises(DepsError, match="runtime_image_dependencies: no dependency file found"):
        resolve(str(tmp_path))


def test_includes_are_followed_relative_to_the_including_file(tmp_path, make_tree):
    make_tree(
        tmp_path,
        {
            "requirements.txt": "-r requirements/base.txt\nalembic==1.0  # pinned\n",
            "requirements/base.txt": "-c ../constraints.txt\n--requirement=extra.txt\nsix\n",
            "requirements/extra.txt": "-rmore.txt\n",
            "requirements/more.txt": "-r base.txt\n",  # a cycle ends, never loops
            "constraints.txt": "six==1.17.0\n",
        },
    )
    deps = resolve(str(tmp_path))
    assert deps.files == [
        "requirements.txt",
        "requirements/base.txt",
        "constraints.txt",
        "requirements/extra.txt",
        "requirements/more.txt",
    ]
    assert deps.summary() == (
        "dependencies: requirements from requirements.txt (includes: constraints.txt, "
        "requirements/base.txt, requirements/extra.txt, requirements/more.txt), "
        "installed with pip (auto-detected)"
    )


def test_continued_lines_and_comments_are_read_as_pip_does(tmp_path, make_tree):
    make_tree(
        tmp_path,
        {"r.txt": "# -r nothing.txt\nsix \\\n  --hash=sha256:00\n-r \\\n  b.txt\n", "b.txt": ""},
    )
    assert resolve(str(tmp_path), "requirements", ["r.txt"]).files == ["r.txt", "b.txt"]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("-r ../outside.txt\n", "lies outside the app source"),
        ("-r missing.txt\n", "missing.txt is not a file"),
        ("-e .\n", "line 1 installs local code"),
        ("six\n./libs/mine\n", "line 2 installs local code"),
    ],
)
def test_bad_requirements_are_refused_with_the_variable(tmp_path, make_tree, text, match):
    (tmp_path / "app").mkdir()
    make_tree(tmp_path / "app", {"requirements.txt": text})
    (tmp_path / "outside.txt").write_text("")
    with pytest.raises(DepsError, match=f"runtime_image_requirements.*{match}"):
        resolve(str(tmp_path / "app"))


def test_explicit_files_imply_requirements(tmp_path, make_tree):
    make_tree(tmp_path, {"reqs/prod.txt": "six\n", "pyproject.toml": ""})
    deps = resolve(str(tmp_path), "auto", ["reqs/prod.txt"])
    assert (deps.shape, deps.files) == ("requirements", ["reqs/prod.txt"])


def test_pyproject_dependencies_become_a_generated_requirements_file(tmp_path, make_tree):
    make_tree(
        tmp_path,
        {"pyproject.toml": '[project]\nname="x"\ndependencies=["six==1.17.0", "idna>=3"]\n'},
    )
    deps = resolve(str(tmp_path), "pyproject", installer="uv")
    assert deps.generated[GENERATED].splitlines()[1:] == ["six==1.17.0", "idna>=3"]
    assert deps.files == []
    assert "INSTALLER=uv" in deps.manifest()


@pytest.mark.parametrize(
    ("files", "shape", "match"),
    [
        ({"pyproject.toml": "[tool.x]\n"}, "pyproject", r"no \[project\].dependencies"),
        ({"pyproject.toml": "[project\n"}, "pyproject", "not valid TOML"),
        ({"pyproject.toml": ""}, "uv", "has no uv.lock"),
        ({"requirements.txt": ""}, "poetry", "runtime_image_dependencies must be auto or one of"),
    ],
)
def test_bad_shapes_are_refused(tmp_path, make_tree, files, shape, match):
    with pytest.raises(DepsError, match=match):
        resolve(str(make_tree(tmp_path, files)), shape)


def test_unknown_installer_is_refused(tmp_path, make_tree):
    make_tree(tmp_path, {"requirements.txt": ""})
    with pytest.raises(DepsError, match="runtime_image_installer must be one of pip, uv"):
        resolve(str(tmp_path), installer="conda")


def test_uv_shape_always_uses_uv(tmp_path, make_tree):
    make_tree(tmp_path, {"pyproject.toml": "", "uv.lock": ""})
    assert resolve(str(tmp_path), "uv", installer="pip").installer == "uv"
