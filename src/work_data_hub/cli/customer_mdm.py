"""`customer-mdm` commands: contract status sync and monthly snapshots."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date, datetime
from pathlib import PurePath
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from work_data_hub.cli.describe import describe_close, describe_replay
from work_data_hub.cli.options import JsonOutput
from work_data_hub.cli.output import MonitoringExit, literal_console, report_interrupt, to_json
from work_data_hub.customer_mdm import actions, runs
from work_data_hub.customer_mdm.editions import snapshot_restatements
from work_data_hub.customer_mdm.explain import (
    CURRENT,
    canonical,
    customer_page,
    customer_timeline,
    explain_contract,
    merged_into,
)
from work_data_hub.customer_mdm.identity import list_aliases, provisional_identities
from work_data_hub.customer_mdm.operations import mdm_status, monitoring_check, recent_runs
from work_data_hub.customer_mdm.report import month_export, month_report
from work_data_hub.customer_mdm.summary import snapshot_summary
from work_data_hub.db.connect import connect
from work_data_hub.errors import InvalidInput, NotMigrated, WdhError
from work_data_hub.periods import format_period, format_span, month_end, parse_moment, parse_period
from work_data_hub.reporting.files import target
from work_data_hub.texts import elided

customer_mdm_app = typer.Typer(
    help="Customer master data: contract history and monthly snapshots.", no_args_is_help=True
)
alias_app = typer.Typer(
    help="Override aliases: which customer a name belongs to, for rows without company_id.", no_args_is_help=True
)
customer_mdm_app.add_typer(alias_app, name="alias")


@customer_mdm_app.command("sync")
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
) -> None:
    """Bring the SCD2 contract history up to date (customer.sync_contract_status)."""
    period_end = parse_period(period) if period else None
    rebuild_period = parse_period(rebuild_from) if rebuild_from else None
    if not as_json:
        typer.echo("🔄 Starting contract status sync...")
    with connect() as conn:
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


@customer_mdm_app.command("snapshot")
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
) -> None:
    """Rebuild one month (customer.refresh_monthly_snapshot) or all that need it (customer.refresh_snapshots)."""
    if (period is None) == (not all_months):
        raise InvalidInput(
            "Give exactly one of --period YYYYMM and --all",
            hint="--period 202601 rebuilds that month; --all rebuilds every month that needs it.",
        )
    if all_months:
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


@customer_mdm_app.command("close")
def close_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Run the real code path, report exact counts, change nothing.")
    ] = False,
    as_json: JsonOutput = False,
) -> None:
    """The monthly close: sync, then every snapshot month that needs it (customer.run_monthly_close)."""
    if not as_json:
        typer.echo("🔄 Starting the monthly close...")
    with connect() as conn:
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


@customer_mdm_app.command("summary")
def summary_command(
    period: Annotated[str | None, typer.Option(help="Snapshot month (YYYYMM); default: the latest built.")] = None,
    as_json: JsonOutput = False,
) -> None:
    """Customers per product line in a snapshot month: strategic, existing, new, won, lost, AUM."""
    period_end = parse_period(period) if period else None
    with connect() as conn:
        rows = snapshot_summary(conn, period_end=period_end)
    if as_json:
        typer.echo(to_json([asdict(r) for r in rows]))
        return
    table = Table(title=f"Snapshot {format_period(rows[0].snapshot_month)}: customers by product line")
    for header in ("Product line", "Customers", "Strategic", "Existing", "New", "Won", "Lost", "AUM (亿元)"):
        table.add_column(header, justify="left" if header == "Product line" else "right")
    for r in rows:
        table.add_row(
            f"{r.product_line_code} {r.product_line_name or ''}",
            f"{r.customers:,}",
            f"{r.strategic:,}",
            f"{r.existing:,}",
            f"{r.new:,}",
            f"{r.won:,}",
            f"{r.lost:,}",
            f"{r.aum_balance / 10**8:,.2f}",
        )
    literal_console(100).print(table)


def _month_list(months: list) -> str:
    """Every month when few; else the first and last six around an ellipsis, with the count."""
    return elided([format_period(m) for m in months], head=6, tail=6) + (
        f" ({len(months)} in all)" if len(months) > 12 else ""
    )


@customer_mdm_app.command("report")
def report_command(
    period: Annotated[
        str | None,
        typer.Option(
            help="The month to report (YYYYMM); with --company the month the page explains (default: the last synced).",
            show_default=False,
        ),
    ] = None,
    company: Annotated[
        str | None,
        typer.Option("--company", help="Write this customer's page instead of the month's report.", show_default=False),
    ] = None,
    months: Annotated[
        int | None,
        typer.Option(
            min=2, max=120, help="Months in the trend charts of the month's report.  [default: 13]", show_default=False
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="TIMESTAMP",
            help="The month's report as it would have been written then (YYYY-MM-DD[ HH:MM[:SS]][+08:00]).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        str | None,
        typer.Option(
            metavar="FILE.html",
            help="The file (or folder) to write; default: reports/customer_mdm_YYYYMM.html "
            "(reports/customer_ID.html with --company).",
        ),
    ] = None,
) -> None:
    """Write the month's report, or with --company a customer's page: one self-contained HTML page."""
    moment = parse_moment(as_of) if as_of is not None else None
    if company is not None:
        if moment is not None:
            raise InvalidInput(
                "--as-of goes with --period (the month's report), not with --company",
                hint="A customer's page shows the history as it is now: leave --as-of out.",
            )
        if months is not None:
            raise InvalidInput(
                "--months goes with --period (the month's report's trend), not with --company",
                hint="A customer's page charts the customer's whole history: leave --months out.",
            )
        _write_customer_page(company, period, out)
        return
    if period is None:
        raise InvalidInput(
            "Give --period YYYYMM (the month's report) or --company ID (a customer's page)",
            hint="e.g. customer-mdm report --period 202612, or customer-mdm report --company C001.",
        )
    _write_month_report(parse_period(period), out, months=months or 13, moment=moment)


def _write_customer_page(company: str, period: str | None, out: str | None) -> None:
    from work_data_hub.reporting.html import write_customer_html  # here: Jinja2 slows every start

    _required("--company", company)
    period_end = parse_period(period) if period else None
    target(out, "customer.html")  # a wrong --out is refused before anything is read
    with _read_only_interrupt():
        with connect() as conn:
            page = customer_page(conn, company_id=company, period_end=period_end)
        path = target(out, f"customer_{_file_safe(page.company_id)}.html")
        written = write_customer_html(page, path, generated_at=datetime.now())
    typer.echo(str(written.resolve()))


def _write_month_report(period_end: date, out: str | None, *, months: int, moment: datetime | None) -> None:
    from work_data_hub.reporting.html import write_html  # here: Jinja2 slows every start

    path = target(out, f"customer_mdm_{format_period(period_end)}.html")
    with _read_only_interrupt():
        with connect() as conn:
            report = month_report(conn, period_end=period_end, months=months, as_of=moment)
        written = write_html(report, path, generated_at=datetime.now())
    _warn_standing(report.standing)
    typer.echo(str(written.resolve()))


def _required(option: str, value: str | None) -> None:
    """An option a user left blank is refused here, in the CLI's words, not the SQL's."""
    if value is not None and not value.strip():
        example = {"--company": "--company C001", "--plan": "--plan P0001", "--product-line": "--product-line PL202"}
        raise InvalidInput(f"{option} is empty", hint=f"Name it, e.g. {example[option]}.")


def _file_safe(text: str) -> str:
    """A company_id as part of a file name: letters, digits, - and _ kept, anything else _."""
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in text.strip())


RULE_LABELS = {
    "contract": "Contract",
    "pending_correction": "Pending correction",
    "in_force": "In force",
    "aum": "AUM",
    "contribution_12m": "供款, 12 months",
    "contract_status": "Status",
    "is_strategic": "Strategic",
    "is_existing": "Existing",
    "status_year": "Status year",
    "version": "Version in effect",
    "previous_version": "Version before",
}
YES_NO = {"true": "yes", "false": "no"}


@customer_mdm_app.command("explain")
def explain_command(
    company: Annotated[str, typer.Option("--company", help="The customer's company_id.")],
    plan: Annotated[str, typer.Option("--plan", help="The plan code (计划代码).")],
    product_line: Annotated[str, typer.Option("--product-line", help="The product line code (产品线代码).")],
    period: Annotated[str, typer.Option(help="The month (YYYYMM).")],
    as_json: JsonOutput = False,
) -> None:
    """Why a contract stands as it does in a month: each rule with the figures it used (docs/RULES.md)."""
    for option, value in (("--company", company), ("--plan", plan), ("--product-line", product_line)):
        _required(option, value)
    period_end = parse_period(period)
    with connect() as conn:
        rules = explain_contract(
            conn, company_id=company, plan_code=plan, product_line_code=product_line, period_end=period_end
        )
    if as_json:
        typer.echo(to_json([asdict(r) for r in rules]))
        return
    for r in rules:
        if r.rule == "contract":
            typer.echo(f"Contract {r.outcome} at {format_period(period_end)}: {r.detail}")
            continue
        outcome = YES_NO.get(r.outcome, r.outcome)
        typer.echo(f"  {RULE_LABELS.get(r.rule, r.rule)}: {outcome}. {r.detail}")


@customer_mdm_app.command("history")
def history_command(
    company: Annotated[str, typer.Option("--company", help="The customer's company_id.")],
    plan: Annotated[
        str | None, typer.Option("--plan", help="Only this plan's versions and the months of its product lines.")
    ] = None,
    as_json: JsonOutput = False,
) -> None:
    """A customer's timeline, oldest first: contract versions, snapshot months, merges, aliases, loads."""
    _required("--company", company)
    _required("--plan", plan)
    with connect() as conn:
        timeline = customer_timeline(conn, company_id=company)
        company = canonical(conn, company) or company
        plan = canonical(conn, plan) if plan is not None else None
        gone = merged_into(conn, company)
    if gone is None and plan is not None and not any(e.plan_code == plan for e in timeline):
        plans = sorted({e.plan_code for e in timeline if e.kind == "version"})
        raise InvalidInput(
            f"Customer {company} has no contract in plan {plan}",
            hint=f"Its plans: {', '.join(plans)}." if plans else "It has no contract.",
        )
    if plan is not None:
        timeline = [
            e
            for e in timeline
            if e.plan_code == plan
            or e.kind in ("customer", "merge_in", "merge_out")
            or (e.kind in ("alias", "load") and e.plan_code is None)
        ]
    if as_json:
        typer.echo(to_json([asdict(e) for e in timeline]))
        return
    customer = next((e for e in timeline if e.kind == "customer"), None)
    if gone is not None:
        typer.echo(
            f"{company} is no longer a customer: it {gone.sentence()} (customer-mdm history --company {gone.holder})."
        )
    elif customer is not None:
        typer.echo(f"{company} {customer.reference}" + (f": {customer.detail}" if customer.detail else ""))
    shown = [e for e in timeline if e.kind != "customer" and e.kind != ("month" if plan else "plan_month")]
    if not shown:
        typer.echo("Nothing else is known of it: no contract, snapshot month, merge, alias or load.")
        return
    table = Table(title=f"Timeline of {company}" + (f", plan {plan} (its own AUM)" if plan else ""))
    for header in ("When", "What", "Plan", "Product line", "Status", "Strategic", "Existing", "AUM", "Note"):
        table.add_column(
            header, justify="right" if header == "AUM" else "left", overflow="fold", no_wrap=header in ("When", "AUM")
        )
    for e in shown:
        table.add_row(*_timeline_cells(e))
    literal_console(None if sys.stdout.isatty() else 200).print(table)


def _flag(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"


def _timeline_cells(e) -> list[str]:
    """One timeline row as the history table shows it."""
    line = f"{e.product_line_code} {e.product_line_name or ''}".strip() if e.product_line_code else ""
    if e.kind == "version":
        until = "current" if e.ends == CURRENT else str(e.ends)
        return [
            str(e.starts),
            f"version until {until}",
            e.plan_code or "",
            line,
            e.contract_status or "",
            _flag(e.is_strategic),
            _flag(e.is_existing),
            "",
            e.detail or "",
        ]
    if e.kind == "plan_month":
        return [
            str(e.starts),
            "snapshot",
            e.plan_code or "",
            line,
            e.contract_status or "",
            "",
            "",
            f"{e.aum_balance:,.2f}",
            "lost" if e.is_lost else "",
        ]
    if e.kind == "month":
        flags = ", ".join(name for name, on in (("new", e.is_new), ("won", e.is_won), ("lost", e.is_lost)) if on)
        return [
            str(e.starts),
            "snapshot",
            "",
            line,
            "",
            _flag(e.is_strategic),
            _flag(e.is_existing),
            f"{e.aum_balance:,.2f}",
            "; ".join(x for x in (flags, e.detail) if x),
        ]
    if e.kind == "alias":
        seen = " – ".join(dict.fromkeys(f"{m:%Y%m}" for m in (e.starts, e.ends) if m))
        return [
            str(e.starts or ""),
            "alias",
            e.plan_code or "",
            "",
            "",
            "",
            "",
            "",
            f"{e.reference} ({e.detail}{', seen ' + seen if seen else ''})",
        ]
    if e.kind == "load":
        return [str(e.starts), "load", "", "", "", "", "", "", f"{e.detail}: {PurePath(e.reference or '').name}"]
    return [str(e.starts), e.kind.replace("_", " "), e.plan_code or "", line, "", "", "", "", e.detail or ""]


@customer_mdm_app.command("export")
def export_command(
    period: Annotated[str, typer.Option(help="The month to export (YYYYMM).")],
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="TIMESTAMP",
            help="The month's tables as they stood then (YYYY-MM-DD[ HH:MM[:SS]][+08:00]).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        str | None,
        typer.Option(
            metavar="FILE.xlsx", help="The file (or folder) to write; default: reports/customer_mdm_YYYYMM.xlsx."
        ),
    ] = None,
) -> None:
    """Write the month's tables to Excel: product-line grain, plan grain and movements, one sheet each."""
    from work_data_hub.reporting.excel import write_xlsx  # here: xlsxwriter would slow every command's start

    moment = parse_moment(as_of) if as_of is not None else None
    period_end = parse_period(period)
    path = target(out, f"customer_mdm_{format_period(period_end)}.xlsx")
    with _read_only_interrupt():
        with connect() as conn:
            export = month_export(conn, period_end=period_end, as_of=moment)
        written = write_xlsx(export, path)
    _warn_standing(export.standing)
    typer.echo(str(written.resolve()))


@contextlib.contextmanager
def _read_only_interrupt() -> Iterator[None]:
    """Ctrl-C in a command that only reads and writes one file: say that, not what a writer would."""
    try:
        yield
    except KeyboardInterrupt:
        report_interrupt(
            "interrupted: no file was written (an earlier one stays as it was) and the database is "
            "unchanged: this command only reads it",
            "Run the same command again.",
        )
        raise typer.Exit(130) from None


def _warn_standing(standing) -> None:
    """What the page's header says when the month's snapshot is not to be trusted, on stderr too."""
    if standing.refreshed_at is None:
        typer.echo(
            f"Warning: the snapshot of {format_period(standing.period_end)} is not built: its tables are "
            "empty (`customer-mdm close` builds it).",
            err=True,
        )
    elif standing.stale_since is not None:
        typer.echo(
            f"Warning: the snapshot of {format_period(standing.period_end)} is stale since "
            f"{standing.stale_since:%Y-%m-%d %H:%M} ({standing.stale_reason}); `customer-mdm close` "
            "rebuilds it.",
            err=True,
        )


@customer_mdm_app.command("restatements")
def restatements_command(
    period: Annotated[str, typer.Option(help="The snapshot month (YYYYMM).")],
    as_json: JsonOutput = False,
) -> None:
    """What each rebuild of a snapshot month changed, edition by edition: totals, customers, contracts."""
    period_end = parse_period(period)
    with connect() as conn:
        rows = snapshot_restatements(conn, period_end=period_end)
    if as_json:
        typer.echo(to_json([asdict(r) for r in rows]))
        return
    if not rows:
        typer.echo(f"{format_period(period_end)} has not been restated: its snapshot is as first built (or not built).")
        return
    console = literal_console(160)
    for edition in dict.fromkeys(r.edition for r in rows):
        mine = [r for r in rows if r.edition == edition]
        first = mine[0]
        typer.echo(
            f"Edition {edition} of {format_period(period_end)}, built {first.built_at:%Y-%m-%d %H:%M:%S} by "
            f"{first.built_by}: {first.reason}"
            + (
                f"; loads since the edition before: {', '.join(f'#{i}' for i in first.load_ids)}"
                if first.load_ids
                else ""
            )
            + (f"; merges: {', '.join(f'#{i}' for i in first.merge_ids)}" if first.merge_ids else "")
        )
        if first.change == "pruned":
            typer.echo(f"  Its rows were pruned on {first.after['pruned_at']} by {first.after['pruned_by']}.")
            continue
        console.print(_restatement_totals(mine))
        console.print(_restatement_rows(mine))


def _restatement_totals(mine) -> Table:
    """An edition's totals per product line, before → after."""
    totals = Table(title="Totals before → after")
    for header in ("Product line", "Customers", "Strategic", "New", "Lost", "正常", "停缴", "AUM (yuan)"):
        totals.add_column(header, justify="left" if header == "Product line" else "right")
    for r in (r for r in mine if r.grain == "total"):
        totals.add_row(
            r.product_line_code or "全部",
            *(
                _before_after(r, key)
                for key in (
                    "customers",
                    "strategic",
                    "new",
                    "lost",
                    "contracts_normal",
                    "contracts_stopped",
                    "aum_balance",
                )
            ),
        )
    return totals


def _restatement_rows(mine) -> Table:
    """An edition's rows that changed, per grain."""
    changed = Table(title="Rows that changed")
    for header in ("Grain", "company_id", "Plan", "Product line", "Change", "Fields (before → after)"):
        changed.add_column(header)
    for r in (r for r in mine if r.grain in ("product_line", "plan")):
        fields = "; ".join(
            f"{k} {(r.before or {}).get(k)} → {(r.after or {}).get(k)}"
            for k in r.changed_fields()
            if k not in ("customer_name", "plan_name", "product_line_name") or r.change == "changed"
        )
        present = r.after if r.change == "added" else r.before
        changed.add_row(
            r.grain,
            r.company_id,
            r.plan_code or "",
            r.product_line_code,
            r.change,
            fields
            if r.change == "changed"
            else f"aum_balance {present.get('aum_balance')}"
            + (f", {present['contract_status']}" if "contract_status" in present else ""),
        )
    return changed


def _before_after(r, key: str) -> str:
    """A total before → after (one figure when unchanged; AUM in yuan to the cent; — when absent)."""
    before, after = ((side or {}).get(key) for side in (r.before, r.after))

    def text(value) -> str:
        return "—" if value is None else f"{value:,.2f}" if key == "aum_balance" else str(value)

    return text(after) if before == after else f"{text(before)} → {text(after)}"


@customer_mdm_app.command("status")
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
        typer.echo(
            "Contracts: not synced yet"
            + (
                f" (source data through {s.latest_source_month:%Y-%m}; run customer-mdm close)"
                if s.latest_source_month
                else " (no source data loaded)"
            )
        )
    else:
        typer.echo(
            f"Contracts: synced {format_span(s.first_applied_period, s.last_applied_period)}, "
            f"{s.current_versions:,} current versions"
            + (
                f"; source has data through {s.latest_source_month:%Y-%m}: run customer-mdm close"
                if s.sync_behind
                else ""
            )
        )
    if s.pending_correction_from:
        typer.echo(
            f"Pending source correction from {s.pending_correction_from:%Y-%m}: the next sync replays "
            "history from there (customer-mdm close)"
        )
    else:
        typer.echo("Pending source corrections: none")
    months = [m.snapshot_month for m in status.snapshots]
    typer.echo(f"Snapshots: {len(months)} month(s) built: {_month_list(months)}" if months else "Snapshots: none built")
    if status.stale:
        typer.echo(f"Stale snapshots: {_month_list([m.snapshot_month for m in status.stale])}")
        for reason in sorted({m.stale_reason for m in status.stale}):
            typer.echo(f"  {reason}: fix with customer-mdm snapshot --all (or customer-mdm close)")
    else:
        typer.echo("Stale snapshots: none")
    if s.missing_snapshots:
        typer.echo(
            f"Synced months without a snapshot: {_month_list(s.missing_snapshots)}: "
            "fix with customer-mdm snapshot --all (or customer-mdm close)"
        )
    if s.outside_snapshots:
        typer.echo(
            f"Snapshot months outside the synced range: {_month_list(s.outside_snapshots)}: "
            "remove with customer-mdm snapshot --all (or customer-mdm close)"
        )
    if s.source_holes:
        typer.echo(
            f"Months missing from 规模明细 between loaded months: {_month_list(s.source_holes)}: the sync "
            "refuses to pass them; load them (etl --domain annuity_performance --period YYYYMM --execute)"
        )
    who = "the scheduled close (pg_cron)" if s.last_run_by == "pg_cron" else s.last_run_function
    if s.last_run_status == "running":
        typer.echo(
            f"Running: {who} since {_when(s.last_run_at)}"
            + ("" if s.last_run_by == "pg_cron" else f", by {s.last_run_by}")
        )
    elif s.last_run_status in ("failed", "interrupted"):
        typer.echo(
            f"Warning: the latest run, {who} at {_when(s.last_run_at)}, {s.last_run_status}: "
            f"SQLSTATE {s.last_run_sqlstate}: {s.last_run_message}. "
            + (
                "Fix the cause and run customer-mdm close."
                if s.last_run_status == "failed"
                else "Run customer-mdm close."
            )
        )
    elif s.last_run_status is not None:
        typer.echo(f"Last run: {who} at {_when(s.last_run_at)}, {s.last_run_status}")
    if s.scheduled_job_status is not None and not s.scheduled_job_is_last_run:
        typer.echo(
            f"Scheduled close (pg_cron): last run {_when(s.scheduled_job_at)} {s.scheduled_job_status}"
            + (f": {s.scheduled_job_message}" if s.scheduled_job_status != "succeeded" else "")
        )
    if s.deployment_problem:
        typer.echo(f"Warning: {s.deployment_problem}")
    if s.next_delivery_month is not None:
        typer.echo(
            f"Next delivery: {s.next_delivery_month:%Y-%m}, due {s.next_delivery_due:%Y-%m-%d}"
            + (" (overdue)" if s.delivery_overdue else "")
        )


def _when(moment) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment is not None else "(time not recorded)"


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


@customer_mdm_app.command("runs")
def runs_command(
    limit: Annotated[int, typer.Option(help="How many of the latest runs.", min=1)] = 20,
    as_json: JsonOutput = False,
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
        table = Table(title="Recent runs (customer.v_mdm_runs)")
        for header in (
            "#",
            "Started",
            "Function",
            "Status",
            "Periods",
            "Dry",
            "Counts / error",
            "Duration",
            "User / application",
        ):
            table.add_column(header)
        for r in runs:
            periods = " – ".join(dict.fromkeys(format_period(p) for p in (r.period_start, r.period_end) if p))
            counts = ", ".join(f"{k} {v}" for k, v in r.counts.items() if v is not None and k != "scheduled")
            if r.status == "failed":
                counts = f"SQLSTATE {r.sqlstate}: {r.message}"
            table.add_row(
                str(r.run_id),
                f"{r.started_at:%Y-%m-%d %H:%M:%S}",
                r.function_name,
                Text(r.status, style="red" if r.status in ("failed", "interrupted") else ""),
                periods,
                "yes" if r.dry_run else "",
                counts,
                f"{r.duration.total_seconds():.2f} s" if r.duration is not None else "…",
                f"{r.db_user} / {r.application_name or ''}",
            )
        literal_console(160).print(table)
    if standing.scheduled_job_status not in (None, "succeeded"):
        typer.echo(
            f"The scheduled close (pg_cron) at {_when(standing.scheduled_job_at)} "
            f"{standing.scheduled_job_status}: {standing.scheduled_job_message} (it never reached the run "
            "log: cron.job_run_details; docs/DBA.md, Scheduling with pg_cron)"
        )


@customer_mdm_app.command("schedule")
def schedule_command(
    cron: Annotated[
        str, typer.Option(help="Cron expression for the monthly close (pg_cron, server time).")
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


@customer_mdm_app.command("identities")
def identities_command(
    as_json: JsonOutput = False,
) -> None:
    """Provisional customers (IN… ids the loader gave to names it could not resolve) and candidate matches."""
    with connect() as conn:
        found = provisional_identities(conn)
    if as_json:
        typer.echo(to_json([asdict(p) for p in found]))
        return
    if not found:
        typer.echo("No provisional customers: every loaded row's customer is known.")
        return
    latest = found[0].latest_month
    table = Table(title=f"Provisional customers ({len(found)}), largest AUM first")
    for header in (
        "company_id",
        "Name",
        "Plans",
        "Months",
        "Rows",
        f"AUM {format_period(latest) if latest else ''}",
        "Candidates (reason, similarity)",
    ):
        table.add_column(header, justify="right" if header in ("Rows",) or header.startswith("AUM") else "left")
    for p in found:
        months = " – ".join(dict.fromkeys(f"{m:%Y%m}" for m in (p.first_month, p.last_month) if m))
        candidates = "\n".join(
            f"{c['company_id']} {c['customer_name']} ({c['reason']}, {c['similarity']})"
            + (" provisional" if c["provisional"] else "")
            for c in p.candidates[:3]
        )
        table.add_row(
            p.company_id,
            p.customer_name,
            elided(p.plans, head=3),
            months,
            f"{p.source_rows:,}" + (f" + {p.ledger_rows:,} ledger" if p.ledger_rows else ""),
            f"{p.latest_aum:,.2f}",
            candidates or "none",
        )
    literal_console(180).print(table)
    typer.echo("Fold one into the real customer: customer-mdm merge --from IN… --into COMPANY_ID [--dry-run]")


@customer_mdm_app.command("merge")
def merge_command(
    from_id: Annotated[str, typer.Option("--from", help="The customer to fold in (a provisional IN… id).")],
    into_id: Annotated[str, typer.Option("--into", help="The real company_id: an existing customer or a new id.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would move; change nothing.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Allow merging a customer that is not provisional.")] = False,
) -> None:
    """Fold one customer into another: source, ledger, plan and alias rows move; history replays at the next close."""
    with connect() as conn:
        moved = actions.merge(conn, from_id=from_id, into_id=into_id, dry_run=dry_run, force=force)
    typer.echo(f"{'Dry run: would merge' if dry_run else '✓ Merged'} {from_id} into {into_id}:")
    for row in moved:
        typer.echo(f"  {row.table_name}{'' if row.action == 'moved' else f' ({row.action})'}: {row.rows_moved:,}")
    if any(row.action == "created" for row in moved):
        typer.echo(
            f"  Note: {into_id.strip()} was not a customer: it {'would be' if dry_run else 'was'} created with "
            f"the merged customer's name. Check the id if that is not what you meant."
        )
    if dry_run:
        typer.echo("Dry run: no changes were made.")
    else:
        typer.echo(
            "Run customer-mdm close to replay the history and rebuild the snapshots it touches "
            "(the monthly close and the post-ETL hooks also do)."
        )


@alias_app.command("add")
def alias_add_command(
    name: Annotated[str, typer.Option("--name", help="The customer name as the files write it.")],
    company_id: Annotated[str, typer.Option("--company-id", help="The customer it belongs to.")],
    plan: Annotated[str | None, typer.Option("--plan", help="Only within this plan (计划代码).")] = None,
) -> None:
    """Say which customer a name belongs to; loads then resolve rows without company_id by it first."""
    with connect() as conn:
        written = actions.add_alias(conn, name=name, company_id=company_id, plan_code=plan)
    where = f" in plan {written.plan_code}" if written.plan_code else ""
    typer.echo(f"✓ Rows named '{written.alias}'{where} now resolve to {written.company_id} (override alias)")
    if written.replaced:
        typer.echo(f"  It replaces the override to {', '.join(written.replaced)}.")
    if written.provisional_id:
        typer.echo(
            f"  Rows already loaded under this name carry the provisional id {written.provisional_id}: "
            f"customer-mdm merge --from {written.provisional_id} --into {written.company_id}"
        )


@alias_app.command("list")
def alias_list_command(
    source: Annotated[str | None, typer.Option(help="Only 'learned' or 'override' aliases.")] = None,
    as_json: JsonOutput = False,
) -> None:
    """The aliases the loader learned and the stewards told, ambiguous ones marked."""
    if source not in (None, "learned", "override"):
        raise InvalidInput(f"--source must be learned or override, not {source!r}")
    with connect() as conn:
        aliases = list_aliases(conn, source=source)
    if as_json:
        typer.echo(to_json([asdict(a) for a in aliases]))
        return
    if not aliases:
        typer.echo(
            f"No {source} aliases." if source else "No aliases yet: loads learn them from rows that carry a company_id."
        )
        return
    table = Table(title=f"Aliases ({len(aliases)})")
    for header in ("Source", "Kind", "Plan", "Alias", "company_id", "Customer", "Months", "Note"):
        table.add_column(header)
    for a in aliases:
        months = " – ".join(dict.fromkeys(f"{m:%Y%m}" for m in (a.first_month, a.last_month) if m))
        table.add_row(
            a.source,
            a.kind,
            a.plan_code,
            a.alias,
            a.company_id,
            a.customer_name or "",
            months,
            Text("ambiguous", style="yellow") if a.ambiguous else "",
        )
    literal_console(160).print(table)
