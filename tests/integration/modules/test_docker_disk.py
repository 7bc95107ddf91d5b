"""docker_disk against the real daemon: its data root measured as `stat -f` does."""

import pytest
from evaonline_itest import docker, needs_docker

pytestmark = needs_docker


@pytest.fixture(scope="module")
def root():
    return docker("info", "-f", "{{.DockerRootDir}}").stdout.strip()


def test_room_enough_passes_and_reports_the_data_root(run, root, stat_free_mib):
    for check in (True, False):
        res = run("docker_disk", {"need_mb": 1, "margin_mb": 1, "purpose": "a test"}, check=check)
        assert not res.failed, res.msg
        assert res["changed"] is False
        assert res["root"] == root
        assert abs(res["free_mb"] - stat_free_mib(root)) <= 64
        assert res["needed_mb"] == 2


def test_short_of_room_fails_naming_the_variable(run, root):
    res = run(
        "docker_disk",
        {"need_mb": 10, "margin_mb": 10**9, "margin_var": "my_margin_mb", "purpose": "a test"},
    )
    assert res.failed
    assert res.msg.startswith(f"the Docker data root {root} has ")
    assert "needs 1000000010 MiB (10 MiB for a test + my_margin_mb=1000000000 MiB)" in res.msg
    assert "adjust my_margin_mb" in res.msg
