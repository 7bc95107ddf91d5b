"""The preflight probe's figures."""

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.evaonline.deploy.plugins.filter.preflight import preflight_figures


def test_memory_disk_and_our_ports():
    lines = [
        "memory 24589476",
        "disk docker 26214400 4096",
        "disk stack 262144 4096",
        "ports 0.0.0.0:80->80/tcp, [::]:80->80/tcp, 0.0.0.0:443->443/tcp",
        "ports ",
    ]
    assert preflight_figures(lines) == {
        "memory_mib": 24013,
        "disk_gib": {"docker": 100.0, "stack": 1.0},
        "our_ports": [80, 443],
    }


def test_a_probe_without_memory_or_with_garbage_is_an_error():
    with pytest.raises(AnsibleFilterError, match="no memory line"):
        preflight_figures(["disk docker 1 4096"])
    with pytest.raises(AnsibleFilterError, match="cannot read 'disk docker x 4096'"):
        preflight_figures(["memory 1024", "disk docker x 4096"])
