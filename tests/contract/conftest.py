"""Shared fixtures for the contract tests of the test doubles.

The doubles (tests/substrate/doubles/) are pulled from the local test registry
and run against the real daemon the way a Compose stack runs them: env vars,
named volumes, one user-defined network. Everything created here carries the
label org.evaonline.test=fixture, is removed in teardown, and is swept by
`tests/substrate/substrate.sh clean` if a run is killed.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator

import docker
import pytest
from docker.errors import APIError, ImageNotFound, NotFound
from docker.models.networks import Network

from .support import LABELS, REGISTRY, Fixtures


@pytest.fixture(scope="session")
def docker_client() -> Iterator[docker.DockerClient]:
    client = docker.from_env(timeout=180)
    client.ping()
    yield client
    client.close()


@pytest.fixture(scope="session")
def pull_double(docker_client: docker.DockerClient) -> Iterator[Callable[[str], str]]:
    """Pull a double from the test registry and return the registry ref to run.

    The registry-named tag is dropped first so the pull path really runs; the
    plain evaonline-test/... tag is the substrate's build cache and stays.
    """
    pulled: dict[str, str] = {}

    def _untag(reg_ref: str) -> None:
        # noprune: only the tag goes, the layers shared with the build cache stay.
        with contextlib.suppress(ImageNotFound):
            docker_client.images.remove(reg_ref, noprune=True)

    def pull(ref: str) -> str:
        if ref not in pulled:
            reg_ref = f"{REGISTRY}/{ref}"
            _untag(reg_ref)
            repo, tag = reg_ref.rsplit(":", 1)
            image = docker_client.images.pull(repo, tag=tag)
            assert reg_ref in image.tags
            pulled[ref] = reg_ref
        return pulled[ref]

    yield pull
    # Leave the local store as substrate.sh push does: no registry-named copies.
    for reg_ref in pulled.values():
        with contextlib.suppress(APIError):
            _untag(reg_ref)


@pytest.fixture(scope="module")
def network(docker_client: docker.DockerClient) -> Iterator[Network]:
    """A user-defined bridge network like the one Compose creates per project."""
    net = docker_client.networks.create(
        f"evaonline-ct-{uuid.uuid4().hex[:8]}", driver="bridge", labels=LABELS
    )
    yield net
    try:
        net.reload()
        for container in net.containers:
            net.disconnect(container, force=True)
        net.remove()
    except NotFound:
        pass


@pytest.fixture(scope="module")
def fixtures(docker_client: docker.DockerClient, network: Network) -> Iterator[Fixtures]:
    fx = Fixtures(docker_client, network)
    yield fx
    fx.cleanup()
