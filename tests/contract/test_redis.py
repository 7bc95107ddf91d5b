"""Contract of the redis:7 double: official entrypoint, auth, AOF in /data."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from docker.models.containers import Container

from .support import REDIS, Fixtures, exec_out, wait_for

PASSWORD = "r3dis-pw"
CONF = "/usr/local/etc/redis/redis.conf"


@pytest.fixture(scope="module")
def image(pull_double: Callable[[str], str]) -> str:
    return pull_double(REDIS)


def wait_ping(container: Container, password: str | None = None) -> None:
    env = {"REDISCLI_AUTH": password} if password else {}
    wait_for(
        lambda: exec_out(container, ["redis-cli", "ping"], environment=env)[1].strip() == "PONG",
        30,
        f"{container.name} to answer PING",
    )


@pytest.fixture(scope="module")
def cache(fixtures: Fixtures, image: str, tmp_path_factory: pytest.TempPathFactory) -> Container:
    # The compose form: a read-only config file holding the password, then args.
    conf = tmp_path_factory.mktemp("redis") / "redis.conf"
    conf.write_text(f'requirepass "{PASSWORD}"\n')
    conf.chmod(0o644)
    container = fixtures.start(
        image,
        "redis",
        command=["redis-server", CONF, "--appendonly", "yes"],
        volumes={
            fixtures.volume("redis-data").name: {"bind": "/data", "mode": "rw"},
            str(conf): {"bind": CONF, "mode": "ro"},
        },
    )
    wait_ping(container, PASSWORD)
    return container


def cli(fixtures: Fixtures, image: str, host: str, *args: str, password: str = "") -> str:
    env = {"REDISCLI_AUTH": password} if password else {}
    code, out = fixtures.run_once(image, ["redis-cli", "-h", host, *args], environment=env)
    assert code == 0, out
    return out.strip()


def test_auth_required_over_network(fixtures: Fixtures, image: str, cache: Container) -> None:
    assert cli(fixtures, image, cache.name, "get", "anything").startswith("NOAUTH")
    assert "WRONGPASS" in cli(fixtures, image, cache.name, "ping", password="wrong")
    assert cli(fixtures, image, cache.name, "ping", password=PASSWORD) == "PONG"


def test_password_stays_off_the_command_line(cache: Container) -> None:
    cache.reload()
    assert PASSWORD not in " ".join(cache.attrs["Config"]["Cmd"])
    code, out = exec_out(cache, ["sh", "-c", "tr '\\0' ' ' < /proc/1/cmdline"])
    assert code == 0 and PASSWORD not in out


def test_runs_as_redis(cache: Container) -> None:
    code, out = exec_out(cache, ["sh", "-c", "cat /proc/1/comm; stat -c %U /proc/1"])
    assert code == 0, out
    assert out.split() == ["redis-server", "redis"]


def test_aof_in_data_survives_restart(fixtures: Fixtures, image: str, cache: Container) -> None:
    assert cli(fixtures, image, cache.name, "set", "k", "kept", password=PASSWORD) == "OK"
    cache.restart(timeout=20)
    wait_ping(cache, PASSWORD)
    assert cli(fixtures, image, cache.name, "get", "k", password=PASSWORD) == "kept"
    # Redis 7 keeps the multi-part AOF in /data/appendonlydir.
    code, out = exec_out(cache, ["sh", "-c", "stat -c '%U %n' /data/appendonlydir/*"])
    assert code == 0, out
    assert "redis /data/appendonlydir/appendonly.aof.manifest" in out


def test_no_password_reachable_like_official(fixtures: Fixtures, image: str) -> None:
    # Official default is protected-mode off, so other containers may connect
    # without a password; Debian's binary alone would answer DENIED.
    open_cache = fixtures.start(image, "redis-open", command=["--save", ""])
    wait_ping(open_cache)
    assert cli(fixtures, image, open_cache.name, "ping") == "PONG"
    fixtures.remove(open_cache)
