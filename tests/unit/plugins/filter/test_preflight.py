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
        "listening": [],
    }


def test_listening_ports_from_the_kernel_socket_tables():
    # /proc/net/tcp and tcp6 rows in state 0A: 127.0.0.1:8080, 0.0.0.0:22 and [::]:80 (twice).
    lines = [
        "memory 1024",
        "listen 0100007F:1F90",
        "listen 00000000:0016",
        "listen 00000000000000000000000000000000:0050",
        "listen 00000000000000000000000001000000:0050",
    ]
    assert preflight_figures(lines)["listening"] == [22, 80, 8080]


def test_a_probe_without_memory_or_with_garbage_is_an_error():
    with pytest.raises(AnsibleFilterError, match="no memory line"):
        preflight_figures(["disk docker 1 4096"])
    with pytest.raises(AnsibleFilterError, match="cannot read 'disk docker x 4096'"):
        preflight_figures(["memory 1024", "disk docker x 4096"])
    with pytest.raises(AnsibleFilterError, match="cannot read 'listen 0100007F'"):
        preflight_figures(["memory 1024", "listen 0100007F"])
