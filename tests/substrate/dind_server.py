"""Start or remove a Docker-in-Docker "server" container for demos and benchmarks.

The container is the same as a Molecule test host: its settings are read from
the shared Molecule base config (.config/molecule/config.yml), so the long DinD
platform lives in one place.

    python tests/substrate/dind_server.py up evaonline-demo --publish 127.0.0.1:8080:80
    python tests/substrate/dind_server.py down evaonline-demo
"""

from __future__ import annotations

import argparse
import io
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

import docker
import yaml
from docker.models.containers import Container

TOP = Path(__file__).resolve().parents[2]
BASE_CONFIG = TOP / ".config" / "molecule" / "config.yml"
LABELS = {"org.evaonline.test": "fixture"}
# pip inside image builds on the server must trust what this machine trusts.
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


def platform() -> dict[str, Any]:
    return yaml.safe_load(BASE_CONFIG.read_text())["platforms"][0]


def run_kwargs(name: str, publish: list[str]) -> dict[str, Any]:
    spec = platform()
    binds = {}
    anon = []
    for vol in spec["volumes"]:
        parts = vol.split(":")
        if len(parts) == 1:
            anon.append(parts[0])
        elif "MOLECULE_" not in parts[0]:  # the Molecule-only image drop is not needed here
            binds[parts[0]] = {"bind": parts[1], "mode": parts[2] if len(parts) > 2 else "rw"}
    ports: dict[str, tuple[str, int]] = {}
    for item in publish:
        host_ip, host_port, port = item.split(":")
        ports[f"{port}/tcp"] = (host_ip, int(host_port))
    return {
        "image": spec["image"],
        "name": name,
        "hostname": name,
        "command": spec["command"],
        "detach": True,
        "cgroupns": spec["cgroupns_mode"],
        "cap_add": spec["capabilities"],
        "security_opt": spec["security_opts"],
        "volumes": binds,
        "tmpfs": dict.fromkeys(spec["tmpfs"], ""),
        "network": spec["networks"][0]["name"],
        "ports": ports,
        "labels": LABELS,
        # Anonymous volumes (/var/lib/docker) go through the mounts API.
        "mounts": [docker.types.Mount(target=t, source=None, type="volume") for t in anon],
    }


def wait_for_systemd(container: Container, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, out = container.exec_run(["systemctl", "is-system-running"])
        if out.decode().strip() in {"running", "degraded"}:
            return
        time.sleep(1)
    sys.exit(f"{container.name}: systemd did not finish booting within {timeout:.0f} s")


def copy_ca_bundle(container: Container) -> None:
    data = CA_BUNDLE.read_bytes()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("ca-certificates.crt")
        info.size, info.mode = len(data), 0o644
        tar.addfile(info, io.BytesIO(data))
    container.put_archive("/root", buf.getvalue())


def up(name: str, publish: list[str]) -> None:
    client = docker.from_env()
    down(name)
    container = client.containers.run(**run_kwargs(name, publish))
    wait_for_systemd(container)
    # Without --privileged /proc/sys is read-only; the inner dockerd must write net sysctls.
    code, out = container.exec_run(["mount", "-o", "remount,rw", "/proc/sys"])
    if code != 0:
        sys.exit(f"{name}: remounting /proc/sys failed: {out.decode()}")
    copy_ca_bundle(container)
    print(f"{name}: up ({', '.join(publish) or 'no published ports'})")


def down(name: str) -> None:
    client = docker.from_env()
    try:
        client.containers.get(name).remove(force=True, v=True)
    except docker.errors.NotFound:
        return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["up", "down"])
    parser.add_argument("name")
    parser.add_argument("--publish", action="append", default=[], help="HOSTIP:HOSTPORT:PORT")
    args = parser.parse_args()
    if args.action == "up":
        up(args.name, args.publish)
    else:
        down(args.name)


if __name__ == "__main__":
    main()
