"""Wrappers for customer.sync_contract_status and customer.request_contract_rebuild."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import psycopg
from psycopg.rows import class_row

from work_data_hub.errors import database_errors

SYNC_SQL = """
SELECT period_end, inserted, updated, lapsed, total
FROM customer.sync_contract_status(p_dry_run => %(dry_run)s, p_period_end => %(period_end)s)
"""

REBUILD_SQL = """
SELECT dirty_from_month, last_applied_period
FROM customer.request_contract_rebuild(p_from_period => %(from_period)s)
"""


@dataclass(frozen=True)
class ContractSyncResult:
    period_end: date
    inserted: int
    updated: int
    lapsed: int
    total: int


STATE_SQL = """
SELECT first_applied_period, last_applied_period, dirty_from_month, customer._pending_correction() AS pending_replay
FROM customer.contract_sync_state
"""
# The history before a replay, to report its net change afterwards (temporary, this transaction).
REMEMBER_SQL = """
CREATE TEMP TABLE wdh_history_before ON COMMIT DROP AS
SELECT company_id, plan_code, product_line_code, contract_status, is_strategic, is_existing, status_year,
       valid_from, valid_to
FROM customer.customer_plan_contract
"""
CHANGE_SQL = """
WITH now AS (
    SELECT company_id, plan_code, product_line_code, contract_status, is_strategic, is_existing, status_year,
           valid_from, valid_to
    FROM customer.customer_plan_contract
)
SELECT (SELECT count(*) FROM (SELECT * FROM now EXCEPT SELECT * FROM pg_temp.wdh_history_before) AS a) AS added,
       (SELECT count(*) FROM (SELECT * FROM pg_temp.wdh_history_before EXCEPT SELECT * FROM now) AS r) AS removed,
       (SELECT count(*) FROM now WHERE valid_to = '9999-12-31') AS current
"""


@dataclass(frozen=True)
class SyncState:
    first_applied_period: date | None
    last_applied_period: date | None
    dirty_from_month: date | None
    pending_replay: date | None  # the month the next sync rewinds to (customer._pending_correction)


@dataclass(frozen=True)
class HistoryChange:
    added: int  # versions (with their validity) that were not there before
    removed: int  # versions that are gone
    current: int  # current versions now


@dataclass(frozen=True)
class RebuildRequest:
    dirty_from_month: date | None
    last_applied_period: date | None


def sync_contract_status(
    conn: psycopg.Connection, *, dry_run: bool, period_end: date | None
) -> list[ContractSyncResult]:
    """One row per period applied (one row for the target on a no-op). The caller commits."""
    with database_errors():
        with conn.cursor(row_factory=class_row(ContractSyncResult)) as cur:
            cur.execute(SYNC_SQL, {"dry_run": dry_run, "period_end": period_end})
            return cur.fetchall()


def request_contract_rebuild(conn: psycopg.Connection, *, from_period: date) -> RebuildRequest:
    """Make the next sync rewind history to just before `from_period`'s month. The caller commits."""
    with database_errors():
        with conn.cursor(row_factory=class_row(RebuildRequest)) as cur:
            cur.execute(REBUILD_SQL, {"from_period": from_period})
            row = cur.fetchone()
    assert row is not None
    return row


def sync_state(conn: psycopg.Connection) -> SyncState:
    with database_errors(), conn.cursor(row_factory=class_row(SyncState)) as cur:
        row = cur.execute(STATE_SQL).fetchone()
    assert row is not None
    return row


def remember_history(conn: psycopg.Connection) -> None:
    """Keep the contract history as it is now, in this transaction, for `history_change`."""
    with database_errors():
        conn.execute(REMEMBER_SQL)


def history_change(conn: psycopg.Connection) -> HistoryChange:
    """The net change of the history since `remember_history` (a replay rewrites versions that
    come back the same: those do not count)."""
    with database_errors(), conn.cursor(row_factory=class_row(HistoryChange)) as cur:
        row = cur.execute(CHANGE_SQL).fetchone()
    assert row is not None
    return row
