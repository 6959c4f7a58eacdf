"""Realistic sample files in the business's export layout: monthly 规模明细 files and the award and
loss ledgers, at any scale (deterministic for a given seed).

The population: customers with one or more contracts (a single plan of their own or a seat in a
collective plan) in the enterprise-annuity product lines, one to three portfolios each, spread
over branches. Contract sizes are log-uniform with a few strategic-size ones (5亿 and more);
most contribute every month, some stop contributing, some leave (and a few come back), and new
ones join over time; awards are reported when a contract starts, losses when it leaves.
"""

from __future__ import annotations

import csv
import os
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import xlsxwriter

PERFORMANCE_HEADERS = [
    "月度",
    "业务类型",
    "计划类型",
    "计划代码",
    "计划名称",
    "组合类型",
    "组合代码",
    "组合名称",
    "客户名称",
    "company_id",
    "期初资产规模",
    "期末资产规模",
    "供款",
    "流失(含待遇支付)",
    "流失",
    "待遇支付",
    "投资收益",
    "当期收益率",
    "机构",
    "机构代码",
    "年金账户号",
]
LEDGER_HEADERS = [
    "上报月份",
    "业务类型",
    "上报客户名称",
    "客户名称",
    "年金计划号",
    "company_id",
    "机构",
    "机构代码",
    "{date}",
    "计划规模",
    "年缴规模",
    "计划类型",
    "考核有效",
    "备注",
]
BRANCHES = [
    ("G01", "北京分公司"),
    ("G02", "上海分公司"),
    ("G03", "广东分公司"),
    ("G04", "江苏分公司"),
    ("G05", "浙江分公司"),
    ("G06", "山东分公司"),
    ("G07", "四川分公司"),
    ("G08", "湖北分公司"),
    ("G09", "福建分公司"),
    ("G10", "河南分公司"),
    ("G00", "总部"),
]


def register_branches(conn) -> int:
    """Put the sample's branches into mapping."组织架构" (as a DBA enters a company's own) and
    commit; returns how many were new."""
    with conn.cursor() as cur:
        cur.execute(
            'INSERT INTO mapping."组织架构" ("机构代码", "机构名称") SELECT * FROM unnest(%s::text[], %s::text[]) '
            "ON CONFLICT DO NOTHING",
            ([code for code, _ in BRANCHES], [name for _, name in BRANCHES]),
        )
        added = cur.rowcount
    conn.commit()
    return added


LINES = [("企年受托", 0.40), ("企年投资", 0.35), ("职年受托", 0.12), ("职年投资", 0.10), ("其他", 0.03)]
_PREFIX = ["华", "中", "东方", "新", "远", "恒", "永", "盛", "国", "金", "安", "汇", "长江", "泰", "鑫", "海"]
_MIDDLE = ["科技", "能源", "制造", "物流", "电力", "建设", "化工", "医药", "通信", "交通", "矿业", "食品"]
_SUFFIX = ["有限公司", "股份有限公司", "集团有限公司"]
SCALES = {"small": 300, "production": 10000}


@dataclass
class Contract:
    company_id: str
    customer: str
    plan_code: str
    plan_name: str
    plan_type: str
    line: str
    branch: tuple[str, str]
    portfolios: int
    size: float
    start: int  # first month index
    stop_contributing: int | None  # month index from which it contributes nothing
    leave: int | None  # month index from which it has no rows
    come_back: int | None


def month_at(start: date, index: int) -> date:
    y, m = divmod(start.month - 1 + index, 12)
    return date(start.year + y, m + 1, 1)


def population(customers: int, months: int, seed: int) -> list[Contract]:
    rnd = random.Random(seed)
    collective = [(f"JH{n:03d}", f"集合年金计划{n:03d}号") for n in range(1, max(3, customers // 60) + 1)]
    contracts = []
    for c in range(customers):
        company_id = f"6{c + 1:08d}"
        name = f"{rnd.choice(_PREFIX)}{rnd.choice(_MIDDLE)}{c + 1:05d}{rnd.choice(_SUFFIX)}"
        big = rnd.random() < 0.4
        branch = rnd.choice(BRANCHES)
        start = 0 if rnd.random() < 0.7 else rnd.randrange(1, max(2, months))
        for _ in range(2):
            line = rnd.choices([name for name, _ in LINES], [w for _, w in LINES])[0]
            if big:
                plan_code, plan_name, plan_type = f"P{c + 1:06d}", f"{name}企业年金计划", "单一计划"
            else:
                plan_code, plan_name = rnd.choice(collective)
                plan_type = "集合计划"
            size = 10 ** rnd.uniform(6, 9.2) * (3 if big else 1)
            leave = rnd.randrange(start + 1, months) if rnd.random() < 0.05 and start + 1 < months else None
            contracts.append(
                Contract(
                    company_id=company_id,
                    customer=name,
                    plan_code=plan_code,
                    plan_name=plan_name,
                    plan_type=plan_type,
                    line=line,
                    branch=branch,
                    portfolios=rnd.choice([1] * 9 + [2]),
                    size=size,
                    start=start,
                    stop_contributing=rnd.randrange(start, months) if rnd.random() < 0.08 else None,
                    leave=leave,
                    come_back=leave + rnd.randrange(3, 18) if leave is not None and rnd.random() < 0.3 else None,
                )
            )
    # A contract key is (company, plan, line): drop accidental duplicates.
    seen, unique = set(), []
    for contract in contracts:
        key = (contract.company_id, contract.plan_code, contract.line)
        if key not in seen:
            seen.add(key)
            unique.append(contract)
    return unique


def active(contract: Contract, index: int) -> bool:
    if index < contract.start:
        return False
    if contract.leave is not None and index >= contract.leave:
        return contract.come_back is not None and index >= contract.come_back
    return True


def performance_rows(contracts: list[Contract], start: date, index: int, seed: int) -> Iterable[list]:
    rnd = random.Random(seed * 1000 + index)
    month = month_at(start, index)
    for contract in contracts:
        if not active(contract, index):
            continue
        growth = 1 + 0.01 * index
        stopped = contract.stop_contributing is not None and index >= contract.stop_contributing
        for p in range(contract.portfolios):
            share = contract.size * growth / contract.portfolios * rnd.uniform(0.95, 1.05)
            opening = round(share * rnd.uniform(0.97, 1.0), 2)
            contribution = 0 if stopped else round(share * rnd.uniform(0.002, 0.01), 2)
            benefit = round(share * rnd.uniform(0, 0.003), 2)
            loss = round(share * rnd.uniform(0, 0.002), 2)
            income = round(share * rnd.uniform(-0.01, 0.02), 2)
            closing = 0 if rnd.random() < 0.01 else round(opening + contribution - benefit - loss + income, 2)
            yield [
                f"{month:%Y%m}",
                contract.line,
                contract.plan_type,
                contract.plan_code,
                contract.plan_name,
                "固定收益型" if p == 0 else "含权益型",
                f"{contract.plan_code}-F{p + 1:02d}",
                f"{contract.plan_name}组合{p + 1}",
                contract.customer,
                contract.company_id,
                opening,
                closing,
                contribution,
                benefit + loss,
                loss,
                benefit,
                income,
                f"{income / opening * 100:.4f}%" if opening else "0%",
                contract.branch[1],
                contract.branch[0],
                f"{contract.company_id}{p + 1:02d}",
            ]


def ledger_rows(contracts: list[Contract], start: date, months: int, kind: str) -> list[list]:
    rows = []
    for contract in contracts:
        if kind == "award":
            index = contract.start if contract.start > 0 else None
            if contract.come_back is not None and contract.come_back < months:
                rows.append((contract.come_back, contract))
        else:
            index = contract.leave
        if index is not None and index < months:
            rows.append((index, contract))
    out = []
    for index, contract in sorted(rows, key=lambda r: (r[0], r[1].company_id, r[1].plan_code)):
        month = month_at(start, index)
        out.append(
            [
                f"{month:%Y%m}",
                contract.line,
                contract.customer,
                contract.customer,
                contract.plan_code,
                contract.company_id,
                contract.branch[1],
                contract.branch[0],
                month.replace(day=15).isoformat(),
                round(contract.size / 1e8, 4),
                round(contract.size * 0.06 / 1e8, 4),
                contract.plan_type,
                "是",
                "",
            ]
        )
    return out


def write_xlsx(path: Path, sheet: str, headers: list[str], rows: Iterable[list]) -> int:
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "default_date_format": "yyyy-mm-dd"})
    worksheet = workbook.add_worksheet(sheet)
    worksheet.write_row(0, 0, headers)
    count = 0
    for count, row in enumerate(rows, start=1):
        worksheet.write_row(count, 0, row)
    workbook.close()
    return count


def write_csv(path: Path, headers: list[str], rows: Iterable[list]) -> int:
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


LEDGER_BOOK_HEADERS = [
    "上报月份",
    "业务类型",
    "客户全称",
    "年金计划号",
    "company_id",
    "机构",
    "{date}",
    "计划规模",
    "年缴规模",
    "计划类型",
    "考核有效",
    "备注",
]
_SHORT_LINE = {"企年受托": "受托", "企年投资": "投资"}
_SHORT_PLAN_TYPE = {"集合计划": "集合", "单一计划": "单一"}


def write_ledger_book(path: Path, contracts: list[Contract], start: date, months: int) -> int:
    """The ledger workbook 台账登记 as the business keeps it: a 中标 and a 流失 sheet per product line
    (企年受托中标(空白), 企年受托流失(解约), …), short forms for 业务类型 and 计划类型, 客户全称 and 机构."""
    workbook = xlsxwriter.Workbook(str(path), {"default_date_format": "yyyy-mm-dd"})
    count = 0
    for kind, sheet_kind, date_header in (("award", "中标(空白)", "中标日期"), ("loss", "流失(解约)", "流失日期")):
        rows = ledger_rows(contracts, start, months, kind)
        for line, _ in LINES:
            sheet = workbook.add_worksheet(f"{line}{sheet_kind}")
            sheet.write_row(0, 0, [h.format(date=date_header) for h in LEDGER_BOOK_HEADERS])
            mine = [r for r in rows if r[1] == line]
            for index, r in enumerate(mine, start=1):
                sheet.write_row(
                    index,
                    0,
                    [
                        r[0],
                        _SHORT_LINE.get(line, line),
                        r[2],
                        r[4],
                        r[5],
                        r[6],
                        r[8],
                        r[9],
                        r[10],
                        _SHORT_PLAN_TYPE.get(r[11], r[11]),
                        r[12],
                        r[13],
                    ],
                )
            count += len(mine)
    workbook.close()
    return count


def generate_inbox(out: Path, *, customers: int, months: int, start: date, seed: int) -> dict[str, int]:
    """The deliveries as the business files them in the inbox: YYYYMM/收集数据/数据采集/V1/YYYY年M月规模及收入数据.xlsx
    for every month, a V2 correction of the middle month (its V1 had one customer's AUM typed ten
    times too large), an Office lock file beside the latest month, and 台账登记.xlsx (both ledgers)
    in the latest month's folder. Returns rows per file (relative path)."""
    contracts = population(customers, months, seed)
    written: dict[str, int] = {}
    corrected = months // 2
    for index in range(months):
        month = month_at(start, index)
        folder = out / f"{month:%Y%m}" / "收集数据" / "数据采集"
        name = f"{month.year}年{month.month}月规模及收入数据.xlsx"
        rows = list(performance_rows(contracts, start, index, seed))
        versions = [("V1", rows)]
        if index == corrected:
            typo = [list(r) for r in rows]
            typo[0][11] = round(typo[0][11] * 10, 2)
            versions = [("V1", typo), ("V2", rows)]
        for version, content in versions:
            (folder / version).mkdir(parents=True, exist_ok=True)
            path = folder / version / name
            written[path.relative_to(out).as_posix()] = write_xlsx(path, "规模明细", PERFORMANCE_HEADERS, content)
        if index == months - 1:
            (folder / "V1" / f"~${name}").write_bytes(b"\x00lock")  # Excel's lock file: never a candidate
    book = out / f"{month_at(start, months - 1):%Y%m}" / "收集数据" / "台账登记.xlsx"
    written[book.relative_to(out).as_posix()] = write_ledger_book(book, contracts, start, months)
    settled(out)
    return written


def settled(folder: Path, *, age: float = 86_400) -> None:
    """Date every file below `folder` `age` seconds back: delivered and complete, as a real inbox's
    files are by the time they are loaded (the inbox passes over files modified in the last
    customer.mdm_settings.inbox_settle_seconds: still being copied)."""
    when = time.time() - age
    for path in folder.rglob("*"):
        if path.is_file():
            os.utime(path, (when, when))


def generate(out: Path, *, customers: int, months: int, start: date, seed: int, fmt: str) -> dict[str, int]:
    """Write 规模明细_YYYYMM.<fmt> for every month, 当年中标.<fmt> and 当年流失.<fmt>; return rows per file."""
    out.mkdir(parents=True, exist_ok=True)
    contracts = population(customers, months, seed)
    written: dict[str, int] = {}

    def write(name: str, sheet: str, headers: list[str], rows: Iterable[list]) -> None:
        path = out / f"{name}.{fmt}"
        written[path.name] = write_xlsx(path, sheet, headers, rows) if fmt == "xlsx" else write_csv(path, headers, rows)

    for kind, table, date_header in (("award", "当年中标", "中标日期"), ("loss", "当年流失", "流失日期")):
        headers = [h.format(date=date_header) for h in LEDGER_HEADERS]
        write(table, table, headers, ledger_rows(contracts, start, months, kind))
    for index in range(months):
        write(
            f"规模明细_{month_at(start, index):%Y%m}",
            "规模明细",
            PERFORMANCE_HEADERS,
            performance_rows(contracts, start, index, seed),
        )
    return written
