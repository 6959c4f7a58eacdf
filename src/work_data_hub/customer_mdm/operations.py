"""Read-only views for operators: recent runs, and how far contracts and snapshots are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import psycopg
from psycopg.rows import class_row

from work_data_hub.errors import translate

RUNS_SQL = """
SELECT run_id, function_name, period_start, period_end, dry_run, counts, started_at, duration, db_user,
       application_name
FROM customer.v_mdm_runs
ORDER BY run_id DESC
LIMIT %(limit)s
"""

STATUS_SQL = """
SELECT s.first_applied_period, s.last_applied_period,
       CASE WHEN s.dirty_from_month <= s.last_applied_period THEN s.dirty_from_month END AS pending_correction_from,
       (SELECT max("月度") FROM business."规模明细") AS latest_source_month,
       (SELECT count(*) FROM customer.customer_plan_contract WHERE valid_to = '9999-12-31') AS current_versions
FROM customer.contract_sync_state AS s
"""

SNAPSHOTS_SQL = """
SELECT snapshot_month, refreshed_at, stale_since, stale_reason
FROM customer.snapshot_month_state
ORDER BY snapshot_month
"""


@dataclass(frozen=True)
class Run:
    run_id: int
    function_name: str
    period_start: date | None
    period_end: date | None
    dry_run: bool
    counts: dict[str, Any]
    started_at: datetime
    duration: timedelta
    db_user: str
    application_name: str | None


@dataclass(frozen=True)
class SyncStatus:
    first_applied_period: date | None
    last_applied_period: date | None
    pending_correction_from: date | None
    latest_source_month: date | None
    current_versions: int


@dataclass(frozen=True)
class SnapshotMonth:
    snapshot_month: date
    refreshed_at: datetime
    stale_since: datetime | None
    stale_reason: str | None


@dataclass(frozen=True)
class Status:
    sync: SyncStatus
    snapshots: list[SnapshotMonth]

    @property
    def stale(self) -> list[SnapshotMonth]:
        return [s for s in self.snapshots if s.stale_since is not None]


def recent_runs(conn: psycopg.Connection, *, limit: int) -> list[Run]:
    try:
        with conn.cursor(row_factory=class_row(Run)) as cur:
            return cur.execute(RUNS_SQL, {"limit": limit}).fetchall()
    except psycopg.Error as exc:
        raise translate(exc) from None


def mdm_status(conn: psycopg.Connection) -> Status:
    try:
        with conn.cursor(row_factory=class_row(SyncStatus)) as cur:
            sync = cur.execute(STATUS_SQL).fetchone()
        with conn.cursor(row_factory=class_row(SnapshotMonth)) as cur:
            snapshots = cur.execute(SNAPSHOTS_SQL).fetchall()
    except psycopg.Error as exc:
        raise translate(exc) from None
    assert sync is not None
    return Status(sync=sync, snapshots=snapshots)
