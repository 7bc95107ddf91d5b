"""Testinfra checks after the preflight converge."""

import json


def test_report_has_measured_figures(host):
    report = json.loads(host.file("/root/preflight-report.json").content_string)
    assert report["os"].startswith("Debian 13")
    assert int(report["memory_mib"]) >= 512
    assert float(report["docker_disk_gib"]) > 1
    assert float(report["stack_disk_gib"]) > 0
    assert report["busy_ports"] == []


def test_preflight_changed_nothing(host):
    # Preflight only measures: it must not create the paths it checks.
    assert not host.file("/opt/evaonline").exists
    assert not host.file("/var/lib/docker/containers").exists
