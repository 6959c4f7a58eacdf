"""Periods are written YYYYMM and stand for their month-end date (202402 → 2024-02-29)."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime

from work_data_hub.errors import InvalidInput

_PERIOD = re.compile(r"^(\d{4})(\d{2})$")


def parse_period(text: str) -> date:
    """YYYYMM → the month-end date; anything else raises InvalidInput('Invalid period format …')."""
    match = _PERIOD.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        raise InvalidInput(
            f"Invalid period format: {text!r}",
            hint="Write the period as YYYYMM with a month from 01 to 12, e.g. 202601 for January 2026.",
        )
    return month_end(date(int(match.group(1)), int(match.group(2)), 1))


def month_end(day: date) -> date:
    """The last day of `day`'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def format_period(period_end: date) -> str:
    return f"{period_end.year:04d}{period_end.month:02d}"


def format_span(first: date, last: date) -> str:
    """202601, or 202601–202612 for several periods."""
    return (
        format_period(first)
        if (first.year, first.month) == (last.year, last.month)
        else f"{format_period(first)}–{format_period(last)}"
    )


def month_span(first: date, last: date) -> list[date]:
    """The first days of every month from `first`'s to `last`'s, both included."""
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def parse_moment(text: str) -> datetime:
    """An ISO 8601 moment: 2026-04-08, 2026-04-08 09:30, 2026-04-08T09:30:00+08:00. Without an offset
    it is read in the database's time zone; anything else raises InvalidInput."""
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"Invalid moment: {text!r}",
            hint="Write it as YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] or with an offset, e.g. "
            "'2026-04-08 09:30+08:00' (without one, the database's time zone).",
        ) from None
