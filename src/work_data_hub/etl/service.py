"""Loads, start to end: one file's (`load_file`: validate it, then in one transaction lock the
target, check the month against what is loaded, stage, plan and with execute apply and commit) and
a run's over the files of one domain (`load_inbox`: which inbox files need loading, then each in
its own transaction). Used by the CLI, the benchmarks and the tests; it prints nothing (a run
tells its `LoadEvents` what happens, file by file)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

import psycopg
from psycopg.rows import class_row

from work_data_hub import progress
from work_data_hub.db.deploy import require_current_procedures
from work_data_hub.errors import InvalidInput, WdhError, database_errors
from work_data_hub.etl.apply import (
    LoadResult,
    apply_load,
    check_deviations,
    check_gap,
    check_strict,
    lock_target,
)
from work_data_hub.etl.domains import Domain
from work_data_hub.etl.inbox import Candidate, FileState, FileStatus, file_state, folder_month
from work_data_hub.etl.stage import LoadPlan, plan_load, stage
from work_data_hub.etl.validate import ParsedFile, file_digest, parse_file

LOAD_HISTORY = """
SELECT load_id, domain, source, path, sha256, bytes, months, rows_loaded, rows_replaced, loaded_at, loaded_by, os_user,
       action, control_figures, deviations_accepted, accepted_by
FROM business.etl_load_log
WHERE %(domain)s::text IS NULL OR domain = %(domain)s
ORDER BY load_id DESC LIMIT %(limit)s
"""


@dataclass(frozen=True)
class LoadOptions:
    """How a command loads its files: the same for every file of it."""

    execute: bool = False  # apply and commit; else validate, plan and preview only
    allow_gap: bool = False  # load a 规模明细 month that leaves unloaded months before it
    strict: bool = False  # refuse rows that cannot form a contract
    force: bool = False  # load an inbox file that is already loaded with the same content
    accept_deviations: bool = False  # load although the anomaly gate flags the control figures
    allow_future: bool = False  # load a month after the current calendar month


@dataclass(frozen=True)
class FileClaim:
    """What one file claims besides its rows: the month (from its folder or --period), whether it
    came from the inbox, and the months this command loads before it."""

    month: date | None = None
    month_source: str = "--period"  # where the month came from, for messages
    candidate: Candidate | None = None  # an inbox file; None: --file
    pending_months: frozenset[date] = frozenset()  # for the gap check of a preview


@dataclass(frozen=True)
class FileLoad:
    parsed: ParsedFile
    plan: LoadPlan | None  # None when skipped
    result: LoadResult | None  # None for a preview or a skip
    skipped_as: FileState | None = None  # set when a concurrent run loaded the same content first


@dataclass(frozen=True)
class LoadRecord:
    load_id: int
    domain: str
    source: str
    path: str
    sha256: str
    bytes: int
    months: list[date]
    rows_loaded: int
    rows_replaced: int
    loaded_at: datetime
    loaded_by: str
    os_user: str | None
    action: str  # load or withdrawal
    control_figures: dict | None
    deviations_accepted: list | None
    accepted_by: str | None


def load_file(
    conn: psycopg.Connection, domain: Domain, path: Path, options: LoadOptions, claim: FileClaim = FileClaim()
) -> FileLoad:
    """Validate `path`, then plan its load (and with `options.execute` apply and commit it) in one
    transaction of `conn`. An inbox file (`claim.candidate`) is skipped when another run loaded the
    same content while this one waited for the lock (unless `options.force`). The anomaly gate
    refuses a file (preview or execute) whose control figures deviate, unless
    `options.accept_deviations`."""
    parsed = parse_file(domain, path, claim.month, month_source=claim.month_source, allow_future=options.allow_future)
    with database_errors():
        try:
            if options.execute:
                require_current_procedures(conn, f"Loading {path.name}")
                lock_target(conn, domain)
                if claim.candidate is not None and not options.force:
                    state = file_state(conn, domain, claim.candidate, parsed.sha256, parsed.bytes)
                    if state.state.done:
                        conn.rollback()
                        return FileLoad(parsed, None, None, skipped_as=state)
                if claim.candidate is None and not options.force and (domain.is_ledger or len(parsed.months) == 1):
                    # The same content as the key's latest load (a rerun after a kill, say): nothing to load.
                    key = Candidate(path, path.name, None if domain.is_ledger else min(parsed.months), (0, 0))
                    state = file_state(conn, domain, key, parsed.sha256, parsed.bytes)
                    if state.state is FileStatus.LOADED:
                        conn.rollback()
                        return FileLoad(parsed, None, None, skipped_as=state)
            if not domain.is_ledger and not options.allow_gap:
                for month in parsed.months:
                    check_gap(conn, domain, path, month, claim.pending_months)
            staged = stage(conn, parsed)
            plan = plan_load(conn, parsed, staged)
            if options.strict:
                check_strict(path, plan)
            check_deviations(conn, parsed, plan, accept=options.accept_deviations)
            if not options.execute:
                conn.rollback()
                return FileLoad(parsed, plan, None)
            result = apply_load(
                conn,
                parsed,
                plan,
                source="file" if claim.candidate is None else "inbox",
                accepted=plan.deviations if options.accept_deviations else None,
            )
            conn.commit()
            return FileLoad(parsed, plan, result)
        except BaseException:
            with contextlib.suppress(psycopg.Error):
                conn.rollback()  # a lost connection has nothing to roll back: the server did it
            raise


def load_history(conn: psycopg.Connection, *, domain: str | None, limit: int) -> list[LoadRecord]:
    with database_errors(), conn.cursor(row_factory=class_row(LoadRecord)) as cur:
        return cur.execute(LOAD_HISTORY, {"domain": domain, "limit": limit}).fetchall()


def inbox_file_state(
    conn: psycopg.Connection, domain: Domain, candidate: Candidate, sha256: str, size: int
) -> FileState:
    """Where an inbox file stands against the load ledger (loaded, changed, new, …), read in a
    transaction of its own that ends here, so that a long listing holds no snapshot."""
    try:
        return file_state(conn, domain, candidate, sha256, size)
    finally:
        conn.rollback()


@dataclass(frozen=True)
class Job:
    """A file a run loads: from the inbox (`candidate`), or named with --file (None)."""

    path: Path
    candidate: Candidate | None = None


class LoadEvents(Protocol):
    """What a run tells its caller as it goes (the CLI prints it)."""

    def listed(self, job: Job, state: FileState) -> None: ...  # an inbox file and where it stands
    def unreadable(self, job: Job, error: InvalidInput) -> None: ...  # an inbox file passed over
    def loaded(self, job: Job, outcome: FileLoad) -> None: ...  # planned (a preview), loaded or skipped
    def rejected(self, job: Job, error: InvalidInput) -> None: ...  # a preview's file refused


@dataclass
class InboxRun:
    """What a run over one domain's files did."""

    jobs: list[Job]  # the files to load: the new and changed ones (every one with --force)
    results: list[LoadResult] = field(default_factory=list)  # loads committed, in order
    rejected: list[tuple[Path, InvalidInput]] = field(default_factory=list)  # a preview's refused files
    unreadable: list[tuple[Path, InvalidInput]] = field(default_factory=list)  # inbox files passed over


class LoadStopped(Exception):
    """An executing run stopped at `path`: its transaction rolled back; `run.results` were committed
    before it. `cause` is the error, or the KeyboardInterrupt (`interrupted`)."""

    def __init__(self, run: InboxRun, path: Path, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.run, self.path, self.cause = run, path, cause
        self.interrupted = isinstance(cause, KeyboardInterrupt)


def load_inbox(
    conn: psycopg.Connection,
    domain: Domain,
    jobs: list[Job],
    options: LoadOptions,
    events: LoadEvents,
    *,
    period_end: date | None = None,
) -> InboxRun:
    """Load the files of one domain, each in a transaction of its own (`load_file`). Inbox files
    already loaded, kept or withdrawn are passed over unless `options.force`; an unreadable one is
    passed over and named. A preview goes on past a refused file; an execute stops at the first
    (LoadStopped, with what was committed before it)."""
    run = InboxRun(jobs=[])
    run.jobs = _to_load(conn, domain, jobs, options, events, run.unreadable)
    pending: set[date] = set()
    current: Path | None = None
    try:
        for done, job in enumerate(run.jobs, 1):
            current = job.path
            progress.report("file", done, len(run.jobs), job.path.name)
            try:
                outcome = load_file(conn, domain, job.path, options, _claim(domain, job, period_end, pending))
            except InvalidInput as exc:
                if options.execute:
                    raise
                run.rejected.append((job.path, exc))
                events.rejected(job, exc)
                continue
            if outcome.result is not None:  # committed: on record before anything else can interrupt
                run.results.append(outcome.result)
            events.loaded(job, outcome)
            pending |= set(outcome.parsed.months)
    except (WdhError, KeyboardInterrupt) as exc:
        raise LoadStopped(run, current, exc) from exc
    return run


def _to_load(
    conn: psycopg.Connection,
    domain: Domain,
    jobs: list[Job],
    options: LoadOptions,
    events: LoadEvents,
    unreadable: list[tuple[Path, InvalidInput]],
) -> list[Job]:
    """The jobs to load: a --file always; an inbox file when new or changed (or `options.force`).
    The inbox files that cannot be read go to `unreadable`."""
    chosen = []
    for job in jobs:
        if job.candidate is None:
            chosen.append(job)
            continue
        try:
            sha256, size = file_digest(job.path)
            if size == 0:
                raise InvalidInput(
                    f"{job.path} is empty (0 bytes)",
                    hint="The file was not saved or not copied whole: deliver it again.",
                )
        except InvalidInput as exc:
            unreadable.append((job.path, exc))
            events.unreadable(job, exc)
            continue
        state = inbox_file_state(conn, domain, job.candidate, sha256, size)
        events.listed(job, state)
        if not state.state.done or options.force:
            chosen.append(job)
    return chosen


def _claim(domain: Domain, job: Job, period_end: date | None, pending: set[date]) -> FileClaim:
    """The month a file claims: a 规模明细 file its month folder's, from the inbox or with --file (a
    file filed under the wrong month is refused, not loaded as whatever month its rows hold);
    --period says it for a --file outside month folders, or overrides its folder. A ledger's folder
    is when it was delivered: only --period of a --file claims a month."""
    candidate = job.candidate
    folder = candidate.month if candidate else (None if period_end else folder_month(job.path))
    month = folder or period_end
    if domain.is_ledger:
        month = period_end if candidate is None else None
    return FileClaim(month, "its month folder" if folder else "--period", candidate, frozenset(pending))
