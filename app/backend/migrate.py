"""`python -m backend.migrate`: create or update the database schema, then exit."""

from __future__ import annotations

import logging

from backend.infrastructure import database

log = logging.getLogger("backend.migrate")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    database.migrate()
    log.info("schema is up to date")


if __name__ == "__main__":
    main()
