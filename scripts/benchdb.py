"""A scratch database for the benchmark scripts, next to DATABASE_URL's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from work_data_hub.db.deploy import migrate
from work_data_hub.db.settings import database_url


@contextmanager
def scratch_database(name: str, *, keep: bool) -> Iterator[str]:
    """Create database `name` afresh on DATABASE_URL's server, migrate it, yield its URL, and drop
    it afterwards unless `keep`."""
    base = database_url()

    def drop() -> None:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    drop()
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = urlunsplit(urlsplit(base)._replace(path="/" + name))
    try:
        migrate(url)
        yield url
    finally:
        if not keep:
            drop()
