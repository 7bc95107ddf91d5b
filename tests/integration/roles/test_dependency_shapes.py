"""Every dependency shape builds the runtime image for real, and a code change keeps its layer.

The context is assembled by the same code the runtime_image role runs (the app_dependencies
and build_context lookups' functions), then built with buildx on the test machine's daemon
from the python double, with the machine's CA bundle as the `ca` secret.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
import uuid
from pathlib import Path

import pytest
from ansible_collections.evaonline.deploy.plugins.plugin_utils.app_deps import resolve
from ansible_collections.evaonline.deploy.plugins.plugin_utils.build_context import (
    build_context,
    pack,
)

TOP = Path(__file__).resolve().parents[3]
SHAPES = TOP / "tests/fixtures/shapes"
BASE = "evaonline-test/python:3.13-slim"
CA = "/etc/ssl/certs/ca-certificates.crt"
CASES = {  # fixture dir -> (installer, expected shape, text the build log must show)
    "production_txt": (
        "pip",
        "requirements",
        "from requirements/production.txt (includes: requirements/base.txt)",
    ),
    "pyproject": ("pip", "pyproject", "from requirements.pyproject.txt"),
    "uvlock": ("uv", "uv", "from pyproject.toml, uv.lock, installed with uv"),
    "production_txt-uv": ("uv", "requirements", "installed with uv"),
}


def assemble(app: Path, installer: str, out: Path) -> str:
    deps = resolve(str(app), "auto", [], installer)
    sources = [
        (str(app), "app", [str(app / ".dockerignore"), str(TOP / ".dockerignore")]),
        (str(TOP / "Dockerfile"), "Dockerfile"),
        (str(TOP / "scripts/entrypoint.sh"), "build/entrypoint.sh"),
        (str(TOP / "scripts/install-deps.sh"), "build/install-deps.sh"),
        *[(str(app / f), f"build/deps/{f}") for f in deps.files],
    ]
    contents = {f"build/deps/{p}": text for p, text in deps.generated.items()}
    contents["build/deps/deps.env"] = deps.manifest()
    tar = out.with_suffix(".tar")
    pack(build_context(sources, {}, contents), str(tar))
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    with tarfile.open(tar) as handle:
        handle.extractall(out, filter="data")
    return deps.summary()


def build(context: Path, tag: str, summary: str, *flags: str) -> str:
    proc = subprocess.run(
        [
            "docker",
            "buildx",
            "build",
            *flags,
            "--progress=plain",
            "--load",
            "-t",
            tag,
            "--build-arg",
            f"BASE_IMAGE={BASE}",
            "--build-arg",
            f"DEPENDENCIES={summary}",
            "--secret",
            f"id=ca,src={CA}",
            str(context),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stderr


def cached_steps(log: str) -> set[str]:
    titles = dict(re.findall(r"^#(\d+) (\[.*)$", log, re.M))
    return {titles.get(n, n) for n in re.findall(r"^#(\d+) CACHED$", log, re.M)}


@pytest.fixture(scope="module")
def tags():
    made: list[str] = []
    yield made
    if made:
        subprocess.run(["docker", "image", "rm", "-f", *made], capture_output=True)


@pytest.mark.parametrize("case", sorted(CASES))
def test_shape_builds_and_a_code_change_keeps_the_dependency_layer(case, tmp_path, tags):
    installer, shape, shown = CASES[case]
    app = tmp_path / "app"
    shutil.copytree(SHAPES / case.removesuffix("-uv"), app)
    tag = f"evaonline-itest-shape-{uuid.uuid4().hex[:8]}"
    tags.extend([f"{tag}:1", f"{tag}:2"])

    summary = assemble(app, installer, tmp_path / "ctx1")
    assert f"dependencies: {shape} " in summary
    # Cold, so the install step really runs (and prints what it installs).
    log = build(tmp_path / "ctx1", f"{tag}:1", summary, "--no-cache")
    assert shown in log
    out = subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "--entrypoint",
            "python3",
            f"{tag}:1",
            "-c",
            "import backend; print(backend.SIX)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out == "1.17.0"

    # A change unique to this run, so no earlier run's cache holds it.
    init = app / "backend/__init__.py"
    init.write_text(init.read_text() + f'RELEASE = "{uuid.uuid4().hex}"\n')
    summary = assemble(app, installer, tmp_path / "ctx2")
    log = build(tmp_path / "ctx2", f"{tag}:2", summary)
    cached = cached_steps(log)
    assert any("install-deps /deps" in step for step in cached), cached
    assert not any("COPY app/" in step for step in cached), cached
