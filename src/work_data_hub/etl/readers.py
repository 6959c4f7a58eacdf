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
            if not record or (_is_blank(record[0]) and all(_is_blank(v) for v in record)):  # most rows: one test
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


@dataclass(frozen=True)
class SheetModel:
    """What a sheet holds besides its values, the same for every format (the one model the checks of
    etl.validate read): merged ranges, formula cells with whether they hold a saved value, hidden
    rows, and whether the workbook asks to be recalculated when opened. Rows and columns are 0-based
    as in RawTable (row 0 is the header)."""

    merged: tuple[tuple[int, int, int, int], ...] = ()  # (first row, first column, last row, last column)
    formulas: tuple[tuple[int, int, bool], ...] = ()  # (row, column, holds a saved value)
    hidden_rows: tuple[int, ...] = ()
    recalculate: bool = False


def _local(tag: str) -> str:
    """An XML name without its namespace: transitional and Strict OOXML name the same parts in two
    namespaces (and any prefix)."""
    return tag.rsplit("}", 1)[-1]


def _sheet_part(z: zipfile.ZipFile, sheet: str) -> tuple[bytes, str] | None:
    """The workbook part and the name of the sheet's part in an .xlsx (transitional or Strict)."""
    try:
        book = z.read("xl/workbook.xml")
        workbook = ElementTree.fromstring(book)
        rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        rel_id = next(
            next(v for k, v in s.attrib.items() if _local(k) == "id" and k.startswith("{"))
            for s in workbook.iter()
            if _local(s.tag) == "sheet" and s.get("name") == sheet
        )
        target = next(r.get("Target") for r in rels.iter() if _local(r.tag) == "Relationship" and r.get("Id") == rel_id)
    except (KeyError, StopIteration, ElementTree.ParseError):
        return None
    return book, (target.lstrip("/") if target.startswith("/") else f"xl/{target}")


_FORMULA = re.compile(rb"<(?:\w+:)?f[ >/]")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\bhidden="(?:1|true)"')
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_RECALC = re.compile(rb'<(?:\w+:)?calcPr\b[^>]*\bfullCalcOnLoad="(?:1|true)"')
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


def _xlsx_model(path: Path, sheet: str) -> SheetModel:
    """One pass over the sheet's XML in blocks (a sheet of 200,000 rows is 100 MB of it) for its
    merged ranges, hidden rows and whether it holds formulas; the cells are parsed only then."""
    try:
        with zipfile.ZipFile(path) as z:
            found = _sheet_part(z, sheet)
            if found is None:
                return SheetModel()
            book, part = found
            tail, formula, merged, hidden = b"", False, [], []
            with z.open(part) as f:
                while block := f.read(1 << 20):
                    chunk = tail + block
                    formula = formula or _FORMULA.search(chunk) is not None
                    if b"mergeCell" in chunk:  # the merged ranges come after the cells
                        merged += [m for m in _MERGE.finditer(chunk) if m.end() > len(tail)]
                    if b'hidden="1"' in chunk or b'hidden="true"' in chunk:
                        for m in _HIDDEN_ROW.finditer(chunk):
                            number = _ROW_NUMBER.search(m.group(0))
                            if m.end() > len(tail) and number:
                                hidden.append(int(number.group(1)) - 1)
                    tail = block[-256:]
            formulas = []
            if formula:
                with z.open(part) as f:
                    for _, cell in ElementTree.iterparse(f):
                        if _local(cell.tag) != "c":
                            continue
                        children = {_local(child.tag): child for child in cell}
                        ref = _CELL_REF.match(cell.get("r", ""))
                        if "f" in children and ref:
                            # An empty <v/> of a text result (t="str") is a saved value, the empty string
                            # (LibreOffice writes =IF(…,"",…) so); of any other type, no value at all.
                            value = children.get("v")
                            saved = value is not None and (bool(value.text) or cell.get("t") == "str")
                            formulas.append((int(ref.group(2)) - 1, _column_index(ref.group(1)), saved))
                        cell.clear()
    except (zipfile.BadZipFile, ElementTree.ParseError):
        return SheetModel()  # the reader says what is wrong with the file
    return SheetModel(
        merged=tuple(
            (
                int(m.group(2)) - 1,
                _column_index(m.group(1).decode()),
                int(m.group(4) or m.group(2)) - 1,
                _column_index((m.group(3) or m.group(1)).decode()),
            )
            for m in merged
        ),
        formulas=tuple(formulas),
        hidden_rows=tuple(sorted(set(hidden))),
        recalculate=_RECALC.search(book) is not None,
    )


def _xls_model(path: Path, sheet: str, merged: list | None) -> SheetModel:
    """An .xls: merged ranges from calamine, hidden rows from the ROW records (xlrd). The format
    saves every formula's result with it, so its formula cells are not told apart."""
    hidden: tuple[int, ...] = ()
    try:
        import xlrd

        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
        info = book.sheet_by_name(sheet).rowinfo_map
        hidden = tuple(sorted(r for r, row in info.items() if row.hidden))
    except Exception:  # xlrd's own errors: calamine read the file, the rows stay unknown
        pass
    return SheetModel(merged=tuple((a[0], a[1], b[0], b[1]) for a, b in (merged or ())), hidden_rows=hidden)


def range_name(first_row: int, first_column: int, last_row: int, last_column: int) -> str:
    """A 0-based range as Excel names it (B2:B7)."""
    start = f"{column_letter(first_column)}{first_row + 1}"
    end = f"{column_letter(last_column)}{last_row + 1}"
    return start if start == end else f"{start}:{end}"


class Source:
    """An opened delivery: its visible sheet names (none for text) and a reader per sheet."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.kind = _detect(path)
        self.sheet_names: list[str] = []
        self.hidden_sheets: list[str] = []
        self._workbook = None
        self._xls_merged: dict[str, list | None] = {}
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
            loaded = self._workbook.get_sheet_by_name(sheet)
            self._xls_merged[sheet] = loaded.merged_cell_ranges
            records = loaded.to_python(skip_empty_area=False)
            return _table(self.path, sheet, records[0] if records else None, records[1:], lambda: records[1:])
        header = next(iter(self._stream(sheet, max_row=0)), None)
        return _table(
            self.path,
            sheet,
            header,
            self._stream(sheet, min_row=1, max_row=HEAD_ROWS),
            lambda: self._stream(sheet, min_row=1),
        )

    def model(self, sheet: str | None) -> SheetModel:
        """The sheet's model (merged ranges, formulas, hidden rows, recalculation); a CSV has none of
        them. Read after `read(sheet)`."""
        if self.kind == "xlsx":
            return _xlsx_model(self.path, sheet)
        if self.kind == "xls":
            return _xls_model(self.path, sheet, self._xls_merged.get(sheet))
        return SheetModel()

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
    """UTF-8 with or without BOM, UTF-16 with BOM, else GB18030. A UTF-8 file that ends inside a
    character was cut (a copy still under way)."""
    try:
        if data.startswith(b"\xef\xbb\xbf"):
            return data[3:].decode("utf-8", errors="strict")
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason in ("unexpected end of data", "truncated data") and exc.end >= len(exc.object) - 1:
            _refuse_cut(path, f"it ends inside a character (byte {exc.start} of {len(exc.object)})")
        if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
            raise
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        if exc.end >= len(data) - 1 and exc.start >= len(data) - 3:
            _refuse_cut(path, f"it ends inside a character (byte {exc.start} of {len(data)})")
        raise InvalidInput(
            f"{path} is neither UTF-8, UTF-16 nor GB18030/GBK text (byte {exc.start} cannot be decoded)",
            hint="Save the CSV as UTF-8 (Excel: 'CSV UTF-8'), or load the .xlsx instead.",
        ) from None


def _refuse_cut(path: Path, detail: str) -> None:
    raise InvalidInput(
        f"{path}: its last line has no line end, so the file was cut (still being copied, or the copy broke); "
        "nothing was loaded",
        detail=detail[0].upper() + detail[1:],
        hint="Wait until the copy is complete and load it again (every tool that writes a CSV ends its last "
        "line). If the file is whole, add a line end after its last line.",
    )


_SEP_LINE = re.compile(r"^sep=(.)\s*$")


def _read_text(path: Path) -> RawTable:
    """A CSV as Excel and other tools write it: a trailing Ctrl-Z (DOS's end of file) dropped, a
    first line `sep=;` (Excel's) naming the delimiter, quoted line breaks kept (the text parser
    folds them to a space). A file whose last line has no line end was cut (still being copied):
    refused, whatever the cut left."""
    try:
        text = _decode(path, path.read_bytes())
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{path} is not valid text in the encoding its byte-order mark names ({exc.reason})",
            hint="Save the CSV as UTF-8 (Excel: 'CSV UTF-8') and load it again.",
        ) from None
    text = text.rstrip("\x1a")
    if text and not text.endswith(("\n", "\r")):
        last = text.rsplit("\n", 1)[-1]
        _refuse_cut(path, f"the last line ({len(last)} characters) ends {last[-60:]!r}")
    first_line = text.split("\n", 1)[0]
    delimiter = None
    if (sep := _SEP_LINE.match(first_line.strip("\ufeff"))) is not None:
        delimiter, text = sep.group(1), text.split("\n", 1)[1] if "\n" in text else ""
        first_line = text.split("\n", 1)[0]
    # Excel's 'Unicode Text' is tabbed; a European-locale CSV uses semicolons
    delimiter = delimiter or max(("\t", ",", ";"), key=lambda d: (first_line.count(d), d == ","))
    csv.field_size_limit(sys.maxsize)  # an unbalanced quote is reported below, not as a size error

    def records() -> Iterator[list[str]]:
        return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)

    try:
        _check_csv_shape(path, records(), delimiter)  # a first pass that keeps nothing; the rows then stream
    except csv.Error as exc:
        raise InvalidInput(
            f"{path} is not a well-formed CSV file: {exc}",
            hint="Check the quotes in the file (export it again from Excel), or load the .xlsx.",
        ) from None
    head = records()
    header = next(head, None)
    return _table(path, None, header, itertools.islice(head, HEAD_ROWS), lambda: itertools.islice(records(), 1, None))


def _swallowed(value: str, delimiter: str, width: int) -> bool:
    """A field with line breaks that is not a cell's text typed with Alt+Enter: more than a few
    lines, very long, or a line of it holding a row's delimiters."""
    lines = value.splitlines()
    return len(lines) > 4 or len(value) > 500 or any(line.count(delimiter) >= max(1, width // 2) for line in lines)


def _check_csv_shape(path: Path, records: Iterator[list[str]], delimiter: str) -> None:
    """Every row has the header's number of fields: an unquoted comma shifts a row's columns. A
    quoted line break is a line break typed in a cell (kept, folded to a space when parsed); a field
    holding a whole line of delimiters is rows an unbalanced quote swallowed."""
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
        swallowed = next(
            (i for i, v in enumerate(record) if ("\n" in v or "\r" in v) and _swallowed(v, delimiter, width)), None
        )
        if swallowed is not None:
            problems.append(
                f"row {number}, column {swallowed + 1}: a field holds whole lines of the file (an unbalanced quote "
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
