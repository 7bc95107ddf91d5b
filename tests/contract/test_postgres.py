"""Contract of the postgres:15 double: the official entrypoint's behaviour."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from docker.models.containers import Container

from .support import PG_DB, PG_PASSWORD, PG_USER, POSTGRES, Fixtures, exec_out, psql, wait_for

USER, PASSWORD, DB = PG_USER, PG_PASSWORD, PG_DB
# Runs on first init only; the row count proves it never runs a second time.
INIT_SQL = """\
CREATE TABLE seed (id serial PRIMARY KEY, note text);
INSERT INTO seed (note) VALUES ('init');
"""


@pytest.fixture(scope="module")
def image(pull_double: Callable[[str], str]) -> str:
    return pull_double(POSTGRES)


@pytest.fixture(scope="module")
def initdb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("initdb")
    (d / "10-seed.sql").write_text(INIT_SQL)
    d.chmod(0o755)
    (d / "10-seed.sql").chmod(0o644)
    return d


def start_db(
    fixtures: Fixtures, image: str, volume: str, initdb_dir: Path, **env: str
) -> Container:
    container = fixtures.start(
        image,
        "postgres",
        environment={
            "POSTGRES_USER": USER,
            "POSTGRES_PASSWORD": PASSWORD,
            "POSTGRES_DB": DB,
            **env,
        },
        volumes={
            volume: {"bind": "/var/lib/postgresql/data", "mode": "rw"},
            str(initdb_dir): {"bind": "/docker-entrypoint-initdb.d", "mode": "ro"},
        },
    )
    # TCP on loopback: the entrypoint's temporary init server listens on the socket only,
    # so this answers only once the real server is up.
    wait_for(
        lambda: exec_out(container, ["pg_isready", "-h", "127.0.0.1", "-U", USER])[0] == 0,
        60,
        "postgres to accept TCP connections",
    )
    return container


def assert_clean_shutdown(container: Container) -> None:
    assert container.wait(timeout=30)["StatusCode"] == 0
    logs = container.logs().decode()
    assert logs.rstrip().endswith("database system is shut down"), logs[-2000:]


@pytest.fixture(scope="module")
def db(fixtures: Fixtures, image: str, initdb_dir: Path) -> Container:
    return start_db(fixtures, image, fixtures.volume("pgdata").name, initdb_dir)


def test_refuses_to_init_without_password(fixtures: Fixtures, image: str) -> None:
    container = fixtures.start(image, "pg-nopw")
    assert container.wait(timeout=60)["StatusCode"] == 1
    assert "superuser password is not specified" in container.logs().decode()
    fixtures.remove(container)


def test_user_and_database_from_env(fixtures: Fixtures, image: str, db: Container) -> None:
    code, out = psql(fixtures, image, db.name, "SELECT current_user || '@' || current_database()")
    assert code == 0, out
    assert out.strip() == f"{USER}@{DB}"


def test_wrong_password_refused_over_tcp(fixtures: Fixtures, image: str, db: Container) -> None:
    code, out = psql(fixtures, image, db.name, "SELECT 1", password="wrong")
    assert code != 0
    assert f'password authentication failed for user "{USER}"' in out


def test_pg_isready_across_network(fixtures: Fixtures, image: str, db: Container) -> None:
    code, out = fixtures.run_once(image, ["pg_isready", "-h", db.name, "-p", "5432"])
    assert code == 0, out
    assert "accepting connections" in out


def test_client_tools_on_path(db: Container) -> None:
    for tool in ("psql", "pg_dump", "pg_restore", "pg_isready"):
        code, out = exec_out(db, ["sh", "-c", f"command -v {tool}"])
        assert code == 0, f"{tool} not on PATH: {out}"
    code, out = exec_out(db, ["pg_dump", "-U", USER, "-d", DB, "-t", "seed", "--data-only"])
    assert code == 0, out
    assert "init" in out


def test_server_is_pid1_as_postgres(db: Container) -> None:
    # PID 1 must be postgres itself (exec'd) so docker stop's signal reaches it.
    code, out = exec_out(db, ["sh", "-c", "cat /proc/1/comm; stat -c %U /proc/1"])
    assert code == 0, out
    assert out.split() == ["postgres", "postgres"]
    assert db.attrs["Config"]["StopSignal"] == "SIGINT"


def test_data_and_init_across_recreate(fixtures: Fixtures, image: str, initdb_dir: Path) -> None:
    volume = fixtures.volume("pgdata-recreate").name
    first = start_db(fixtures, image, volume, initdb_dir)
    assert "running /docker-entrypoint-initdb.d/10-seed.sql" in first.logs().decode()
    code, out = psql(fixtures, image, first.name, "INSERT INTO seed (note) VALUES ('kept')")
    assert code == 0, out

    # SIGTERM (smart shutdown) must reach postgres as PID 1 and end it cleanly.
    first.kill(signal="SIGTERM")
    assert_clean_shutdown(first)
    fixtures.remove(first)

    # A new password must not matter: an initialised data dir is left alone.
    second = start_db(fixtures, image, volume, initdb_dir, POSTGRES_PASSWORD="ignored")
    logs = second.logs().decode()
    assert "Skipping initialization" in logs
    assert "docker-entrypoint-initdb.d" not in logs
    code, out = psql(
        fixtures, image, second.name, "SELECT string_agg(note, ',' ORDER BY id) FROM seed"
    )
    assert code == 0, out
    assert out.strip() == "init,kept"
    # docker stop sends STOPSIGNAL (SIGINT, fast shutdown) as the official image does.
    second.stop(timeout=30)
    assert_clean_shutdown(second)
