"""Domain exceptions and the one place that translates database errors into them.

Every expected failure carries a message (a fact with values), an optional detail and a hint that
says what to do. The CLI prints message and hint to stderr and exits 1; nothing else inspects
SQLSTATEs.
"""

from __future__ import annotations

import psycopg

# The one project SQLSTATE (class WD, never ending in 000): raised at the end of a dry run's
# inner block to roll its writes back, and caught in the same function. It never escapes.
SQLSTATE_DRY_RUN = "WD0DR"


class WdhError(Exception):
    """An expected failure with something the user can do about it."""

    def __init__(self, message: str, *, detail: str | None = None, hint: str | None = None,
                 sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.hint = hint
        self.sqlstate = sqlstate


class ConfigError(WdhError):
    """Settings are missing or malformed (DATABASE_URL, .wdh_env)."""


class DatabaseUnavailable(WdhError):
    """The database cannot be reached."""


class InvalidInput(WdhError):
    """A parameter or an input file is malformed (SQLSTATE class 22)."""


class MissingReference(WdhError):
    """Source rows reference customers or product lines that do not exist (23503)."""


class LockTimeout(WdhError):
    """Another sync or refresh held the lock for too long (55P03)."""


class NotReady(WdhError):
    """A prerequisite step has not run (e.g. snapshot before sync)."""


class LocalClusterError(WdhError):
    """The local PostgreSQL cluster under .wdh/ could not be created, started or stopped."""


_BY_SQLSTATE: dict[str, type[WdhError]] = {
    "23503": MissingReference,
    "55P03": LockTimeout,
    "55000": NotReady,  # object_not_in_prerequisite_state: e.g. snapshot before sync
}


def translate(exc: psycopg.Error) -> WdhError:
    """Map a database error to a domain exception, keeping SQLSTATE, detail and hint."""
    diag = exc.diag
    sqlstate = diag.sqlstate or ""
    cls = _BY_SQLSTATE.get(sqlstate)
    if cls is None:
        cls = InvalidInput if sqlstate.startswith("22") else WdhError
    message = diag.message_primary or str(exc).strip()
    return cls(message, detail=diag.message_detail, hint=diag.message_hint, sqlstate=sqlstate or None)
