"""Validate a whole file, plan its load, and load it in one transaction.

A file is guilty until proven: `parse_file` checks that it is what it claims to be (its domain,
its month, one column per target, every cell) before anything touches the database. The rows then
go by COPY into a temporary staging table, where SQL resolves 产品线代码 and 机构代码 and computes
the plan; `apply_load` replaces the target's months from the stage, adds missing customers and
plans and records the load in business.etl_load_log, all in the caller's transaction, under a
transaction-level advisory lock per target table.
"""

from __future__ import annotations

import getpass
import hashlib
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from work_data_hub.errors import InvalidInput, LockTimeout, WdhError, database_errors
from work_data_hub.etl.domains import Domain, looks_like, normalise_header
from work_data_hub.etl.parsing import PARSERS
from work_data_hub.etl.readers import RawTable, Source
from work_data_hub.periods import month_span

MAX_LISTED_ERRORS = 20
PROGRESS_FROM_ROWS = 5000
ETL_LOCK_CLASS = 743  # pg_advisory_xact_lock(743, <target table oid>); 742 is the MDM lock
DERIVED = ("产品线代码", "机构代码")
TOTAL_MARKERS = {"合计", "总计", "小计", "总合计", "合 计", "总 计", "Total", "TOTAL", "total", "Subtotal", "SUM"}


@dataclass(frozen=True)
class ParsedFile:
    domain: Domain
    path: Path
    sheets: list[str]  # the sheets read (none for a CSV)
    columns: list[str]  # the target columns the file provides, in COPY order
    rows: list[list[Any]]  # one list per data row: source row number, then the values of `columns`
    months: dict[date, int]  # rows per month (first of month), in order
    ignored_headers: list[str]
    sha256: str
    bytes: int

    @property
    def sheet(self) -> str | None:
        return ", ".join(self.sheets) or None


@dataclass(frozen=True)
class LoadPlan:
    rows_per_month: dict[date, int]
    rows_to_delete: dict[date, int]  # every month the load replaces (a ledger: January … its latest month)
    new_customers: list[tuple[str, str | None]]
    new_plans: list[tuple[str, str | None]]
    unknown_branches: list[tuple[str, int]]  # branch names 组织架构 does not know (mapped to G00), rows
    unusable: list[tuple[str, int, Decimal | None]] = field(default_factory=list)  # reason, rows, AUM
    aum_total: Decimal | None = None  # 规模明细: the file's SUM(期末资产规模)
    aum_replaced: Decimal | None = None  # 规模明细: the SUM(期末资产规模) of the rows it replaces
    vanishing_lines: list[tuple[str, int]] = field(default_factory=list)  # 产品线代码 replaced but absent, rows
    # where the rows' company_id comes from: file, override, account, plan_name, name, provisional,
    # unresolved; rows and (规模明细) AUM of each
    identities: list[tuple[str, int, Decimal | None]] = field(default_factory=list)
    ambiguous: list[tuple[str, str, str, int]] = field(default_factory=list)  # kind, plan, alias, companies


@dataclass(frozen=True)
class LoadResult:
    domain: str
    path: Path
    months: list[date]  # the months replaced
    rows_inserted: int
    rows_deleted: int
    customers_added: int
    plans_added: int
    aliases_learned: int = 0


@contextmanager
def progress(description: str, total: int) -> Iterator[Callable[..., None]]:
    """A progress bar on stderr for long work (hidden for short work and when not a terminal)."""
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True,
                  disable=total < PROGRESS_FROM_ROWS or not sys.stderr.isatty()) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)


def file_digest(path: Path) -> tuple[str, int]:
    """sha256 (hex) and size of a file."""
    data = path.read_bytes()
    return hashlib.sha256(data).hexdigest(), len(data)


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
            raise InvalidInput(f"{where}: {self.count} problem(s); nothing was loaded",
                               detail="\n".join(self.listed) + more, hint=hint)


def _sheets_to_read(domain: Domain, source: Source) -> list[str | None]:
    names = source.sheet_names
    if not names:
        return [None]
    if domain.is_ledger:
        return [s for s in names if domain.sheet_keyword in s] or [names[0]]
    return [domain.sheet if domain.sheet in names else names[0]]


def _sheet_line(domain: Domain, sheet: str | None) -> str | None:
    """A ledger sheet named like 企年受托中标(空白) says its 业务类型."""
    if not domain.is_ledger or not sheet or domain.sheet_keyword not in sheet:
        return None
    prefix = sheet.split(domain.sheet_keyword, 1)[0].strip()
    return domain.column("业务类型").forms.get(prefix, prefix) or None


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
        f"{path} does not look like an {domain.name} file"
        + (f": it looks like {' / '.join(looks)}" if looks else ""),
        detail=f"An {domain.name} file has {proof}. Sheets: {', '.join(source.sheet_names) or '(CSV)'}; "
               f"columns: {', '.join(sorted(headers)) or '(none)'}",
        hint=(f"Load it with --domain {looks[0]}" if looks else "Check that this is the right file")
             + "; nothing was loaded.",
    )


def _positions(domain: Domain, table: RawTable, where: str, problems: _Problems) -> dict[str, int]:
    """target column → the sheet's column index; two headers for one target are a problem."""
    positions: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        if not header:
            continue
        normal = normalise_header(header)
        column = next((c for c in domain.columns if normal in {normalise_header(a) for a in c.headers}), None)
        if column is None:
            continue
        if column.target in positions:
            problems.add(f"{where}: columns {table.headers[positions[column.target]]!r} (column "
                         f"{positions[column.target] + 1}) and {header!r} (column {index + 1}) both feed "
                         f"{column.target}")
        else:
            positions[column.target] = index
    return positions


def parse_file(domain: Domain, path: Path, period: date | None = None, *, month_source: str = "--period") -> ParsedFile:
    """Read and validate the whole file; any problem rejects it with every row and column named.

    `period` (any date of the month) is the month the file must hold: --period, or the month
    folder it was delivered in (`month_source` says which, for the messages)."""
    source = Source(path)
    sha256, size = file_digest(path)
    tables = [source.read(sheet) for sheet in _sheets_to_read(domain, source)]
    _check_domain(domain, path, source, tables)
    several = len(tables) > 1
    structure = _Problems()
    layouts = []
    for table in tables:
        where = f"{path}" + (f" (sheet {table.sheet!r})" if table.sheet else "")
        positions = _positions(domain, table, where, structure)
        sheet_line = _sheet_line(domain, table.sheet)
        missing = [c.headers[0] for c in domain.columns if c.required and c.target not in positions
                   and not (c.target == "业务类型" and sheet_line)]
        if missing:
            raise InvalidInput(
                f"{where} is missing required column(s): {', '.join(missing)}",
                detail=f"Columns found: {', '.join(h for h in table.headers if h) or '(none)'}",
                hint=(f"Is this an {domain.name} file? An .xlsx is read from sheet "
                      + (f"s named …{domain.sheet_keyword}…" if domain.is_ledger else f"{domain.sheet!r}")
                      + ", else its first sheet; the header must be in row 1."),
            )
        layouts.append((table, where, positions, sheet_line))
    structure.raise_if_any(str(path), "Keep one of each pair of columns (header variants count as the same "
                                      "column) and load the file again.")
    if not any(t.rows for t in tables):
        raise InvalidInput(f"{path} has a header but no data rows", hint="Load a file that holds data.")

    targets = {t for _, _, positions, line in layouts for t in positions} | {
        "业务类型" for *_, line in layouts if line}
    columns = [c.target for c in domain.columns if c.target in targets]
    slot = {target: i + 1 for i, target in enumerate(columns)}
    month_slot = slot[domain.month_column]
    problems = _Problems()
    rows: list[list[Any]] = []
    refs: list[str] = []
    seen: dict[tuple, str] = {}
    ignored: list[str] = []
    total = sum(len(t.rows) for t in tables)
    with progress(f"Validating {path.name}", total) as advance:
        for table, _where, positions, sheet_line in layouts:
            ignored += [h for i, h in enumerate(table.headers) if h and i not in positions.values()]
            parsers = [(slot[c.target], positions[c.target], PARSERS[c.kind], c.not_null, c.forms or None,
                        table.headers[positions[c.target]]) for c in domain.columns if c.target in positions]
            line_slot = slot["业务类型"] if sheet_line and "业务类型" not in positions else None
            prefix = f"sheet {table.sheet!r} row" if several else "row"
            for number, raw in zip(table.row_numbers, table.rows):
                record: list[Any] = [None] * (len(columns) + 1)
                record[0] = len(rows) + 1
                key = tuple(raw)
                if key in seen:
                    problems.add(f"{prefix} {number} repeats {seen[key]} exactly (a row pasted twice?)")
                else:
                    seen[key] = f"{prefix} {number}"
                for target_slot, index, parse, not_null, forms, header in parsers:
                    cell = raw[index]
                    try:
                        value = parse(cell)
                    except ValueError as exc:
                        problems.add(f"{prefix} {number}, column {header}: {cell!r} is {exc}")
                        continue
                    if value.__class__ is str and value in TOTAL_MARKERS:
                        problems.add(f"{prefix} {number}, column {header}: {cell!r}: a total row, not data")
                        continue
                    if value is None and not_null:
                        problems.add(f"{prefix} {number}, column {header}: "
                                     + ("empty" if cell is None or cell == "" else f"{cell!r} is not a value"))
                    elif forms and value in forms:
                        value = forms[value]
                    record[target_slot] = value
                if line_slot is not None:
                    record[line_slot] = sheet_line
                rows.append(record)
                refs.append(f"{prefix} {number}")
            advance(len(table.rows))
    problems.raise_if_any(str(path), "Fix these cells and load the file again (delete total rows and repeated "
                                     "rows). A required measure (期末资产规模, 供款) must hold a number in every row; "
                                     "write 0 where the value is zero.")
    _check_measures(domain, path, columns, rows)

    months = Counter(r[month_slot] for r in rows)
    _check_months(domain, path, rows, refs, month_slot, months, period, month_source)
    if domain.is_ledger:
        _check_ledger_years(domain, path, rows, refs, month_slot)
    return ParsedFile(domain=domain, path=path, sheets=[t.sheet for t in tables if t.sheet], columns=columns,
                      rows=rows, months=dict(sorted(months.items())), ignored_headers=ignored,
                      sha256=sha256, bytes=size)


def _check_measures(domain: Domain, path: Path, columns: list[str], rows: list[list[Any]]) -> None:
    """A month in which every 期末资产规模 is zero is not a delivery: formulas saved without their
    values read as empty or 0, or the column is the wrong one."""
    if domain.is_ledger or "期末资产规模" not in columns:
        return
    slot = columns.index("期末资产规模") + 1
    if all(not r[slot] for r in rows):
        raise InvalidInput(
            f"{path}: 期末资产规模 is 0 in every one of its {len(rows):,} rows; nothing was loaded",
            hint="Formulas saved without their values read as 0: open the file in Excel, save it, and load it "
                 "again; or check that 期末资产规模 is the right column.")


def _check_ledger_years(domain: Domain, path: Path, rows: list[list[Any]], refs: list[str], month_slot: int) -> None:
    """The years a ledger covers run without a gap (a 上报月份 typed 206212 in a 2024–2026 ledger
    would replace 2062 and hide the row from its real year)."""
    by_year = Counter(r[month_slot].year for r in rows)
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
    stray = [(ref, r[month_slot]) for ref, r in zip(refs, rows) if r[month_slot].year not in main]
    raise InvalidInput(
        f"{path}: {len(stray)} row(s) have a {domain.month_column} far from the rest of the ledger "
        f"({main[0]}–{main[-1]}); nothing was loaded",
        detail="\n".join(f"{ref}: {m:%Y-%m}" for ref, m in stray[:MAX_LISTED_ERRORS]),
        hint=f"Correct their {domain.month_column} (a typo?) and load the file again.")


def _check_months(domain: Domain, path: Path, rows: list[list[Any]], refs: list[str], month_slot: int,
                  months: Counter, period: date | None, month_source: str) -> None:
    """A 规模明细 file is one month: `period`'s, else the single month its rows carry. A ledger
    given --period must hold only that month."""
    expected = period.replace(day=1) if period else None
    if expected is None and (domain.is_ledger or len(months) == 1):
        return
    if expected is not None and set(months) == {expected}:
        return
    if expected is not None:
        stray = [(ref, r[month_slot]) for ref, r in zip(refs, rows) if r[month_slot] != expected]
        listed = "\n".join(f"{ref}, column {domain.month_column}: {m:%Y-%m} is not {expected:%Y-%m}"
                           for ref, m in stray[:MAX_LISTED_ERRORS])
        more = f"\n… and {len(stray) - MAX_LISTED_ERRORS} more" if len(stray) > MAX_LISTED_ERRORS else ""
        raise InvalidInput(
            f"{path}: {len(stray)} row(s) are not of {expected:%Y-%m} ({month_source}); nothing was loaded",
            detail=listed + more,
            hint=f"An {domain.name} file holds one month: remove the stray rows or correct their "
                 f"{domain.month_column}" + (", or pass the right --period" if month_source == "--period" else
                                             ", or file it in the right month folder (with --file, --period names the month "
                                             "instead)") + ".")
    first_rows: dict[date, list[str]] = {}
    for ref, r in zip(refs, rows):
        first_rows.setdefault(r[month_slot], [])
        if len(first_rows[r[month_slot]]) < 3:
            first_rows[r[month_slot]].append(ref)
    detail = "\n".join(f"{m:%Y-%m}: {n:,} row(s), e.g. {', '.join(first_rows[m])}" for m, n in sorted(months.items()))
    raise InvalidInput(
        f"{path} holds {len(months)} months; an {domain.name} file holds one, so nothing was loaded",
        detail=detail,
        hint=f"Remove the rows of the wrong month(s) or correct their {domain.month_column}, and load the file "
             "again.")


# --- the staging table and the plan -------------------------------------------------------------

def _stage_columns(domain: Domain) -> list[str]:
    """The target's columns the stage holds (stage-only columns come on top)."""
    return [c.target for c in domain.columns if not c.stage_only] + [d for d in DERIVED if domain.column(d) is None]


def stage(conn: psycopg.Connection, parsed: ParsedFile) -> list[tuple[str, int, Decimal | None]]:
    """COPY the rows into pg_temp.wdh_etl_stage (dropped at the end of the transaction) and resolve
    there, in SQL: 产品线代码 from 业务类型, 机构代码 from the branch name (unknown → G00), and a
    company_id for the rows without one (customer.resolve_staged_identities). Returns the rows and
    AUM per identity resolution."""
    copy_to_stage(conn, parsed)
    return conn.execute(RESOLVE_IDENTITIES, (parsed.domain.is_ledger,)).fetchall()


RESOLVE_IDENTITIES = "SELECT * FROM customer.resolve_staged_identities(%s)"


def copy_to_stage(conn: psycopg.Connection, parsed: ParsedFile) -> None:
    """The first half of `stage`: the rows COPYed, 产品线代码 and 机构代码 resolved."""
    domain = parsed.domain
    stage_only = [sql.SQL("NULL::text AS {}").format(sql.Identifier(c.target)) for c in domain.columns if c.stage_only]
    conn.execute(sql.SQL("CREATE TEMP TABLE wdh_etl_stage ON COMMIT DROP AS "
                         "SELECT 0::integer AS source_row, {columns}, false AS branch_unknown "
                         "FROM {table} WITH NO DATA").format(
        columns=sql.SQL(", ").join([sql.Identifier(c) for c in _stage_columns(domain)] + stage_only),
        table=domain.table))
    copy_sql = sql.SQL("COPY pg_temp.wdh_etl_stage (source_row, {columns}) FROM STDIN").format(
        columns=sql.SQL(", ").join(map(sql.Identifier, parsed.columns)))
    with conn.cursor() as cur, progress(f"Staging {parsed.path.name}", len(parsed.rows)) as advance:
        with cur.copy(copy_sql) as copy:
            for row in parsed.rows:
                copy.write_row(row)
        advance(len(parsed.rows))
    conn.execute("ANALYZE pg_temp.wdh_etl_stage")
    conn.execute(RESOLVE_CODES)


RESOLVE_CODES = """
UPDATE pg_temp.wdh_etl_stage AS s
SET "产品线代码" = (SELECT min(p."产品线代码") FROM mapping."产品线" AS p WHERE p."产品线" = s."业务类型"),
    "机构代码" = coalesce(s."机构代码",
                          (SELECT min(o."机构代码") FROM mapping."组织架构" AS o WHERE o."机构名称" = s."机构名称"),
                          'G00'),
    branch_unknown = s."机构代码" IS NULL AND s."机构名称" IS NOT NULL
                     AND NOT EXISTS (SELECT 1 FROM mapping."组织架构" AS o WHERE o."机构名称" = s."机构名称")
"""

# The months a load replaces: a 规模明细 file its month; a ledger, for each year it covers, January
# through the latest month it carries (a corrected ledger removes what it no longer lists).
REPLACED_MONTHS = """
SELECT m::date
FROM (SELECT date_trunc('year', {month}) AS first, max({month}) AS last
      FROM pg_temp.wdh_etl_stage GROUP BY 1) AS y,
     generate_series(CASE WHEN %(ledger)s THEN y.first ELSE y.last END, y.last, interval '1 month') AS m
ORDER BY 1
"""
COUNT_REPLACED = "SELECT {month}, count(*) FROM {table} WHERE {month} = ANY(%(months)s) GROUP BY 1"
NEW_CUSTOMERS = """
SELECT DISTINCT ON (s.company_id) s.company_id, coalesce({names}) AS name,
       coalesce(s.id_source = 'provisional', false) AS provisional
FROM pg_temp.wdh_etl_stage AS s
WHERE s.company_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM customer."年金客户" AS c WHERE c.company_id = s.company_id)
ORDER BY s.company_id, coalesce({names}) IS NULL, s.source_row
"""
# Aliases that rows of this file met and that name two companies (never used).
AMBIGUOUS = """
SELECT k.kind, k.plan_code, k.alias, max(k.companies)::int
FROM pg_temp.wdh_etl_known AS k WHERE k.companies > 1
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
"""
FILE_PLANS = """
SELECT DISTINCT ON (s.{plan}) s.{plan} AS code, {plan_name} AS name,
       CASE WHEN s."计划类型" IN ('集合计划', '单一计划') THEN s."计划类型" END AS plan_type,
       EXISTS (SELECT 1 FROM mapping."年金计划" AS p WHERE p."年金计划号" = s.{plan}) AS known
FROM pg_temp.wdh_etl_stage AS s
WHERE s.{plan} IS NOT NULL
ORDER BY s.{plan}, s.source_row
"""
# Product lines that the replaced months hold and the file has none of (a sheet left out).
VANISHING_LINES = """
SELECT coalesce(t."产品线代码", t."业务类型", '?'), count(*)
FROM {table} AS t
WHERE t.{month} = ANY(%(months)s)
  AND NOT EXISTS (SELECT 1 FROM pg_temp.wdh_etl_stage AS s
                  WHERE s."产品线代码" IS NOT DISTINCT FROM t."产品线代码")
GROUP BY 1 ORDER BY 1
"""
UNKNOWN_BRANCHES = """
SELECT "机构名称", count(*) FROM pg_temp.wdh_etl_stage WHERE branch_unknown GROUP BY 1 ORDER BY 2 DESC, 1
"""
UNUSABLE = """
SELECT reason, count(*), sum(aum)
FROM (SELECT CASE WHEN s.company_id IS NULL THEN 'no company_id and no customer name'
                  WHEN s."业务类型" IS NULL THEN 'no 业务类型'
                  WHEN s."产品线代码" IS NULL THEN format('业务类型 %L is not a product line in mapping.产品线',
                                                         s."业务类型")
             END AS reason, {aum} AS aum
      FROM pg_temp.wdh_etl_stage AS s) AS u
WHERE reason IS NOT NULL
GROUP BY reason ORDER BY reason
"""


def _new_customers(domain: Domain) -> sql.Composed:
    """The stage's customers missing from 年金客户, each with its first non-empty name."""
    names = sql.SQL('s."客户名称", s."上报客户名称"') if domain.is_ledger else sql.SQL('s."客户名称"')
    return sql.SQL(NEW_CUSTOMERS).format(names=names)


def _file_plans(domain: Domain) -> sql.Composed:
    """Every plan of the stage: code, name, type, and whether mapping.年金计划 knows it."""
    plan_name = sql.Identifier("s", domain.plan_name_column) if domain.plan_name_column else sql.SQL("NULL::text")
    return sql.SQL(FILE_PLANS).format(plan=sql.Identifier(domain.plan_column), plan_name=plan_name)


def plan_load(conn: psycopg.Connection, parsed: ParsedFile,
              identities: list[tuple[str, int, Decimal | None]] | None = None) -> LoadPlan:
    """What an apply would do, read from the staged rows (call `stage` first, and pass what it
    returned as `identities`). Writes nothing."""
    domain = parsed.domain
    month = sql.Identifier(domain.month_column)
    replaced = [m for (m,) in conn.execute(sql.SQL(REPLACED_MONTHS).format(month=month),
                                           {"ledger": domain.is_ledger})]
    existing = dict(conn.execute(sql.SQL(COUNT_REPLACED).format(month=month, table=domain.table),
                                 {"months": replaced}).fetchall())
    new_customers = conn.execute(_new_customers(domain)).fetchall()
    file_plans = conn.execute(_file_plans(domain)).fetchall()
    aum = sql.SQL("NULL::numeric") if domain.is_ledger else sql.SQL('s."期末资产规模"')
    unusable = [(reason, rows, total) for reason, rows, total in conn.execute(sql.SQL(UNUSABLE).format(aum=aum))]
    aum_total = aum_replaced = None
    if not domain.is_ledger:
        aum_total = conn.execute('SELECT coalesce(sum("期末资产规模"), 0) FROM pg_temp.wdh_etl_stage').fetchone()[0]
        aum_replaced = conn.execute('SELECT coalesce(sum("期末资产规模"), 0) FROM business."规模明细" '
                                    'WHERE "月度" = ANY(%s)', (replaced,)).fetchone()[0]
    vanishing = conn.execute(sql.SQL(VANISHING_LINES).format(table=domain.table, month=month),
                             {"months": replaced}).fetchall()
    return LoadPlan(
        vanishing_lines=[(line, n) for line, n in vanishing],
        rows_per_month=parsed.months,
        rows_to_delete={m: existing.get(m, 0) for m in replaced},
        new_customers=[(c, n) for c, n, _ in new_customers],
        new_plans=[(p, n) for p, n, _, known in file_plans if not known],
        unknown_branches=[(b, n) for b, n in conn.execute(UNKNOWN_BRANCHES)],
        unusable=unusable,
        aum_total=aum_total,
        aum_replaced=aum_replaced,
        identities=list(identities or []),
        ambiguous=conn.execute(AMBIGUOUS).fetchall(),
    )


# --- checks against what is loaded ---------------------------------------------------------------

LOADED_MONTHS = """
WITH RECURSIVE m AS (
    (SELECT "月度" FROM business."规模明细" ORDER BY 1 LIMIT 1)
    UNION ALL
    SELECT (SELECT s."月度" FROM business."规模明细" AS s WHERE s."月度" > m."月度" ORDER BY 1 LIMIT 1)
    FROM m WHERE m."月度" IS NOT NULL
)
SELECT "月度" FROM m WHERE "月度" IS NOT NULL
"""


def loaded_months(conn: psycopg.Connection) -> set[date]:
    """The months business.规模明细 holds (one index probe per month)."""
    return {m for (m,) in conn.execute(LOADED_MONTHS)}


def missing_between(loaded: set[date], month: date) -> list[date]:
    """The months a load of `month` would leave unloaded between it and the loaded ones."""
    if not loaded or month in loaded:
        return []
    if month > max(loaded):
        return month_span(max(loaded), month)[1:-1]
    if month < min(loaded):
        return month_span(month, min(loaded))[1:-1]
    return []


def check_gap(domain: Domain, path: Path, month: date, loaded: set[date]) -> None:
    missing = missing_between(loaded, month)
    if not missing:
        return
    span = f"{missing[0]:%Y-%m}" if len(missing) == 1 else f"{missing[0]:%Y-%m} … {missing[-1]:%Y-%m}"
    side = "after the latest" if month > max(loaded) else "before the earliest"
    raise InvalidInput(
        f"{path}: loading {month:%Y-%m} would leave a hole {side} loaded month: "
        f"{span} ({len(missing)} month(s)) not loaded; nothing was loaded",
        detail=f"{domain.qualified} holds {min(loaded):%Y-%m} … {max(loaded):%Y-%m}.",
        hint="Check the file's 月度 (a typo?), or load the missing months first; pass --allow-gap if the hole "
             "is intended.")


def check_strict(path: Path, plan: LoadPlan) -> None:
    if not plan.unusable:
        return
    rows = sum(n for _, n, _ in plan.unusable)
    raise InvalidInput(
        f"{path}: {rows:,} row(s) cannot form a contract (or, in a ledger, match one) and --strict rejects them; "
        "nothing was loaded",
        detail="\n".join(f"{reason}: {n:,} row(s)" + (f", AUM {aum:,.2f}" if aum is not None else "")
                         for reason, n, aum in plan.unusable),
        hint="Fill in company_id / 业务类型 (or add the product line to mapping.产品线), or load without --strict.")


# --- applying -------------------------------------------------------------------------------------

LOCK = """
SELECT current_setting('lock_timeout') AS previous,
       set_config('lock_timeout', (round(s.lock_timeout_seconds * 1000))::bigint::text, true),
       s.lock_timeout_seconds
FROM customer.mdm_settings AS s
"""


def lock_target(conn: psycopg.Connection, domain: Domain) -> None:
    """Serialise loads into one table: a transaction-level advisory lock (743, table oid), waited
    for at most customer.mdm_settings.lock_timeout_seconds."""
    previous, _, seconds = conn.execute(LOCK).fetchone()

    def timed_out(exc: psycopg.Error) -> WdhError | None:
        if not isinstance(exc, psycopg.errors.LockNotAvailable):
            return None
        return LockTimeout(
            f"Another load into {domain.qualified} held its lock for more than {seconds} s; gave up waiting",
            detail=f"Advisory lock ({ETL_LOCK_CLASS}, oid of {domain.qualified}); see pg_locks / pg_stat_activity.",
            hint="Wait for the other load to finish and run the command again (files it loaded are then "
                 "reported as already loaded), or raise customer.mdm_settings.lock_timeout_seconds.",
            sqlstate="55P03")

    with database_errors(special=timed_out):
        conn.execute("SELECT pg_advisory_xact_lock(%s, %s::regclass::oid::integer)",
                     (ETL_LOCK_CLASS, domain.table.as_string(conn)))
    conn.execute("SELECT set_config('lock_timeout', %s, true)", (previous,))


ADD_CUSTOMERS = """
INSERT INTO customer."年金客户" (company_id, "客户名称", is_provisional)
SELECT company_id, coalesce(name, company_id), provisional FROM ({new_customers}) AS n
ON CONFLICT (company_id) DO NOTHING
"""
# New plans are added; a known plan only gets a name or type it lacks.
ADD_PLANS = """
INSERT INTO mapping."年金计划" AS p ("年金计划号", "计划全称", "计划类型")
SELECT code, name, plan_type FROM ({file_plans}) AS f
ON CONFLICT ("年金计划号") DO UPDATE
SET "计划全称" = coalesce(p."计划全称", excluded."计划全称"),
    "计划类型" = coalesce(p."计划类型", excluded."计划类型"), updated_at = now()
WHERE (p."计划全称" IS NULL AND excluded."计划全称" IS NOT NULL)
   OR (p."计划类型" IS NULL AND excluded."计划类型" IS NOT NULL)
"""
RECORD_LOAD = """
INSERT INTO business.etl_load_log (domain, source, path, sha256, bytes, months, rows_loaded, rows_replaced, os_user)
VALUES (%(domain)s, %(source)s, %(path)s, %(sha256)s, %(bytes)s, %(months)s, %(rows_loaded)s, %(rows_replaced)s,
        %(os_user)s)
"""


def _os_user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def apply_load(conn: psycopg.Connection, parsed: ParsedFile, plan: LoadPlan, *, source: str) -> LoadResult:
    """Replace the planned months in the target from the stage, add missing customers and plans,
    and record the load. Everything happens in the caller's transaction: it commits all of it, or
    nothing. The caller holds the table's lock (`lock_target`) and has staged the file."""
    domain = parsed.domain
    month = sql.Identifier(domain.month_column)
    replaced = list(plan.rows_to_delete)
    deleted = conn.execute(sql.SQL("DELETE FROM {table} WHERE {month} = ANY(%s)").format(
        table=domain.table, month=month), (replaced,)).rowcount
    stored = [c for c in parsed.columns if not (domain.column(c) and domain.column(c).stage_only)]
    # The stage resolves these even when the file has no such column (company_id: rows without one).
    resolved = [c for c in (*DERIVED, "company_id") if c not in stored]
    columns = sql.SQL(", ").join(map(sql.Identifier, stored + resolved))
    inserted = conn.execute(sql.SQL("INSERT INTO {table} ({columns}) SELECT {columns} FROM pg_temp.wdh_etl_stage "
                                    "ORDER BY source_row").format(table=domain.table, columns=columns)).rowcount
    customers = conn.execute(sql.SQL(ADD_CUSTOMERS).format(new_customers=_new_customers(domain))).rowcount
    conn.execute(sql.SQL(ADD_PLANS).format(file_plans=_file_plans(domain)))
    aliases = conn.execute("SELECT customer.learn_staged_aliases(%s)", (domain.is_ledger,)).fetchone()[0]
    conn.execute(RECORD_LOAD, {"domain": domain.name, "source": source, "path": str(parsed.path.resolve()),
                               "sha256": parsed.sha256, "bytes": parsed.bytes, "months": replaced,
                               "rows_loaded": inserted, "rows_replaced": deleted, "os_user": _os_user()})
    return LoadResult(domain=domain.name, path=parsed.path, months=replaced, rows_inserted=inserted,
                      rows_deleted=deleted, customers_added=customers, plans_added=len(plan.new_plans),
                      aliases_learned=aliases)

