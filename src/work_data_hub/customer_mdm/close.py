"""Wrappers for customer.run_monthly_close and customer.refresh_snapshots: the one refresh policy,
which lives in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import psycopg
from psycopg.rows import class_row

from work_data_hub.customer_mdm.snapshot import SnapshotRefreshResult
from work_data_hub.errors import database_errors

CLOSE_SQL = """
SELECT step, period_end, inserted, updated, deleted, lapsed
FROM customer.run_monthly_close(p_dry_run => %(dry_run)s)
"""
REFRESH_ALL_SQL = """
SELECT period_end, product_line_rows, plan_rows, inserted, updated, deleted
FROM customer.refresh_snapshots(p_dry_run => %(dry_run)s)
"""


@dataclass(frozen=True)
class CloseStep:
    step: str  # 'sync' or 'snapshot'
    period_end: date
    inserted: int  # versions (sync) or fact rows (snapshot)
    updated: int
    deleted: int  # fact rows deleted (snapshot); for a sync step the same as lapsed (SPEC §11's name)
    lapsed: int | None  # versions lapsed (sync); None for a snapshot step


def run_monthly_close(conn: psycopg.Connection, *, dry_run: bool) -> list[CloseStep]:
    """The sync, then every missing, stale or out-of-range snapshot month. The caller commits."""
    with database_errors(), conn.cursor(row_factory=class_row(CloseStep)) as cur:
        return cur.execute(CLOSE_SQL, {"dry_run": dry_run}).fetchall()


def refresh_snapshots(conn: psycopg.Connection, *, dry_run: bool) -> list[SnapshotRefreshResult]:
    """Every applied period's snapshot built and current, none outside the range. The caller commits."""
    with database_errors(), conn.cursor(row_factory=class_row(SnapshotRefreshResult)) as cur:
        return cur.execute(REFRESH_ALL_SQL, {"dry_run": dry_run}).fetchall()
