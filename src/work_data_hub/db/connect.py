"""Open connections with clear errors and the password never printed."""

from __future__ import annotations

from pathlib import Path

import psycopg

from work_data_hub.db.settings import database_url, mask_url, password_of
from work_data_hub.errors import DatabaseUnavailable, WdhError, database_errors

APPLICATION_NAME = "work_data_hub"


def connect(url: str | None = None, *, autocommit: bool = False, cwd: Path | None = None) -> psycopg.Connection:
    """Connect to `url` (default: DATABASE_URL from settings)."""
    url = url or database_url(cwd)

    def refused(exc: psycopg.Error) -> WdhError:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        secret = password_of(url)
        if secret:
            reason = reason.replace(secret, "****")
        return DatabaseUnavailable(
            f"Cannot connect to the database at {mask_url(url)}: {reason}",
            hint=(
                "Check that the server is running and DATABASE_URL is right (host, port, user, password, "
                "database); for the local "
                "database run `db start` (or `db init` on a new machine)."
            ),
        )

    with database_errors(special=refused):
        return psycopg.connect(url, autocommit=autocommit, connect_timeout=10, application_name=APPLICATION_NAME)
