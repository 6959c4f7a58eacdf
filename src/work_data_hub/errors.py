"""Domain exceptions and the one place that translates database errors into them.

Every expected failure carries a message (a fact with values), an optional detail and a hint that
says what to do. The CLI prints message and hint to stderr and exits 1; nothing else inspects
SQLSTATEs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg


class WdhError(Exception):
    """An expected failure with something the user can do about it."""

    def __init__(
        self, message: str, *, detail: str | None = None, hint: str | None = None, sqlstate: str | None = None
    ) -> None:
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


class NotMigrated(WdhError):
    """The database lacks the product's schema or functions: `db migrate` has not run."""


class PermissionDenied(WdhError):
    """The login may not do this (42501): it lacks the wdh_operator or wdh_reader role."""


class CommitOutcome(WdhError):
    """The connection was lost while COMMIT was in flight; `state` is what the server said after:
    committed, aborted (not committed) or unknown (it could not be asked before the deadline)."""

    def __init__(self, xid: str, state: str, reason: str) -> None:
        if state == "committed":
            message = (
                f"The connection was lost during COMMIT ({reason}); the server confirms the run committed "
                f"(transaction {xid}): what it did is in the database"
            )
            hint = "Nothing after that commit ran: run the command again to finish (it finds this part done)."
        elif state == "aborted":
            message = (
                f"The connection was lost during COMMIT ({reason}); the server confirms the run did not commit "
                f"(transaction {xid}): nothing of it is in the database"
            )
            hint = "Run the command again."
        else:
            message = (
                f"The connection was lost during COMMIT ({reason}) and the server could not be asked whether "
                f"transaction {xid} committed: the outcome is unknown, the server is down"
            )
            hint = "Run `customer-mdm runs` (and `etl history`) when the server is back: they show what committed."
        super().__init__(message, hint=hint, sqlstate="08007")  # transaction_resolution_unknown
        self.xid = xid
        self.state = state


class LocalClusterError(WdhError):
    """The local PostgreSQL cluster under .wdh/ could not be created, started or stopped."""


_BY_SQLSTATE: dict[str, type[WdhError]] = {
    "23503": MissingReference,
    "55P03": LockTimeout,
    "55000": NotReady,  # object_not_in_prerequisite_state: e.g. snapshot before sync
}


_NOT_MIGRATED = {"42P01", "3F000", "42883"}  # undefined table, schema, function


def translate(exc: psycopg.Error) -> WdhError:
    """Map a database error to a domain exception, keeping SQLSTATE, detail and hint."""
    diag = exc.diag
    sqlstate = diag.sqlstate or ""
    message = diag.message_primary or (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if sqlstate in _NOT_MIGRATED:
        return NotMigrated(
            f"The database is not migrated: {message}",
            detail=diag.message_detail,
            hint="Run `db migrate` against it (it applies the schema and deploys the functions).",
            sqlstate=sqlstate,
        )
    if sqlstate == "42501":
        private = re.match(r"permission denied for function (_\w+)", message)
        return PermissionDenied(
            # A private helper's name says nothing to the user: name what the login lacks.
            "This login is not granted the role this needs (writing needs wdh_operator)" if private else message,
            detail=f"The database said: {message}." if private else diag.message_detail,
            hint=diag.message_hint
            or "Loading, syncing, snapshots, closes, merges, aliases and "
            "scheduling need a login granted wdh_operator; reading needs wdh_reader (or "
            "wdh_operator). The database's owner grants them: GRANT wdh_operator TO <login>; "
            "(docs/DBA.md, Roles).",
            sqlstate=sqlstate,
        )
    if not sqlstate and not isinstance(exc, psycopg.OperationalError):
        # A client-side error (a value Python cannot represent, say), not the server's answer.
        return WdhError(
            f"The database returned something this program cannot read: {message}",
            hint="Look for the offending value in the rows this command reads; nothing was changed.",
        )
    if not sqlstate or sqlstate.startswith("08") or sqlstate in {"57P01", "57P02", "57P03"}:
        return DatabaseUnavailable(
            f"Lost the connection to the database: {message}",
            detail=diag.message_detail,
            hint="Nothing of the statement that was running was committed. Check that the server is running "
            "(`db status`) and run the command again.",
            sqlstate=sqlstate or None,
        )
    cls = _BY_SQLSTATE.get(sqlstate)
    if cls is None:
        cls = InvalidInput if sqlstate.startswith("22") else WdhError
    return cls(message, detail=diag.message_detail, hint=diag.message_hint, sqlstate=sqlstate or None)


@contextmanager
def database_errors(
    *, prefix: str = "", hint: str | None = None, special: Callable[[psycopg.Error], WdhError | None] | None = None
) -> Iterator[None]:
    """Turn any database error raised inside into its domain exception: the one place that catches
    them. `special` may give a better one for an error it knows (else None); `prefix` and `hint`
    say what was being done (the message keeps the database's words after the prefix)."""
    try:
        yield
    except psycopg.Error as exc:
        err = (special(exc) if special else None) or translate(exc)
        if prefix or hint:
            err = type(err)(prefix + err.message, detail=err.detail, hint=hint or err.hint, sqlstate=err.sqlstate)
        raise err from None
