"""The delivery files the tests write, as the business files them (规模明细 rows and workbooks, the
台账登记 ledger book, the inbox's folders), and the ETL run as a user starts it (in the
foreground, or as a process to interrupt or to race)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import xlsxwriter

import source
from helpers import etl_file
from work_data_hub.sample_data import settled, write_xlsx

HEADERS = [
    "月度",
    "业务类型",
    "计划类型",
    "计划代码",
    "计划名称",
    "组合代码",
    "客户名称",
    "company_id",
    "期末资产规模",
    "供款",
    "当期收益率",
    "机构",
]


def perf_row(
    month="202501",
    line="企年受托",
    plan="P1",
    company="C1",
    aum=100,
    contribution=5,
    branch="北京分公司",
    portfolio="F1",
    customer=None,
):
    return [
        month,
        line,
        "单一计划",
        plan,
        f"{plan}计划",
        portfolio,
        customer or f"{company}公司",
        company,
        aum,
        contribution,
        "1.5%",
        branch,
    ]


def deliver(inbox: Path, month: str, rows: list[list], *, version: str = "V1", name: str | None = None) -> Path:
    """A 规模明细 delivery filed as the business does: YYYYMM/收集数据/数据采集/V<n>/…规模及收入数据.xlsx."""
    folder = inbox / month / "收集数据" / "数据采集" / version
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{month[:4]}年{int(month[4:])}月规模及收入数据.xlsx")
    write_xlsx(path, "规模明细", HEADERS, rows)
    settled(path.parent)
    return path


BOOK = ["上报月份", "业务类型", "客户全称", "年金计划号", "company_id", "机构", "{date}", "计划类型", "考核有效"]


def ledger_book(path: Path, sheets: dict[str, list[list]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        date_header = "中标日期" if "中标" in name else "流失日期"
        sheet.write_row(0, 0, [h.format(date=date_header) for h in BOOK])
        for i, row in enumerate(rows, start=1):
            sheet.write_row(i, 0, row)
    workbook.close()
    settled(path.parent)  # delivered a while ago (the inbox passes over files still being copied)
    return path


def loaded(db_url, path: Path, *args: str, domain: str = "annuity_performance") -> str:
    result = etl_file(db_url, path, "--execute", "--no-post-hooks", *args, domain=domain)
    assert result.returncode == 0, result.stderr
    return result.stdout


def spawn(db_url: str, cwd: Path, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"DATABASE_URL": db_url}
    return subprocess.Popen(
        [sys.executable, "-m", "work_data_hub.cli", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until_blocked(conn, count: int = 1, timeout: float = 30) -> list[int]:
    """Poll pg_stat_activity until `count` ETL backends wait on a lock; their pids."""
    return source.wait_until_blocked(conn, count, application_name="work_data_hub", timeout=timeout)
