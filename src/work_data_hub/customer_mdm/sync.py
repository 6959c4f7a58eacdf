"""Wrappers for customer.sync_contract_status and customer.request_contract_rebuild."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import psycopg
from psycopg.rows import class_row

from work_data_hub.errors import translate

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


@dataclass(frozen=True)
class RebuildRequest:
    dirty_from_month: date | None
    last_applied_period: date | None


def sync_contract_status(conn: psycopg.Connection, *, dry_run: bool,
                         period_end: date | None) -> list[ContractSyncResult]:
    """One row per period applied (one row for the target on a no-op). The caller commits."""
    try:
        with conn.cursor(row_factory=class_row(ContractSyncResult)) as cur:
            cur.execute(SYNC_SQL, {"dry_run": dry_run, "period_end": period_end})
            return cur.fetchall()
    except psycopg.Error as exc:
        raise translate(exc) from None


def request_contract_rebuild(conn: psycopg.Connection, *, from_period: date) -> RebuildRequest:
    """Make the next sync rewind history to just before `from_period`'s month. The caller commits."""
    try:
        with conn.cursor(row_factory=class_row(RebuildRequest)) as cur:
            cur.execute(REBUILD_SQL, {"from_period": from_period})
            row = cur.fetchone()
    except psycopg.Error as exc:
        raise translate(exc) from None
    assert row is not None
    return row
