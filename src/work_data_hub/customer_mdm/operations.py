"""Read-only views for operators: recent runs, and how far contracts and snapshots are."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from psycopg.rows import class_row

from work_data_hub.errors import DatabaseUnavailable, WdhError, database_errors

RUNS_SQL = """
SELECT run_id, function_name, period_start, period_end, dry_run, counts, started_at, duration, db_user,
       application_name, status, sqlstate, message
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
# Applied periods without a built snapshot, and snapshot months outside the applied range.
SNAPSHOT_GAPS_SQL = """
SELECT 'missing' AS kind, (g + interval '1 month - 1 day')::date AS month
FROM customer.contract_sync_state AS s,
     generate_series(date_trunc('month', s.first_applied_period), s.last_applied_period, interval '1 month') AS g
WHERE NOT EXISTS (SELECT 1 FROM customer.snapshot_month_state AS m
                  WHERE m.snapshot_month = (g + interval '1 month - 1 day')::date)
UNION ALL
SELECT 'outside', m.snapshot_month
FROM customer.snapshot_month_state AS m, customer.contract_sync_state AS s
WHERE s.last_applied_period IS NULL OR m.snapshot_month NOT BETWEEN s.first_applied_period AND s.last_applied_period
ORDER BY 1, 2
"""
# The latest real (not dry) run of the sync, a refresh or the close, whoever ran it: when it
# failed, status says so until a later run succeeds.
LAST_RUN_SQL = """
SELECT run_id, function_name, period_start, period_end, dry_run, counts, started_at, duration, db_user,
       application_name, status, sqlstate, message
FROM customer.v_mdm_runs
WHERE function_name IN ('sync_contract_status', 'refresh_monthly_snapshot', 'refresh_snapshots', 'run_monthly_close')
  AND NOT dry_run
ORDER BY run_id DESC
LIMIT 1
"""
# Months missing from business.规模明细 between its first and last month (one probe per month).
SOURCE_HOLES_SQL = """
SELECT g::date
FROM (SELECT min("月度") AS first, max("月度") AS last FROM business."规模明细") AS r,
     generate_series(r.first, r.last, interval '1 month') AS g
WHERE NOT EXISTS (SELECT 1 FROM business."规模明细" AS d WHERE d."月度" = g::date)
ORDER BY 1
"""
# Whether the monthly close has work: a pending correction, loaded months not synced, snapshot
# months missing, stale or outside the synced range.
CLOSE_PENDING_SQL = """
SELECT (s.dirty_from_month IS NOT NULL AND s.dirty_from_month <= s.last_applied_period)
    OR (SELECT max("月度") FROM business."规模明细") > coalesce(s.last_applied_period, '-infinity')
    OR EXISTS (SELECT 1 FROM customer.snapshot_month_state AS m
               WHERE m.stale_since IS NOT NULL OR s.last_applied_period IS NULL
                  OR m.snapshot_month NOT BETWEEN s.first_applied_period AND s.last_applied_period)
    OR EXISTS (SELECT 1 FROM generate_series(date_trunc('month', s.first_applied_period), s.last_applied_period,
                                             interval '1 month') AS g
               WHERE NOT EXISTS (SELECT 1 FROM customer.snapshot_month_state AS m
                                 WHERE m.snapshot_month = (g + interval '1 month - 1 day')::date))
FROM customer.contract_sync_state AS s
"""
RECORD_FAILURE_SQL = """
SELECT customer.record_failed_run(p_function_name => %(function)s, p_sqlstate => %(sqlstate)s,
                                  p_message => %(message)s, p_started_at => %(started_at)s,
                                  p_dry_run => %(dry_run)s, p_period_end => %(period_end)s)
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
    status: str
    sqlstate: str | None
    message: str | None


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
    missing_snapshots: list[date]  # applied periods without a snapshot
    outside_snapshots: list[date]  # snapshot months outside the applied range
    last_run: Run | None  # the latest real run of the sync, a refresh or the close
    source_holes: list[date]  # months missing between the first and last loaded month

    @property
    def stale(self) -> list[SnapshotMonth]:
        return [s for s in self.snapshots if s.stale_since is not None]


def recent_runs(conn: psycopg.Connection, *, limit: int) -> list[Run]:
    with database_errors():
        with conn.cursor(row_factory=class_row(Run)) as cur:
            return cur.execute(RUNS_SQL, {"limit": limit}).fetchall()


def mdm_status(conn: psycopg.Connection) -> Status:
    with database_errors():
        with conn.cursor(row_factory=class_row(SyncStatus)) as cur:
            sync = cur.execute(STATUS_SQL).fetchone()
        with conn.cursor(row_factory=class_row(SnapshotMonth)) as cur:
            snapshots = cur.execute(SNAPSHOTS_SQL).fetchall()
        gaps = conn.execute(SNAPSHOT_GAPS_SQL).fetchall()
        with conn.cursor(row_factory=class_row(Run)) as cur:
            last_run = cur.execute(LAST_RUN_SQL).fetchone()
        holes = [m for (m,) in conn.execute(SOURCE_HOLES_SQL)]
    assert sync is not None
    return Status(sync=sync, snapshots=snapshots, missing_snapshots=[m for k, m in gaps if k == "missing"],
                  outside_snapshots=[m for k, m in gaps if k == "outside"], last_run=last_run, source_holes=holes)


def close_pending(conn: psycopg.Connection) -> bool:
    """Whether customer.run_monthly_close would do anything (read only)."""
    with database_errors():
        return bool(conn.execute(CLOSE_PENDING_SQL).fetchone()[0])


@contextlib.contextmanager
def failures_recorded(conn: psycopg.Connection, function_name: str, *, dry_run: bool = False,
                      period_end: date | None = None) -> Iterator[None]:
    """Run a call of the sync, a refresh or the close; when the database refuses it, roll back,
    record the failure in the run log (customer.record_failed_run, a new transaction) and re-raise.
    The failed call's own run log row rolled back with it: this row is its trace."""
    started_at = datetime.now(UTC)

    def record(sqlstate: str, message: str) -> None:
        params = {"function": function_name, "sqlstate": sqlstate, "message": message, "started_at": started_at,
                  "dry_run": dry_run, "period_end": period_end}
        with contextlib.suppress(psycopg.Error, WdhError):
            if not conn.closed and not conn.broken:
                conn.rollback()
                conn.execute(RECORD_FAILURE_SQL, params)
                conn.commit()
                return
            from work_data_hub.db.connect import connect  # the call's connection is gone: a new one

            with connect() as fresh:
                fresh.execute(RECORD_FAILURE_SQL, params)

    try:
        yield
    except WdhError as exc:
        if exc.sqlstate or isinstance(exc, DatabaseUnavailable):
            record(exc.sqlstate or "08006", exc.message)
        raise
    except KeyboardInterrupt:
        record("57014", "interrupted (Ctrl-C); the call was rolled back")
        raise
