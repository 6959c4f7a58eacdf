"""How `etl` says what a load plans and did: the plan, the warnings, the identities, the renames,
and the lines of each file of a run (the service's LoadEvents)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import typer

from work_data_hub.cli.output import report_error
from work_data_hub.errors import InvalidInput, WdhError
from work_data_hub.etl.apply import LoadResult
from work_data_hub.etl.domains import Domain
from work_data_hub.etl.inbox import FileState
from work_data_hub.etl.service import FileLoad, Job
from work_data_hub.etl.stage import LoadPlan
from work_data_hub.texts import elided


def _preview(items: list[tuple], limit: int = 5, *, count: int | None = None) -> str:
    """The count (of `items`, or `count` when they are its first few), and the first few items
    (their non-empty fields) in brackets."""
    count = len(items) if count is None else count
    shown = [" ".join(str(v) for v in item if v) for item in items[:limit]]
    return f"{count}" + (f" ({', '.join(shown)}{', …' if count > len(shown) else ''})" if items else "")


def _print_renames(plan: LoadPlan) -> None:
    """Known customers and plans the delivery names differently: they take the new name."""
    if not plan.renames:
        return
    typer.echo(f"    Renamed (the latest delivery's name is taken; the old one stays an alias): {len(plan.renames)}")
    for kind, key, old, new in plan.renames[:10]:
        typer.echo(f"      {kind} {key}: {old} → {new}")
    if len(plan.renames) > 10:
        typer.echo(f"      … {len(plan.renames) - 10} more")


def _print_warnings(plan: LoadPlan) -> None:
    if plan.canonicalised:
        cells = sum(plan.canonicalised.values())
        typer.echo(
            f"    Keys made canonical (full-width or invisible characters, spaces at the ends, a leading "
            f"apostrophe): {cells:,} cell(s): "
            + ", ".join(f"{column} {n:,}" for column, n in plan.canonicalised.items())
        )
    if plan.deviations:
        typer.echo(f"    ⚠ Deviations accepted (--accept-deviations): {len(plan.deviations)}")
        for deviation in plan.deviations:
            typer.echo(f"      {deviation.describe()}")
    if plan.unknown_branches:
        rows = sum(n for _, n in plan.unknown_branches)
        typer.echo(
            f"    Branch names not in mapping.组织架构 (mapped to G00): {len(plan.unknown_branches)}, "
            f"{rows:,} row(s): " + elided([f"{b} ({n:,})" for b, n in plan.unknown_branches], head=10)
        )
    if plan.unusable:
        rows = sum(n for _, n, _ in plan.unusable)
        if plan.aum_total is None:
            typer.echo(f"    Ledger rows that match no contract: {rows:,} (loaded; --strict rejects them)")
        else:
            aum = sum(a or 0 for _, _, a in plan.unusable)
            typer.echo(
                f"    Rows that cannot form a contract: {rows:,}, AUM {aum:,.2f} (loaded; --strict rejects them)"
            )
        for reason, count, amount in plan.unusable:
            typer.echo(f"      {reason}: {count:,} row(s)" + (f", AUM {amount:,.2f}" if amount is not None else ""))
    for note in plan.gate_notes:
        typer.echo(f"    Noted by the anomaly gate (below materiality, not refused): {note.describe()}")
    if plan.vanishing_lines and plan.aum_total is None:
        typer.echo(
            "    ⚠ The months it replaces hold rows of product lines this file has none of: "
            + ", ".join(f"{line} ({n:,} rows)" for line, n in plan.vanishing_lines)
            + " (a missing sheet?)"
        )


RESOLVED_BY = {
    "override": "override",
    "account": "account",
    "plan_name": "plan + name",
    "name": "name",
}


def _rows_aum(rows: int, aum) -> str:
    return f"{rows:,} row(s)" + (f", AUM {aum:,.2f}" if aum is not None else "")


def _print_identities(plan: LoadPlan) -> None:
    """Where the rows' company_id comes from, when some rows came without one."""
    found = {kind: (rows, aum) for kind, rows, aum in plan.identities}
    if "merged" in found:
        typer.echo(
            f"    Rows under a merged id (loaded under the id it was merged into): {_rows_aum(*found.pop('merged'))}"
        )
    if set(found) <= {"file"}:
        return
    resolved = [(RESOLVED_BY[k], *found[k]) for k in RESOLVED_BY if k in found]
    typer.echo(f"    Rows without company_id: {sum(r for k, (r, _) in found.items() if k != 'file'):,}")
    if resolved:
        rows = sum(r for _, r, _ in resolved)
        aum = None if plan.aum_total is None else sum(a or 0 for _, _, a in resolved)
        typer.echo(
            f"      resolved: {_rows_aum(rows, aum)} (by " + ", ".join(f"{k} {r:,}" for k, r, _ in resolved) + ")"
        )
    if "provisional" in found:
        typer.echo(
            f"      provisional ids (IN…) for names nothing resolves (new, or ambiguous): "
            f"{_rows_aum(*found['provisional'])}; customer-mdm identities lists them"
        )
    if "unresolved" in found:
        typer.echo(f"      unresolvable (no customer name either): {_rows_aum(*found['unresolved'])}")
    if plan.ambiguous:
        typer.echo(
            f"      ambiguous aliases, never used: {len(plan.ambiguous)} ("
            + elided(
                [
                    f"{alias}{f' in plan {plan}' if plan else ''} → {n} companies"
                    for _, plan, alias, n in plan.ambiguous
                ],
                head=5,
            )
            + ")"
        )


def _print_plan(plan: LoadPlan) -> None:
    typer.echo("  Plan:")
    inserts = plan.rows_per_month
    months = sorted(set(plan.rows_to_delete) | set(inserts))
    for month in months[:12]:
        typer.echo(
            f"    {month:%Y-%m}: insert {inserts.get(month, 0):,} rows, "
            f"delete {plan.rows_to_delete.get(month, 0):,} rows"
        )
    if len(months) > 12:
        rest = months[12:]
        typer.echo(
            f"    … {len(rest)} more months to {rest[-1]:%Y-%m}: insert "
            f"{sum(inserts.get(m, 0) for m in rest):,} rows, "
            f"delete {sum(plan.rows_to_delete.get(m, 0) for m in rest):,} rows"
        )
    if plan.aum_total is not None:
        typer.echo(
            f"    AUM (期末资产规模): {plan.aum_total / 10**8:,.4f} 亿元"
            + (f", replacing {plan.aum_replaced / 10**8:,.4f} 亿元" if plan.aum_replaced else "")
        )
    typer.echo(f"    New customers: {_preview(plan.new_customers, count=plan.new_customer_count)}")
    typer.echo(f"    New plans: {_preview(plan.new_plans)}")
    _print_identities(plan)
    _print_renames(plan)
    _print_warnings(plan)


def months_text(months: list[date]) -> str:
    texts = [f"{m:%Y-%m}" for m in months]
    return elided(texts, head=3) if len(months) <= 3 else f"{len(months)} months {elided(texts, head=1, tail=1)}"


def _print_loaded(spec: Domain, result: LoadResult) -> None:
    typer.echo(
        f"  ✓ Loaded {result.rows_inserted:,} rows into {spec.qualified} (replaced {result.rows_deleted:,} "
        f"rows of {months_text(result.months)}); added {result.customers_added} customer(s), "
        f"{result.plans_added} plan(s)"
        + (f", learned {result.aliases_learned} alias(es)" if result.aliases_learned else "")
        + (f", renamed {result.customers_renamed} customer(s)" if result.customers_renamed else "")
        + (f", renamed {result.plans_renamed} plan(s)" if result.plans_renamed else "")
    )


def loaded_when(state: FileState) -> str:
    return f"{state.loaded_at:%Y-%m-%d %H:%M}" if state.loaded_at else ""


def committed_note(spec: Domain, results: list[LoadResult]) -> str:
    if not results:
        return "Nothing was committed."
    return (
        f"Committed before it: {len(results)} file(s) into {spec.qualified} ("
        + "; ".join(f"{r.path.name}: {months_text(r.months)}" for r in results)
        + ")."
    )


def report_unreadable(unreadable: list[tuple[Path, WdhError]]) -> None:
    """Inbox files that could not be read were passed over (the others were loaded): each with why."""
    for path, exc in unreadable:
        print(f"File {path} was passed over:", file=sys.stderr)
        report_error(exc)


def print_file(spec: Domain, path: Path, outcome: FileLoad) -> None:
    parsed = outcome.parsed
    sheet = f" (sheet {parsed.sheet})" if parsed.sheet else ""
    typer.echo(f"📄 {spec.name} ← {path}{sheet}: {parsed.row_count:,} rows")
    if outcome.skipped_as is not None:
        typer.echo(
            f"  = already loaded {loaded_when(outcome.skipped_as)} by another run with the same content (or by an earlier "
            "run of this command); skipped (--force loads it again)"
        )
        return
    if parsed.ignored_headers:
        typer.echo(f"  Ignored columns: {', '.join(parsed.ignored_headers)}")
    for note in parsed.notes:
        typer.echo(f"  ({note})")
    if outcome.result is not None:
        _print_identities(outcome.plan)
        _print_renames(outcome.plan)
        _print_warnings(outcome.plan)
        _print_loaded(spec, outcome.result)
    elif outcome.plan is not None:
        _print_plan(outcome.plan)


class LoadPrinter:
    """The lines of a run, file by file, as the service reports them (etl.service.LoadEvents)."""

    def __init__(self, domain: Domain) -> None:
        self.domain = domain

    def listed(self, job: Job, state: FileState) -> None:
        candidate = job.candidate
        month = f"{candidate.month:%Y%m}" if candidate.month else "------"
        extra = {
            "loaded": f" (loaded {loaded_when(state)})",
            "changed": f" (last load {loaded_when(state)}: {state.loaded_path})",
            "missing": f" (loaded {loaded_when(state)}, but its rows were deleted since: loading it again)",
            "kept": f" (a --file load of {loaded_when(state)} replaced it and is kept: {state.loaded_path}; "
            "--force reloads this file)",
            "withdrawn": f" (withdrawn {loaded_when(state)}; --force loads it again)",
        }.get(state.state.value, "")
        typer.echo(f"  {month}  {state.state.value:<8} {candidate.relative}{extra}")

    def unreadable(self, job: Job, error: InvalidInput) -> None:
        candidate = job.candidate
        typer.echo(
            f"  {candidate.month:%Y%m}  unreadable {candidate.relative} ({error.message.split(': ')[-1]})"
            if candidate.month
            else f"  ------  unreadable {candidate.relative}"
        )

    def loaded(self, job: Job, outcome: FileLoad) -> None:
        print_file(self.domain, job.path, outcome)

    def rejected(self, job: Job, error: InvalidInput) -> None:
        typer.echo(f"📄 {job.path} ✗ rejected (see below)")
