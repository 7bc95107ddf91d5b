"""End-to-end checks after site.yml and one app release with deploy.yml."""

import json
import os
import shlex
import time
from pathlib import Path

APP_SERVICES = {"api", "worker", "beat", "flower"}
PROJECT = "com.docker.compose.project=evaonline"
ETO_BODY = {  # FAO-56 example 18: Brussels, 6 July, about 3.9 mm/day
    "date": "2025-07-06",
    "latitude": 50.8,
    "elevation": 100,
    "tmax": 21.5,
    "tmin": 12.3,
    "rh_max": 84,
    "rh_min": 63,
    "wind_speed_2m": 2.078,
    "sunshine_hours": 9.25,
}
# The test host has python3 but no curl.
HTTP = (
    "import json, sys, urllib.request as u; m, url, body = sys.argv[1:4]; "
    "r = u.urlopen(u.Request(url, data=body.encode() or None, method=m, "
    "headers={'Content-Type': 'application/json'}), timeout=10); print(r.read().decode())"
)


def http(host, method, url, body=""):
    cmd = f"python3 -c {shlex.quote(HTTP)} {method} {shlex.quote(url)} {shlex.quote(body)}"
    return json.loads(host.check_output(cmd))


def containers(host, path):
    lines = host.file(path).content_string.splitlines()
    return dict(line.split() for line in lines if line.strip())


def test_release_recreated_only_the_app_containers(host):
    before = containers(host, "/root/containers-before-release.txt")
    after = containers(host, "/root/containers-after-release.txt")
    assert before.keys() == after.keys()
    recreated = {name for name in before if before[name] != after[name]}
    assert recreated == APP_SERVICES


def test_release_runs_the_changed_app(host):
    image = host.check_output(
        f"docker ps --filter label={PROJECT} --filter label=com.docker.compose.service=api "
        "--format '{{.Image}}'"
    )
    assert image.startswith("evaonline-runtime:")
    out = host.check_output(
        f"docker run --rm --entrypoint python3 {image} -c 'import backend; print(backend.RELEASE)'"
    )
    assert out.strip() == "v2"


def test_eto_request_through_nginx(host):
    accepted = http(host, "POST", "http://127.0.0.1/api/v1/eto", json.dumps(ETO_BODY))
    for _ in range(60):
        result = http(host, "GET", f"http://127.0.0.1/api/v1/eto/{accepted['id']}")
        if result["status"] != "pending":
            break
        time.sleep(1)
    assert result["status"] == "done"
    assert abs(result["eto_mm_day"] - 3.9) < 0.1


def test_verify_report_written_on_the_controller():
    reports = list((Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "reports").glob("*.json"))
    assert reports
    report = json.loads(reports[0].read_text())
    assert report["healthy"] is True
    assert report["images_ok"] is True
