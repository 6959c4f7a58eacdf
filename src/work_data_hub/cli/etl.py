"""`etl`: validate a file, show the plan, and with --execute load it and run the post-ETL hooks."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from work_data_hub.db.connect import connect
from work_data_hub.etl.domains import DOMAINS
from work_data_hub.etl.loader import LoadPlan, execute_load, parse_file, plan_load
from work_data_hub.hooks import run_hooks
from work_data_hub.periods import parse_period

DomainName = Enum("DomainName", {name: name for name in DOMAINS}, type=str)  # type: ignore[misc]


def _preview(items: list[tuple], limit: int = 5) -> str:
    shown = ", ".join(" ".join(str(v) for v in item if v) for item in items[:limit])
    return f"{len(items)}" + (f" ({shown}{', …' if len(items) > limit else ''})" if items else "")


def _print_plan(plan: LoadPlan) -> None:
    typer.echo("Plan:")
    months = list(plan.rows_per_month.items())
    for month, rows in months[:12]:
        typer.echo(f"  {month:%Y-%m}: insert {rows:,} rows, delete {plan.rows_to_delete[month]:,} rows")
    if len(months) > 12:
        rest = months[12:]
        typer.echo(f"  … {len(rest)} more months to {rest[-1][0]:%Y-%m}: insert {sum(r for _, r in rest):,} rows, "
                   f"delete {sum(plan.rows_to_delete[m] for m, _ in rest):,} rows")
    typer.echo(f"  New customers: {_preview(plan.new_customers)}")
    typer.echo(f"  New plans: {_preview([(p, n) for p, n, _ in plan.new_plans])}")
    if plan.unusable:
        typer.echo(f"  Rows that cannot form a contract: {sum(plan.unusable.values()):,}")
        for reason, count in sorted(plan.unusable.items()):
            typer.echo(f"    {reason}: {count:,}")


def etl_command(
    domain: Annotated[DomainName, typer.Option(help="What the file holds.")],
    file: Annotated[Path, typer.Option(help="An .xlsx (sheet 规模明细 / 当年中标 / 当年流失, else the first) or UTF-8 .csv.")],
    period: Annotated[str | None, typer.Option(
        help="Expected month (YYYYMM): every row must be of it.")] = None,
    execute: Annotated[bool, typer.Option(
        "--execute", help="Load the file and run the post-ETL hooks. Without it: validate and preview only.")] = False,
    post_hooks: Annotated[bool, typer.Option(
        "--post-hooks/--no-post-hooks", help="Run the post-ETL hooks after loading.")] = True,
) -> None:
    """Load a monthly file: 规模明细 (annuity_performance), 当年中标 (annual_award) or 当年流失 (annual_loss)."""
    spec = DOMAINS[domain.value]
    period_end = parse_period(period) if period else None
    parsed = parse_file(spec, file, period_end)
    sheet = f" (sheet {parsed.sheet})" if parsed.sheet else ""
    typer.echo(f"📄 {spec.name} ← {file}{sheet}: {len(parsed.records):,} rows")
    if parsed.ignored_headers:
        typer.echo(f"  Ignored columns: {', '.join(parsed.ignored_headers)}")
    with connect() as conn:
        plan = plan_load(conn, parsed)
        _print_plan(plan)
        if not execute:
            conn.rollback()
            typer.echo("Preview only: nothing was written and no hook ran. Add --execute to load.")
            return
        result = execute_load(conn, parsed, plan)
    months = (", ".join(f"{m:%Y-%m}" for m in result.months) if len(result.months) <= 3
              else f"{len(result.months)} months {result.months[0]:%Y-%m} … {result.months[-1]:%Y-%m}")
    typer.echo(f"✓ Loaded {result.rows_inserted:,} rows into {spec.schema}.{spec.table_name} "
               f"(replaced {result.rows_deleted:,} rows of {months}); added {result.customers_added} "
               f"customer(s), {result.plans_added} plan(s)")
    if not post_hooks:
        typer.echo("Post-ETL hooks not run (--no-post-hooks).")
        return
    typer.echo("Post-ETL hooks:")
    failed = False
    for outcome in run_hooks(result):
        if outcome.status == "ok":
            typer.echo(f"  ✓ {outcome.name}: {outcome.lines[0]}")
            for line in outcome.lines[1:]:
                typer.echo(f"    {line}")
        elif outcome.status == "skipped":
            typer.echo(f"  - {outcome.name} {outcome.lines[0]}")
        else:
            failed = True
            typer.echo(f"  ✗ {outcome.name} failed: {outcome.error.message}")
            print(f"Error: hook {outcome.name} failed: {outcome.error.message}", file=sys.stderr)
            if outcome.error.hint:
                print(f"Hint: {outcome.error.hint}", file=sys.stderr)
    if failed:
        typer.echo("The loaded data stays; fix the cause and run the failed hook's command (customer-mdm sync / snapshot).")
        raise typer.Exit(1)
