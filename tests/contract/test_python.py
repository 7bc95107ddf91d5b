"""Contract of the python:3.13-slim double: a multi-stage venv build works on it."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable, Iterator

import docker
import pytest

from .support import LABELS, PYTHON, Fixtures

CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
# The shape of the app's runtime Dockerfile: build a venv, copy it into a clean
# stage of the same base. It must work unchanged on the official image too.
DOCKERFILE = """\
ARG BASE
FROM ${BASE} AS build
RUN python3 -m venv /opt/venv
RUN --mount=type=secret,id=ca \\
    /opt/venv/bin/pip install --no-cache-dir --cert /run/secrets/ca six==1.16.0

FROM ${BASE}
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
CMD ["python", "-c", "import six, sys; print(six.__version__, sys.prefix)"]
"""


@pytest.fixture(scope="module")
def app_image(
    pull_double: Callable[[str], str],
    docker_client: docker.DockerClient,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    base = pull_double(PYTHON)
    context = tmp_path_factory.mktemp("python-app")
    (context / "Dockerfile").write_text(DOCKERFILE)
    tag = f"evaonline-test/contract-python-app:{uuid.uuid4().hex[:8]}"
    # buildx is the only CLI call: the SDK's build() has no BuildKit secrets.
    # fmt: off
    cmd = [
        "docker", "buildx", "build", "--load", "--progress=plain",
        "--build-arg", f"BASE={base}",
        "--secret", f"id=ca,src={CA_BUNDLE}",
        *[f"--label={key}={value}" for key, value in LABELS.items()],
        "-t", tag, str(context),
    ]
    # fmt: on
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    yield tag
    docker_client.images.remove(tag, force=True)


def test_venv_app_runs(fixtures: Fixtures, app_image: str) -> None:
    code, out = fixtures.run_once(app_image, [])
    assert code == 0, out
    assert out.split() == ["1.16.0", "/opt/venv"]


def test_official_like_environment(fixtures: Fixtures, pull_double: Callable[[str], str]) -> None:
    script = "import os, sys; print(os.environ['LANG'], sys.version_info[:2] == (3, 13))"
    code, out = fixtures.run_once(pull_double(PYTHON), ["python", "-c", script])
    assert code == 0, out
    assert out.split() == ["C.UTF-8", "True"]
    image = fixtures.client.images.get(pull_double(PYTHON))
    assert image.labels["org.evaonline.test.double"] == "python:3.13-slim"
