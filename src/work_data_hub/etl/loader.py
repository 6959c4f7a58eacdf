"""Validate a whole file, plan its load, and load it in one transaction (COPY)."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from work_data_hub.errors import InvalidInput, translate
from work_data_hub.etl.domains import Domain
from work_data_hub.etl.parsing import PARSERS
from work_data_hub.etl.readers import read_table

MAX_LISTED_ERRORS = 20
PROGRESS_FROM_ROWS = 5000
PLAN_TYPES = {"集合计划", "单一计划"}


@dataclass(frozen=True)
class ParsedFile:
    domain: Domain
    path: Path
    sheet: str | None
    columns: list[str]  # target columns, in COPY order (产品线代码 and 机构代码 included)
    records: list[dict[str, Any]]
    ignored_headers: list[str]

    @property
    def months(self) -> Counter:
        return Counter(r[self.domain.month_column] for r in self.records)


@dataclass(frozen=True)
class LoadPlan:
    rows_per_month: dict[date, int]
    rows_to_delete: dict[date, int]
    new_customers: list[tuple[str, str | None]]
    new_plans: list[tuple[str, str | None, str | None]]
    file_plans: list[tuple[str, str | None, str | None]]  # every plan in the file: code, name, type
    unusable: dict[str, int] = field(default_factory=dict)  # reason → rows that cannot form a contract

    @property
    def rows_to_insert(self) -> int:
        return sum(self.rows_per_month.values())


@dataclass(frozen=True)
class LoadResult:
    domain: str
    months: list[date]
    rows_inserted: int
    rows_deleted: int
    customers_added: int
    plans_added: int


@contextmanager
def progress(description: str, total: int) -> Iterator:
    """A progress bar on stderr for long work (hidden for short work and when not a terminal)."""
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True,
                  disable=total < PROGRESS_FROM_ROWS or not sys.stderr.isatty()) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)


def _normalise(header: str) -> str:
    return header.replace("（", "(").replace("）", ")").replace(" ", "").replace("\u3000", "").strip()


def parse_file(domain: Domain, path: Path, period: date | None = None) -> ParsedFile:
    """Read and validate the whole file; any problem rejects it with every row and column named."""
    raw = read_table(path, domain.sheet)
    where = f"{path}" + (f" (sheet {raw.sheet!r})" if raw.sheet else "")
    by_header = {_normalise(h): i for i, h in enumerate(raw.headers) if h}
    positions: dict[str, int] = {}
    for column in domain.columns:
        for alias in column.headers:
            if _normalise(alias) in by_header:
                positions[column.target] = by_header[_normalise(alias)]
                break
    missing = [c.headers[0] for c in domain.columns if c.required and c.target not in positions]
    if missing:
        raise InvalidInput(
            f"{where} is missing required column(s): {', '.join(missing)}",
            detail=f"Columns found: {', '.join(h for h in raw.headers if h) or '(none)'}",
            hint=(f"Is this a {domain.name} file? An .xlsx is read from sheet {domain.sheet!r}, else its "
                  "first sheet; the header must be in row 1."),
        )
    if not raw.rows:
        raise InvalidInput(f"{where} has a header but no data rows", hint="Load a file that holds data.")
    used = set(positions.values())
    ignored = [h for i, h in enumerate(raw.headers) if h and i not in used]

    errors: list[str] = []
    error_count = 0
    records: list[dict[str, Any]] = []
    month_column, plan_column = domain.month_column, domain.plan_column
    parsers = [(c.target, positions[c.target], PARSERS[c.kind], c.headers[0])
               for c in domain.columns if c.target in positions]
    with progress(f"Validating {path.name}", len(raw.rows)) as advance:
        for number, row in zip(raw.row_numbers, raw.rows):
            record: dict[str, Any] = {}
            for target, index, parse, _header in parsers:
                try:
                    record[target] = parse(row[index])
                except ValueError as exc:
                    error_count += 1
                    if len(errors) < MAX_LISTED_ERRORS:
                        errors.append(f"row {number}, column {raw.headers[index]}: {row[index]!r} is {exc}")
            month = record.get(month_column)
            if month is None and month_column in record:
                error_count += 1
                if len(errors) < MAX_LISTED_ERRORS:
                    errors.append(f"row {number}, column {domain.column(month_column).headers[0]}: empty")
            elif period is not None and month is not None and month != period.replace(day=1):
                error_count += 1
                if len(errors) < MAX_LISTED_ERRORS:
                    errors.append(f"row {number}, column {domain.column(month_column).headers[0]}: "
                                  f"{month:%Y-%m} does not match --period {period:%Y%m}")
            if plan_column in positions and domain.column(plan_column).required and record.get(plan_column) is None:
                error_count += 1
                if len(errors) < MAX_LISTED_ERRORS:
                    errors.append(f"row {number}, column {raw.headers[positions[plan_column]]}: empty")
            records.append(record)
            advance()
    if error_count:
        more = f"\n… and {error_count - len(errors)} more" if error_count > len(errors) else ""
        raise InvalidInput(
            f"{where}: {error_count} problem(s); nothing was loaded",
            detail="\n".join(errors) + more,
            hint="Fix these cells (or pass the right --period) and load the file again.",
        )
    columns = [c.target for c in domain.columns if c.target in positions]
    for derived in ("产品线代码", "机构代码"):
        if derived not in columns:
            columns.append(derived)
    return ParsedFile(domain=domain, path=path, sheet=raw.sheet, columns=columns, records=records,
                      ignored_headers=ignored)


def _resolve_codes(conn: psycopg.Connection, parsed: ParsedFile) -> None:
    """产品线代码 from 业务类型; 机构代码 from the branch name when not given (unknown → G00)."""
    lines = dict(conn.execute('SELECT "产品线", "产品线代码" FROM mapping."产品线"').fetchall())
    branches = dict(conn.execute('SELECT "机构名称", "机构代码" FROM mapping."组织架构"').fetchall())
    for record in parsed.records:
        record["产品线代码"] = lines.get(record.get("业务类型"))
        if not record.get("机构代码"):
            record["机构代码"] = branches.get(record.get("机构名称"), "G00")


def plan_load(conn: psycopg.Connection, parsed: ParsedFile) -> LoadPlan:
    """What an --execute would do. Reads the database, writes nothing."""
    _resolve_codes(conn, parsed)
    domain = parsed.domain
    months = dict(sorted(parsed.months.items()))
    existing = dict(conn.execute(
        sql.SQL("SELECT {month}, count(*) FROM {table} WHERE {month} = ANY(%s) GROUP BY 1").format(
            month=sql.Identifier(domain.month_column), table=domain.table), (list(months),)).fetchall())
    customers: dict[str, str | None] = {}
    plans: dict[str, tuple[str | None, str | None]] = {}
    unusable: Counter = Counter()
    for r in parsed.records:
        company = r.get("company_id")
        if company and not customers.get(company):
            customers[company] = r.get("客户名称") or r.get("上报客户名称")
        plan = r.get(domain.plan_column)
        if plan and plan not in plans:
            plan_type = r.get("计划类型")
            plans[plan] = (r.get(domain.plan_name_column) if domain.plan_name_column else None,
                           plan_type if plan_type in PLAN_TYPES else None)
        if domain.name == "annuity_performance":
            if not company:
                unusable["no company_id"] += 1
            elif not r.get("业务类型"):
                unusable["no 业务类型"] += 1
            elif not r.get("产品线代码"):
                unusable[f"业务类型 {r.get('业务类型')!r} is not a product line in mapping.产品线"] += 1
    known_customers = {c for (c,) in conn.execute(
        'SELECT company_id FROM customer."年金客户" WHERE company_id = ANY(%s)', (list(customers),))}
    known_plans = {p for (p,) in conn.execute(
        'SELECT "年金计划号" FROM mapping."年金计划" WHERE "年金计划号" = ANY(%s)', (list(plans),))}
    return LoadPlan(
        rows_per_month=months,
        rows_to_delete={m: existing.get(m, 0) for m in months},
        new_customers=sorted((c, n) for c, n in customers.items() if c not in known_customers),
        new_plans=sorted((p, n, t) for p, (n, t) in plans.items() if p not in known_plans),
        file_plans=sorted((p, n, t) for p, (n, t) in plans.items()),
        unusable=dict(unusable),
    )


def execute_load(conn: psycopg.Connection, parsed: ParsedFile, plan: LoadPlan) -> LoadResult:
    """Replace the file's months in the target table (COPY) and add missing customers and plans.
    Everything happens in the caller's transaction: it commits all of it, or nothing."""
    domain = parsed.domain
    delete = sql.SQL("DELETE FROM {table} WHERE {month} = ANY(%s)").format(
        table=domain.table, month=sql.Identifier(domain.month_column))
    copy_sql = sql.SQL("COPY {table} ({columns}) FROM STDIN").format(
        table=domain.table, columns=sql.SQL(", ").join(map(sql.Identifier, parsed.columns)))
    try:
        deleted = conn.execute(delete, (list(plan.rows_per_month),)).rowcount
        with conn.cursor() as cur:
            with progress(f"Loading {parsed.path.name}", len(parsed.records)) as advance, cur.copy(copy_sql) as copy:
                for record in parsed.records:
                    copy.write_row([record.get(c) for c in parsed.columns])
                    advance()
            cur.executemany('INSERT INTO customer."年金客户" (company_id, "客户名称") VALUES (%s, %s) '
                            "ON CONFLICT (company_id) DO NOTHING", [(c, n or c) for c, n in plan.new_customers])
            # New plans are added; a known plan only gets a name or type it lacks.
            cur.executemany('INSERT INTO mapping."年金计划" AS p ("年金计划号", "计划全称", "计划类型") '
                            'VALUES (%s, %s, %s) ON CONFLICT ("年金计划号") DO UPDATE '
                            'SET "计划全称" = coalesce(p."计划全称", excluded."计划全称"), '
                            '    "计划类型" = coalesce(p."计划类型", excluded."计划类型"), updated_at = now() '
                            'WHERE (p."计划全称" IS NULL AND excluded."计划全称" IS NOT NULL) '
                            '   OR (p."计划类型" IS NULL AND excluded."计划类型" IS NOT NULL)', plan.file_plans)
    except psycopg.Error as exc:
        raise translate(exc) from None
    return LoadResult(domain=domain.name, months=list(plan.rows_per_month), rows_inserted=len(parsed.records),
                      rows_deleted=deleted, customers_added=len(plan.new_customers), plans_added=len(plan.new_plans))
