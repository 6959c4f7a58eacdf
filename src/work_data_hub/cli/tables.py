"""Every table the commands print, built here from the rows the services return (one module, so
that widths, headers and units are decided in one place), and printed to fit the terminal: a
column that does not fit is dropped, least important first, and said so (--wide shows all)."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import PurePath

import typer
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from work_data_hub.cli.output import literal_console
from work_data_hub.customer_mdm.explain import CURRENT
from work_data_hub.periods import format_period
from work_data_hub.texts import elided


@dataclass
class _Column:
    header: str
    keep: int  # 0: always shown; the highest is dropped first when the table does not fit
    options: dict


@dataclass
class Listing:
    """A table before it knows its width: the columns, each with how much it matters, and rows."""

    title: str
    columns: list[_Column] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)

    def add_column(self, header: str, *, keep: int = 0, **options) -> None:
        self.columns.append(_Column(header, keep, options))

    def add_row(self, *cells) -> None:
        self.rows.append(cells)

    def table(self, shown: list[int] | None = None) -> Listing:
        shown = list(range(len(self.columns))) if shown is None else shown
        table = Table(title=self.title)
        for i in shown:
            column = self.columns[i]
            table.add_column(column.header, **({"overflow": "fold"} | column.options))
        for row in self.rows:
            table.add_row(*(row[i] for i in shown))
        return table


def terminal_width(piped: int | None) -> int | None:
    """The width to fit: $COLUMNS, else the terminal's; `piped` when output goes to a file or a pipe
    (None: the table's own width)."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return piped


def _measure(table: Table) -> Measurement:
    """The table's narrowest and natural widths, whatever the terminal (a console measures at most
    its own width)."""
    unbounded = literal_console(100_000)
    return Measurement.get(unbounded, unbounded.options, table)


def echo_fitted(text: str) -> None:
    """A line of text, wrapped at words to the terminal's width when there is one (`terminal_width`);
    as it is into a file or a pipe."""
    width = terminal_width(None)
    if width is None:
        typer.echo(text)
    else:
        literal_console(width).print(text, overflow="fold")


def show(listing: Listing, *, piped: int | None, wide: bool = False) -> None:
    """Print `listing` to fit the terminal (`terminal_width`): while the table's narrowest form is
    wider, drop the least important column (the rightmost of those) and name the dropped ones.
    `wide`: every column, as wide as it needs."""
    width = terminal_width(piped)
    shown = list(range(len(listing.columns)))
    table = listing.table(shown)
    if wide:
        literal_console(max(width or 0, _measure(table).maximum)).print(table)
        return
    while width is not None and _measure(table).minimum > width:
        droppable = [i for i in shown if listing.columns[i].keep > 0]
        if not droppable:
            break
        drop = max(droppable, key=lambda i: (listing.columns[i].keep, i))
        shown.remove(drop)
        table = listing.table(shown)
    literal_console(width).print(table)
    hidden = [c.header for i, c in enumerate(listing.columns) if i not in shown]
    if hidden:
        echo_fitted(
            f"({len(hidden)} column(s) left out to fit {width} columns: {', '.join(hidden)}; --wide shows them)"
        )


def summary_table(rows) -> Listing:
    """`customer-mdm summary`: customers per product line of a snapshot month."""
    table = Listing(title=f"Snapshot {format_period(rows[0].snapshot_month)}: customers by product line")
    for header in ("Product line", "Customers", "Strategic", "Existing", "New", "Won", "Lost", "AUM (亿元)"):
        keep = {"Strategic": 1, "Existing": 1, "New": 2, "Won": 2, "Lost": 2}.get(header, 0)
        table.add_column(header, keep=keep, justify="left" if header == "Product line" else "right")
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
    return table


def timeline_table(events, title: str) -> Listing:
    """`customer-mdm history`: a customer's timeline, one row per event."""
    table = Listing(title=title)
    for header in ("When", "What", "Plan", "Product line", "Status", "Strategic", "Existing", "AUM", "Note"):
        table.add_column(
            header,
            keep={"Plan": 1, "Product line": 1, "Strategic": 2, "Existing": 2, "Note": 1}.get(header, 0),
            justify="right" if header == "AUM" else "left",
            no_wrap=header in ("When", "AUM"),
        )
    for e in events:
        table.add_row(*_timeline_cells(e))
    return table


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


def restatement_totals(mine) -> Listing:
    """An edition's totals per product line, before → after."""
    totals = Listing(title="Totals before → after")
    for header in ("Product line", "Customers", "Strategic", "New", "Lost", "正常", "停缴", "AUM (yuan)"):
        keep = {"Strategic": 1, "New": 2, "Lost": 2, "正常": 1, "停缴": 1}.get(header, 0)
        totals.add_column(header, keep=keep, justify="left" if header == "Product line" else "right")
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


def restatement_rows(mine) -> Listing:
    """An edition's rows that changed, per grain."""
    changed = Listing(title="Rows that changed")
    for header in ("Grain", "company_id", "Plan", "Product line", "Change", "Fields (before → after)"):
        changed.add_column(header, keep={"Grain": 2, "Plan": 1, "Product line": 1}.get(header, 0))
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


def runs_table(runs) -> Listing:
    """`customer-mdm runs`: the latest runs of the run log."""
    table = Listing(title="Recent runs (customer.v_mdm_runs)")
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
        keep = {"Periods": 1, "Dry": 3, "Duration": 2, "User / application": 3}.get(header, 0)
        table.add_column(header, keep=keep)
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
    return table


def identities_table(found) -> Listing:
    """`customer-mdm identities`: provisional customers, largest AUM first, with candidates."""
    latest = found[0].latest_month
    table = Listing(title=f"Provisional customers ({len(found)}), largest AUM first")
    for header in (
        "company_id",
        "Name",
        "Plans",
        "Months",
        "Rows",
        f"AUM {format_period(latest) if latest else ''}",
        "Candidates (reason, similarity)",
    ):
        keep = {"Plans": 2, "Months": 2, "Rows": 1, "Candidates (reason, similarity)": 1}.get(header, 0)
        justify = "right" if header in ("Rows",) or header.startswith("AUM") else "left"
        table.add_column(header, keep=keep, justify=justify)
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
    return table


def aliases_table(aliases) -> Listing:
    """`customer-mdm alias list`: learned and override aliases, ambiguous ones marked."""
    table = Listing(title=f"Aliases ({len(aliases)})")
    for header in ("Source", "Kind", "Plan", "Alias", "company_id", "Customer", "Months", "Note"):
        table.add_column(header, keep={"Source": 2, "Kind": 1, "Customer": 1, "Months": 2}.get(header, 0))
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
    return table


def loads_table(loads) -> Listing:
    """`etl history`: the load ledger, newest first."""
    table = Listing(title="Loads (business.etl_load_log), newest first")
    for header in (
        "#",
        "Loaded at",
        "Domain",
        "Action",
        "Months",
        "Rows",
        "Replaced",
        "By",
        "Accepted",
        "File",
        "sha256",
    ):
        keep = {"Action": 2, "Replaced": 2, "By": 3, "Accepted": 2, "File": 1, "sha256": 3}.get(header, 0)
        table.add_column(header, keep=keep, justify="right" if header in ("#", "Rows", "Replaced") else "left")
    for r in loads:
        months = (
            format_period(r.months[0])
            if len(r.months) == 1
            else f"{format_period(r.months[0])}–{format_period(r.months[-1])}"
            if r.months
            else ""
        )
        accepted = f"{len(r.deviations_accepted)} deviation(s) by {r.accepted_by}" if r.deviations_accepted else ""
        table.add_row(
            str(r.load_id),
            f"{r.loaded_at:%Y-%m-%d %H:%M:%S}",
            r.domain,
            r.action,
            months,
            f"{r.rows_loaded:,}",
            f"{r.rows_replaced:,}",
            r.loaded_by + (f" ({r.os_user})" if r.os_user else ""),
            accepted,
            r.path,
            r.sha256[:12],
        )
    return table
