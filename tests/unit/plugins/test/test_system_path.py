"""Unit tests for the system_path Jinja test."""

import pytest
from ansible_collections.evaonline.deploy.plugins.test.system_path import system_path


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "//",
        "/etc",
        "/etc/",
        "/usr",
        "/var",
        "/var/lib/docker",
        "/home",
        "/root",
        "/opt",
        "/usr/local",
        "/var/./lib",
        "/etc/../usr",
        "",
        "/var/lib/",
    ],
)
def test_system_directories_and_their_parents(path):
    assert system_path(path)


@pytest.mark.parametrize(
    "path",
    [
        "/opt/evaonline",
        "/var/backups/evaonline",
        "/srv/evaonline/stack",
        "/home/deploy/evaonline",
        "/opt/evaonline/build/context",
        "/data",
    ],
)
def test_directories_below_them_are_fine(path):
    assert not system_path(path)
