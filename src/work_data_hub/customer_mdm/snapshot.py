"""Wrapper for customer.refresh_monthly_snapshot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import psycopg
from psycopg.rows import class_row

from work_data_hub.errors import database_errors

REFRESH_SQL = """
SELECT period_end, product_line_rows, plan_rows, inserted, updated, deleted
FROM customer.refresh_monthly_snapshot(p_period_end => %(period_end)s, p_dry_run => %(dry_run)s)
"""


@dataclass(frozen=True)
class SnapshotRefreshResult:
    period_end: date
    product_line_rows: int
    plan_rows: int
    inserted: int
    updated: int
    deleted: int


def refresh_monthly_snapshot(
    conn: psycopg.Connection, *, period_end: date | None, dry_run: bool
) -> SnapshotRefreshResult:
    """Rebuild one month of both fact tables (None = the last synced period). The caller commits."""
    with database_errors():
        with conn.cursor(row_factory=class_row(SnapshotRefreshResult)) as cur:
            cur.execute(REFRESH_SQL, {"period_end": period_end, "dry_run": dry_run})
            row = cur.fetchone()
    assert row is not None
    return row
