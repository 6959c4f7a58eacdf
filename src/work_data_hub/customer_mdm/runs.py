"""The sync, the monthly close and the snapshot refreshes as every caller runs them: the CLI's
commands and the post-ETL hooks alike. Each records a failure in the run log, measures the net
change of the history when a correction is replayed, commits (a dry run's rebuild request is
rolled back with it) and returns a typed outcome. Saying it is the caller's (work_data_hub.cli)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import psycopg

from work_data_hub import progress
from work_data_hub.customer_mdm.close import CloseStep, refresh_snapshots, run_monthly_close
from work_data_hub.customer_mdm.operations import failures_recorded, snapshot_months
from work_data_hub.customer_mdm.snapshot import SnapshotRefreshResult, refresh_monthly_snapshot
from work_data_hub.customer_mdm.sync import (
    ContractSyncResult,
    HistoryChange,
    SyncState,
    history_change,
    remember_history,
    request_contract_rebuild,
    sync_contract_status,
    sync_state,
)
from work_data_hub.db.deploy import require_current_procedures


@dataclass(frozen=True)
class SyncOutcome:
    rows: list[ContractSyncResult]  # as customer.sync_contract_status returned them
    applied: list[ContractSyncResult]  # the periods this run applied or replayed; empty: nothing to do
    before: SyncState  # where the history stood before
    replay_from: date | None  # the month a correction (or the rebuild) rewound the history to
    change: HistoryChange | None  # the replay's net change of the history (None: no replay, or a dry run)
    rebuilt: bool  # --rebuild-from asked for the replay
    dry_run: bool


@dataclass(frozen=True)
class CloseOutcome:
    steps: list[CloseStep]  # customer.run_monthly_close's rows; empty: nothing to do
    replay_from: date | None
    change: HistoryChange | None
    dry_run: bool


@dataclass(frozen=True)
class SnapshotsOutcome:
    rows: list[SnapshotRefreshResult]  # one per month touched; empty: nothing to do
    removed: frozenset[date]  # the months it removed: outside the synced range (customer._snapshot_month_states)
    dry_run: bool


def sync(
    conn: psycopg.Connection, *, dry_run: bool, period_end: date | None = None, rebuild_from: date | None = None
) -> SyncOutcome:
    """Bring the contract history up to date through `period_end` (the latest loaded month), first
    rewinding to `rebuild_from` when given."""
    require_current_procedures(conn, "The sync")
    with failures_recorded(conn, "sync_contract_status", dry_run=dry_run, period_end=period_end):
        if rebuild_from is not None:
            request_contract_rebuild(conn, from_period=rebuild_from)
        before = sync_state(conn)
        replay_from = before.pending_replay
        if replay_from and not dry_run:
            remember_history(conn)
        with progress.from_database(conn):
            rows = sync_contract_status(conn, dry_run=dry_run, period_end=period_end)
        change = history_change(conn) if replay_from and not dry_run else None
    if dry_run and rebuild_from is not None:
        conn.rollback()  # a dry run leaves the rebuild request undone too (and so its run log row)
    else:
        conn.commit()
    applied = [
        r
        for r in rows
        if replay_from or before.last_applied_period is None or r.period_end > before.last_applied_period
    ]
    return SyncOutcome(rows, applied, before, replay_from, change, rebuild_from is not None, dry_run)


def close(conn: psycopg.Connection, *, dry_run: bool) -> CloseOutcome:
    """The monthly close: the sync, then every snapshot month that is missing, stale or outside."""
    require_current_procedures(conn, "The close")
    with failures_recorded(conn, "run_monthly_close", dry_run=dry_run):
        replay_from = sync_state(conn).pending_replay
        if replay_from and not dry_run:
            remember_history(conn)
        with progress.from_database(conn):
            steps = run_monthly_close(conn, dry_run=dry_run)
        change = history_change(conn) if replay_from and not dry_run else None
    conn.commit()
    return CloseOutcome(steps, replay_from, change, dry_run)


def snapshot(conn: psycopg.Connection, *, period_end: date, dry_run: bool) -> SnapshotRefreshResult:
    """Rebuild one month's snapshot."""
    require_current_procedures(conn, "The snapshot")
    with failures_recorded(conn, "refresh_monthly_snapshot", dry_run=dry_run, period_end=period_end):
        result = refresh_monthly_snapshot(conn, period_end=period_end, dry_run=dry_run)
    conn.commit()
    return result


def snapshots(conn: psycopg.Connection, *, dry_run: bool) -> SnapshotsOutcome:
    """Every synced month whose snapshot is missing or stale, and remove months outside the range."""
    require_current_procedures(conn, "The snapshot refresh")
    with failures_recorded(conn, "refresh_snapshots", dry_run=dry_run):
        outside = frozenset(m.snapshot_month for m in snapshot_months(conn) if m.state == "outside")
        with progress.from_database(conn):
            rows = refresh_snapshots(conn, dry_run=dry_run)
    conn.commit()
    return SnapshotsOutcome(rows, outside, dry_run)
