"""`etl`: load the deliveries of the inbox (or one --file): validate, preview the plan, and with
--execute load and run the post-ETL hooks once at the end; `etl history` shows the load ledger."""

from __future__ import annotations

import sys
from dataclasses import asdict
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from work_data_hub.cli.describe import describe_close, describe_replay
from work_data_hub.cli.options import JsonOutput
from work_data_hub.cli.output import literal_console, report_error, report_interrupt, to_json
from work_data_hub.cli.tables import loads_table
from work_data_hub.customer_mdm.operations import close_pending
from work_data_hub.db.connect import connect
from work_data_hub.db.settings import data_dir, find_env_file, setting
from work_data_hub.errors import InvalidInput, WdhError, database_errors
from work_data_hub.etl.apply import LoadResult, os_user
from work_data_hub.etl.domains import DOMAINS, Domain
from work_data_hub.etl.inbox import Candidate, FileState, discover, folder_month, settle_seconds
from work_data_hub.etl.service import FileClaim, FileLoad, LoadOptions, inbox_file_state, load_file, load_history
from work_data_hub.etl.stage import LoadPlan
from work_data_hub.etl.validate import file_digest
from work_data_hub.etl.withdraw import withdraw_month
from work_data_hub.hooks import HookStatus, run_hooks
from work_data_hub.periods import format_period, parse_period
from work_data_hub.texts import elided

DomainName = Enum("DomainName", {name: name for name in DOMAINS}, type=str)  # type: ignore[misc]

etl_app = typer.Typer(
    help="Load the monthly deliveries: 规模明细 (annuity_performance), 当年中标 (annual_award) "
    "and 当年流失 (annual_loss)."
)


def _preview(items: list[tuple], limit: int = 5) -> str:
    """The count, and the first few items (their non-empty fields) in brackets."""
    shown = elided([" ".join(str(v) for v in item if v) for item in items], head=limit)
    return f"{len(items)}" + (f" ({shown})" if items else "")


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
    typer.echo(f"    New customers: {_preview(plan.new_customers)}")
    typer.echo(f"    New plans: {_preview(plan.new_plans)}")
    _print_identities(plan)
    _print_renames(plan)
    _print_warnings(plan)


def _months_text(months: list[date]) -> str:
    texts = [f"{m:%Y-%m}" for m in months]
    return elided(texts, head=3) if len(months) <= 3 else f"{len(months)} months {elided(texts, head=1, tail=1)}"


def _print_loaded(spec: Domain, result: LoadResult) -> None:
    typer.echo(
        f"  ✓ Loaded {result.rows_inserted:,} rows into {spec.qualified} (replaced {result.rows_deleted:,} "
        f"rows of {_months_text(result.months)}); added {result.customers_added} customer(s), "
        f"{result.plans_added} plan(s)"
        + (f", learned {result.aliases_learned} alias(es)" if result.aliases_learned else "")
        + (f", renamed {result.customers_renamed} customer(s)" if result.customers_renamed else "")
        + (f", renamed {result.plans_renamed} plan(s)" if result.plans_renamed else "")
    )


def _when(state: FileState) -> str:
    return f"{state.loaded_at:%Y-%m-%d %H:%M}" if state.loaded_at else ""


def _pending_close() -> bool:
    with connect() as conn:
        return close_pending(conn)


def _run_hooks() -> bool:
    """The post-ETL hooks, once for everything this command loaded; False when one failed."""
    typer.echo("Post-ETL hooks:")
    ok = True
    try:
        outcomes = run_hooks()
    except KeyboardInterrupt:
        report_interrupt(
            "interrupted during the post-ETL hooks: the loaded files are committed; the monthly close was rolled back",
            "run `customer-mdm close` (or the same etl command again, without --force) to bring the contract history "
            "and snapshots up to date.",
        )
        raise typer.Exit(130) from None
    for outcome in outcomes:
        if outcome.status is HookStatus.OK:
            lines = describe_close(outcome.close.steps)
            if outcome.close.change is not None:
                lines.append(describe_replay(outcome.close.replay_from, outcome.close.change, why="the source changed"))
            typer.echo(f"  ✓ {outcome.name}: {lines[0]}")
            for line in lines[1:]:
                typer.echo(f"    {line}")
        else:
            ok = False
            typer.echo(f"  ✗ {outcome.name} failed: {outcome.error.message}")
            print(f"Error: hook {outcome.name} failed: {outcome.error.message}", file=sys.stderr)
            if outcome.error.hint:
                print(f"Hint: {outcome.error.hint}", file=sys.stderr)
    if not ok:
        typer.echo("The loaded data stays; fix the cause and run `customer-mdm close`.")
    return ok


def _committed_note(spec: Domain, results: list[LoadResult]) -> str:
    if not results:
        return "Nothing was committed."
    return (
        f"Committed before it: {len(results)} file(s) into {spec.qualified} ("
        + "; ".join(f"{r.path.name}: {_months_text(r.months)}" for r in results)
        + ")."
    )


# The etl command's options (declared once, here, as the shared ones are in cli.options).
DomainOption = Annotated[
    DomainName | None,
    typer.Option(
        help="What the files hold: annuity_performance (规模明细), annual_award (当年中标) or annual_loss (当年流失).",
        show_default=False,
    ),
]

FileOption = Annotated[
    Path | None, typer.Option(help="Load this file instead of the inbox (.xlsx/.xls/.csv).", show_default=False)
]

PeriodOption = Annotated[
    str | None,
    typer.Option(
        help="Only this month (YYYYMM): the inbox's month folder, or the month every row of --file must hold.",
        show_default=False,
    ),
]

ExecuteOption = Annotated[
    bool, typer.Option("--execute", help="Load and run the post-ETL hooks. Without it: validate and preview only.")
]

PostHooksOption = Annotated[
    bool, typer.Option("--post-hooks/--no-post-hooks", help="Run the post-ETL hooks after loading.")
]

ForceOption = Annotated[
    bool, typer.Option("--force", help="Reload inbox files that are already loaded with the same content.")
]

AllowGapOption = Annotated[
    bool,
    typer.Option(
        "--allow-gap",
        help="Load a 规模明细 month even if it leaves unloaded months between it and the loaded ones.",
    ),
]

StrictOption = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Reject a 规模明细 file with rows that cannot form a contract (no company_id, unknown 业务类型).",
    ),
]

AllDomainsOption = Annotated[
    bool,
    typer.Option(
        "--all",
        help="Every domain from the inbox: the award and loss ledgers, then 规模明细; the hooks run once at "
        "the end (the unattended monthly load).",
    ),
]

AllowFutureOption = Annotated[
    bool,
    typer.Option(
        "--allow-future", help="Load a month after the current calendar month (refused otherwise, as a typo)."
    ),
]

AcceptDeviationsOption = Annotated[
    bool,
    typer.Option(
        "--accept-deviations",
        help="Load a file whose control figures the anomaly gate flags (the deviations it "
        "names are recorded in the load ledger, with who accepted them).",
    ),
]


@etl_app.callback(invoke_without_command=True)
def etl_command(
    ctx: typer.Context,
    domain: DomainOption = None,
    file: FileOption = None,
    period: PeriodOption = None,
    execute: ExecuteOption = False,
    post_hooks: PostHooksOption = True,
    force: ForceOption = False,
    allow_gap: AllowGapOption = False,
    strict: StrictOption = False,
    all_domains: AllDomainsOption = False,
    allow_future: AllowFutureOption = False,
    accept_deviations: AcceptDeviationsOption = False,
) -> None:
    """Load deliveries from the inbox (WDH_DATA_DIR, default data/inbox: <YYYYMM>/…/[V<n>/]<file>), or one --file.

    Without --file only new or changed files are loaded, oldest month first."""
    if ctx.invoked_subcommand is not None:
        return
    if all_domains:
        if domain is not None or file is not None or period is not None or accept_deviations:
            raise InvalidInput(
                "etl --all loads every domain from the inbox: it takes no --domain, --file, --period "
                "or --accept-deviations",
                hint="Drop them, or load one domain (etl --domain D …).",
            )
        options = LoadOptions(
            execute=execute, allow_gap=allow_gap, strict=strict, force=force, allow_future=allow_future
        )
        _load_all(options, post_hooks=post_hooks)
        return
    spec, period_end = _one_domain(domain, period, needs_file=accept_deviations and file is None)
    if file is not None:
        jobs: list[tuple[Path, Candidate | None]] = [(file, None)]
        root, notes, unloadable = None, [], []
    else:
        root, jobs, notes, unloadable = _inbox_jobs(spec, period_end)
    options = LoadOptions(
        execute=execute,
        allow_gap=allow_gap,
        strict=strict,
        force=force,
        accept_deviations=accept_deviations,
        allow_future=allow_future,
    )
    with connect() as conn, database_errors():
        _load(conn, spec, root, jobs, notes, options, period_end=period_end, post_hooks=post_hooks)
    if file is None:
        _refuse_unloadable(unloadable)


def _one_domain(domain: DomainName | None, period: str | None, *, needs_file: bool) -> tuple[Domain, date | None]:
    """The domain and month one `etl --domain` loads; `needs_file`: --accept-deviations without --file."""
    if domain is None:
        raise InvalidInput(
            "etl needs --domain (what the files hold) or --all",
            hint="Add --domain annuity_performance (规模明细), annual_award (当年中标) or "
            "annual_loss (当年流失), or --all for every domain of the inbox.",
        )
    spec = DOMAINS[domain.value]
    period_end = parse_period(period) if period else None
    if needs_file and period_end is None and not spec.is_ledger:
        raise InvalidInput(
            "--accept-deviations accepts the deviations of one file: name it",
            hint="Add --period YYYYMM (the inbox month whose deviations were shown) or --file PATH; "
            "the other months load without it.",
        )
    return spec, period_end


def _inbox_jobs(spec: Domain, period_end: date | None) -> tuple[Path, list[tuple[Path, Candidate | None]], list, list]:
    """The inbox's files of the domain to load (and what it passed over or cannot load)."""
    root = data_dir()
    env_file = find_env_file()
    if not root.exists() and setting("WDH_DATA_DIR") is None and env_file and env_file.parent != Path.cwd().resolve():
        raise InvalidInput(
            f"The inbox {root} does not exist",
            hint=f"The inbox defaults to data/inbox under the working directory, and this project's {env_file.name} "
            f"is in {env_file.parent}: run the command there, or set WDH_DATA_DIR.",
        )
    with connect() as conn, database_errors():
        inbox = discover(root, spec, period_end, settle_seconds=settle_seconds(conn))
    if not inbox.candidates:
        raise _no_delivery(spec, root, period_end, inbox.notes + inbox.unloadable)
    return root, [(c.path, c) for c in inbox.candidates], inbox.notes, inbox.unloadable


def _refuse_unloadable(unloadable: list[str]) -> None:
    """Months whose only delivery was passed over: the rest loaded, and the run says what is missing."""
    if unloadable:
        print("Months with nothing loadable (their delivery was passed over):", file=sys.stderr)
        for line in unloadable:
            print(f"  {line}", file=sys.stderr)
        print("Hint: do what the note on each says, then run the same command again.", file=sys.stderr)
        raise typer.Exit(1)


def _no_delivery(spec: Domain, root: Path, period_end: date | None, notes: list[str]) -> WdhError:
    return WdhError(
        f"No {spec.name} delivery in {root}" + (f" for {format_period(period_end)}" if period_end else ""),
        detail="\n".join(notes) or None,
        hint="Deliveries are filed as <YYYYMM>/…/[V<n>/]<file> with names like "
        + ("*规模明细*, *规模及收入数据*" if not spec.is_ledger else "*台账登记*, *" + spec.table_name + "*")
        + "; or load one file with --file.",
    )


ALL_DOMAINS = ("annual_award", "annual_loss", "annuity_performance")  # the ledgers first: the close reads them


def _load_all(options: LoadOptions, *, post_hooks: bool) -> None:
    """Every domain of the inbox in order, its hooks held back, then the hooks once."""
    root = data_dir()
    unloadable: list[str] = []
    with connect() as conn, database_errors():
        settle = settle_seconds(conn)
        for name in ALL_DOMAINS:
            spec = DOMAINS[name]
            inbox = discover(root, spec, settle_seconds=settle)
            unloadable += [f"{spec.name} {line}" for line in inbox.unloadable]
            if not inbox.candidates:
                typer.echo(f"📂 {spec.name}: no delivery in {root} (passed over)")
                for note in inbox.notes:
                    typer.echo(f"  (passed over {note})")
                continue
            _load(
                conn,
                spec,
                root,
                [(c.path, c) for c in inbox.candidates],
                inbox.notes,
                options,
                period_end=None,
                post_hooks=False,
                hooks_later=True,
            )
        if not options.execute:
            _refuse_unloadable(unloadable)
            return
        if not post_hooks:
            _refuse_unloadable(unloadable)
            typer.echo(
                "Post-ETL hooks not run (--no-post-hooks): `customer-mdm close` brings the history and "
                "snapshots up to date."
            )
            return
        if close_pending(conn):
            if not _run_hooks():
                raise typer.Exit(1)
        else:
            typer.echo("The contract history and the snapshots are up to date: no hook to run.")
        _refuse_unloadable(unloadable)


def _load(
    conn,
    spec: Domain,
    root: Path | None,
    jobs: list[tuple[Path, Candidate | None]],
    notes: list[str],
    options: LoadOptions,
    *,
    period_end: date | None,
    post_hooks: bool,
    hooks_later: bool = False,
) -> None:
    """Load the jobs of one domain; `hooks_later`: the caller runs the hooks once for several domains."""
    results: list[LoadResult] = []
    failures: list[tuple[Path, WdhError]] = []
    pending: set[date] = set()
    to_load: list[tuple[Path, Candidate | None]] = []
    unreadable: list[tuple[Path, WdhError]] = []
    if root is not None:
        typer.echo(f"📂 {spec.name} deliveries in {root}: {len(jobs)} file(s)")
        for note in notes:
            typer.echo(f"  (passed over {note})")
        for path, candidate in jobs:
            try:
                sha256, size = file_digest(path)
                if size == 0:
                    raise InvalidInput(
                        f"{path} is empty (0 bytes)",
                        hint="The file was not saved or not copied whole: deliver it again.",
                    )
            except InvalidInput as exc:
                unreadable.append((path, exc))
                typer.echo(
                    f"  {candidate.month:%Y%m}  unreadable {candidate.relative} ({exc.message.split(': ')[-1]})"
                    if candidate.month
                    else f"  ------  unreadable {candidate.relative}"
                )
                continue
            state = inbox_file_state(conn, spec, candidate, sha256, size)
            month = f"{candidate.month:%Y%m}" if candidate.month else "------"
            extra = {
                "loaded": f" (loaded {_when(state)})",
                "changed": f" (last load {_when(state)}: {state.loaded_path})",
                "missing": f" (loaded {_when(state)}, but its rows were deleted since: loading it again)",
                "kept": f" (a --file load of {_when(state)} replaced it and is kept: {state.loaded_path}; "
                "--force reloads this file)",
                "withdrawn": f" (withdrawn {_when(state)}; --force loads it again)",
            }.get(state.state.value, "")
            typer.echo(f"  {month}  {state.state.value:<8} {candidate.relative}{extra}")
            if not state.state.done or options.force:
                to_load.append((path, candidate))
        if not to_load:
            if unreadable:
                _report_unreadable(unreadable)
                raise typer.Exit(1)
            typer.echo("Nothing new to load: every file is already loaded, kept or withdrawn (--force reloads).")
            if hooks_later:
                return
            if options.execute and post_hooks and close_pending(conn):
                typer.echo(
                    "The contract history or the snapshots are behind what is loaded (an earlier run's hooks "
                    "did not finish): running the post-ETL hooks."
                )
                if not _run_hooks():
                    raise typer.Exit(1)
            return
    else:
        to_load = jobs
    current: Path | None = None
    try:
        for path, candidate in to_load:
            current = path
            # A 规模明细 file claims the month of its folder, loaded from the inbox or with --file (a file
            # filed under the wrong month is refused, not loaded as whatever month its rows hold);
            # --period says it for a --file outside month folders, or overrides its folder.
            folder = candidate.month if candidate else (None if period_end else folder_month(path))
            month = folder or period_end
            source = "its month folder" if folder else "--period"
            if spec.is_ledger:
                month = period_end if candidate is None else None  # a ledger's folder is when it was delivered
            try:
                outcome = load_file(
                    conn,
                    spec,
                    path,
                    options,
                    FileClaim(month, source, candidate, frozenset(pending)),
                )
            except InvalidInput as exc:
                if options.execute:
                    raise
                failures.append((path, exc))
                typer.echo(f"📄 {path} ✗ rejected (see below)")
                continue
            _print_file(spec, path, outcome)
            pending |= set(outcome.parsed.months)
            if outcome.result is not None:
                results.append(outcome.result)
        current = None
    except KeyboardInterrupt:
        typer.echo("")
        report_interrupt(
            f"interrupted while loading {current}: its transaction was rolled back, nothing of that "
            f"file is in the database. {_committed_note(spec, results)}",
            (
                "run the same command without --force to load "
                if options.force
                else "run the same command again to load "
            )
            + ("the rest" if results else "them" if root is not None else "it")  # nothing committed: all of it
            + (" (files already loaded are skipped)" if root is not None else "")
            + (
                "; the post-ETL hooks did not run: `customer-mdm close` brings the history and snapshots up to date"
                if results and post_hooks
                else ""
            )
            + ".",
        )
        raise typer.Exit(130) from None
    except WdhError as exc:
        report_error(exc)
        print(f"{current}: nothing of this file was loaded. {_committed_note(spec, results)}", file=sys.stderr)
        if results and post_hooks:
            typer.echo("Running the post-ETL hooks for what was committed.")
            _run_hooks()
        again = "run the same command again" + (
            " (files already loaded are skipped)" if root is not None and not options.force else ""
        )
        print(
            ("Fix the file, then " if isinstance(exc, InvalidInput) else "When the cause is fixed, ") + again + ".",
            file=sys.stderr,
        )
        raise typer.Exit(1) from None
    if not options.execute:
        for path, exc in failures:
            print(f"File {path}:", file=sys.stderr)
            report_error(exc)
        _report_unreadable(unreadable)
        typer.echo("Preview only: nothing was written and no hook ran. Add --execute to load.")
        if failures or unreadable:
            raise typer.Exit(1)
        return
    ok = True
    if hooks_later:
        pass
    elif results and not post_hooks:
        typer.echo(
            "Post-ETL hooks not run (--no-post-hooks): `customer-mdm close` brings the history and "
            "snapshots up to date."
        )
    elif results:
        ok = _run_hooks()
    elif _pending_close():  # a rerun after a kill: the files are in, their close did not run
        if post_hooks:
            typer.echo(
                "Nothing new was loaded, but the contract history or the snapshots are behind what is loaded (an "
                "earlier run's hooks did not finish): running the post-ETL hooks."
            )
            ok = _run_hooks()
        else:
            typer.echo(
                "The monthly close is pending: `customer-mdm close` brings the history and snapshots up to date."
            )
    _report_unreadable(unreadable)
    if not ok or unreadable:
        raise typer.Exit(1)


def _report_unreadable(unreadable: list[tuple[Path, WdhError]]) -> None:
    """Inbox files that could not be read were passed over (the others were loaded): each with why."""
    for path, exc in unreadable:
        print(f"File {path} was passed over:", file=sys.stderr)
        report_error(exc)


def _print_file(spec: Domain, path: Path, outcome: FileLoad) -> None:
    parsed = outcome.parsed
    sheet = f" (sheet {parsed.sheet})" if parsed.sheet else ""
    typer.echo(f"📄 {spec.name} ← {path}{sheet}: {parsed.row_count:,} rows")
    if outcome.skipped_as is not None:
        typer.echo(
            f"  = already loaded {_when(outcome.skipped_as)} by another run with the same content (or by an earlier "
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


@etl_app.command("history")
def history_command(
    domain: Annotated[
        DomainName | None,
        typer.Option(help="Only this domain: annuity_performance, annual_award or annual_loss.", show_default=False),
    ] = None,
    limit: Annotated[int, typer.Option(help="How many of the latest loads.", min=1)] = 20,
    as_json: JsonOutput = False,
) -> None:
    """The load ledger (business.etl_load_log): every file loaded, newest first."""
    with connect() as conn:
        loads = load_history(conn, domain=domain.value if domain else None, limit=limit)
    if as_json:
        typer.echo(to_json([asdict(r) for r in loads]))
        return
    if not loads:
        typer.echo("No loads recorded yet.")
        return
    literal_console(230).print(loads_table(loads))


def _withdrawn_before(earlier, pending: bool, month: date, *, execute: bool, post_hooks: bool) -> None:
    """A month with no rows whose latest ledger entry is its withdrawal: a rerun (after a kill, say).
    Say so, and finish the job: the close, when it is pending (unless --no-post-hooks)."""
    typer.echo(
        f"{month:%Y-%m} was withdrawn already (load ledger #{earlier.load_id}, {earlier.loaded_at:%Y-%m-%d %H:%M} "
        f"by {earlier.loaded_by}): business.规模明细 holds no rows of it."
    )
    if not pending:
        typer.echo("The close is up to date: nothing to do.")
        return
    if not execute or not post_hooks:
        typer.echo(
            "The monthly close is pending: "
            + ("--execute runs it, or " if not execute else "")
            + "`customer-mdm close` brings the history and snapshots up to date."
        )
        return
    typer.echo("The monthly close is pending (the withdrawal's close did not run): running it.")
    if not _run_hooks():
        raise typer.Exit(1)


@etl_app.command("withdraw")
def withdraw_command(
    domain: Annotated[
        DomainName,
        typer.Option(
            help="annuity_performance: a 规模明细 month (ledgers are replaced by loading the corrected workbook).",
            show_default=False,
        ),
    ],
    period: Annotated[str, typer.Option(help="The month to withdraw (YYYYMM).", show_default=False)],
    execute: Annotated[
        bool, typer.Option("--execute", help="Withdraw it and run the post-ETL hooks. Without it: show what would go.")
    ] = False,
    post_hooks: Annotated[
        bool,
        typer.Option(
            "--post-hooks/--no-post-hooks", help="Run the post-ETL hooks (the monthly close) after withdrawing."
        ),
    ] = True,
    allow_gap: Annotated[
        bool,
        typer.Option("--allow-gap", help="Withdraw a month between loaded months (it leaves a hole in the source)."),
    ] = False,
) -> None:
    """Take back a 规模明细 month loaded by mistake: its rows, and the customers, plans and aliases only it brought.

    The load ledger records the withdrawal: the inbox does not load that file again unless it changes (or --force)."""
    if domain.value != "annuity_performance":
        raise InvalidInput(
            f"etl withdraw takes back a 规模明细 month; {domain.value} is a ledger",
            hint="Correct a ledger by loading the corrected workbook: it replaces the year's rows.",
        )
    month = parse_period(period).replace(day=1)
    with connect() as conn:
        outcome = withdraw_month(conn, month=month, execute=execute, allow_gap=allow_gap, os_user=os_user())
    if outcome.withdrawal is None:
        _withdrawn_before(outcome.earlier, outcome.close_pending, month, execute=execute, post_hooks=post_hooks)
        return
    w = outcome.withdrawal
    verb = "Withdrew" if execute else "Would withdraw"
    typer.echo(
        f"{verb} {month:%Y-%m} from business.规模明细: {w.rows_deleted:,} row(s); customers only it brought: "
        f"{w.customers_removed:,}, plans: {w.plans_removed:,}, aliases: {w.aliases_removed:,}"
    )
    if not execute:
        typer.echo("Preview only: nothing was written. Add --execute to withdraw.")
        return
    typer.echo(
        f"  Recorded in the load ledger (load #{w.load_id}): the inbox does not load that file again "
        "unless it changes (--force loads it)."
    )
    if not post_hooks:
        typer.echo(
            "Post-ETL hooks not run (--no-post-hooks): `customer-mdm close` brings the history and "
            "snapshots up to date."
        )
        return
    if not _run_hooks():
        raise typer.Exit(1)
