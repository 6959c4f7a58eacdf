"""Months as plain rows, and the anomaly gate's verdict on a file against a compared month.

A month is a list of `Row`s (one per contract and branch). `verdict` puts the compared month in
business.规模明细 (and every customer seen so far in the master) inside a transaction, writes the
file as a delivery would be written (CSV bytes, possibly damaged), runs the loader's own path on it
(etl.validate.parse_file, etl.stage.stage and plan_load: the checks and the gate a load runs), and
rolls everything back: the database is as it was after every call."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg

from work_data_hub.errors import InvalidInput
from work_data_hub.etl.domains import ANNUITY_PERFORMANCE
from work_data_hub.etl.stage import plan_load, stage
from work_data_hub.etl.validate import parse_file

LINE_NAMES = {"PL201": "企年投资", "PL202": "企年受托", "PL203": "职年投资", "PL204": "职年受托", "PL206": "直投"}
HEADERS = ["月度", "业务类型", "计划代码", "计划名称", "客户名称", "company_id", "机构", "期末资产规模", "供款"]


@dataclass(frozen=True)
class Row:
    company: str
    plan: str
    line: str  # 产品线代码
    branch: str  # 机构 (a name)
    aum: Decimal
    contribution: Decimal

    @property
    def key(self) -> tuple[str, str, str]:
        return self.company, self.plan, self.line


def csv_bytes(month: date, rows: list[Row], *, line_end: str = "\r\n") -> bytes:
    """The month as Excel writes a CSV UTF-8: BOM, CRLF after every line, the last included."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator=line_end)
    writer.writerow(HEADERS)
    for r in rows:
        writer.writerow(
            [
                f"{month:%Y%m}",
                LINE_NAMES[r.line],
                r.plan,
                f"{r.plan}计划",
                f"{r.company}公司" if r.company else "",  # no company_id and no name: a row nothing resolves
                r.company,
                r.branch,
                f"{r.aum:.2f}",
                f"{r.contribution:.2f}",
            ]
        )
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


COMPARED = (
    'COPY business."规模明细" ("月度", "业务类型", "产品线代码", "计划代码", company_id, "客户名称", "机构名称", '
    '"机构代码", "期末资产规模", "供款") FROM STDIN'
)


@dataclass(frozen=True)
class Verdict:
    refused_by: str | None  # None: the file would load; else the check or the gate's rules that refuse it
    notes: list[str]


def verdict(
    conn: psycopg.Connection,
    folder: Path,
    compared: tuple[date, list[Row]] | None,
    seen: set[str],
    month: date,
    data: bytes,
) -> Verdict:
    """What a load of `data` (a CSV of `month`) meets after `compared` (None: the first month
    ever), with `seen` the customers the master holds. Nothing stays in the database."""
    path = folder / f"{month:%Y%m}规模明细.csv"
    path.write_bytes(data)
    try:
        try:
            parsed = parse_file(ANNUITY_PERFORMANCE, path, month, month_source="its month folder")
        except InvalidInput as exc:
            return Verdict(f"validation: {exc.message}", [])
        with conn.cursor() as cur:
            cur.executemany(
                'INSERT INTO customer."年金客户" (company_id, "客户名称") VALUES (%s, %s)',
                [(c, f"{c}公司") for c in sorted(seen)],
            )
            if compared is not None:
                when, rows = compared
                with cur.copy(COMPARED) as copy:
                    for r in rows:
                        copy.write_row(
                            (
                                when,
                                LINE_NAMES[r.line],
                                r.line,
                                r.plan,
                                r.company,
                                f"{r.company}公司",
                                r.branch,
                                "G00",
                                r.aum,
                                r.contribution,
                            )
                        )
        try:
            plan = plan_load(conn, parsed, stage(conn, parsed))
        except InvalidInput as exc:
            return Verdict(f"staging: {exc.message}", [])
        refused = [d.deviation for d in plan.deviations]
        return Verdict(", ".join(refused) or None, [d.describe() for d in plan.gate_notes])
    finally:
        conn.rollback()
        path.unlink(missing_ok=True)


def third_generator(months: int = 24, customers: int = 80, seed: int = 11) -> list[tuple[date, list[Row]]]:
    """A book drawn differently from the project's own generators: 80 customers, most of the AUM in
    职年投资, a tiny 直投 line (one contract of 10,000 元) that comes and goes, a branch that opens in
    month 5 (its customers new) and closes in month 15 (its contracts move to another branch),
    monthly returns of -4 % … +5 %, one customer leaving or joining now and then."""
    import random

    rnd = random.Random(seed)
    weights = {"PL203": 0.6, "PL201": 0.25, "PL202": 0.1, "PL204": 0.05}
    book: dict[tuple[str, str, str], list] = {}  # key → [branch, aum]
    for c in range(customers):
        line = rnd.choices(list(weights), list(weights.values()))[0]
        book[(f"8{c:08d}", f"Q{c:04d}", line)] = [
            rnd.choice(["华东中心", "华南中心", "华北中心"]),
            10 ** rnd.uniform(6, 9),
        ]
    out = []
    for index in range(months):
        month = date(2023 + index // 12, index % 12 + 1, 1)
        if index == 5:  # a branch opens with new customers
            for c in range(3):
                book[(f"81{c:07d}", f"QN{c:03d}", "PL201")] = ["西部中心", 10 ** rnd.uniform(6, 7.5)]
        if index == 15:  # the branch closes: its contracts move to another
            for value in book.values():
                if value[0] == "西部中心":
                    value[0] = "华南中心"
        if index and rnd.random() < 0.3:  # a small customer leaves
            small = min(book, key=lambda k: book[k][1])
            del book[small]
        if index and rnd.random() < 0.3:  # one joins
            book[(f"82{index:07d}", f"QJ{index:03d}", rnd.choice(list(weights)))] = [
                "华东中心",
                10 ** rnd.uniform(6, 8),
            ]
        for value in book.values():
            value[1] *= 1 + rnd.uniform(-0.04, 0.05)
        rows = [
            Row(k[0], k[1], k[2], v[0], Decimal(str(round(v[1], 2))), Decimal(str(round(v[1] * 0.004, 2))))
            for k, v in book.items()
        ]
        if index % 3 != 1:  # the tiny line, there two months in three
            rows.append(Row("899999999", "QTINY", "PL206", "华东中心", Decimal("10000.00"), Decimal("0.00")))
        out.append((month, rows))
    return out
