"""Shared console output for the commands."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, timedelta
from decimal import Decimal

from work_data_hub.db.settings import database_url, mask_secrets
from work_data_hub.errors import WdhError


def _masked(text: str) -> str:
    """`text` without the configured database password, whatever put it there."""
    try:
        return mask_secrets(text, database_url())
    except WdhError:
        return text


def report_error(exc: WdhError) -> None:
    print(f"Error: {_masked(exc.message)}", file=sys.stderr)
    if exc.detail:
        print(f"Detail: {_masked(exc.detail)}", file=sys.stderr)
    if exc.hint:
        print(f"Hint: {exc.hint}", file=sys.stderr)


_interrupt_reported = False


def report_interrupt(message: str | None = None, hint: str | None = None) -> None:
    """Say what Ctrl-C left behind, once per process (a command that knows more says it first)."""
    global _interrupt_reported
    if _interrupt_reported:
        return
    _interrupt_reported = True
    print(
        f"Error: {message or 'interrupted: the running transaction was rolled back; what was committed before stays'}",
        file=sys.stderr,
    )
    print(
        f"Hint: {hint or '`customer-mdm status` shows where contracts and snapshots stand; run the command again.'}",
        file=sys.stderr,
    )


def _plain(value):
    """What JSON cannot hold: timestamps in ISO 8601 (with T), dates as YYYY-MM-DD, durations in
    seconds, exact decimals as strings."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def to_json(value) -> str:
    """The --json output of every command."""
    from work_data_hub.cli.terminal import can_encode

    # Under a locale that cannot write Chinese, escaped (\uXXXX): JSON that loses nothing.
    return json.dumps(value, default=_plain, ensure_ascii=not can_encode(sys.stdout))


def literal_console(width: int | None):
    """A console for tables of data: a customer's name or a file's path is printed as it is, never
    read as markup ([bold], [/]) or emoji codes (:smile:). Width None: the terminal's."""
    from rich.console import Console

    return Console(width=width, markup=False, emoji=False, highlight=False)


class MonitoringExit(SystemExit):
    """`status --check`'s exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (the monitoring plugin
    convention), passed through as it is (the CLI turns other exits 2, usage errors, into 1)."""
