"""`customer-mdm` commands for operating the package: where things stand (`status`, its monitoring
line) and the pg_cron schedule."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from work_data_hub.cli.describe import moment_text, month_list
from work_data_hub.cli.options import JsonOutput
from work_data_hub.cli.output import MonitoringExit, to_json
from work_data_hub.cli.tables import echo_fitted
from work_data_hub.customer_mdm import actions
from work_data_hub.customer_mdm.operations import mdm_status, monitoring_check
from work_data_hub.db.connect import connect
from work_data_hub.errors import NotMigrated, WdhError
from work_data_hub.periods import format_span, month_end


def status_command(
    as_json: JsonOutput = False,
    check: Annotated[
        bool, typer.Option("--check", help="One line for monitoring; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.")
    ] = False,
) -> None:
    """How far contracts are synced, pending source corrections, built and stale snapshot months, the last runs."""
    if check:
        _status_check()
        return
    with connect() as conn:
        status = mdm_status(conn)
    if as_json:
        _print_status_json(status)
    else:
        _print_status(status)


def _print_status_json(status) -> None:
    s = status.standing
    # Months as their month-end dates throughout, as periods are everywhere else.
    sync = {
        "first_applied_period": s.first_applied_period,
        "last_applied_period": s.last_applied_period,
        "pending_correction_from": month_end(s.pending_correction_from) if s.pending_correction_from else None,
        "latest_source_month": month_end(s.latest_source_month) if s.latest_source_month else None,
        "current_versions": s.current_versions,
    }
    last = (
        None
        if s.last_run_function is None
        else {
            "function_name": s.last_run_function,
            "status": s.last_run_status,
            "started_at": s.last_run_at,
            "sqlstate": s.last_run_sqlstate,
            "message": s.last_run_message,
            "by": s.last_run_by,
            "application_name": s.last_run_by,  # before release 4's "by"; the same value
        }
    )
    scheduled = (
        None
        if s.scheduled_job_status is None
        else {
            "status": s.scheduled_job_status,
            "started_at": s.scheduled_job_at,
            "message": s.scheduled_job_message,
        }
    )
    typer.echo(
        to_json(
            {
                "sync": sync,
                "snapshots": [asdict(m) for m in status.snapshots],
                "missing_snapshots": s.missing_snapshots,
                "stale_snapshots": s.stale_snapshots,
                "outside_snapshots": s.outside_snapshots,
                "source_holes": [month_end(m) for m in s.source_holes],
                "last_run": last,
                "scheduled_job": scheduled,
                "close_pending": s.close_pending,
                "deployment": {
                    "digest": s.deployed_digest,
                    "migration": s.deployed_migration,
                    "problem": s.deployment_problem,
                },
                "next_delivery": None
                if s.next_delivery_month is None
                else {
                    "period": month_end(s.next_delivery_month),
                    "due": s.next_delivery_due,
                    "overdue": s.delivery_overdue,
                },
            }
        )
    )


def _print_status(status) -> None:
    s = status.standing
    if s.last_applied_period is None:
        echo_fitted(
            "Contracts: not synced yet"
            + (
                f" (source data through {s.latest_source_month:%Y-%m}; run customer-mdm close)"
                if s.latest_source_month
                else " (no source data loaded)"
            )
        )
    else:
        echo_fitted(
            f"Contracts: synced {format_span(s.first_applied_period, s.last_applied_period)}, "
            f"{s.current_versions:,} current versions"
            + (
                f"; source has data through {s.latest_source_month:%Y-%m}: run customer-mdm close"
                if s.sync_behind
                else ""
            )
        )
    if s.pending_correction_from:
        echo_fitted(
            f"Pending source correction from {s.pending_correction_from:%Y-%m}: the next sync replays "
            "history from there (customer-mdm close)"
        )
    else:
        echo_fitted("Pending source corrections: none")
    months = [m.snapshot_month for m in status.snapshots]
    echo_fitted(f"Snapshots: {len(months)} month(s) built: {month_list(months)}" if months else "Snapshots: none built")
    if status.stale:
        echo_fitted(f"Stale snapshots: {month_list([m.snapshot_month for m in status.stale])}")
        for reason in sorted({m.stale_reason for m in status.stale}):
            echo_fitted(f"  {reason}: fix with customer-mdm snapshot --all (or customer-mdm close)")
    else:
        echo_fitted("Stale snapshots: none")
    if s.missing_snapshots:
        echo_fitted(
            f"Synced months without a snapshot: {month_list(s.missing_snapshots)}: "
            "fix with customer-mdm snapshot --all (or customer-mdm close)"
        )
    if s.outside_snapshots:
        echo_fitted(
            f"Snapshot months outside the synced range: {month_list(s.outside_snapshots)}: "
            "remove with customer-mdm snapshot --all (or customer-mdm close)"
        )
    if s.source_holes:
        echo_fitted(
            f"Months missing from 规模明细 between loaded months: {month_list(s.source_holes)}: the sync "
            "refuses to pass them; load them (etl --domain annuity_performance --period YYYYMM --execute)"
        )
    who = "the scheduled close (pg_cron)" if s.last_run_by == "pg_cron" else s.last_run_function
    if s.last_run_status == "running":
        echo_fitted(
            f"Running: {who} since {moment_text(s.last_run_at)}"
            + ("" if s.last_run_by == "pg_cron" else f", by {s.last_run_by}")
        )
    elif s.last_run_status in ("failed", "interrupted"):
        echo_fitted(
            f"Warning: the latest run, {who} at {moment_text(s.last_run_at)}, {s.last_run_status}: "
            f"SQLSTATE {s.last_run_sqlstate}: {s.last_run_message}. "
            + (
                "Fix the cause and run customer-mdm close."
                if s.last_run_status == "failed"
                else "Run customer-mdm close."
            )
        )
    elif s.last_run_status is not None:
        echo_fitted(f"Last run: {who} at {moment_text(s.last_run_at)}, {s.last_run_status}")
    if s.scheduled_job_status is not None and not s.scheduled_job_is_last_run:
        echo_fitted(
            f"Scheduled close (pg_cron): last run {moment_text(s.scheduled_job_at)} {s.scheduled_job_status}"
            + (f": {s.scheduled_job_message}" if s.scheduled_job_status != "succeeded" else "")
        )
    if s.deployment_problem:
        echo_fitted(f"Warning: {s.deployment_problem}")
    if s.next_delivery_month is not None:
        echo_fitted(
            f"Next delivery: {s.next_delivery_month:%Y-%m}, due {s.next_delivery_due:%Y-%m-%d}"
            + (" (overdue)" if s.delivery_overdue else "")
        )


def _status_check() -> None:
    """The monitoring plugin convention: one line, exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
    (customer.monitoring_check decides; UNKNOWN is when it cannot be asked)."""
    try:
        with connect() as conn:
            check = monitoring_check(conn)
    except NotMigrated as exc:  # a package newer than the database's procedures: a deployment problem
        typer.echo(f"WDH CRITICAL - {exc.message} (this package's procedures are not deployed: run db migrate)")
        raise MonitoringExit(2) from None
    except WdhError as exc:
        typer.echo(f"WDH UNKNOWN - {exc.message}")
        raise MonitoringExit(3) from None
    typer.echo(check.line)
    raise MonitoringExit(check.exit_code)


def schedule_command(
    cron: Annotated[
        str,
        typer.Option(
            help="Cron expression for the monthly close: GMT on pg_cron 1.4, cron.timezone on 1.5+ (docs/DBA.md)."
        ),
    ] = "0 3 6 * *",
    remove: Annotated[bool, typer.Option("--remove", help="Remove the job instead.")] = False,
) -> None:
    """Register (or replace) the pg_cron job that runs the monthly close, or remove it."""
    with connect() as conn:
        if remove:
            for job in actions.unschedule(conn):
                typer.echo(f"{'Removed' if job.removed else 'Not registered'}: {job.job_name}")
            return
        jobs = actions.schedule(conn, cron=cron)
    typer.echo("✓ pg_cron job registered:")
    for job in jobs:
        typer.echo(f"  {job.job_name} (job {job.jobid}) '{job.schedule}': {job.command}")
