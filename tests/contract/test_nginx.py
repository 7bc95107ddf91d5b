"""Contract of the nginx:1 double: official layout, conf.d, reverse proxy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from docker.models.containers import Container

from .support import NGINX, PYTHON, Fixtures, exec_out, ip_on, wait_for

# A conf.d like the stack's: reverse proxy to an upstream found by DNS on the network.
PROXY_CONF = """\
server {{
    listen 80;
    location /api/ {{
        proxy_pass http://{upstream}:8000/;
        proxy_set_header Host $host;
    }}
    location /healthz {{ return 200 "ok\\n"; }}
}}
"""


@pytest.fixture(scope="module")
def image(pull_double: Callable[[str], str]) -> str:
    return pull_double(NGINX)


@pytest.fixture(scope="module")
def upstream(fixtures: Fixtures, pull_double: Callable[[str], str]) -> Container:
    serve = "mkdir -p /srv && echo upstream-marker >/srv/hello.txt && cd /srv && "
    container = fixtures.start(
        pull_double(PYTHON),
        "upstream",
        command=["sh", "-c", serve + "exec python3 -u -m http.server 8000"],
    )
    wait_for(lambda: "Serving HTTP" in container.logs().decode(), 30, "the upstream http.server")
    return container


def conf_dir(tmp_path: Path, text: str) -> dict[str, dict[str, str]]:
    d = tmp_path / "conf.d"
    d.mkdir()
    (d / "app.conf").write_text(text)
    d.chmod(0o755)
    return {str(d): {"bind": "/etc/nginx/conf.d", "mode": "ro"}}


def get(url: str) -> requests.Response | None:
    try:
        return requests.get(url, timeout=5)
    except requests.ConnectionError:
        return None


def test_default_site_on_80(fixtures: Fixtures, image: str) -> None:
    web = fixtures.start(image, "nginx-default")
    resp = wait_for(lambda: get(f"http://{ip_on(web, fixtures.network)}/"), 20, "nginx on :80")
    assert resp.status_code == 200
    assert "Welcome to nginx" in resp.text
    # access.log is a symlink to stdout: requests show up in the container log.
    assert wait_for(lambda: '"GET / HTTP/1.1" 200' in web.logs().decode(), 5, "access log line")
    assert web.attrs["Config"]["StopSignal"] == "SIGQUIT"
    web.stop(timeout=10)
    web.reload()
    assert web.attrs["State"]["ExitCode"] == 0
    fixtures.remove(web)


def test_proxies_to_upstream(
    fixtures: Fixtures, image: str, upstream: Container, tmp_path: Path
) -> None:
    web = fixtures.start(
        image, "nginx-proxy", volumes=conf_dir(tmp_path, PROXY_CONF.format(upstream=upstream.name))
    )
    code, out = exec_out(web, ["nginx", "-t"])
    assert code == 0, out
    assert "test is successful" in out
    base = f"http://{ip_on(web, fixtures.network)}"
    wait_for(lambda: get(f"{base}/healthz"), 20, "nginx with the sample conf.d")
    resp = requests.get(f"{base}/api/hello.txt", timeout=5)
    assert resp.status_code == 200
    assert resp.text.strip() == "upstream-marker"


def test_broken_conf_is_rejected(fixtures: Fixtures, image: str, tmp_path: Path) -> None:
    # nginx -t must really read conf.d: an unknown directive fails the check.
    code, out = fixtures.run_once(
        image,
        ["nginx", "-t"],
        volumes=conf_dir(tmp_path, "server { listen 80; bogus_directive on; }\n"),
    )
    assert code != 0
    assert 'unknown directive "bogus_directive"' in out
