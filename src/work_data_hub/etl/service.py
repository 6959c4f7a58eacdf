"""One file's load, start to end: validate it, then in one transaction lock the target, check the
month against what is loaded, stage, plan and (with execute) apply and commit. Used by the CLI,
the benchmarks and the tests; it prints nothing."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import psycopg
from psycopg.rows import class_row

from work_data_hub.db.deploy import require_current_procedures
from work_data_hub.errors import database_errors
from work_data_hub.etl.apply import (
    LoadResult,
    apply_load,
    check_deviations,
    check_gap,
    check_strict,
    lock_target,
)
from work_data_hub.etl.domains import Domain
from work_data_hub.etl.inbox import Candidate, FileState, FileStatus, file_state
from work_data_hub.etl.stage import LoadPlan, plan_load, stage
from work_data_hub.etl.validate import ParsedFile, parse_file

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
