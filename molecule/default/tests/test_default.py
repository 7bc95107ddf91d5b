"""End-to-end checks after site.yml (app releases are drilled in the drills scenario)."""

import json
import os
import shlex
import time
from pathlib import Path

# FAO-56 example 18: Brussels, 6 July, about 3.9 mm/day.
ETO_BODY = json.loads(
    (Path(os.environ["MOLECULE_PROJECT_DIRECTORY"]) / "tests/data/fao56_example18.json").read_text()
)
# The test host has python3 but no curl.
HTTP = (
    "import json, sys, urllib.request as u; m, url, body = sys.argv[1:4]; "
    "r = u.urlopen(u.Request(url, data=body.encode() or None, method=m, "
    "headers={'Content-Type': 'application/json'}), timeout=10); print(r.read().decode())"
)


def http(host, method, url, body=""):
    cmd = f"python3 -c {shlex.quote(HTTP)} {method} {shlex.quote(url)} {shlex.quote(body)}"
    return json.loads(host.check_output(cmd))


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
