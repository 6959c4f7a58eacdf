"""Read a delivery into a header and a stream of rows per sheet, keeping the file's row numbers.

The format is detected from the content, not the extension: a ZIP is an .xlsx workbook, streamed
row by row without loading the sheet (python-calamine-plus, calamine's streaming reader: a month of
200,000 rows reads in constant memory); an OLE2 compound file an .xls workbook (calamine; the
format holds at most 65,536 rows); anything else text (CSV) whose encoding is detected too: UTF-8
with or without BOM, UTF-16 with BOM, else GB18030 (which covers GBK).
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import sys
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from work_data_hub.errors import InvalidInput
from work_data_hub.texts import elided

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
HEAD_ROWS = 50  # the rows read ahead for the first data row
TEXT_SUFFIXES = (".csv",)
_ZIP, _OLE2 = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class RawTable:
    """A sheet's header, its first data row, and its data rows read lazily: `records()` yields (the
    file's row number, the values padded to the header's width), blank rows dropped, each time
    streaming from the file again."""

    path: Path
    sheet: str | None
    headers: list[str]
    first_row: list[Any] | None  # the first non-blank data row (a second header row shows there)
    _rows: Callable[[], Iterable[list[Any]]]  # the rows after the header, blank ones included

    def records(self) -> Iterator[tuple[int, list[Any]]]:
        """Non-blank rows, padded to the header's width; cells right of the header are kept (data
        without a header is refused by the validator)."""
        width = len(self.headers)
        for number, record in enumerate(self._rows(), start=2):
            if _is_blank(record[0]) and all(_is_blank(v) for v in record):  # most rows: one test
                continue
            if len(record) < width:
                record = list(record) + [None] * (width - len(record))
            yield number, record


def _is_blank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not value.strip())


def _table(
    path: Path,
    sheet: str | None,
    header: list[Any] | None,
    head: Iterable[list[Any]],
    rows: Callable[[], Iterable[list[Any]]],
) -> RawTable:
    """`header` is the sheet's first row, `head` a few rows after it (for the first data row),
    `rows` makes the stream of every row after it."""
    if header is None:
        where = f"sheet {sheet!r} of {path}" if sheet else str(path)
        raise InvalidInput(
            f"{where} is empty: no header row", hint="Export the data with its header row and load the file again."
        )
    first = next((list(r) for r in head if not all(_is_blank(v) for v in r)), None)
    return RawTable(
        path=path,
        sheet=sheet,
        headers=["" if h is None else str(h).strip() for h in header],
        first_row=first,
        _rows=rows,
    )


def column_letter(index: int) -> str:
    """A 0-based column index as Excel names it (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "p": "http://schemas.openxmlformats.org/package/2006/relationships",
}


def _sheet_part(z: zipfile.ZipFile, sheet: str) -> tuple[bytes, str] | None:
    """The workbook part and the name of the sheet's part in an .xlsx."""
    try:
        book = z.read("xl/workbook.xml")
        workbook = ElementTree.fromstring(book)
        rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        rel_id = next(
            s.get(f"{{{_NS['r']}}}id") for s in workbook.iterfind("m:sheets/m:sheet", _NS) if s.get("name") == sheet
        )
        target = next(r.get("Target") for r in rels.iterfind("p:Relationship", _NS) if r.get("Id") == rel_id)
    except (KeyError, StopIteration, ElementTree.ParseError):
        return None
    return book, (target.lstrip("/") if target.startswith("/") else f"xl/{target}")


_FORMULA = re.compile(rb"<(?:\w+:)?f[ >/]")


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _scan_sheet(z: zipfile.ZipFile, part: str) -> tuple[bool, list[str]]:
    """One pass over the sheet's XML in blocks (a sheet of 200,000 rows is 100 MB of it): whether it
    holds a formula cell, and its merged ranges below the header row."""
    tail, formula, merged = b"", False, []
    with z.open(part) as f:
        while block := f.read(1 << 20):
            chunk = tail + block
            formula = formula or _FORMULA.search(chunk) is not None
            if b"mergeCell" in chunk:  # the merged ranges come after the cells
                merged += [m for m in _MERGE.finditer(chunk) if m.end() > len(tail)]
            tail = block[-256:]
    below = [
        f"{m.group(1).decode()}{m.group(2).decode()}"
        + (f":{m.group(3).decode()}{m.group(4).decode()}" if m.group(3) else "")
        for m in merged
        if int(m.group(4) or m.group(2)) > 1
    ]
    return formula, below


def _check_sheet(path: Path, sheet: str) -> None:
    """Merged cells below the header hold their value in their first cell only: refused. A formula
    cell's saved value is what the reader reads: refuse it where it cannot be trusted,
    because the cell has none (a tool wrote the formula and never calculated it) or because the
    workbook asks to be recalculated when opened (its saved values are placeholders, often 0).
    Costs one pass over the sheet's XML; the cells are parsed only when it holds formulas."""
    try:
        with zipfile.ZipFile(path) as z:
            found = _sheet_part(z, sheet)
            if found is None:
                return
            has_formula, merged = _scan_sheet(z, found[1])
            if merged:
                raise InvalidInput(
                    f"{path} (sheet {sheet!r}): {len(merged)} merged cell range(s) in the data: "
                    + elided(merged, head=10)
                    + "; nothing was loaded",
                    detail="A merged range holds its value in its first cell only: the rows under it would load "
                    "with that column empty (a branch would become G00, a 业务类型 nothing).",
                    hint="Unmerge the cells and fill the value into every row (Excel: select, Merge & Center off, "
                    "then fill down), save the file and load it again.",
                )
            if not has_formula:
                return
            book, part = found
            recalc = re.search(rb'<(?:\w+:)?calcPr\b[^>]*\bfullCalcOnLoad="(?:1|true)"', book) is not None
            untrusted = []
            with z.open(part) as f:
                for _, cell in ElementTree.iterparse(f):
                    if cell.tag != f"{{{_NS['m']}}}c":
                        continue
                    if cell.find("m:f", _NS) is not None:
                        value = cell.find("m:v", _NS)
                        if recalc or value is None or value.text is None:
                            untrusted.append(cell.get("r", "?"))
                    cell.clear()
    except (zipfile.BadZipFile, ElementTree.ParseError):
        return  # the reader says what is wrong with the file
    if untrusted:
        why = (
            "the workbook is marked to be recalculated when opened, so the values saved in it are not the "
            "formulas' results"
            if recalc
            else "they hold no saved value"
        )
        raise InvalidInput(
            f"{path} (sheet {sheet!r}): {len(untrusted)} formula cell(s) cannot be trusted: {why}; nothing was loaded",
            detail="Cells: " + elided(untrusted, head=20),
            hint="Open the file in Excel (or LibreOffice), let it calculate, save it, and load it again; or paste "
            "the values over the formulas.",
        )


class Source:
    """An opened delivery: its visible sheet names (none for text) and a reader per sheet."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.kind = _detect(path)
        self.sheet_names: list[str] = []
        self.hidden_sheets: list[str] = []
        self._workbook = None
        if self.kind in ("xlsx", "xls"):
            if self.kind == "xlsx":
                from python_calamine_plus import CalamineWorkbook
            else:
                from python_calamine import CalamineWorkbook
            try:
                self._workbook = CalamineWorkbook.from_path(str(path))
                sheets = [(s.name, str(s.visible)) for s in self._workbook.sheets_metadata]
            except Exception as exc:  # calamine raises its own error types for unreadable files
                raise InvalidInput(
                    f"Cannot read {path} as an Excel workbook: {exc}",
                    hint="Check that the file is a valid workbook (save it again from Excel).",
                ) from None
            # Only visible sheets are deliveries: a hidden sheet is a leftover or a lookup table.
            self.sheet_names = [name for name, visible in sheets if visible.endswith(".Visible")]
            self.hidden_sheets = [name for name, _ in sheets if name not in self.sheet_names]
            if not self.sheet_names:
                raise InvalidInput(
                    f"{path} has no visible sheets"
                    + (f" (hidden: {', '.join(self.hidden_sheets)})" if self.hidden_sheets else ""),
                    hint="Unhide the sheet that holds the delivery (or export the data to a sheet) and load the "
                    "file again.",
                )

    def read(self, sheet: str | None = None) -> RawTable:
        """The sheet's header and first data row now; its rows when iterated (one sheet at a time)."""
        if self._workbook is None:
            return _read_text(self.path)
        if self.kind == "xls":  # at most 65,536 rows: read whole
            records = self._workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            return _table(self.path, sheet, records[0] if records else None, records[1:], lambda: records[1:])
        _check_sheet(self.path, sheet)
        header = next(iter(self._stream(sheet, max_row=0)), None)
        return _table(
            self.path,
            sheet,
            header,
            self._stream(sheet, min_row=1, max_row=HEAD_ROWS),
            lambda: self._stream(sheet, min_row=1),
        )

    def _stream(self, sheet: str, **bounds) -> Iterable[list[Any]]:
        try:
            return self._workbook.stream_sheet_by_name(sheet, **bounds)
        except Exception as exc:  # calamine's own error types
            raise InvalidInput(
                f"Cannot read sheet {sheet!r} of {self.path}: {exc}",
                hint="Check that the file is a valid workbook (save it again from Excel).",
            ) from None


def _detect(path: Path) -> str:
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(
            "The file's name is not UTF-8 (unpacked from a Windows archive?)",
            hint="Rename it, e.g. convmv -f gbk -t utf8 --notest FILE, and load it again.",
        ) from None
    if path.is_dir():
        raise InvalidInput(
            f"{path} is a folder, not a file", hint="Name one file with --file, or leave --file out to read the inbox."
        )
    if not path.is_file():
        raise InvalidInput(f"File not found: {path}", hint="Check the --file path.")
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise InvalidInput(
            f"{path} is empty (0 bytes)",
            hint="The file was not saved or not copied whole: deliver it again; nothing was loaded.",
        )
    if suffix not in WORKBOOK_SUFFIXES + TEXT_SUFFIXES:
        raise InvalidInput(
            f"Unsupported file type {suffix or '(none)'}: {path}", hint="Load an .xlsx or .xls workbook or a .csv file."
        )
    with open(path, "rb") as f:
        magic = f.read(8)
    if magic.startswith(_ZIP):
        return "xlsx"
    if magic == _OLE2:
        return "xls"
    if suffix in WORKBOOK_SUFFIXES and magic.startswith(b"%PDF"):
        raise InvalidInput(
            f"Cannot read {path} as an Excel workbook: it is a PDF",
            hint="Ask for the workbook itself (.xlsx) and load that; a PDF's tables cannot be loaded.",
        )
    if suffix in WORKBOOK_SUFFIXES:
        raise InvalidInput(
            f"Cannot read {path} as an Excel workbook: it holds text, not a workbook",
            hint="Save it again from Excel as .xlsx, or, if it is a CSV export, name it .csv.",
        )
    return "csv"


def _decode(path: Path, data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{path} is neither UTF-8, UTF-16 nor GB18030/GBK text (byte {exc.start} cannot be decoded)",
            hint="Save the CSV as UTF-8 (Excel: 'CSV UTF-8'), or load the .xlsx instead.",
        ) from None


def _read_text(path: Path) -> RawTable:
    try:
        text = _decode(path, path.read_bytes())
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{path} is not valid text in the encoding its byte-order mark names ({exc.reason})",
            hint="Save the CSV as UTF-8 (Excel: 'CSV UTF-8') and load it again.",
        ) from None
    first_line = text.split("\n", 1)[0]
    # Excel's 'Unicode Text' is tabbed; a European-locale CSV uses semicolons
    delimiter = max(("\t", ",", ";"), key=lambda d: (first_line.count(d), d == ","))
    csv.field_size_limit(sys.maxsize)  # an unbalanced quote is reported below, not as a size error

    def records() -> Iterator[list[str]]:
        return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)

    try:
        _check_csv_shape(path, records())  # a first pass that keeps nothing; the rows then stream
    except csv.Error as exc:
        raise InvalidInput(
            f"{path} is not a well-formed CSV file: {exc}",
            hint="Check the quotes in the file (export it again from Excel), or load the .xlsx.",
        ) from None
    head = records()
    header = next(head, None)
    return _table(path, None, header, itertools.islice(head, HEAD_ROWS), lambda: itertools.islice(records(), 1, None))


def _check_csv_shape(path: Path, records: Iterator[list[str]]) -> None:
    """Every row has the header's number of fields, and no field holds a line break: an unquoted
    comma shifts a row's columns, an unbalanced quote swallows the rows after it."""
    header = next(records, None)
    if header is None:
        return
    width = len(header)
    problems = []
    for number, record in enumerate(records, start=2):
        if not any(v.strip() for v in record):
            continue
        if len(record) < width or any(v.strip() for v in record[width:]):
            problems.append(
                f"row {number}: {len(record)} fields, the header has {width} (an unquoted comma, or a missing one?)"
            )
        broken = next((i for i, v in enumerate(record) if "\n" in v or "\r" in v), None)
        if broken is not None:
            problems.append(
                f"row {number}, column {broken + 1}: a line break inside a field (an unbalanced quote "
                "swallows the rows after it)"
            )
        if len(problems) >= 20:
            break
    if problems:
        raise InvalidInput(
            f"{path}: the CSV's rows do not line up with its header; nothing was loaded",
            detail="\n".join(problems),
            hint="Quote fields that contain commas or quotes (export the file again from Excel), "
            "or load the .xlsx instead.",
        )
