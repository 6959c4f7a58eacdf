"""`customer-mdm` commands that run the work: the sync, the snapshot refreshes, the monthly close,
and the log of those runs."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from work_data_hub.cli.describe import describe_close, describe_replay, moment_text
from work_data_hub.cli.options import JsonOutput, QuietOutput, WideOutput
from work_data_hub.cli.output import to_json
from work_data_hub.cli.progress import shown
from work_data_hub.cli.tables import (
    runs_table,
    show,
)
from work_data_hub.customer_mdm import runs
from work_data_hub.customer_mdm.operations import mdm_status, recent_runs
from work_data_hub.db.connect import connect
from work_data_hub.errors import InvalidInput
from work_data_hub.periods import format_period, format_span, parse_period


def sync_command(
    period: Annotated[
        str | None, typer.Option(help="Sync through this period (YYYYMM); default: the latest loaded month.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Run the real code path, report exact counts, change nothing.")
    ] = False,
    rebuild_from: Annotated[
        str | None, typer.Option(help="Rewind history to just before this period (YYYYMM) and replay it.")
    ] = None,
    as_json: JsonOutput = False,
    quiet: QuietOutput = False,
) -> None:
    """Bring the SCD2 contract history up to date (customer.sync_contract_status)."""
    period_end = parse_period(period) if period else None
    rebuild_period = parse_period(rebuild_from) if rebuild_from else None
    if not as_json:
        typer.echo("🔄 Starting contract status sync...")
    with connect() as conn:
        with shown(quiet=quiet):
            outcome = runs.sync(conn, dry_run=dry_run, period_end=period_end, rebuild_from=rebuild_period)
    if as_json:
        typer.echo(to_json([asdict(r) for r in outcome.rows]))
        return
    rows = outcome.rows
    if not outcome.applied:
        typer.echo(
            f"✓ Already synced: contract history is applied through "
            f"{format_period(outcome.before.last_applied_period)}, so "
            f"{format_period(rows[-1].period_end)} needs no work; nothing was changed."
        )
        return
    typer.echo("✓ Sync completed:")
    typer.echo(f"  Inserted: {sum(r.inserted for r in rows)}")
    typer.echo(f"  Updated: {sum(r.updated for r in rows)}")
    typer.echo(f"  Total processed: {sum(r.total for r in rows)}")
    typer.echo(f"  Lapsed: {sum(r.lapsed for r in rows)}")
    typer.echo(f"  Periods: {format_span(rows[0].period_end, rows[-1].period_end)} ({len(rows)})")
    if outcome.change is not None:
        why = "a rebuild was requested" if outcome.rebuilt else "the source changed"
        typer.echo(f"  {describe_replay(outcome.replay_from, outcome.change, why=why)}")
    if dry_run:
        typer.echo("  Dry run: no changes were made.")


def snapshot_command(
    period: Annotated[str | None, typer.Option(help="The month to refresh (YYYYMM).", show_default=False)] = None,
    all_months: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Every synced month whose snapshot is missing or stale; remove months outside the synced range.",
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Run the real code path, report exact counts, change nothing.")
    ] = False,
    as_json: JsonOutput = False,
    quiet: QuietOutput = False,
) -> None:
    """Rebuild one month (customer.refresh_monthly_snapshot) or all that need it (customer.refresh_snapshots)."""
    if (period is None) == (not all_months):
        raise InvalidInput(
            "Give exactly one of --period YYYYMM and --all",
            hint="--period 202601 rebuilds that month; --all rebuilds every month that needs it.",
        )
    if all_months:
        with shown(quiet=quiet):
            _snapshot_all(dry_run=dry_run, as_json=as_json)
        return
    period_end = parse_period(period)
    if not as_json:
        typer.echo(f"🔄 Starting monthly snapshot refresh for period {format_period(period_end)}...")
    with connect() as conn:
        result = runs.snapshot(conn, period_end=period_end, dry_run=dry_run)
    if as_json:
        typer.echo(to_json(asdict(result)))
        return
    typer.echo("✓ Snapshot refresh completed:")
    typer.echo(f"  ProductLine table: {result.product_line_rows} records")
    typer.echo(f"  Plan table: {result.plan_rows} records")
    typer.echo(f"  Inserted: {result.inserted}, Updated: {result.updated}, Deleted: {result.deleted}")
    if dry_run:
        typer.echo("  Dry run: no changes were made.")


def _snapshot_all(*, dry_run: bool, as_json: bool) -> None:
    if not as_json:
        typer.echo("🔄 Starting snapshot refresh of every month that needs it...")
    with connect() as conn:
        outcome = runs.snapshots(conn, dry_run=dry_run)
    rows = outcome.rows
    if as_json:
        typer.echo(to_json([asdict(r) for r in rows]))
        return
    if not rows:
        typer.echo("✓ Every synced month has a current snapshot; nothing was changed.")
        return
    typer.echo(f"✓ Snapshot refresh completed: {len(rows)} month(s)")
    for r in rows:
        if r.period_end in outcome.removed:
            typer.echo(f"  {format_period(r.period_end)}: outside the synced range, removed {r.deleted} rows")
        else:
            typer.echo(
                f"  {format_period(r.period_end)}: ProductLine {r.product_line_rows}, Plan {r.plan_rows} "
                f"records (inserted {r.inserted}, updated {r.updated}, deleted {r.deleted})"
            )
    if dry_run:
        typer.echo("  Dry run: no changes were made.")


def close_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Run the real code path, report exact counts, change nothing.")
    ] = False,
    as_json: JsonOutput = False,
    quiet: QuietOutput = False,
) -> None:
    """The monthly close: sync, then every snapshot month that needs it (customer.run_monthly_close)."""
    if not as_json:
        typer.echo("🔄 Starting the monthly close...")
    with connect() as conn:
        with shown(quiet=quiet):
            outcome = runs.close(conn, dry_run=dry_run)
    if as_json:
        typer.echo(to_json([asdict(r) for r in outcome.steps]))
        return
    if not outcome.steps:
        typer.echo(f"✓ Monthly close: {describe_close(outcome.steps)[0]}; nothing was changed.")
        return
    typer.echo("✓ Monthly close completed:")
    for line in describe_close(outcome.steps):
        typer.echo(f"  {line[0].upper()}{line[1:]}")
    if outcome.change is not None:
        typer.echo(f"  {describe_replay(outcome.replay_from, outcome.change, why='the source changed')}")
    if dry_run:
        typer.echo("  Dry run: no changes were made.")


def runs_command(
    limit: Annotated[int, typer.Option(help="How many of the latest runs.", min=1)] = 20,
    as_json: JsonOutput = False,
    wide: WideOutput = False,
) -> None:
    """Recent calls of the sync, the refreshes, the close and the rebuild, failed ones too: periods, counts, who."""
    with connect() as conn:
        runs = recent_runs(conn, limit=limit)
        standing = mdm_status(conn).standing  # a scheduled run that never reached the database is not in the log
    if as_json:
        typer.echo(to_json([asdict(r) for r in runs]))
        return
    if not runs:
        typer.echo("No runs recorded yet.")
    else:
        show(runs_table(runs), piped=160, wide=wide)
    if standing.scheduled_job_status not in (None, "succeeded"):
        typer.echo(
            f"The scheduled close (pg_cron) at {moment_text(standing.scheduled_job_at)} "
            f"{standing.scheduled_job_status}: {standing.scheduled_job_message} (it never reached the run "
            "log: cron.job_run_details; docs/DBA.md, Scheduling with pg_cron)"
        )
