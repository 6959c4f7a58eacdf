"""`etl` end to end, as a user runs it: preview, execute with hooks, reloads, ledgers, bad files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from files import HEADERS, perf_row
from helpers import run_cli
from source import table_fingerprint, versions
from work_data_hub.sample_data import PERFORMANCE_HEADERS, generate, write_csv, write_xlsx


def etl(db_url, cwd, *args):
    return run_cli("etl", *args, cwd=cwd, database_url=db_url)


@pytest.fixture
def files(tmp_path) -> Path:
    return tmp_path


def test_preview_validates_plans_and_writes_nothing(db_url, conn, files):
    path = files / "m.xlsx"
    nameless = perf_row(company=None)
    nameless[6] = None  # neither a company_id nor a customer name: nothing can resolve it
    write_xlsx(
        path,
        "规模明细",
        HEADERS,
        [
            perf_row(),
            perf_row(portfolio="F2"),
            nameless,
            perf_row(company="C2", line="未知业务"),
            perf_row(company="C2", line=""),
        ],
    )
    before = table_fingerprint(conn)
    result = etl(db_url, files, "--domain", "annuity_performance", "--file", str(path))
    assert result.returncode == 0, result.stderr
    assert table_fingerprint(conn) == before
    out = result.stdout
    assert "sheet 规模明细" in out and "5 rows" in out
    assert "2025-01: insert 5 rows, delete 0 rows" in out
    assert "New customers: 2 (C1 C1公司, C2 C2公司)" in out
    assert "New plans: 1 (P1 P1计划)" in out
    assert "Rows that cannot form a contract: 3" in out
    assert (
        "no company_id and no customer name: 1 row(s), AUM 100.00" in out
        and "业务类型 '未知业务' is no spelling in mapping.业务类型别名" in out
        and "no 业务类型: 1 row(s)" in out
    )
    assert "Preview only: nothing was written and no hook ran" in out
    assert "Post-ETL hooks" not in out


def test_execute_loads_and_runs_both_hooks_in_order(db_url, conn, files):
    conn.execute("INSERT INTO mapping.\"组织架构\" VALUES ('G01', '北京分公司')")
    path = files / "m.csv"
    write_csv(path, HEADERS, [perf_row(), perf_row(portfolio="F2", branch="火星分公司"), perf_row(company="C2")])
    result = etl(
        db_url, files, "--domain", "annuity_performance", "--file", str(path), "--period", "202501", "--execute"
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "✓ Loaded 3 rows into business.规模明细 (replaced 0 rows of 2025-01); added 2 customer(s), 1 plan(s)" in out
    assert "✓ monthly_close: sync: 1 period(s) 202501: inserted 2, updated 0, lapsed 0" in out
    assert "snapshots: 1 month(s) 202501: inserted 4, updated 0, deleted 0" in out
    rows = conn.execute(
        'SELECT "月度", "产品线代码", "机构代码", "当期收益率" FROM business."规模明细" ORDER BY id'
    ).fetchall()
    assert rows == [
        (date(2025, 1, 1), "PL202", "G01", Decimal("0.015000")),
        (date(2025, 1, 1), "PL202", "G00", Decimal("0.015000")),
        (date(2025, 1, 1), "PL202", "G01", Decimal("0.015000")),
    ]
    assert len(versions(conn)) == 2
    assert conn.execute(
        "SELECT count(*), sum(aum_balance) FROM customer.fct_customer_plan_monthly WHERE snapshot_month = '2025-01-31'"
    ).fetchone() == (2, Decimal("300.00"))
    assert conn.execute('SELECT "计划全称", "计划类型" FROM mapping."年金计划"').fetchall() == [("P1计划", "单一计划")]


def test_no_post_hooks_loads_only(db_url, conn, files):
    path = files / "m.xlsx"
    write_xlsx(path, "规模明细", HEADERS, [perf_row()])
    result = etl(db_url, files, "--domain", "annuity_performance", "--file", str(path), "--execute", "--no-post-hooks")
    assert result.returncode == 0, result.stderr
    assert "Post-ETL hooks not run" in result.stdout
    assert conn.execute('SELECT count(*) FROM business."规模明细"').fetchone() == (1,)
    assert versions(conn) == []


def test_reloading_a_month_replaces_it_and_corrects_history(db_url, conn, files, make_db):
    jan, feb, jan_fixed = files / "jan.xlsx", files / "feb.xlsx", files / "jan_fixed.xlsx"
    write_xlsx(jan, "规模明细", HEADERS, [perf_row(), perf_row(company="C2", plan="P2")])
    write_xlsx(feb, "规模明细", HEADERS, [perf_row("202502"), perf_row("202502", company="C2", plan="P2")])
    write_xlsx(
        jan_fixed,
        "规模明细",
        HEADERS,
        [perf_row(contribution=0), perf_row(company="C2", plan="P2", aum=0), perf_row(company="C3", plan="P3")],
    )
    for path in (jan, feb, jan_fixed):
        result = etl(db_url, files, "--domain", "annuity_performance", "--file", str(path), "--execute")
        assert result.returncode == 0, result.stderr
    assert "replaced 2 rows of 2025-01" in result.stdout
    assert conn.execute('SELECT count(*) FROM business."规模明细" WHERE "月度" = \'2025-01-01\'').fetchone() == (3,)
    fresh_url = make_db()
    for path in (jan_fixed, feb):
        assert (
            etl(fresh_url, files, "--domain", "annuity_performance", "--file", str(path), "--execute").returncode == 0
        )
    with psycopg.connect(fresh_url, autocommit=True) as fresh:
        assert versions(fresh) == versions(conn)
    # The January snapshot was rebuilt from the replayed history too.
    assert conn.execute(
        "SELECT contract_status FROM customer.fct_customer_plan_monthly "
        "WHERE snapshot_month = '2025-01-31' AND company_id = 'C2'"
    ).fetchone() == ("停缴",)


def test_ledger_load_refreshes_affected_snapshots(db_url, conn, files):
    months = [perf_row(f"2025{m:02d}") for m in (1, 2, 3)]
    for row in months:
        path = files / f"{row[0]}.xlsx"
        write_xlsx(path, "规模明细", HEADERS, [row])
        assert etl(db_url, files, "--domain", "annuity_performance", "--file", str(path), "--execute").returncode == 0
    loss = files / "loss.xlsx"
    write_xlsx(
        loss,
        "当年流失",
        ["上报月份", "业务类型", "客户名称", "年金计划号", "company_id", "流失日期", "考核有效"],
        [["2025年2月", "企年受托", "C1公司", "P1", "C1", "2025-02-10", "是"]],
    )
    result = etl(db_url, files, "--domain", "annual_loss", "--file", str(loss), "--execute")
    assert result.returncode == 0, result.stderr
    assert "snapshots: 2 month(s) 202502–202503" in result.stdout
    flags = conn.execute(
        "SELECT snapshot_month, is_churned_this_year FROM customer.fct_customer_plan_monthly ORDER BY 1"
    ).fetchall()
    assert flags == [(date(2025, 1, 31), False), (date(2025, 2, 28), True), (date(2025, 3, 31), True)]
    assert conn.execute('SELECT "流失日期", "考核有效" FROM customer."当年流失"').fetchone() == (
        date(2025, 2, 10),
        True,
    )


def test_failed_hook_is_reported_recorded_and_exits_1(db_url, conn, files):
    path = files / "m.xlsx"
    write_xlsx(path, "规模明细", HEADERS, [perf_row()])
    conn.execute("UPDATE customer.mdm_settings SET lock_timeout_seconds = 0.2")
    with psycopg.connect(db_url) as holder:
        holder.execute("SELECT customer._lock_mdm('test')")
        result = etl(db_url, files, "--domain", "annuity_performance", "--file", str(path), "--execute")
    assert result.returncode == 1
    assert "✗ monthly_close failed" in result.stdout and "customer-mdm close" in result.stdout
    assert "Error: hook monthly_close failed" in result.stderr and "Hint:" in result.stderr
    # The failure is on record, with its SQLSTATE.
    assert conn.execute("SELECT function_name, status, sqlstate FROM customer.v_mdm_runs").fetchall() == [
        ("run_monthly_close", "failed", "55P03")
    ]
    assert conn.execute('SELECT count(*) FROM business."规模明细"').fetchone() == (1,)  # the data stays
    assert conn.execute("SELECT count(*) FROM customer.fct_customer_plan_monthly").fetchone() == (0,)


def test_header_variants_and_formats(db_url, conn, files):
    headers = [
        "月度",
        "业务类型",
        "计划号",
        "公司代码",
        "期末资产规模",
        "供款",
        "流失（含待遇支付）",
        "当期收益率",
        "机构代码",
    ]
    rows = [
        ["2025-01", "企年投资", "P1", "C1", "1,234.5", "0", "(12.5)", "0.0123", "G07"],
        ["2025年1月", "企年投资", "P2", "C1", 99, "0", "", "2%", ""],
        [date(2025, 1, 17), "企年投资", 12345.0, "C1", 1, 1, None, None, None],
        [45674, "企年投资", "P4", "C1", 1, 1, None, None, None],
    ]  # a date cell that lost its format
    path = files / "variants.xlsx"
    write_xlsx(path, "规模明细", headers, rows)
    result = etl(db_url, files, "--domain", "annuity_performance", "--file", str(path), "--execute", "--no-post-hooks")
    assert result.returncode == 0, result.stderr
    loaded = conn.execute(
        'SELECT "月度", "计划代码", company_id, "期末资产规模", "供款", "流失_含待遇支付", '
        '"当期收益率", "机构代码", "产品线代码" FROM business."规模明细" ORDER BY id'
    ).fetchall()
    assert loaded == [
        (
            date(2025, 1, 1),
            "P1",
            "C1",
            Decimal("1234.5000"),
            Decimal("0.0000"),
            Decimal("-12.5000"),
            Decimal("0.012300"),
            "G07",
            "PL201",
        ),
        (
            date(2025, 1, 1),
            "P2",
            "C1",
            Decimal("99.0000"),
            Decimal("0.0000"),
            None,
            Decimal("0.020000"),
            "G00",
            "PL201",
        ),
        (date(2025, 1, 1), "12345", "C1", Decimal("1.0000"), Decimal("1.0000"), None, None, "G00", "PL201"),
        (date(2025, 1, 1), "P4", "C1", Decimal("1.0000"), Decimal("1.0000"), None, None, "G00", "PL201"),
    ]


def test_sample_files_load(db_url, conn, files):
    written = generate(files, customers=20, months=2, start=date(2025, 11, 1), seed=1, fmt="xlsx")
    assert set(written) == {"当年中标.xlsx", "当年流失.xlsx", "规模明细_202511.xlsx", "规模明细_202512.xlsx"}
    for name in ("规模明细_202511.xlsx", "规模明细_202512.xlsx"):
        result = etl(db_url, files, "--domain", "annuity_performance", "--file", str(files / name), "--execute")
        assert result.returncode == 0, result.stderr
    assert conn.execute('SELECT count(*) FROM business."规模明细"').fetchone()[0] == sum(
        n for name, n in written.items() if name.startswith("规模明细")
    )
    assert conn.execute("SELECT count(DISTINCT snapshot_month) FROM customer.fct_customer_plan_monthly").fetchone() == (
        2,
    )


def _rejected(db_url, conn, files, path: Path, *args: str) -> str:
    before = table_fingerprint(conn)
    result = etl(db_url, files, "--domain", "annuity_performance", "--file", str(path), "--execute", *args)
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    assert table_fingerprint(conn) == before
    return result.stderr


def test_missing_required_columns(db_url, conn, files):
    path = files / "m.csv"
    write_csv(path, ["月度", "业务类型", "计划代码", "company_id"], [["202501", "企年受托", "P1", "C1"]])
    err = _rejected(db_url, conn, files, path)
    assert "missing required column(s): 期末资产规模, 供款" in err
    assert "Columns found: 月度, 业务类型, 计划代码, company_id" in err


def test_unparseable_numbers_and_months_name_row_and_column(db_url, conn, files):
    path = files / "m.csv"
    write_csv(path, HEADERS, [perf_row(), perf_row(aum="12abc"), perf_row(month="2025-13"), perf_row(contribution="x")])
    err = _rejected(db_url, conn, files, path)
    assert "3 problem(s); nothing was loaded" in err
    assert "row 3, column 期末资产规模: '12abc' is not a number" in err
    assert "row 4, column 月度: '2025-13' is not a month" in err
    assert "row 5, column 供款: 'x' is not a number" in err


def test_month_not_matching_period(db_url, conn, files):
    path = files / "m.xlsx"
    write_xlsx(path, "规模明细", HEADERS, [perf_row(), perf_row("202502")])
    err = _rejected(db_url, conn, files, path, "--period", "202501")
    assert "1 row(s) are not of 2025-01 (--period)" in err
    assert "row 3, column 月度: 2025-02 is not 2025-01" in err


def test_empty_files(db_url, conn, files):
    header_only = files / "h.csv"
    write_csv(header_only, HEADERS, [])
    assert "has a header but no data rows" in _rejected(db_url, conn, files, header_only)
    nothing = files / "n.csv"
    nothing.write_text("", encoding="utf-8")
    assert "is empty (0 bytes)" in _rejected(db_url, conn, files, nothing)


def test_wrong_sheet(db_url, conn, files):
    path = files / "m.xlsx"
    write_xlsx(path, "Sheet1", ["说明"], [["本文件不是规模明细"]])
    err = _rejected(db_url, conn, files, path)
    assert "(sheet 'Sheet1') is missing required column(s)" in err and "sheet '规模明细'" in err


def test_unreadable_inputs(db_url, conn, files):
    assert "File not found" in _rejected(db_url, conn, files, files / "nope.xlsx")
    txt = files / "m.txt"
    txt.write_text("x", encoding="utf-8")
    assert "Unsupported file type .txt" in _rejected(db_url, conn, files, txt)
    binary = files / "binary.csv"
    binary.write_bytes(",".join(PERFORMANCE_HEADERS).encode("utf-8")[:-3] + b"\x80\xff")
    assert "is neither UTF-8, UTF-16 nor GB18030/GBK text" in _rejected(db_url, conn, files, binary)
    fake = files / "fake.xlsx"
    fake.write_text("not a workbook", encoding="utf-8")
    assert "Cannot read" in _rejected(db_url, conn, files, fake)


def test_invalid_period_option(db_url, conn, files):
    path = files / "m.xlsx"
    write_xlsx(path, "规模明细", HEADERS, [perf_row()])
    assert "Invalid period format" in _rejected(db_url, conn, files, path, "--period", "2025-01")
