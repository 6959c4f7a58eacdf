"""Read-only views for operators: recent runs, and how far contracts and snapshots are."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from psycopg.rows import class_row

from work_data_hub.errors import CommitOutcome, DatabaseUnavailable, WdhError, database_errors

# The run log as it stands now (a running row whose session is gone reads as interrupted): one SQL
# function answers it for `runs`, customer.mdm_status and the settling of interrupted runs.
RUNS_SQL = """
SELECT run_id, function_name, period_start, period_end, dry_run, counts, started_at, duration, db_user,
       application_name, status, sqlstate, message
FROM customer.run_log()
ORDER BY run_id DESC
LIMIT %(limit)s
"""

# Where the product stands: one SQL function answers it for every caller (status, the hooks' "is
# there work", the health check); nothing here decides it.
STATUS_SQL = "SELECT * FROM customer.mdm_status()"
# The snapshot months built, and where each stands (current, stale with since when and why,
# outside the synced range): the states customer.mdm_status counts and the close acts on.
SNAPSHOTS_SQL = """
SELECT snapshot_month, state, refreshed_at, stale_since, stale_reason
FROM customer._snapshot_month_states()
WHERE state <> 'missing'
ORDER BY snapshot_month
"""
CHECK_SQL = "SELECT exit_code, severity, findings, line FROM customer.monitoring_check()"
RECORD_FAILURE_SQL = """
SELECT customer.record_failed_run(p_function_name => %(function)s, p_sqlstate => %(sqlstate)s,
                                  p_message => %(message)s, p_started_at => %(started_at)s,
                                  p_dry_run => %(dry_run)s, p_period_end => %(period_end)s),
       customer.end_run(%(run_id)s)
"""
BEGIN_RUN_SQL = "SELECT customer.begin_run(%s, %s)"
END_RUN_SQL = "SELECT customer.end_run(%s)"


@dataclass(frozen=True)
class Run:
    run_id: int
    function_name: str
    period_start: date | None
    period_end: date | None
    dry_run: bool
    counts: dict[str, Any]
    started_at: datetime
    duration: timedelta | None  # None while running
    db_user: str
    application_name: str | None
    status: str
    sqlstate: str | None
    message: str | None


@dataclass(frozen=True)
class Standing:
    """A row of customer.mdm_status()."""

    first_applied_period: date | None
    last_applied_period: date | None
    pending_correction_from: date | None
    latest_source_month: date | None
    current_versions: int
    missing_snapshots: list[date]  # applied periods without a snapshot
    stale_snapshots: list[date]
    outside_snapshots: list[date]  # snapshot months outside the applied range
    source_holes: list[date]  # months missing between the first and last loaded month
    last_run_function: str | None  # the latest real run of the sync, a refresh or the close
    last_run_status: str | None  # running | succeeded | failed | interrupted (refused runs are no answer)
    last_run_at: datetime | None
    last_run_sqlstate: str | None
    last_run_message: str | None
    last_run_by: str | None  # pg_cron for the scheduled close, else the login (session_user)
    scheduled_job_status: str | None  # the pg_cron job's latest run: succeeded | failed | … (None: no pg_cron or job)
    scheduled_job_at: datetime | None
    scheduled_job_message: str | None
    close_pending: bool
    next_delivery_month: date | None
    next_delivery_due: date | None
    delivery_overdue: bool | None
    deployed_digest: str | None  # customer.mdm_deployment: the procedures deployed
    deployed_migration: str | None
    deployment_problem: str | None  # None: the procedures belong to the migrations applied
    last_run_id: int | None
    scheduled_job_run_id: int | None  # the run-log row of the job's latest run, when it reached the log
    sync_behind: bool | None = None  # the latest loaded 规模明细 month is after the last applied period (0025)
    scheduled_job_is_last_run: bool = False  # the job's latest run is last_run_id's: report it once (0025)


@dataclass(frozen=True)
class SnapshotMonth:
    snapshot_month: date
    state: str  # current | stale | outside (customer._snapshot_month_states)
    refreshed_at: datetime | None  # None: fact rows without a state row (outside)
    stale_since: datetime | None
    stale_reason: str | None


@dataclass(frozen=True)
class Status:
    standing: Standing
    snapshots: list[SnapshotMonth]

    @property
    def stale(self) -> list[SnapshotMonth]:
        return [s for s in self.snapshots if s.state == "stale"]


def recent_runs(conn: psycopg.Connection, *, limit: int) -> list[Run]:
    with database_errors():
        with conn.cursor(row_factory=class_row(Run)) as cur:
            return cur.execute(RUNS_SQL, {"limit": limit}).fetchall()


def snapshot_months(conn: psycopg.Connection) -> list[SnapshotMonth]:
    """The snapshot months built (or left outside the synced range), each with its state."""
    with database_errors(), conn.cursor(row_factory=class_row(SnapshotMonth)) as cur:
        return cur.execute(SNAPSHOTS_SQL).fetchall()


def mdm_status(conn: psycopg.Connection) -> Status:
    with database_errors(), conn.cursor(row_factory=class_row(Standing)) as cur:
        standing = cur.execute(STATUS_SQL).fetchone()
    assert standing is not None
    return Status(standing=standing, snapshots=snapshot_months(conn))


@dataclass(frozen=True)
class MonitoringCheck:
    """customer.monitoring_check(): the monitoring verdict on mdm_status."""

    exit_code: int  # 0 OK, 1 WARNING, 2 CRITICAL
    severity: str
    findings: list[str]
    line: str


def monitoring_check(conn: psycopg.Connection) -> MonitoringCheck:
    with database_errors(), conn.cursor(row_factory=class_row(MonitoringCheck)) as cur:
        row = cur.execute(CHECK_SQL).fetchone()
    assert row is not None
    return row


def close_pending(conn: psycopg.Connection) -> bool:
    """Whether customer.run_monthly_close would do anything (read only)."""
    with database_errors():
        return bool(conn.execute("SELECT close_pending FROM customer.mdm_status()").fetchone()[0])


@contextlib.contextmanager
def failures_recorded(
    conn: psycopg.Connection, function_name: str, *, dry_run: bool = False, period_end: date | None = None
) -> Iterator[None]:
    """Run a call of the sync, a refresh or the close; when the database refuses it, roll back,
    record the failure in the run log (customer.record_failed_run, a new transaction) and re-raise.
    The failed call's own run log row rolled back with it: this row is its trace.

    A real (not dry) run is first registered as running (customer.begin_run, committed at once):
    a kill, a lost connection or a server restart leaves that row, which the next run finds
    interrupted. The body's transaction ends it (customer.end_run) before the caller commits."""
    started_at = datetime.now(UTC)
    run_id = None
    if not dry_run:
        with database_errors():
            run_id = conn.execute(BEGIN_RUN_SQL, (function_name, period_end)).fetchone()[0]
            try:
                conn.commit()
            except CommitOutcome as exc:  # only the registration was at stake
                raise DatabaseUnavailable(
                    f"Lost the connection as {function_name} was about to begin: nothing of it ran",
                    hint="Check that the server is running (`db status`) and run the command again.",
                    sqlstate=exc.sqlstate,
                ) from None

    def record(sqlstate: str, message: str) -> None:
        params = {
            "function": function_name,
            "sqlstate": sqlstate,
            "message": message,
            "started_at": started_at,
            "dry_run": dry_run,
            "period_end": period_end,
            "run_id": run_id,
        }
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
        if run_id is not None:
            with database_errors():
                conn.execute(END_RUN_SQL, (run_id,))
    except WdhError as exc:
        if exc.sqlstate or isinstance(exc, DatabaseUnavailable):
            record(exc.sqlstate or "08006", exc.message)
        raise
    except KeyboardInterrupt:
        record("57014", "interrupted (Ctrl-C); the call was rolled back")
        raise
