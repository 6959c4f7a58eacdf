"""Read an .xlsx sheet or a UTF-8 .csv into header + rows, keeping the file's row numbers."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from work_data_hub.errors import InvalidInput


@dataclass(frozen=True)
class RawTable:
    path: Path
    sheet: str | None
    headers: list[str]
    rows: list[list[Any]]  # data rows, blank rows dropped
    row_numbers: list[int]  # the file's row number of each data row (header is row 1)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _table(path: Path, sheet: str | None, records: list[list[Any]]) -> RawTable:
    if not records:
        where = f"sheet {sheet!r} of {path}" if sheet else str(path)
        raise InvalidInput(f"{where} is empty: no header row",
                           hint="Export the data with its header row and load the file again.")
    headers = ["" if h is None else str(h).strip() for h in records[0]]
    rows, numbers = [], []
    for index, record in enumerate(records[1:], start=2):
        if all(_is_blank(v) for v in record):
            continue
        record = list(record) + [None] * (len(headers) - len(record))
        rows.append(record[: len(headers)])
        numbers.append(index)
    return RawTable(path=path, sheet=sheet, headers=headers, rows=rows, row_numbers=numbers)


def read_xlsx(path: Path, preferred_sheet: str) -> RawTable:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for unreadable files
        raise InvalidInput(f"Cannot read {path} as an Excel workbook: {exc}",
                           hint="Check that the file is a valid .xlsx (save it again from Excel).") from None
    names = workbook.sheet_names
    if not names:
        raise InvalidInput(f"{path} has no sheets", hint="Export the data to a sheet and load the file again.")
    sheet = preferred_sheet if preferred_sheet in names else names[0]
    records = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    return _table(path, sheet, [list(r) for r in records])


def read_csv(path: Path) -> RawTable:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            records = [list(r) for r in csv.reader(f)]
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path} is not UTF-8 text (byte {exc.start} cannot be decoded)",
                           hint="Save the CSV as UTF-8 (Excel: 'CSV UTF-8'), or load the .xlsx instead.") from None
    return _table(path, None, records)


def read_table(path: Path, preferred_sheet: str) -> RawTable:
    """An .xlsx (sheet `preferred_sheet`, else the first) or a UTF-8 .csv."""
    if not path.is_file():
        raise InvalidInput(f"File not found: {path}", hint="Check the --file path.")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path, preferred_sheet)
    if suffix == ".csv":
        return read_csv(path)
    raise InvalidInput(f"Unsupported file type {suffix or '(none)'}: {path}",
                       hint="Load an .xlsx workbook or a UTF-8 .csv file.")
