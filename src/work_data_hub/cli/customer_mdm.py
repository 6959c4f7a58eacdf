"""`customer-mdm` commands: contract status sync and monthly snapshots."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from work_data_hub.customer_mdm.operations import mdm_status, recent_runs
from work_data_hub.customer_mdm.scheduling import schedule_mdm_jobs, unschedule_mdm_jobs
from work_data_hub.customer_mdm.snapshot import refresh_monthly_snapshot
from work_data_hub.customer_mdm.summary import snapshot_summary
from work_data_hub.customer_mdm.sync import request_contract_rebuild, sync_contract_status
from work_data_hub.db.connect import connect
from work_data_hub.periods import format_period, format_span, parse_period

customer_mdm_app = typer.Typer(help="Customer master data: contract history and monthly snapshots.",
                               no_args_is_help=True)


@customer_mdm_app.command("sync")
def sync_command(
    period: Annotated[str | None, typer.Option(
        help="Sync through this period (YYYYMM); default: the latest loaded month.")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Run the real code path, report exact counts, change nothing.")] = False,
    rebuild_from: Annotated[str | None, typer.Option(
        help="Rewind history to just before this period (YYYYMM) and replay it.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the per-period rows as JSON.")] = False,
) -> None:
    """Bring the SCD2 contract history up to date (customer.sync_contract_status)."""
    period_end = parse_period(period) if period else None
    rebuild_period = parse_period(rebuild_from) if rebuild_from else None
    if not as_json:
        typer.echo("🔄 Starting contract status sync...")
    with connect() as conn:
        if rebuild_period:
            request_contract_rebuild(conn, from_period=rebuild_period)
        rows = sync_contract_status(conn, dry_run=dry_run, period_end=period_end)
        if dry_run and rebuild_period:
            conn.rollback()  # a dry run leaves the rebuild request undone too (and so its run log row)
    if as_json:
        typer.echo(json.dumps([{**asdict(r), "period_end": r.period_end.isoformat()} for r in rows]))
        return
    typer.echo("✓ Sync completed:")
    typer.echo(f"  Inserted: {sum(r.inserted for r in rows)}")
    typer.echo(f"  Updated: {sum(r.updated for r in rows)}")
    typer.echo(f"  Total processed: {sum(r.total for r in rows)}")
    typer.echo(f"  Lapsed: {sum(r.lapsed for r in rows)}")
    typer.echo(f"  Periods: {format_span(rows[0].period_end, rows[-1].period_end)} ({len(rows)})")
    if dry_run:
        typer.echo("  Dry run: no changes were made.")


@customer_mdm_app.command("snapshot")
def snapshot_command(
    period: Annotated[str, typer.Option(help="The month to refresh (YYYYMM).")],
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Run the real code path, report exact counts, change nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result row as JSON.")] = False,
) -> None:
    """Rebuild one month of both snapshot fact tables (customer.refresh_monthly_snapshot)."""
    period_end = parse_period(period)
    if not as_json:
        typer.echo(f"🔄 Starting monthly snapshot refresh for period {format_period(period_end)}...")
    with connect() as conn:
        result = refresh_monthly_snapshot(conn, period_end=period_end, dry_run=dry_run)
    if as_json:
        typer.echo(json.dumps({**asdict(result), "period_end": result.period_end.isoformat()}))
        return
    typer.echo("✓ Snapshot refresh completed:")
    typer.echo(f"  ProductLine table: {result.product_line_rows} records")
    typer.echo(f"  Plan table: {result.plan_rows} records")
    typer.echo(f"  Inserted: {result.inserted}, Updated: {result.updated}, Deleted: {result.deleted}")
    if dry_run:
        typer.echo("  Dry run: no changes were made.")


@customer_mdm_app.command("summary")
def summary_command(
    period: Annotated[str | None, typer.Option(
        help="Snapshot month (YYYYMM); default: the latest built.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
) -> None:
    """Customers per product line in a snapshot month: strategic, existing, new, won, lost, AUM."""
    period_end = parse_period(period) if period else None
    with connect() as conn:
        rows = snapshot_summary(conn, period_end=period_end)
    if as_json:
        typer.echo(json.dumps([{**asdict(r), "snapshot_month": r.snapshot_month.isoformat(),
                                "aum_balance": str(r.aum_balance)} for r in rows], ensure_ascii=False))
        return
    table = Table(title=f"Snapshot {format_period(rows[0].snapshot_month)}: customers by product line")
    for header in ("Product line", "Customers", "Strategic", "Existing", "New", "Won", "Lost", "AUM (亿元)"):
        table.add_column(header, justify="left" if header == "Product line" else "right")
    for r in rows:
        table.add_row(f"{r.product_line_code} {r.product_line_name or ''}", f"{r.customers:,}", f"{r.strategic:,}",
                      f"{r.existing:,}", f"{r.new:,}", f"{r.won:,}", f"{r.lost:,}", f"{r.aum_balance / 10**8:,.2f}")
    Console(width=100).print(table)


def _month_list(months: list) -> str:
    text = ", ".join(format_period(m) for m in months[:12])
    return text + (f", … ({len(months)} in all)" if len(months) > 12 else "")


@customer_mdm_app.command("status")
def status_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False,
) -> None:
    """How far contracts are synced, pending source corrections, built and stale snapshot months."""
    with connect() as conn:
        status = mdm_status(conn)
    sync = status.sync
    if as_json:
        typer.echo(json.dumps({"sync": asdict(sync), "snapshots": [asdict(s) for s in status.snapshots]},
                              default=str, ensure_ascii=False))
        return
    if sync.last_applied_period is None:
        typer.echo("Contracts: not synced yet" + (f" (source data through {sync.latest_source_month:%Y-%m}; "
                   "run customer-mdm sync)" if sync.latest_source_month else " (no source data loaded)"))
    else:
        behind = (sync.latest_source_month is not None
                  and sync.latest_source_month > sync.last_applied_period)
        typer.echo(f"Contracts: synced {format_span(sync.first_applied_period, sync.last_applied_period)}, "
                   f"{sync.current_versions:,} current versions"
                   + (f"; source has data through {sync.latest_source_month:%Y-%m}: run customer-mdm sync"
                      if behind else ""))
    if sync.pending_correction_from:
        typer.echo(f"Pending source correction from {sync.pending_correction_from:%Y-%m}: the next sync replays "
                   "history from there (customer-mdm sync)")
    else:
        typer.echo("Pending source corrections: none")
    if not status.snapshots:
        typer.echo("Snapshots: none built")
        return
    months = [s.snapshot_month for s in status.snapshots]
    typer.echo(f"Snapshots: {len(months)} month(s) built: {_month_list(months)}")
    if status.stale:
        typer.echo(f"Stale snapshots: {_month_list([s.snapshot_month for s in status.stale])}")
        for reason in sorted({s.stale_reason for s in status.stale}):
            typer.echo(f"  {reason}: refresh with customer-mdm snapshot --period YYYYMM")
    else:
        typer.echo("Stale snapshots: none")


@customer_mdm_app.command("runs")
def runs_command(
    limit: Annotated[int, typer.Option(help="How many of the latest runs.", min=1)] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the runs as JSON.")] = False,
) -> None:
    """Recent calls of the sync, refresh and rebuild functions: periods, counts, duration, who."""
    with connect() as conn:
        runs = recent_runs(conn, limit=limit)
    if as_json:
        typer.echo(json.dumps([asdict(r) for r in runs], default=str, ensure_ascii=False))
        return
    if not runs:
        typer.echo("No runs recorded yet.")
        return
    table = Table(title="Recent runs (customer.v_mdm_runs)")
    for header in ("#", "Started", "Function", "Periods", "Dry", "Counts", "Duration", "User / application"):
        table.add_column(header)
    for r in runs:
        periods = " – ".join(dict.fromkeys(format_period(p) for p in (r.period_start, r.period_end) if p))
        counts = ", ".join(f"{k} {v}" for k, v in r.counts.items() if v is not None)
        table.add_row(str(r.run_id), f"{r.started_at:%Y-%m-%d %H:%M:%S}", r.function_name, periods,
                      "yes" if r.dry_run else "", counts, f"{r.duration.total_seconds():.2f} s",
                      f"{r.db_user} / {r.application_name or ''}")
    Console(width=160).print(table)


@customer_mdm_app.command("schedule")
def schedule_command(
    sync_cron: Annotated[str, typer.Option(help="Cron expression for the contract sync.")] = "0 3 6 * *",
    snapshot_cron: Annotated[str, typer.Option(
        help="Cron expression for the snapshot refresh of the last synced month.")] = "30 3 6 * *",
    remove: Annotated[bool, typer.Option("--remove", help="Remove both jobs instead.")] = False,
) -> None:
    """Register (or replace) the monthly sync and snapshot jobs in pg_cron, or remove them."""
    with connect() as conn:
        if remove:
            for job in unschedule_mdm_jobs(conn):
                typer.echo(f"{'Removed' if job.removed else 'Not registered'}: {job.job_name}")
            return
        jobs = schedule_mdm_jobs(conn, sync_schedule=sync_cron, snapshot_schedule=snapshot_cron)
    typer.echo("✓ pg_cron jobs registered:")
    for job in jobs:
        typer.echo(f"  {job.job_name} (job {job.jobid}) '{job.schedule}': {job.command}")
