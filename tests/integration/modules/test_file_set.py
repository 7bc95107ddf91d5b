"""file_set through its action plugin, on this machine: writes, reruns, drift, validation
by a real `docker compose config`, check mode, and secrets kept out of the result."""

import json
import os
import pwd

import pytest
from evaonline_itest import needs_docker

ME = pwd.getpwuid(os.getuid()).pw_name
COMPOSE = "services:\n  web:\n    image: nginx:1\n"
SECRET = "file-set-itest-secret-0123456789"


def spec(root, **more):
    dirs = [
        {"path": str(root), "mode": "0750", "owner": ME, "group": ME},
        {"path": str(root / "conf"), "mode": "0755", "owner": ME, "group": ME},
    ]
    files = [
        {
            "dest": str(root / "conf/site.conf"),
            "content": "listen 80;\n",
            "mode": "0644",
            "owner": ME,
            "group": ME,
        },
        {
            "dest": str(root / ".env"),
            "content": f"KEY={SECRET}\n",
            "mode": "0600",
            "owner": ME,
            "group": ME,
            "secret": True,
        },
        {
            "dest": str(root / "compose.yaml"),
            "content": more.pop("compose", COMPOSE),
            "mode": "0644",
            "owner": ME,
            "group": ME,
            "validate": "docker compose -f %s config --quiet",
        },
    ]
    return {"dirs": dirs, "files": files, **more}


@needs_docker
def test_writes_once_then_repairs_only_the_drift(run, tmp_path):
    root = tmp_path / "stack"
    first = run("file_set", spec(root))
    assert not first.failed, first.msg
    assert first["changed"] is True and len(first["changed_files"]) == 3
    assert (root / ".env").read_text() == f"KEY={SECRET}\n"
    assert oct((root / ".env").stat().st_mode & 0o777) == "0o600"
    assert oct(root.stat().st_mode & 0o777) == "0o750"
    again = run("file_set", spec(root))
    assert not again.failed and again["changed"] is False, again.result

    (root / "conf/site.conf").chmod(0o600)
    (root / ".env").write_text("KEY=drifted\n")
    checked = run("file_set", spec(root), check=True)
    assert checked["changed"] is True
    assert (root / ".env").read_text() == "KEY=drifted\n"  # check mode writes nothing
    fixed = run("file_set", spec(root))
    assert sorted(fixed["changed_files"]) == [str(root / ".env"), str(root / "conf/site.conf")]
    assert fixed["changed_dirs"] == []
    assert oct((root / "conf/site.conf").stat().st_mode & 0o777) == "0o644"
    assert SECRET not in json.dumps(fixed.result)


@needs_docker
def test_a_file_that_fails_validation_never_goes_live(run, tmp_path):
    root = tmp_path / "stack"
    assert not run("file_set", spec(root)).failed
    bad = run("file_set", spec(root, compose="services:\n  web:\n    image: [\n"))
    assert bad.failed
    assert bad.msg.startswith(f"failed to validate {root / 'compose.yaml'}: ")
    assert (root / "compose.yaml").read_text() == COMPOSE
    assert sorted(p.name for p in root.iterdir()) == [".env", "compose.yaml", "conf"]


@pytest.mark.parametrize(
    ("entry", "msg"),
    [
        ({"content": "x", "template": "t.j2"}, "needs exactly one of content, template and src"),
        ({}, "needs exactly one of content, template and src"),
    ],
)
def test_each_file_needs_one_source(run, tmp_path, entry, msg):
    res = run("file_set", {"files": [{"dest": str(tmp_path / "f"), "mode": "0644", **entry}]})
    assert res.failed
    assert msg in res.msg
