"""Shared console output for the commands."""

from __future__ import annotations

import sys

from work_data_hub.errors import WdhError


def report_error(exc: WdhError) -> None:
    print(f"Error: {exc.message}", file=sys.stderr)
    if exc.detail:
        print(f"Detail: {exc.detail}", file=sys.stderr)
    if exc.hint:
        print(f"Hint: {exc.hint}", file=sys.stderr)
