"""Contract of the postgis/postgis:15-3.5-alpine double: the postgres double plus
the official image's initdb script (PostGIS loaded into POSTGRES_DB on first init)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from docker.models.containers import Container

from .support import PG_DB, PG_PASSWORD, PG_USER, POSTGIS, Fixtures, exec_out, psql, wait_for

USER, PASSWORD, DB = PG_USER, PG_PASSWORD, PG_DB
EXTENSIONS = "fuzzystrmatch,plpgsql,postgis,postgis_tiger_geocoder,postgis_topology"
# A user script mounted as a single file next to the image's 10_postgis.sh (a mount over
# the whole directory would hide it, as with the official image).
APP_SQL = "CREATE TABLE place (id serial PRIMARY KEY, geom geometry(Point, 4326));\n"


@pytest.fixture(scope="module")
def image(pull_double: Callable[[str], str]) -> str:
    return pull_double(POSTGIS)


def start_db(fixtures: Fixtures, image: str, **kwargs: object) -> Container:
    container = fixtures.start(
        image,
        "postgis",
        environment={"POSTGRES_USER": USER, "POSTGRES_PASSWORD": PASSWORD, "POSTGRES_DB": DB},
        **kwargs,
    )
    wait_for(
        lambda: exec_out(container, ["pg_isready", "-h", "127.0.0.1", "-U", USER])[0] == 0,
        90,
        "postgis to accept TCP connections",
    )
    return container


@pytest.fixture(scope="module")
def db(fixtures: Fixtures, image: str) -> Container:
    volume = fixtures.volume("pgdata").name
    return start_db(
        fixtures, image, volumes={volume: {"bind": "/var/lib/postgresql/data", "mode": "rw"}}
    )


def test_extensions_loaded_on_first_init(fixtures: Fixtures, image: str, db: Container) -> None:
    code, out = psql(
        fixtures,
        image,
        db.name,
        "SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension",
    )
    assert code == 0, out
    assert out.strip() == EXTENSIONS
    # template_postgis: a template database carrying PostGIS, like the official image's.
    code, out = exec_out(
        db, ["psql", "-U", USER, "-d", "template_postgis", "-tAc", "SELECT PostGIS_Lib_Version()"]
    )
    assert code == 0, out
    sql = "SELECT datistemplate FROM pg_database WHERE datname = 'template_postgis'"
    code, out = exec_out(db, ["psql", "-U", USER, "-d", DB, "-tAc", sql])
    assert (code, out.strip()) == (0, "t"), out


def test_postgis_version_is_3(fixtures: Fixtures, image: str, db: Container) -> None:
    code, out = psql(fixtures, image, db.name, "SELECT PostGIS_Version()")
    assert code == 0, out
    assert out.strip().startswith("3."), out


def test_geometry_round_trip(fixtures: Fixtures, image: str, db: Container) -> None:
    sql = (
        "CREATE TABLE station (id serial PRIMARY KEY, geom geometry(Point, 4326));"
        "INSERT INTO station (geom) VALUES (ST_SetSRID(ST_MakePoint(-47.9, -15.8), 4326));"
        "SELECT ST_AsText(geom) || '|' || ST_SRID(geom) FROM station;"
    )
    code, out = psql(fixtures, image, db.name, sql)
    assert code == 0, out
    assert out.strip().splitlines()[-1] == "POINT(-47.9 -15.8)|4326"


def test_create_extension_is_idempotent_for_app_user(
    fixtures: Fixtures, image: str, db: Container
) -> None:
    # What an Alembic migration runs against the already-initialised database.
    code, out = psql(
        fixtures,
        image,
        db.name,
        "CREATE EXTENSION IF NOT EXISTS postgis;"
        "SELECT count(*) FROM pg_extension WHERE extname = 'postgis';",
    )
    assert code == 0, out
    assert out.strip().splitlines()[-1] == "1"


def test_wrong_password_refused_over_tcp(fixtures: Fixtures, image: str, db: Container) -> None:
    code, out = psql(fixtures, image, db.name, "SELECT 1", password="wrong")
    assert code != 0
    assert f'password authentication failed for user "{USER}"' in out


def test_user_init_file_runs_after_postgis(fixtures: Fixtures, image: str, tmp_path: Path) -> None:
    app_sql = tmp_path / "20-app.sql"
    app_sql.write_text(APP_SQL)
    app_sql.chmod(0o644)
    container = start_db(
        fixtures,
        image,
        volumes={str(app_sql): {"bind": "/docker-entrypoint-initdb.d/20-app.sql", "mode": "ro"}},
    )
    logs = container.logs().decode()
    assert logs.index("10_postgis.sh") < logs.index(
        "running /docker-entrypoint-initdb.d/20-app.sql"
    )
    code, out = psql(fixtures, image, container.name, "SELECT Find_SRID('public', 'place', 'geom')")
    assert (code, out.strip()) == (0, "4326"), out
    fixtures.remove(container)
