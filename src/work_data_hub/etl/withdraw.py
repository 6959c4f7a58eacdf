"""A 规模明细 month taken back (business.withdraw_month), as every caller runs it: committed here
with --execute, rolled back for a preview; a rerun of a withdrawal already done is recognised by
its load-ledger entry. It prints nothing (work_data_hub.cli says what happened)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import psycopg
from psycopg.rows import class_row

from work_data_hub.customer_mdm.operations import close_pending
from work_data_hub.db.deploy import require_current_procedures
from work_data_hub.errors import WdhError, database_errors

WITHDRAW = """
SELECT load_id, rows_deleted, customers_removed, plans_removed, aliases_removed
FROM business.withdraw_month(p_month => %(month)s, p_dry_run => %(dry_run)s, p_allow_gap => %(allow_gap)s,
                            p_os_user => %(os_user)s)
"""
# The month's latest load-ledger entry: a withdrawal there means the month was withdrawn already.
LATEST_ENTRY = """
SELECT l.load_id, l.loaded_at, l.loaded_by, l.action FROM business.etl_load_log AS l
WHERE l.domain = 'annuity_performance' AND %(month)s = ANY (l.months)
ORDER BY l.load_id DESC LIMIT 1
"""


@dataclass(frozen=True)
class Withdrawal:
    load_id: int | None  # the ledger row (None for a preview)
    rows_deleted: int
    customers_removed: int
    plans_removed: int
    aliases_removed: int


@dataclass(frozen=True)
class LedgerEntry:
    load_id: int
    loaded_at: datetime
    loaded_by: str
    action: str


@dataclass(frozen=True)
class WithdrawOutcome:
    withdrawal: Withdrawal | None  # None: the month was withdrawn already (`earlier`)
    earlier: LedgerEntry | None
    close_pending: bool  # after a withdrawal done earlier: whether its close is still to run


def withdraw_month(
    conn: psycopg.Connection, *, month: date, execute: bool, allow_gap: bool, os_user: str | None
) -> WithdrawOutcome:
    """Withdraw `month` (commit with `execute`, else roll back). A month without rows whose latest
    ledger entry is its withdrawal (a rerun after a kill) is no error: the outcome says so."""
    require_current_procedures(conn, f"Withdrawing {month:%Y-%m}")
    params = {"month": month, "dry_run": not execute, "allow_gap": allow_gap, "os_user": os_user}
    try:
        with database_errors(), conn.cursor(row_factory=class_row(Withdrawal)) as cur:
            row = cur.execute(WITHDRAW, params).fetchone()
    except WdhError as exc:
        conn.rollback()
        earlier = _latest_entry(conn, month) if exc.sqlstate == "P0002" else None
        if earlier is None or earlier.action != "withdrawal":
            raise
        pending = close_pending(conn)
        conn.rollback()
        return WithdrawOutcome(None, earlier, pending)
    if execute:
        conn.commit()
    else:
        conn.rollback()
    return WithdrawOutcome(row, None, False)


def _latest_entry(conn: psycopg.Connection, month: date) -> LedgerEntry | None:
    with database_errors(), conn.cursor(row_factory=class_row(LedgerEntry)) as cur:
        return cur.execute(LATEST_ENTRY, {"month": month}).fetchone()
