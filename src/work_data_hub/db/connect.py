"""Open connections with clear errors and the password never printed, and commits whose outcome
is known.

Every connection the product opens is a `Connection`: when the connection is lost while COMMIT is
in flight (a server crash, a restart, pg_terminate_backend, a synchronous standby that never
answers), the transaction may or may not have committed. The commit then reconnects, within a
deadline, and asks the server whether the transaction committed (pg_xact_status of its id, taken
before the COMMIT was sent), and raises `CommitOutcome` saying "committed", "not committed" or
"unknown", never a guess.
"""

from __future__ import annotations

import json
import os
import time
from decimal import Decimal
from pathlib import Path

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.types.json import set_json_loads

from work_data_hub.db.settings import database_url, mask_url, password_of
from work_data_hub.errors import CommitOutcome, DatabaseUnavailable, WdhError, database_errors

APPLICATION_NAME = "work_data_hub"
COMMIT_CHECK_SECONDS = 30.0  # how long a lost COMMIT is looked after; WDH_COMMIT_CHECK_SECONDS overrides it


def _lost(exc: psycopg.Error, conn: psycopg.Connection) -> bool:
    """Whether `exc` means the connection is gone (not the server refusing the commit)."""
    sqlstate = exc.sqlstate or ""
    return conn.broken or conn.closed or not sqlstate or sqlstate.startswith("08") or sqlstate in {"57P01", "57P02"}


class Connection(psycopg.Connection):
    """A psycopg connection whose commit() verifies its outcome when the connection is lost."""

    wdh_url: str = ""

    def commit(self) -> None:
        xid = None
        if not self.autocommit and self.info.transaction_status == TransactionStatus.INTRANS:
            try:  # NULL for a transaction that wrote nothing: then nothing is at stake
                xid = self.execute("SELECT pg_current_xact_id_if_assigned()::text").fetchone()[0]
            except psycopg.Error:
                xid = None  # the commit below meets the same fault and says it
        try:
            super().commit()
        except psycopg.OperationalError as exc:
            if xid is None or not _lost(exc, self):
                raise
            raise commit_outcome(self.wdh_url, xid, exc) from None


def commit_outcome(url: str, xid: str, lost: psycopg.Error) -> CommitOutcome:
    """Reconnect until the deadline and read whether transaction `xid` committed."""
    deadline = time.monotonic() + float(os.environ.get("WDH_COMMIT_CHECK_SECONDS", COMMIT_CHECK_SECONDS))
    reason = (str(lost).strip().splitlines() or [type(lost).__name__])[0]
    secret = password_of(url)
    if secret:
        reason = reason.replace(secret, "****")
    while True:
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=5, application_name=APPLICATION_NAME) as c:
                state = c.execute("SELECT pg_xact_status(%s::xid8)", (xid,)).fetchone()[0]
        except psycopg.errors.InvalidParameterValue:
            state = "aborted"  # "in the future": the server restarted before the transaction reached its log
        except psycopg.Error:
            state = None  # not reachable yet
        if state in {"committed", "aborted"}:
            break
        if time.monotonic() >= deadline:
            state = "unknown"
            break
        time.sleep(1.0)
    return CommitOutcome(xid, state, reason)


def connect(url: str | None = None, *, autocommit: bool = False, cwd: Path | None = None) -> Connection:
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
        conn = Connection.connect(url, autocommit=autocommit, connect_timeout=10, application_name=APPLICATION_NAME)
    conn.wdh_url = url
    return conn


def exact_json(context) -> None:
    """Read json numbers on `context` (a connection or a cursor) as Decimal: an amount in a jsonb (a
    restatement's before and after, a plan's AUM, an explanation's facts) keeps every digit, as
    numeric columns do."""
    set_json_loads(lambda text: json.loads(text, parse_float=Decimal), context)
