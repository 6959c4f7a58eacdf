"""`customer-mdm` commands for the business: the snapshot summary, the month's report and a
customer's page, the Excel export, and what each restatement changed."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated

import typer

from work_data_hub.cli.options import JsonOutput, LangOption, QuietOutput, WideOutput, require_named
from work_data_hub.cli.output import report_interrupt, to_json
from work_data_hub.cli.progress import shown
from work_data_hub.cli.tables import (
    restatement_rows,
    restatement_totals,
    show,
    summary_table,
)
from work_data_hub.customer_mdm.editions import snapshot_restatements
from work_data_hub.customer_mdm.explain import (
    customer_page,
)
from work_data_hub.customer_mdm.report import month_export, month_report
from work_data_hub.customer_mdm.summary import snapshot_summary
from work_data_hub.db.connect import connect
from work_data_hub.errors import InvalidInput
from work_data_hub.periods import format_period, parse_moment, parse_period
from work_data_hub.reporting import messages
from work_data_hub.reporting.files import target


def summary_command(
    period: Annotated[str | None, typer.Option(help="Snapshot month (YYYYMM); default: the latest built.")] = None,
    as_json: JsonOutput = False,
    wide: WideOutput = False,
) -> None:
    """Customers per product line in a snapshot month: strategic, existing, new, won, lost, AUM."""
    period_end = parse_period(period) if period else None
    with connect() as conn:
        rows = snapshot_summary(conn, period_end=period_end)
    if as_json:
        typer.echo(to_json([asdict(r) for r in rows]))
        return
    show(summary_table(rows), piped=100, wide=wide)


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
    quiet: QuietOutput = False,
    lang: LangOption = None,
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
        _write_customer_page(company, period, out, lang=messages.language(lang))
        return
    if period is None:
        raise InvalidInput(
            "Give --period YYYYMM (the month's report) or --company ID (a customer's page)",
            hint="e.g. customer-mdm report --period 202612, or customer-mdm report --company C001.",
        )
    with shown(quiet=quiet):
        _write_month_report(parse_period(period), out, months=months or 13, moment=moment)


def _write_customer_page(company: str, period: str | None, out: str | None, *, lang: str) -> None:
    from work_data_hub.reporting.html import write_customer_html  # here: Jinja2 slows every start

    require_named("--company", company)
    period_end = parse_period(period) if period else None
    target(out, "customer.html")  # a wrong --out is refused before anything is read
    with _read_only_interrupt():
        with connect() as conn:
            page = customer_page(conn, company_id=company, period_end=period_end)
        path = target(out, f"customer_{_file_safe(page.company_id)}.html")
        written = write_customer_html(page, path, generated_at=datetime.now(), lang=lang)
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


def _file_safe(text: str) -> str:
    """A company_id as part of a file name: letters, digits, - and _ kept, anything else _."""
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in text.strip())


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
    quiet: QuietOutput = False,
    lang: LangOption = None,
) -> None:
    """Write the month's tables to Excel: product-line grain, plan grain and movements, one sheet each, and notes."""
    from work_data_hub.reporting.excel import write_xlsx  # here: xlsxwriter would slow every command's start

    moment = parse_moment(as_of) if as_of is not None else None
    period_end = parse_period(period)
    path = target(out, f"customer_mdm_{format_period(period_end)}.xlsx")
    with _read_only_interrupt():
        with connect() as conn:
            with shown(quiet=quiet):
                export = month_export(conn, period_end=period_end, as_of=moment)
        written = write_xlsx(export, path, lang=messages.language(lang))
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


def restatements_command(
    period: Annotated[str, typer.Option(help="The snapshot month (YYYYMM).")],
    as_json: JsonOutput = False,
    wide: WideOutput = False,
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
        show(restatement_totals(mine), piped=160, wide=wide)
        show(restatement_rows(mine), piped=160, wide=wide)
