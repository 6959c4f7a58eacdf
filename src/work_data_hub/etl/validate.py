"""Read and validate a whole file before anything touches the database.

A file is guilty until proven: `parse_file` checks that it is what it claims to be (its domain,
its month, one column per target, every cell, a header in one row over every column that holds
data) and returns its rows; `etl.stage` then stages them and `etl.apply` writes them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import re
import sys
import tempfile
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from work_data_hub.errors import InvalidInput
from work_data_hub.etl.domains import NUMBER, RATE, Domain, looks_like, normalise_header
from work_data_hub.etl.parsing import PARSERS, parse_number, parse_percent
from work_data_hub.etl.readers import RawTable, SheetModel, Source, column_letter, range_name
from work_data_hub.texts import elided

MAX_LISTED_ERRORS = 20
PROGRESS_FROM_ROWS = 5000
TOTAL_MARKERS = {"Total", "TOTAL", "total", "Subtotal", "SUBTOTAL", "subtotal", "SUM", "Sum"}
# 合计, 小计, 总计, 汇总 standing as a word of a text cell (JH005 小计, 合计：, （总计）), not inside a name
# (汇总科技有限公司 is a customer).
_TOTAL_WORD = re.compile(r"(?:^|[\s:：(（\-—_/·])(?:总合计|合\s?计|小\s?计|总\s?计|汇\s?总)(?:$|[\s:：)）\-—_/·])")


def is_total_text(value: str) -> bool:
    """A text cell that says its row is a total or a subtotal."""
    if value in TOTAL_MARKERS:
        return True
    words = "合计" in value or "小计" in value or "总计" in value or "汇总" in value
    spaced = not words and ("计" in value or "汇" in value) and (" " in value or "\u3000" in value)  # 合 计
    return (words or spaced) and _TOTAL_WORD.search(value) is not None


@dataclass(frozen=True)
class ParsedFile:
    """A validated file: its rows in COPY text format in a temporary file (source_row first, then
    the values of `columns`), and what the checks and the plan need to know of them."""

    domain: Domain
    path: Path
    sheets: list[str]  # the sheets read (none for a CSV)
    columns: list[str]  # the target columns the file provides, in COPY order
    copy_data: BinaryIO  # the rows, one COPY text line each, in file order
    row_count: int
    months: dict[date, int]  # rows per month (first of month), in order
    ignored_headers: list[str]
    sha256: str
    bytes: int
    row_numbers: array  # the file's row number of each row (source_row - 1 indexes it)
    row_sheets: array  # the index in `sheets` of each row's sheet (a workbook read from several sheets)
    several: bool  # rows come from several sheets: references name the sheet
    notes: list[str] = field(default_factory=list)  # what was passed over (hidden sheets)

    @property
    def sheet(self) -> str | None:
        return ", ".join(self.sheets) or None

    def ref(self, source_row: int) -> str:
        """How the file names a row: "row 7", or "sheet '企年受托中标(空白)' row 7"."""
        number = self.row_numbers[source_row - 1]
        return (
            f"sheet {self.sheets[self.row_sheets[source_row - 1]]!r} row {number}" if self.several else f"row {number}"
        )


@contextmanager
def progress(description: str, total: int | None) -> Iterator[Callable[..., None]]:
    """A progress bar on stderr for long work (hidden for short work and when not a terminal);
    `total` None: not known in advance (rows streaming from a file)."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=(total is not None and total < PROGRESS_FROM_ROWS) or not sys.stderr.isatty(),
    ) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)


def file_digest(path: Path) -> tuple[str, int]:
    """sha256 (hex) and size of a file, read in blocks; an unreadable file is refused by name."""
    digest, size = hashlib.sha256(), 0
    try:
        with open(path, "rb") as f:
            while block := f.read(1 << 20):
                digest.update(block)
                size += len(block)
    except OSError as exc:
        raise InvalidInput(
            f"Cannot read {path}: {exc.strerror or exc}",
            hint="Check that the file exists and that the user running the command may read it "
            "(ls -l); nothing of it was loaded.",
        ) from None
    return digest.hexdigest(), size


# --- reading and validating ---------------------------------------------------------------------


class _Problems:
    """Collects every problem of a file, listing the first MAX_LISTED_ERRORS."""

    def __init__(self) -> None:
        self.listed: list[str] = []
        self.count = 0

    def add(self, text: str) -> None:
        self.count += 1
        if len(self.listed) < MAX_LISTED_ERRORS:
            self.listed.append(text)

    def raise_if_any(self, where: str, hint: str) -> None:
        if self.count:
            more = f"\n… and {self.count - len(self.listed)} more" if self.count > len(self.listed) else ""
            raise InvalidInput(
                f"{where}: {self.count} problem(s); nothing was loaded", detail="\n".join(self.listed) + more, hint=hint
            )


def _table_headers(source: Source, sheet: str) -> set[str]:
    """A sheet's headers, none for an empty sheet."""
    try:
        return {normalise_header(h) for h in source.read(sheet).headers if h}
    except InvalidInput:
        return set()


def _holds_data(source: Source, sheet: str) -> bool:
    return source.read(sheet).first_row is not None


def _is_ledger_table(domain: Domain, headers: set[str]) -> bool:
    """A ledger's columns: its month (上报月份) and a customer or plan, under any of the header
    variants the domain's column map accepts."""

    def named(*targets: str) -> bool:
        return any(normalise_header(h) in headers for t in targets for h in domain.column(t).headers)

    return named(domain.month_column) and named("客户名称", "上报客户名称", "company_id", domain.plan_column)


def _sheets_to_read(domain: Domain, source: Source, notes: list[str]) -> list[str | None]:
    """The sheets that hold the domain's data. 规模明细: the sheet named so, else the one visible sheet
    with its columns (two such sheets are refused, naming both), else the first. A ledger workbook:
    every sheet whose name says 中标 (流失) and whose columns are a ledger's; a sheet so named without
    them (a summary) and a sheet that names neither (notes) are passed over with a note, and a sheet
    with a ledger's columns whose name says neither is refused: it would be dropped unread."""
    names = source.sheet_names
    if not names:
        return [None]
    if not domain.is_ledger and domain.sheet in source.hidden_sheets:
        raise InvalidInput(
            f"{source.path}: the sheet {domain.sheet!r} is hidden, so it is not read, and no other sheet is the "
            f"delivery for sure (visible: {', '.join(names)}); nothing was loaded",
            hint=f"Unhide the sheet {domain.sheet!r} if it holds the delivery (or delete it if it does not), save the "
            "file and load it again.",
        )
    if not domain.is_ledger:
        named = [n for n in names if n.strip() == domain.sheet]  # '规模明细 ' and '规模明细　' too
        if len(named) == 1:
            return named
        if len(names) == 1:
            return names
        data = [n for n in names if domain.name in looks_like(_table_headers(source, n), [])]
        if len(data) > 1:
            raise InvalidInput(
                f"{source.path}: {len(data)} sheets hold {domain.name} data: "
                + ", ".join(map(repr, data))
                + f", and none is named {domain.sheet!r}; nothing was loaded",
                detail="Which of them is the delivery cannot be told (an old month left in the workbook?).",
                hint=f"Delete the sheets that are not the delivery, or name the delivery's sheet {domain.sheet!r}, "
                "save the file and load it again.",
            )
        return data or [names[0]]
    other = "流失" if domain.sheet_keyword == "中标" else "中标"
    keyed = [n for n in names if domain.sheet_keyword in n or other in n]
    if not keyed:
        return [names[0]]  # a file of one ledger (当年中标.xlsx): its domain is what it was loaded as
    chosen = []
    for name in names:
        if other in name and domain.sheet_keyword not in name:
            continue  # the other ledger's sheet
        ledger = _is_ledger_table(domain, _table_headers(source, name))
        if domain.sheet_keyword in name and ledger:
            chosen.append(name)
        elif domain.sheet_keyword in name:
            notes.append(
                f"sheet {name!r} passed over: no ledger columns ({domain.month_column} and a customer), "
                "a summary or notes"
            )
        elif ledger and _holds_data(source, name):
            raise InvalidInput(
                f"{source.path}: sheet {name!r} holds a ledger's columns, but its name says neither 中标 nor 流失, "
                "so it would be dropped unread; nothing was loaded",
                hint="Rename the sheet so that it says which ledger it is (e.g. 企年受托中标(空白) or "
                "企年受托流失(解约)), or delete it, save the file and load it again.",
            )
        else:
            notes.append(f"sheet {name!r} passed over: neither a 中标 nor a 流失 sheet")
    if not chosen and not any(domain.sheet_keyword in n for n in names):
        return [names[0]]  # the other ledger's workbook: the domain check says so
    if not chosen:
        raise InvalidInput(
            f"{source.path}: no {domain.sheet_keyword} sheet with a ledger's columns ({domain.month_column} and a "
            f"customer); nothing was loaded",
            detail="Sheets: " + ", ".join(names),
            hint=f"Name the {domain.name} sheets …{domain.sheet_keyword}… (e.g. 企年受托{domain.sheet_keyword}) with "
            f"the header in row 1, and load the file again.",
        )
    return chosen


def _sheet_line(domain: Domain, sheet: str | None) -> str | None:
    """A ledger sheet named like 企年受托中标(空白) says its 业务类型."""
    if not domain.is_ledger or not sheet or domain.sheet_keyword not in sheet:
        return None
    return sheet.split(domain.sheet_keyword, 1)[0].strip() or None  # a spelling: mapping.业务类型别名 resolves it


def _check_domain(domain: Domain, path: Path, source: Source, tables: list[RawTable]) -> None:
    headers = {normalise_header(h) for t in tables for h in t.headers if h}
    looks = looks_like(headers, source.sheet_names)
    if domain.name in looks or (not looks and not domain.is_ledger):
        return  # a file that looks like nothing at all is told its missing columns instead
    if domain.is_ledger:
        proof = f"a {domain.date_column} column or a sheet whose name holds {domain.sheet_keyword}"
    else:
        proof = "the columns 期末资产规模 and 供款"
    raise InvalidInput(
        f"{path} does not look like an {domain.name} file" + (f": it looks like {' / '.join(looks)}" if looks else ""),
        detail=f"An {domain.name} file has {proof}. Sheets: {', '.join(source.sheet_names) or '(CSV)'}; "
        f"columns: {', '.join(sorted(headers)) or '(none)'}",
        hint=(f"Load it with --domain {looks[0]}" if looks else "Check that this is the right file")
        + "; nothing was loaded.",
    )


_HEADER_UNIT = re.compile(r"^(.+?)\((元|万元|亿元|%|％)\)$")


_IN_YI = {"亿元": Decimal(1), "万元": Decimal("0.0001"), "元": Decimal("0.00000001")}


def _positions(
    domain: Domain,
    table: RawTable,
    where: str,
    problems: _Problems,
    percent: set[str] | None = None,
    scales: dict[str, Decimal] | None = None,
) -> dict[str, int]:
    """target column → the sheet's column index; two headers for one target are a problem. A
    header may name its unit in brackets: a rate's (%) says its values are percentages (added to
    `percent`); a money column stored in 元 (规模明细) takes (元) and refuses 万元 or 亿元; one stored
    in 亿元 (a ledger's 计划规模, 年缴规模) is read in the header's unit and converted (the factor goes
    to `scales`)."""
    positions: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        if not header:
            continue
        normal = normalise_header(header)
        column = next((c for c in domain.columns if normal in {normalise_header(a) for a in c.headers}), None)
        unit = _HEADER_UNIT.match(normal) if column is None else None
        if unit:
            column = next(
                (c for c in domain.columns if unit.group(1) in {normalise_header(a) for a in c.headers}), None
            )
            if column is not None and column.kind == NUMBER and column.unit == "亿元" and unit.group(2) in _IN_YI:
                if scales is not None and unit.group(2) != "亿元":
                    scales[column.target] = _IN_YI[unit.group(2)]
            elif column is not None and unit.group(2) in ("万元", "亿元") and column.kind == NUMBER:
                raise InvalidInput(
                    f"{where}: column {header!r} is in {unit.group(2)}; the product stores 元, so nothing was loaded",
                    hint="Deliver the file in 元 (convert the column, and its header to "
                    f"{column.headers[0]}), and load it again.",
                )
            if column is not None and unit.group(2) in ("%", "％"):
                if column.kind != RATE:
                    column = None
                elif percent is not None:
                    percent.add(column.target)
        if column is None:
            continue
        if column.target in positions:
            problems.add(
                f"{where}: columns {table.headers[positions[column.target]]!r} (column "
                f"{positions[column.target] + 1}) and {header!r} (column {index + 1}) both feed "
                f"{column.target}"
            )
        else:
            positions[column.target] = index
    return positions


def parse_file(
    domain: Domain,
    path: Path,
    period: date | None = None,
    *,
    month_source: str = "--period",
    allow_future: bool = False,
    today: date | None = None,
) -> ParsedFile:
    """Read and validate the whole file, streaming it once: any problem rejects it with every row and
    column named. The validated rows go, in COPY text format, to a temporary file (kept in memory up
    to SPOOL_IN_MEMORY), so that memory stays bounded whatever the file's size.

    `period` (any date of the month) is the month the file must hold: --period, or the month
    folder it was delivered in (`month_source` says which, for the messages). The month in the file's
    name must agree with both; a month after `today`'s (the calendar's) is refused unless
    `allow_future`."""
    source = Source(path)
    sha256, size = file_digest(path)
    notes = [f"hidden sheet {s!r} passed over" for s in source.hidden_sheets]
    tables = [source.read(sheet) for sheet in _sheets_to_read(domain, source, notes)]
    for table in tables:
        _check_header_row(domain, table)
    _check_domain(domain, path, source, tables)
    several = len(tables) > 1
    structure = _Problems()
    layouts = []
    for table in tables:
        where = f"{path}" + (f" (sheet {table.sheet!r})" if table.sheet else "")
        percent: set[str] = set()
        scales: dict[str, Decimal] = {}
        positions = _positions(domain, table, where, structure, percent, scales)
        sheet_line = _sheet_line(domain, table.sheet)
        missing = [
            c.headers[0]
            for c in domain.columns
            if c.required and c.target not in positions and not (c.target == "业务类型" and sheet_line)
        ]
        if missing:
            raise InvalidInput(
                f"{where} is missing required column(s): {', '.join(missing)}",
                # The first row's cells only of a table it recognised: another file's first line (a
                # password file, a key) is never printed.
                detail=f"Columns found: {', '.join(h for h in table.headers if h) or '(none)'}"
                if positions
                else f"No cell of its first row is a column of an {domain.name} file; its content is not shown "
                "(it may not be a delivery at all).",
                hint=(
                    f"Is this an {domain.name} file? An .xlsx is read from sheet "
                    + (f"s named …{domain.sheet_keyword}…" if domain.is_ledger else f"{domain.sheet!r}")
                    + ", else its first sheet; the header must be in row 1."
                ),
            )
        layouts.append((table, where, positions, sheet_line, percent, scales))
    models = [_check_model(where, source.model(table.sheet), positions) for table, where, positions, *_ in layouts]
    structure.raise_if_any(
        str(path),
        "Keep one of each pair of columns (header variants count as the same column) and load the file again.",
    )

    targets = {t for _, _, positions, _, _, _ in layouts for t in positions} | {
        "业务类型" for _, _, _, line, _, _ in layouts if line
    }
    columns = [c.target for c in domain.columns if c.target in targets]
    slot = {target: i + 1 for i, target in enumerate(columns)}
    month_slot = slot[domain.month_column]
    aum_slot = slot.get("期末资产规模")
    contribution_slot = slot.get("供款")

    def parsed_ref(row: int) -> str:
        sheet = layouts[row_sheets[row - 1]][0].sheet
        return f"sheet {sheet!r} row {row_numbers[row - 1]}" if several else f"row {row_numbers[row - 1]}"

    problems = _Problems()
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
    row_numbers, row_sheets, months_of = array("l"), array("h"), array("l")
    seen: dict[int, int] = {}  # a 128-bit hash of each raw row → its source_row: repeated rows
    ignored: list[str] = []
    any_aum = False
    count = hidden_count = 0
    with progress(f"Validating {path.name}", None) as advance:
        for sheet_index, (table, where, positions, sheet_line, percent, scales) in enumerate(layouts):
            ignored += [h for i, h in enumerate(table.headers) if h and i not in positions.values()]
            parsers = [
                (
                    slot[c.target],
                    positions[c.target],
                    parse_percent
                    if c.target in percent
                    else (_scaled(scales[c.target]) if c.target in scales else PARSERS[c.kind]),
                    c.not_null,
                    c.forms or None,
                    table.headers[positions[c.target]],
                    {},
                )
                for c in domain.columns
                if c.target in positions
            ]
            line_slot = slot["业务类型"] if sheet_line and "业务类型" not in positions else None
            prefix = f"sheet {table.sheet!r} row" if several else "row"
            width = len(table.headers)
            headless = {i for i, h in enumerate(table.headers) if not h}
            headless_data: set[int] = set()
            sums = _RunningSums() if aum_slot is not None and contribution_slot is not None else None
            hidden = {r + 1 for r in models[sheet_index].hidden_rows}  # the file's row numbers
            for number, raw in table.records():
                count += 1
                if hidden and number in hidden:
                    hidden_count += 1
                record: list[Any] = [None] * (len(columns) + 1)
                record[0] = count
                problems_before = problems.count
                if len(raw) > width or headless:
                    headless_data.update(
                        i for i in itertools.chain(headless, range(width, len(raw))) if not _blank(raw[i])
                    )
                for target_slot, index, parse, not_null, forms, header, cache in parsers:
                    cell = raw[index]
                    # A column of few distinct values (月度, 业务类型, 机构…) parses each value once.
                    value = cache.get(cell, _UNPARSED) if cache is not None else _UNPARSED
                    if value is _UNPARSED:
                        try:
                            value = parse(cell)
                        except ValueError as exc:
                            problems.add(f"{prefix} {number}, column {header}: {cell!r} is {exc}")
                            continue
                        if value.__class__ is str and is_total_text(value):  # never cached: told for every row
                            problems.add(f"{prefix} {number}, column {header}: {cell!r}: a total row, not data")
                            continue
                        if cache is not None:
                            if len(cache) < _CACHED_VALUES:
                                cache[cell] = value
                            else:
                                parsers[parsers.index((target_slot, index, parse, not_null, forms, header, cache))] = (
                                    target_slot,
                                    index,
                                    parse,
                                    not_null,
                                    forms,
                                    header,
                                    None,
                                )
                    if value is None and not_null:
                        problems.add(
                            f"{prefix} {number}, column {header}: "
                            + ("empty" if cell is None or cell == "" else f"{cell!r} is not a value")
                        )
                    elif forms and value in forms:
                        value = forms[value]
                    record[target_slot] = value
                if line_slot is not None:
                    record[line_slot] = sheet_line
                if sums is not None and problems.count == problems_before:
                    above = sums.add(record[aum_slot], record[contribution_slot])
                    if above:
                        problems.add(
                            f"{prefix} {number}: its 期末资产规模 and 供款 equal the sums of the {above} rows above it: "
                            "a total row, not data"
                        )
                # Repeated rows compare as loaded (trimmed text, parsed numbers): a row pasted again with a
                # trailing space or an amount typed as text is still the same row.
                key = tuple(record[1:])
                digest = (hash(key) << 64) ^ (hash(key[::-1]) & _MASK)
                first = seen.get(digest) if problems.count == problems_before else None  # a bad cell says enough
                if first is not None:
                    problems.add(
                        f"{prefix} {number} repeats {parsed_ref(first)} in every column loaded (a row pasted twice?)"
                    )
                elif problems.count == problems_before:
                    seen[digest] = count
                if aum_slot is not None and record[aum_slot]:
                    any_aum = True
                month = record[month_slot]
                months_of.append(month.toordinal() if month is not None else 0)
                row_numbers.append(number)
                row_sheets.append(sheet_index)
                spool.write(("\t".join(map(_copy_text, record)) + "\n").encode())
                if count % 4096 == 0:
                    advance(4096)
            if headless_data:
                _refuse_headless(where, table, sorted(headless_data))
    if not count:
        raise InvalidInput(f"{path} has a header but no data rows", hint="Load a file that holds data.")
    problems.raise_if_any(
        str(path),
        "Fix these cells and load the file again (delete total rows and repeated rows)."
        + (
            ""
            if domain.is_ledger
            else " A required measure (期末资产规模, 供款) must hold a number in every row; write 0 where the value is zero."
        ),
    )
    if aum_slot is not None and not any_aum and not domain.is_ledger:
        raise InvalidInput(
            f"{path}: 期末资产规模 is 0 in every one of its {count:,} rows; nothing was loaded",
            hint="Formulas saved without their values read as 0: open the file in Excel, save it, and load it "
            "again; or check that 期末资产规模 is the right column.",
        )
    spool.seek(0)
    parsed = ParsedFile(
        domain=domain,
        path=path,
        sheets=[t.sheet for t in tables if t.sheet],
        columns=columns,
        copy_data=spool,
        row_count=count,
        months={},
        ignored_headers=ignored,
        sha256=sha256,
        bytes=size,
        row_numbers=row_numbers,
        row_sheets=row_sheets,
        several=several,
        notes=notes
        + (
            [f"{hidden_count:,} hidden row(s) (an AutoFilter or hidden by hand) were read and loaded like the others"]
            if hidden_count
            else []
        ),
    )
    month_list = [date.fromordinal(m) for m in months_of]
    months = Counter(month_list)
    _check_name_month(domain, parsed, months, period, month_source)
    _check_months(domain, parsed, month_list, months, period, month_source)
    if domain.is_ledger:
        _check_ledger_years(domain, parsed, month_list)
    _check_future(domain, parsed, months, allow_future, today or date.today())
    return dataclasses.replace(parsed, months=dict(sorted(months.items())))


class _RunningSums:
    """The sums of a sheet's rows since its start or its last total row: a row whose 期末资产规模 and
    供款 (both not zero) equal them, over three rows or more, is a total row."""

    def __init__(self) -> None:
        self.aum = self.contribution = 0.0
        self.rows = 0

    def add(self, aum: Any, contribution: Any) -> int:
        """The rows this row totals (0: it is data, and now counts in the sums)."""
        a, c = float(aum or 0), float(contribution or 0)
        if (
            self.rows >= 3
            and a
            and c
            and abs(a - self.aum) <= 0.005 + 1e-12 * abs(self.aum)
            and abs(c - self.contribution) <= 0.005 + 1e-12 * abs(self.contribution)
        ):
            rows, self.aum, self.contribution, self.rows = self.rows, 0.0, 0.0, 0
            return rows
        self.aum += a
        self.contribution += c
        self.rows += 1
        return 0


def _scaled(factor: Decimal) -> Callable[[Any], Decimal | None]:
    """A money cell read in its header's unit and stored in the column's (万元 → 亿元: × 0.0001)."""

    def parse(value: Any) -> Decimal | None:
        number = parse_number(value)
        return None if number is None else Decimal(str(number)) * factor

    return parse


_UNPARSED = object()
_CACHED_VALUES = 256  # distinct values a column's parse cache holds; a column with more is parsed cell by cell
SPOOL_IN_MEMORY = 8 << 20  # bytes of COPY text kept in memory before the spool goes to a temporary file
_MASK = (1 << 64) - 1
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """A value in COPY's text format."""
    kind = value.__class__
    if kind is str:
        return value if value.isprintable() and "\\" not in value else value.translate(_COPY_ESCAPES)
    if kind is float:
        return repr(value)
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    if kind is float:
        return repr(value)
    return str(value)  # int, Decimal, date


def _check_model(where: str, model: SheetModel, positions: dict[str, int]) -> SheetModel:
    """The checks of the workbook model, the same for every format, on the columns the product reads:
    no merged range below the header (it holds its value in its first cell only), and formula cells
    only where their saved value can be trusted (the cell has one, an empty string included, and the
    workbook does not ask to be recalculated when opened: its saved values are then placeholders)."""
    read = set(positions.values())
    merged = [m for m in model.merged if m[2] >= 1 and any(m[1] <= c <= m[3] for c in read)]
    if merged:
        raise InvalidInput(
            f"{where}: {len(merged)} merged cell range(s) in the data: "
            + elided([range_name(*m) for m in merged], head=10)
            + "; nothing was loaded",
            detail="A merged range holds its value in its first cell only: the rows under it would load "
            "with that column empty (a branch would become G00, a 业务类型 nothing).",
            hint="Unmerge the cells and fill the value into every row (Excel: select, Merge & Center off, "
            "then fill down), save the file and load it again.",
        )
    untrusted = [(r, c) for r, c, saved in model.formulas if c in read and r >= 1 and (model.recalculate or not saved)]
    if untrusted:
        why = (
            "the workbook is marked to be recalculated when opened, so the values saved in it are not the "
            "formulas' results"
            if model.recalculate
            else "they hold no saved value"
        )
        raise InvalidInput(
            f"{where}: {len(untrusted)} formula cell(s) cannot be trusted: {why}; nothing was loaded",
            detail="Cells: " + elided([range_name(r, c, r, c) for r, c in untrusted], head=20),
            hint="Open the file in Excel (or LibreOffice), let it calculate, save it, and load it again; or paste "
            "the values over the formulas.",
        )
    return model


def _refuse_headless(where: str, table: RawTable, columns: list[int]) -> None:
    def named(i: int) -> str:
        left = next((table.headers[j] for j in range(min(i, len(table.headers)) - 1, -1, -1) if table.headers[j]), None)
        return f"column {column_letter(i)}" + (f" (right of {left!r})" if left else "")

    raise InvalidInput(
        f"{where}: {len(columns)} column(s) hold data under an empty header cell: "
        + ", ".join(named(i) for i in columns[:10])
        + "; nothing was loaded",
        detail="A header merged across two columns (流失 over 流失 and 待遇支付, say) names only the first.",
        hint="Unmerge the header cells and give every column its own header in row 1, then load the file again.",
    )


def _check_header_row(domain: Domain, table: RawTable) -> None:
    """One header row: a header spread over two rows (期末 / 资产规模) leaves the second half in the
    first data row. (A merged header, which leaves a column's header cell empty over data, is found
    while the rows stream.)"""
    if table.first_row is None:
        return
    where = f"{table.path}" + (f" (sheet {table.sheet!r})" if table.sheet else "")
    known = {normalise_header(h) for c in domain.columns for h in c.headers}
    below = [str(v) for v in table.first_row if isinstance(v, str) and normalise_header(v) in known]
    above = [h for h in table.headers if normalise_header(h) in known]
    if len(below) >= 3 and len(above) < len(below) / 2:
        raise InvalidInput(
            f"{where}: the header is not in row 1: a row below it holds the header names ("
            + elided(below, head=6)
            + "); nothing was loaded",
            hint="Delete the title or blank rows above the header, so that the header is row 1, and load the file "
            "again.",
        )
    headers = table.headers + [""] * max(0, len(table.first_row) - len(table.headers))
    spilled = [
        f"column {column_letter(i)} ({v!r})"
        for i, v in enumerate(table.first_row)
        if isinstance(v, str)
        and v.strip()
        and normalise_header(v) != normalise_header(headers[i])
        and (normalise_header(v) in known or normalise_header(headers[i] + v) in known)
    ]
    if spilled:
        raise InvalidInput(
            f"{where}: the header is spread over two rows: row 2 holds header names in "
            + ", ".join(spilled[:10])
            + "; nothing was loaded",
            hint="Put the whole header in row 1 (one cell per column, e.g. 期末资产规模) and delete the second header "
            "row, then load the file again.",
        )


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_NAME_MONTHS = (
    re.compile(r"(20\d{2})\s*年\s*(0?[1-9]|1[0-2])\s*月"),  # 2023年07月, 2023年7月
    re.compile(r"(?<!\d)(20\d{2})[-_.]?(0[1-9]|1[0-2])(?!\d)"),  # 202307, 2023-07, 2023_07
)


def name_month(name: str) -> date | None:
    """The month a file's name states (2023年07月规模明细.xlsx, 规模明细_202307.csv), if exactly one."""
    found = {date(int(m.group(1)), int(m.group(2)), 1) for p in _NAME_MONTHS for m in p.finditer(name)}
    return found.pop() if len(found) == 1 else None


def _check_name_month(
    domain: Domain, parsed: ParsedFile, months: Counter, period: date | None, month_source: str
) -> None:
    """What a 规模明细 file claims must agree: the month of its folder (or --period), of its name and
    of its rows. (A ledger's name states when it was delivered, not the months it holds.)"""
    named = name_month(parsed.path.stem)
    if domain.is_ledger or named is None:
        return
    claimed = period.replace(day=1) if period else None
    held = sorted(months)
    if claimed == named or (claimed is None and set(held) <= {named}):
        return  # the name agrees with the folder: the rows are checked against both next
    says = [f"its name says {named:%Y-%m}"]
    if claimed is not None:
        says.insert(0, f"{'its folder' if month_source != '--period' else '--period'} says {claimed:%Y-%m}")
    says.append(f"its rows ({domain.month_column}) hold " + ", ".join(f"{m:%Y-%m}" for m in held))
    raise InvalidInput(
        f"{parsed.path}: the month it claims disagrees: " + "; ".join(says) + "; nothing was loaded",
        detail="A file named for one month and holding another is a mix-up: loading it would replace the month its "
        "rows hold.",
        hint="Check which month the file is: rename it, file it in the right month folder, or correct its "
        f"{domain.month_column}, and load it again.",
    )


def _check_future(domain: Domain, parsed: ParsedFile, months: Counter, allow_future: bool, today: date) -> None:
    """No month after the current calendar month, unless the operator says so."""
    current = today.replace(day=1)
    future = sorted(m for m in months if m > current)
    if not future or allow_future:
        return
    raise InvalidInput(
        f"{parsed.path}: {sum(months[m] for m in future):,} row(s) are of "
        + ", ".join(f"{m:%Y-%m}" for m in future)
        + f", after the current month ({current:%Y-%m}); nothing was loaded",
        detail=f"Column {domain.month_column}: a typo (202701 for 202601?) or a file dated ahead.",
        hint=f"Correct the {domain.month_column} and load the file again, or pass --allow-future if the month is "
        "meant.",
    )


def _check_ledger_years(domain: Domain, parsed: ParsedFile, months: list[date]) -> None:
    """The years a ledger covers run without a gap (a 上报月份 typed 206212 in a 2024–2026 ledger
    would replace 2062 and hide the row from its real year). `months`: each row's month."""
    path = parsed.path
    by_year = Counter(m.year for m in months)
    years = sorted(by_year)
    runs: list[list[int]] = [[years[0]]]
    for year in years[1:]:
        if year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    if len(runs) == 1:
        return
    main = max(runs, key=lambda run: sum(by_year[y] for y in run))
    stray = [(parsed.ref(row), m) for row, m in enumerate(months, start=1) if m.year not in main]
    raise InvalidInput(
        f"{path}: {len(stray)} row(s) have a {domain.month_column} far from the rest of the ledger "
        f"({main[0]}–{main[-1]}); nothing was loaded",
        detail="\n".join(f"{ref}: {m:%Y-%m}" for ref, m in stray[:MAX_LISTED_ERRORS]),
        hint=f"Correct their {domain.month_column} (a typo?) and load the file again.",
    )


def _check_months(
    domain: Domain, parsed: ParsedFile, month_list: list[date], months: Counter, period: date | None, month_source: str
) -> None:
    """A 规模明细 file is one month: `period`'s, else the single month its rows carry. A ledger
    given --period must hold only that month. `month_list`: each row's month."""
    path = parsed.path
    expected = period.replace(day=1) if period else None
    if expected is None and (domain.is_ledger or len(months) == 1):
        return
    if expected is not None and set(months) == {expected}:
        return
    if expected is not None:
        stray = [(parsed.ref(row), m) for row, m in enumerate(month_list, start=1) if m != expected]
        listed = "\n".join(
            f"{ref}, column {domain.month_column}: {m:%Y-%m} is not {expected:%Y-%m}"
            for ref, m in stray[:MAX_LISTED_ERRORS]
        )
        more = f"\n… and {len(stray) - MAX_LISTED_ERRORS} more" if len(stray) > MAX_LISTED_ERRORS else ""
        raise InvalidInput(
            f"{path}: {len(stray)} row(s) are not of {expected:%Y-%m} ({month_source}); nothing was loaded",
            detail=listed + more,
            hint=f"An {domain.name} file holds one month: remove the stray rows or correct their "
            f"{domain.month_column}"
            + (
                ", or pass the right --period"
                if month_source == "--period"
                else ", or file it in the right month folder (with --file, --period names the month instead)"
            )
            + ".",
        )
    first_rows: dict[date, list[str]] = {}
    for row, m in enumerate(month_list, start=1):
        first_rows.setdefault(m, [])
        if len(first_rows[m]) < 3:
            first_rows[m].append(parsed.ref(row))
    detail = "\n".join(f"{m:%Y-%m}: {n:,} row(s), e.g. {', '.join(first_rows[m])}" for m, n in sorted(months.items()))
    raise InvalidInput(
        f"{path} holds {len(months)} months; an {domain.name} file holds one, so nothing was loaded",
        detail=detail,
        hint=f"Remove the rows of the wrong month(s) or correct their {domain.month_column}, and load the file again.",
    )
