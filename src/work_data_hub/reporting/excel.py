"""The month's tables in one Excel workbook: a sheet per table, row for row, with a frozen header
row in the reader's language (reporting.messages: Chinese by default), an autofilter, number formats
that show their unit (元 to the fen, 亿元, percentages, dates), flags as 是 / 否, movements in words,
column widths that fit, and a notes sheet (the edition, the units, each header's database column)."""

from __future__ import annotations

import io
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from work_data_hub.customer_mdm.report import MonthExport
from work_data_hub.reporting import messages
from work_data_hub.reporting.files import write_whole

MAX_WIDTH = 60


def _display_width(value) -> int:
    """Characters as Excel lays them out: a CJK character takes two columns."""
    text = value if isinstance(value, str) else f"{value:,.4f}" if isinstance(value, Decimal) else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def write_xlsx(export: MonthExport, out: Path, *, lang: str = "zh") -> Path:
    """Write `export` into `out` (its folder created), whole or not at all."""
    return write_whole(out, lambda path: _write_book(export, path, lang))


def _cell(column: str, value, lang: str):
    """A value as the sheet shows it: a flag as 是 / 否 (zh), a movement in words."""
    if isinstance(value, bool) and lang == "zh":
        return messages.say("word.yes" if value else "word.no", lang)
    if column == "movement" and f"movement.{value}" in messages.MESSAGES:
        return messages.say(f"movement.{value}", lang)
    return value


def _write_book(export: MonthExport, path: Path, lang: str) -> None:
    # Built in memory, then written in one write: a full disk is one OSError of that write, and no
    # half-written zip is left for ZipFile.__del__ to fail on again.
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"remove_timezone": True, "in_memory": True})
    standing = export.standing
    # Which edition of the month this is, in the file itself (File > Properties): an auditor holding
    # the workbook can tell which figures it shows.
    book.set_properties(
        {
            "title": f"年金客户月度导出 {standing.period_end:%Y%m}",
            "subject": (
                f"edition {standing.edition} of {standing.period_end:%Y%m}"
                + (f", built {standing.edition_built_at:%Y-%m-%d %H:%M:%S %Z}" if standing.edition_built_at else "")
                + (f"; as it stood at {standing.as_of:%Y-%m-%d %H:%M:%S %Z}" if standing.as_of else "")
            ),
            "comments": "work_data_hub customer-mdm export"
            + ("; the movements come from the contract history as it is now" if standing.as_of else ""),
        }
    )
    formats = {
        "header": book.add_format({"bold": True, "bg_color": "#F3F4F6", "bottom": 1, "text_wrap": True}),
        "yi": book.add_format({"num_format": '#,##0.0000" 亿元"'}),
        "yuan": book.add_format({"num_format": '#,##0.00" 元"'}),
        "percent": book.add_format({"num_format": "0.00%"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "plain": None,
    }
    for sheet in export.sheets:
        ws = book.add_worksheet(messages.say(f"sheet.{sheet.name}", lang)[:31])
        headers = [
            messages.say(f"column.{c}", lang) if f"column.{c}" in messages.MESSAGES else c for c in sheet.columns
        ]
        widths = [_display_width(h) for h in headers]
        for col, header in enumerate(headers):
            ws.write_string(0, col, header, formats["header"])
        for r, row in enumerate(sheet.rows, start=1):
            for col, column in enumerate(sheet.columns):
                value, fmt = _cell(column, row[column], lang), formats[sheet.formats.get(column, "plain")]
                if value is None:
                    ws.write_blank(r, col, None, fmt)
                elif isinstance(value, bool):
                    ws.write_boolean(r, col, value)
                elif isinstance(value, (Decimal, int, float)):
                    ws.write_number(r, col, float(value), fmt)
                elif isinstance(value, (date, datetime)):
                    ws.write_datetime(r, col, value, fmt)
                else:
                    ws.write_string(r, col, str(value))
                widths[col] = max(widths[col], _display_width(value) if value is not None else 0)
        for col, width in enumerate(widths):
            ws.set_column(col, col, min(width + 2, MAX_WIDTH))
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(sheet.rows), 1), max(len(sheet.columns) - 1, 0))
    _notes(book, export, lang, formats["header"])
    book.close()
    path.write_bytes(buffer.getvalue())


def _notes(book, export: MonthExport, lang: str, header) -> None:
    """The notes sheet: which month and edition, the units, and each header's database column."""
    standing = export.standing
    ws = book.add_worksheet(messages.say("sheet.notes", lang))
    lines = [messages.say("notes.title", lang, period=f"{standing.period_end:%Y%m}")]
    if standing.edition:
        built = f"{standing.edition_built_at:%Y-%m-%d %H:%M:%S}" if standing.edition_built_at else "—"
        lines.append(messages.say("notes.edition", lang, edition=standing.edition, built_at=built))
    if standing.as_of:
        lines.append(messages.say("notes.as_of", lang, as_of=f"{standing.as_of:%Y-%m-%d %H:%M:%S}"))
    lines += [messages.say("notes.units", lang), "", messages.say("notes.columns", lang)]
    for row, line in enumerate(lines):
        ws.write_string(row, 0, line, header if row == 0 else None)
    columns = dict.fromkeys(c for sheet in export.sheets for c in sheet.columns)
    for row, column in enumerate(columns, start=len(lines)):
        label = messages.say(f"column.{column}", lang) if f"column.{column}" in messages.MESSAGES else column
        ws.write_string(row, 0, label)
        ws.write_string(row, 1, column)
    ws.set_column(0, 0, 60)
    ws.set_column(1, 1, 28)
