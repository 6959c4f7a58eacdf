"""`etl`: load the deliveries of the inbox (or one --file): validate, preview the plan, and with
--execute load and run the post-ETL hooks once at the end. The run itself is the service's
(etl.service.load_inbox); this module picks the files and says what happened."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import typer

from work_data_hub.cli.etl.hooks import pending_close, run_post_hooks
from work_data_hub.cli.etl.options import (
    AcceptDeviationsOption,
    AllDomainsOption,
    AllowFutureOption,
    AllowGapOption,
    DomainName,
    DomainOption,
    ExecuteOption,
    FileOption,
    ForceOption,
    PeriodOption,
    PostHooksOption,
    StrictOption,
)
from work_data_hub.cli.etl.printing import LoadPrinter, committed_note, report_unreadable
from work_data_hub.cli.options import QuietOutput
from work_data_hub.cli.output import report_error, report_interrupt
from work_data_hub.cli.progress import shown
from work_data_hub.customer_mdm.operations import close_pending
from work_data_hub.db.connect import connect
from work_data_hub.db.settings import data_dir
from work_data_hub.errors import InvalidInput, WdhError, database_errors
from work_data_hub.etl.domains import DOMAINS, Domain
from work_data_hub.etl.inbox import discover, settle_seconds
from work_data_hub.etl.service import InboxRun, Job, LoadOptions, LoadStopped, load_inbox
from work_data_hub.periods import format_period, parse_period


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
    quiet: QuietOutput = False,
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
        with shown(quiet=quiet):
            _load_all(options, post_hooks=post_hooks)
        return
    spec, period_end = _one_domain(domain, period, needs_file=accept_deviations and file is None)
    if file is not None:
        jobs, root, notes, unloadable = [Job(file)], None, [], []
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
    with connect() as conn, database_errors(), shown(quiet=quiet):
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


def _inbox_jobs(spec: Domain, period_end: date | None) -> tuple[Path, list[Job], list[str], list[str]]:
    """The inbox's files of the domain to load (and what it passed over or cannot load)."""
    root = data_dir()  # data/inbox in the project's folder, from any subfolder of it (or WDH_DATA_DIR)
    with connect() as conn, database_errors():
        inbox = discover(root, spec, period_end, settle_seconds=settle_seconds(conn))
    if not inbox.candidates:
        raise _no_delivery(spec, root, period_end, inbox.notes + inbox.unloadable)
    return root, [Job(c.path, c) for c in inbox.candidates], inbox.notes, inbox.unloadable


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
            jobs = [Job(c.path, c) for c in inbox.candidates]
            _load(conn, spec, root, jobs, inbox.notes, options, period_end=None, post_hooks=False, hooks_later=True)
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
            if not run_post_hooks():
                raise typer.Exit(1)
        else:
            typer.echo("The contract history and the snapshots are up to date: no hook to run.")
        _refuse_unloadable(unloadable)


def _load(
    conn,
    spec: Domain,
    root: Path | None,
    jobs: list[Job],
    notes: list[str],
    options: LoadOptions,
    *,
    period_end: date | None,
    post_hooks: bool,
    hooks_later: bool = False,
) -> None:
    """Load the jobs of one domain and say so; `hooks_later`: the caller runs the hooks once for
    several domains. `root`: the inbox the jobs come from (None: --file)."""
    if root is not None:
        typer.echo(f"📂 {spec.name} deliveries in {root}: {len(jobs)} file(s)")
        for note in notes:
            typer.echo(f"  (passed over {note})")
    try:
        run = load_inbox(conn, spec, jobs, options, LoadPrinter(spec), period_end=period_end)
    except LoadStopped as stop:
        _stopped(conn, spec, stop, options, from_inbox=root is not None, post_hooks=post_hooks)
    if root is not None and not run.jobs:
        _nothing_new(conn, run, options, post_hooks=post_hooks, hooks_later=hooks_later)
    elif not options.execute:
        _previewed(run)
    else:
        _loaded(conn, run, post_hooks=post_hooks, hooks_later=hooks_later)


def _nothing_new(conn, run: InboxRun, options: LoadOptions, *, post_hooks: bool, hooks_later: bool) -> None:
    """Every inbox file is loaded, kept or withdrawn (or unreadable): the close may still be due."""
    if run.unreadable:
        report_unreadable(run.unreadable)
        raise typer.Exit(1)
    typer.echo("Nothing new to load: every file is already loaded, kept or withdrawn (--force reloads).")
    if hooks_later or not (options.execute and post_hooks and close_pending(conn)):
        return
    typer.echo(
        "The contract history or the snapshots are behind what is loaded (an earlier run's hooks "
        "did not finish): running the post-ETL hooks."
    )
    if not run_post_hooks():
        raise typer.Exit(1)


def _previewed(run: InboxRun) -> None:
    for path, exc in run.rejected:
        print(f"File {path}:", file=sys.stderr)
        report_error(exc)
    report_unreadable(run.unreadable)
    typer.echo("Preview only: nothing was written and no hook ran. Add --execute to load.")
    if run.rejected or run.unreadable:
        raise typer.Exit(1)


def _loaded(conn, run: InboxRun, *, post_hooks: bool, hooks_later: bool) -> None:
    """After the files were loaded: the hooks once (unless held back), then what was passed over."""
    ok = True
    if hooks_later:
        pass
    elif run.results and not post_hooks:
        typer.echo(
            "Post-ETL hooks not run (--no-post-hooks): `customer-mdm close` brings the history and "
            "snapshots up to date."
        )
    elif run.results:
        ok = run_post_hooks()
    elif pending_close():  # a rerun after a kill: the files are in, their close did not run
        if post_hooks:
            typer.echo(
                "Nothing new was loaded, but the contract history or the snapshots are behind what is loaded (an "
                "earlier run's hooks did not finish): running the post-ETL hooks."
            )
            ok = run_post_hooks()
        else:
            typer.echo(
                "The monthly close is pending: `customer-mdm close` brings the history and snapshots up to date."
            )
    report_unreadable(run.unreadable)
    if not ok or run.unreadable:
        raise typer.Exit(1)


def _stopped(conn, spec: Domain, stop: LoadStopped, options: LoadOptions, *, from_inbox: bool, post_hooks: bool):
    """An executing run stopped at a file: what of it was committed, the hooks for that, what next."""
    results = stop.run.results
    if stop.interrupted:
        typer.echo("")
        report_interrupt(
            f"interrupted while loading {stop.path}: its transaction was rolled back, nothing of that "
            f"file is in the database. {committed_note(spec, results)}",
            (
                "run the same command without --force to load "
                if options.force
                else "run the same command again to load "
            )
            + ("the rest" if results else "them" if from_inbox else "it")  # nothing committed: all of it
            + (" (files already loaded are skipped)" if from_inbox else "")
            + (
                "; the post-ETL hooks did not run: `customer-mdm close` brings the history and snapshots up to date"
                if results and post_hooks
                else ""
            )
            + ".",
        )
        raise typer.Exit(130) from None
    exc = stop.cause
    report_error(exc)
    print(f"{stop.path}: nothing of this file was loaded. {committed_note(spec, results)}", file=sys.stderr)
    if results and post_hooks:
        typer.echo("Running the post-ETL hooks for what was committed.")
        run_post_hooks()
    again = "run the same command again" + (
        " (files already loaded are skipped)" if from_inbox and not options.force else ""
    )
    print(
        ("Fix the file, then " if isinstance(exc, InvalidInput) else "When the cause is fixed, ") + again + ".",
        file=sys.stderr,
    )
    raise typer.Exit(1) from None
