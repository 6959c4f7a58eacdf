"""Progress of long work: the services report their steps here, and the CLI, when it asks, shows
them (work_data_hub.cli.progress). Nobody listening: nothing is reported, and the database is not
asked to report either (customer._progress speaks only when the session sets wdh.progress)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import psycopg


@dataclass(frozen=True)
class Step:
    what: str  # sync, snapshot, file, report, export
    done: int  # this step is the done-th …
    total: int  # … of total
    label: str  # the month or the file


Listener = Callable[[Step], None]
_listener: Listener | None = None


@contextlib.contextmanager
def listening(listener: Listener | None) -> Iterator[None]:
    """Report every step of the work done inside to `listener` (None: to nobody)."""
    global _listener
    before, _listener = _listener, listener
    try:
        yield
    finally:
        _listener = before


def report(what: str, done: int, total: int, label: str) -> None:
    if _listener is not None:
        _listener(Step(what, done, total, label))


@contextlib.contextmanager
def from_database(conn: psycopg.Connection) -> Iterator[None]:
    """While inside, the sync's and the refreshes' months (customer._progress NOTICEs) are reported,
    when somebody listens: the session's wdh.progress is set for that (a transactional setting, so
    it goes with a rollback)."""
    if _listener is None:
        yield
        return

    def notice(diag: psycopg.errors.Diagnostic) -> None:
        text = diag.message_primary or ""
        if text.startswith("wdh-progress "):
            step = json.loads(text.removeprefix("wdh-progress "))
            report(step["step"], step["done"] or 0, step["total"] or 0, (step["month"] or "")[:7])

    conn.execute("SELECT set_config('wdh.progress', 'on', false)")
    conn.add_notice_handler(notice)
    try:
        yield
    finally:
        conn.remove_notice_handler(notice)
