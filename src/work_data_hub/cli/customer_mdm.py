"""`customer-mdm` commands: contract status sync and monthly snapshots."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Optional

import typer

from rich.console import Console
from rich.table import Table

from work_data_hub.customer_mdm.snapshot import refresh_monthly_snapshot
from work_data_hub.customer_mdm.summary import snapshot_summary
from work_data_hub.customer_mdm.sync import request_contract_rebuild, sync_contract_status
from work_data_hub.db.connect import connect
from work_data_hub.periods import format_period, parse_period

customer_mdm_app = typer.Typer(help="Customer master data: contract history and monthly snapshots.",
                               no_args_is_help=True)


@customer_mdm_app.command("sync")
def sync_command(
    period: Annotated[Optional[str], typer.Option(
        help="Sync through this period (YYYYMM); default: the latest loaded month.")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Run the real code path, report exact counts, change nothing.")] = False,
    rebuild_from: Annotated[Optional[str], typer.Option(
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
        if dry_run:
            conn.rollback()  # also undoes the rebuild request of a dry run
    if as_json:
        typer.echo(json.dumps([{**asdict(r), "period_end": r.period_end.isoformat()} for r in rows]))
        return
    typer.echo("✓ Sync completed:")
    typer.echo(f"  Inserted: {sum(r.inserted for r in rows)}")
    typer.echo(f"  Updated: {sum(r.updated for r in rows)}")
    typer.echo(f"  Total processed: {sum(r.total for r in rows)}")
    typer.echo(f"  Lapsed: {sum(r.lapsed for r in rows)}")
    first, last = format_period(rows[0].period_end), format_period(rows[-1].period_end)
    typer.echo(f"  Periods: {first if first == last else f'{first}–{last}'} ({len(rows)})")
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
    period: Annotated[Optional[str], typer.Option(
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
