"""A file is what it claims to be: its domain, its month, one column per target, every cell; the
encodings and formats the business sends; the 台账登记 ledger workbook. Every refusal leaves the
database unchanged (load ledger included)."""

from __future__ import annotations

import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter

from files import HEADERS, ledger_book, loaded, perf_row
from helpers import etl_file, refused_load
from work_data_hub.sample_data import write_csv, write_xlsx

LEDGER = ["上报月份", "业务类型", "客户名称", "年金计划号", "company_id", "中标日期"]


etl = etl_file
refused = refused_load


# --- domain ---------------------------------------------------------------------------------------


def test_an_aum_file_is_not_a_ledger_and_a_loss_ledger_is_not_an_award_ledger(db_url, conn, tmp_path):
    aum = tmp_path / "m.xlsx"
    write_xlsx(aum, "规模明细", HEADERS, [perf_row()])
    err = refused(db_url, conn, aum, domain="annual_award")
    assert "does not look like an annual_award file: it looks like annuity_performance" in err
    assert "--domain annuity_performance" in err
    loss = tmp_path / "loss.xlsx"
    write_xlsx(
        loss,
        "当年流失",
        ["上报月份", "业务类型", "company_id", "流失日期"],
        [["202501", "企年受托", "C1", "2025-01-05"]],
    )
    assert "it looks like annual_loss" in refused(db_url, conn, loss, domain="annual_award")
    ledger = tmp_path / "award.xlsx"
    write_xlsx(ledger, "当年中标", LEDGER, [["202501", "企年受托", "C1公司", "P1", "C1", "2025-01-05"]])
    assert "it looks like annual_award" in refused(db_url, conn, ledger)


def test_two_columns_for_one_target_are_refused(db_url, conn, tmp_path):
    twice = tmp_path / "twice.csv"
    write_csv(twice, HEADERS + ["期末资产规模"], [perf_row() + [0]])
    err = refused(db_url, conn, twice)
    assert "columns '期末资产规模' (column 9) and '期末资产规模' (column 13) both feed 期末资产规模" in err
    variants = tmp_path / "variants.csv"
    write_csv(variants, HEADERS + ["机构名称"], [perf_row() + ["上海分公司"]])
    assert "'机构' (column 12) and '机构名称' (column 13) both feed 机构名称" in refused(db_url, conn, variants)


# --- months ---------------------------------------------------------------------------------------


def test_a_stray_row_of_another_month_rejects_the_file(db_url, conn, tmp_path):
    path = tmp_path / "m.xlsx"
    write_xlsx(
        path, "规模明细", HEADERS, [perf_row("202501", portfolio=f"F{i}") for i in range(3)] + [perf_row("202412")]
    )
    loaded(db_url, _single(tmp_path, "202412"))
    err = refused(db_url, conn, path)
    assert "holds 2 months; an annuity_performance file holds one" in err
    assert "2024-12: 1 row(s), e.g. row 5" in err and "2025-01: 3 row(s)" in err
    assert conn.execute('SELECT count(*) FROM business."规模明细"').fetchone() == (1,)  # 2024-12 kept


def _single(folder: Path, month: str) -> Path:
    path = folder / f"single_{month}.xlsx"
    write_xlsx(path, "规模明细", HEADERS, [perf_row(month)])
    return path


def test_a_file_in_the_wrong_month_folder_is_refused_unless_period_says_otherwise(db_url, conn, tmp_path):
    """Loaded with --file as from the inbox: a 规模明细 file claims the month of its folder."""
    loaded(db_url, _single(tmp_path, "202411"))
    (tmp_path / "202412").mkdir()
    misfiled = _single(tmp_path / "202412", "202411")  # November's rows filed as December
    err = refused(db_url, conn, misfiled)
    assert (
        "the month it claims disagrees: its folder says 2024-12; its name says 2024-11; its rows (月度) hold 2024-11"
        in err
    )
    # --force: the file may hold the very content November's load had (a rerun of it is skipped).
    assert "(replaced 1 rows of 2024-11)" in loaded(db_url, misfiled, "--period", "202411", "--force")


def test_a_month_that_leaves_a_hole_is_refused_unless_allowed(db_url, conn, tmp_path):
    loaded(db_url, _single(tmp_path, "202501"))
    loaded(db_url, _single(tmp_path, "202502"))
    err = refused(db_url, conn, _single(tmp_path, "202611"))
    assert "loading 2026-11 would leave a hole after the latest loaded month: 2025-03 … 2026-10 (20 month(s))" in err
    assert "--allow-gap" in err
    err = refused(db_url, conn, _single(tmp_path, "206212"), "--allow-gap")
    assert "1 row(s) are of 2062-12, after the current month" in err and "--allow-future" in err
    err = refused(db_url, conn, _single(tmp_path, "202410"))
    assert "before the earliest loaded month: 2024-11 … 2024-12 (2 month(s))" in err
    loaded(db_url, _single(tmp_path, "202412"))  # adjacent: no hole
    out = loaded(db_url, _single(tmp_path, "202504"), "--allow-gap")
    assert "✓ Loaded 1 rows" in out


# --- cells ----------------------------------------------------------------------------------------


def test_blank_and_error_values_in_required_measures_are_named(db_url, conn, tmp_path):
    path = tmp_path / "m.csv"
    bad = ["", "NaN", "null", "-", "#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"]
    write_csv(path, HEADERS, [perf_row(aum=v) for v in bad] + [perf_row(contribution="nan")])
    err = refused(db_url, conn, path)
    assert "12 problem(s); nothing was loaded" in err
    assert "row 2, column 期末资产规模: empty" in err
    assert "row 3, column 期末资产规模: 'NaN' is not a value" in err
    assert "row 5, column 期末资产规模: '-' is not a value" in err
    assert "row 6, column 期末资产规模: '#N/A' is an Excel error value" in err
    assert "row 12, column 期末资产规模: '#NULL!' is an Excel error value" in err
    assert "row 13, column 供款: 'nan' is not a value" in err


def test_excel_error_cells_in_a_workbook_are_named(db_url, conn, tmp_path):
    """Excel stores a failed formula as a cell of type e; calamine reads it as empty."""
    plain = tmp_path / "plain.xlsx"
    write_xlsx(plain, "规模明细", HEADERS, [perf_row(), perf_row(aum=0)])
    path = tmp_path / "errors.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<c r="I3"><v>0</v></c>', b'<c r="I3" t="e"><v>#DIV/0!</v></c>')
                assert b't="e"' in data
            dst.writestr(item, data)
    assert "row 3, column 期末资产规模: '#DIV/0!' is an Excel error value" in refused(db_url, conn, path)


def test_ids_excel_mangled_and_numbers_with_wrong_separators_are_refused(db_url, conn, tmp_path):
    path = tmp_path / "m.csv"
    write_csv(
        path,
        HEADERS,
        [
            perf_row(company="6.00000002E+08"),
            perf_row(company="600000002.5"),
            perf_row(plan="1.2e5"),
            perf_row(aum="1,2,3"),
            perf_row(aum="12,34.5"),
        ],
    )
    err = refused(db_url, conn, path)
    assert "row 2, column company_id: '6.00000002E+08' is a number in scientific or decimal notation" in err
    assert "row 3, column company_id: '600000002.5' is a number" in err
    assert "row 4, column 计划代码: '1.2e5' is a number" in err
    assert "row 5, column 期末资产规模: '1,2,3' is not a number (its commas are not thousands separators)" in err
    assert "row 6, column 期末资产规模: '12,34.5' is not a number" in err
    workbook = tmp_path / "m.xlsx"
    write_xlsx(workbook, "规模明细", HEADERS, [perf_row(company=600000002.5)])
    assert "column company_id: 600000002.5 is a number Excel rounded" in refused(db_url, conn, workbook)
    good = tmp_path / "good.csv"
    write_csv(good, HEADERS, [perf_row(company=600000002, aum="1,234,567.5")])
    loaded(db_url, good)
    assert conn.execute('SELECT company_id, "期末资产规模" FROM business."规模明细"').fetchone() == (
        "600000002",
        Decimal("1234567.5000"),
    )


def test_unknown_branches_are_listed_and_unusable_rows_counted_with_their_aum(db_url, conn, tmp_path):
    conn.execute("INSERT INTO mapping.\"组织架构\" VALUES ('G01', '北京分公司')")
    path = tmp_path / "m.xlsx"
    nameless = perf_row(company=None, aum=40)
    nameless[6] = None  # no customer name either: nothing resolves it
    write_xlsx(
        path,
        "规模明细",
        HEADERS,
        [perf_row(), perf_row(branch="火星分公司", aum=7), nameless, perf_row(line="未知业务", aum=2)],
    )
    result = etl(db_url, path)
    assert result.returncode == 0, result.stderr
    assert "Branch names not in mapping.组织架构 (mapped to G00): 1, 1 row(s): 火星分公司 (1)" in result.stdout
    assert "Rows that cannot form a contract: 2, AUM 42.00" in result.stdout
    assert "no company_id and no customer name: 1 row(s), AUM 40.00" in result.stdout
    assert "unresolvable (no customer name either): 1 row(s), AUM 40.00" in result.stdout
    err = refused(db_url, conn, path, "--strict")
    assert "2 row(s) cannot form a contract (or, in a ledger, match one) and --strict rejects them" in err
    loaded(db_url, path)
    assert conn.execute('SELECT "机构代码" FROM business."规模明细" ORDER BY id').fetchall() == [
        ("G01",),
        ("G00",),
        ("G01",),
        ("G01",),
    ]


# --- encodings and formats ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding, delimiter",
    [("utf-8-sig", ","), ("utf-8", ","), ("gb18030", ","), ("gbk", ","), ("utf-16", "\t"), ("utf-16", ",")],
)
def test_csv_encodings_are_detected(db_url, conn, tmp_path, encoding, delimiter):
    path = tmp_path / "m.csv"
    lines = [HEADERS, perf_row(customer="中文客户（北京）")]
    path.write_bytes("".join(delimiter.join(str(v) for v in line) + "\r\n" for line in lines).encode(encoding))
    loaded(db_url, path)
    assert conn.execute('SELECT "客户名称", "业务类型" FROM business."规模明细"').fetchone() == (
        "中文客户（北京）",
        "企年受托",
    )


def test_xls_and_a_workbook_named_csv_are_read_as_workbooks(db_url, conn, tmp_path):
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("规模明细")
    for r, row in enumerate([HEADERS, perf_row(), perf_row(company="C2")]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    xls = tmp_path / "m.xls"
    book.save(str(xls))
    assert "sheet 规模明细" in loaded(db_url, xls)
    renamed = tmp_path / "renamed.csv"
    write_xlsx(renamed, "规模明细", HEADERS, [perf_row("202502")])
    loaded(db_url, renamed)
    assert conn.execute('SELECT count(*) FROM business."规模明细"').fetchone() == (3,)
    text = tmp_path / "text.xlsx"
    text.write_text("月度,业务类型\n", encoding="utf-8")
    assert "it holds text, not a workbook" in refused(db_url, conn, text)
    pdf = tmp_path / "scan.xlsx"  # a PDF saved under the workbook's name
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    assert "it is a PDF" in refused(db_url, conn, pdf)


# --- the ledger workbook --------------------------------------------------------------------------


def test_ledger_workbook_feeds_both_ledgers_with_its_variants(db_url, conn, tmp_path):
    book = ledger_book(
        tmp_path / "台账登记.xlsx",
        {
            "企年受托中标(空白)": [
                ["202501", "受托", "甲公司", "P1", "C1", "北京分公司", "2025-01-10", "单一", "是"],
                ["202502", "受托", "乙公司", "P2", "C2", "上海分公司", "2025-02-10", "集合", "是"],
            ],
            "企年投资中标(空白)": [["202502", "投管", "丙公司", "P3", "C3", "总部", "2025-02-11", "集合", "否"]],
            "企年受托流失(解约)": [["202503", "受托", "丁公司", "P4", "C4", "总部", "2025-03-01", "单一", "是"]],
            "说明": [],
        },
    )
    out = loaded(db_url, book, domain="annual_award")
    assert "sheet 企年受托中标(空白), 企年投资中标(空白)" in out and "3 rows" in out
    assert conn.execute(
        'SELECT "业务类型", "产品线代码", "上报客户名称", "机构名称", "计划类型", "考核有效" '
        'FROM customer."当年中标" ORDER BY id'
    ).fetchall() == [
        ("企年受托", "PL202", "甲公司", "北京分公司", "单一计划", True),
        ("企年受托", "PL202", "乙公司", "上海分公司", "集合计划", True),
        ("企年投资", "PL201", "丙公司", "总部", "集合计划", False),
    ]
    loaded(db_url, book, domain="annual_loss")
    assert conn.execute('SELECT company_id, "流失日期" FROM customer."当年流失"').fetchall() == [
        ("C4", date(2025, 3, 1))
    ]
    assert conn.execute('SELECT "客户名称" FROM customer."年金客户" WHERE company_id = \'C3\'').fetchone() == (
        "丙公司",
    )


def test_a_sheet_without_业务类型_takes_it_from_the_sheet_name(db_url, conn, tmp_path):
    path = tmp_path / "台账登记.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("企年投资中标(空白)")
    sheet.write_row(0, 0, ["上报月份", "客户全称", "company_id", "中标日期"])
    sheet.write_row(1, 0, ["202501", "甲公司", "C1", "2025-01-10"])
    workbook.close()
    loaded(db_url, path, domain="annual_award")
    assert conn.execute('SELECT "业务类型", "产品线代码" FROM customer."当年中标"').fetchone() == ("企年投资", "PL201")


def test_a_corrected_ledger_removes_what_it_no_longer_lists(db_url, conn, tmp_path):
    first = ledger_book(
        tmp_path / "v1.xlsx",
        {
            "企年受托中标(空白)": [
                ["202501", "受托", "甲", "P1", "C1", "", "2025-01-10", "", "是"],
                ["202503", "受托", "乙", "P2", "C2", "", "2025-03-10", "", "是"],
                ["202412", "受托", "丙", "P3", "C3", "", "2024-12-10", "", "是"],
            ]
        },
    )
    loaded(db_url, first, domain="annual_award")
    corrected = ledger_book(
        tmp_path / "v2.xlsx", {"企年受托中标(空白)": [["202502", "受托", "甲", "P1", "C1", "", "2025-02-10", "", "是"]]}
    )
    out = loaded(db_url, corrected, domain="annual_award")
    assert "replaced 1 rows of 2025-01, 2025-02" in out
    # 2025-03 lies after the corrected file's latest month of 2025 and 2024 is not covered: both stay.
    assert conn.execute('SELECT "上报月份", company_id FROM customer."当年中标" ORDER BY 1').fetchall() == [
        (date(2024, 12, 1), "C3"),
        (date(2025, 2, 1), "C1"),
        (date(2025, 3, 1), "C2"),
    ]


# --- what a new-user trial found ------------------------------------------------------------------


def test_csv_rows_that_do_not_line_up_are_refused(db_url, conn, tmp_path):
    header = ",".join(HEADERS)
    good = ",".join(str(v) for v in perf_row())
    shifted = tmp_path / "shifted.csv"
    shifted.write_text(f"{header}\n{good}\n{good.replace('C1公司', 'C1,公司')}\n", encoding="utf-8")
    err = refused(db_url, conn, shifted)
    assert "row 3: 13 fields, the header has 12" in err
    quote = tmp_path / "quote.csv"
    quote.write_text(
        f'{header}\n{good[: -len("北京分公司")]}"北京分公司\n{good.replace("F1", "F2")}\n', encoding="utf-8"
    )
    assert "is not a well-formed CSV file: unexpected end of data" in refused(db_url, conn, quote)
    swallowing = tmp_path / "swallowing.csv"
    rows = "\n".join(",".join(str(v) for v in perf_row(portfolio=f"F{i}")) for i in range(3))
    swallowing.write_text(
        f'{header}\n{rows[: -len("北京分公司")]}"北京分公司\n' + "x" * 200_000 + '"\n', encoding="utf-8"
    )
    err = refused(db_url, conn, swallowing)
    assert (
        "row 4, column 12: a field holds whole lines of the file (an unbalanced quote swallows the rows after it)"
        in err
    )


def test_repeated_rows_total_rows_and_an_all_zero_aum_column_are_refused(db_url, conn, tmp_path):
    twice = tmp_path / "twice.xlsx"
    write_xlsx(twice, "规模明细", HEADERS, [perf_row(), perf_row(company="C2"), perf_row()])
    assert "row 4 repeats row 2 in every column loaded" in refused(db_url, conn, twice)
    total = tmp_path / "total.xlsx"
    write_xlsx(total, "规模明细", HEADERS, [perf_row(), perf_row(plan="合计", company=None, aum=100)])
    assert "row 3, column 计划代码: '合计': a total row" in refused(db_url, conn, total)
    zeros = tmp_path / "zeros.xlsx"
    write_xlsx(zeros, "规模明细", HEADERS, [perf_row(aum=0), perf_row(company="C2", aum=0)])
    assert "期末资产规模 is 0 in every one of its 2 rows" in refused(db_url, conn, zeros)


def test_an_ambiguous_month_and_a_stray_ledger_year_are_refused(db_url, conn, tmp_path):
    ambiguous = tmp_path / "m.xlsx"
    write_xlsx(ambiguous, "规模明细", HEADERS, [perf_row(month=2026.1)])
    assert "2026.1 is ambiguous: Excel shows 2026.10 as 2026.1" in refused(db_url, conn, ambiguous)
    book = ledger_book(
        tmp_path / "台账登记.xlsx",
        {
            "企年受托中标(空白)": [
                ["202401", "受托", "甲", "P1", "C1", "", "2024-01-10", "", "是"],
                ["202512", "受托", "乙", "P2", "C2", "", "2025-12-10", "", "是"],
                ["206212", "受托", "丙", "P3", "C3", "", "2025-12-10", "", "是"],
            ]
        },
    )
    err = refused(db_url, conn, book, domain="annual_award")
    assert "1 row(s) have a 上报月份 far from the rest of the ledger (2024–2025)" in err and "row 4: 2062-12" in err


def test_ledger_rows_that_match_no_contract_are_reported_and_strict_refuses_them(db_url, conn, tmp_path):
    book = ledger_book(
        tmp_path / "台账登记.xlsx",
        {
            "企年受托中标(空白)": [
                ["202501", "受托管理", "甲", "P1", "C1", "", "2025-01-10", "", "是"],
                ["202501", "受托", "", "P2", "", "", "2025-01-11", "", "是"],
            ]
        },
    )  # no name, no company_id
    out = etl(db_url, book, domain="annual_award").stdout
    assert "Ledger rows that match no contract: 2" in out and "no company_id and no customer name: 1 row(s)" in out
    assert "业务类型 '受托管理' is no spelling in mapping.业务类型别名" in out
    assert "--strict rejects them" in refused(db_url, conn, book, "--strict", domain="annual_award")


def test_a_file_that_replaces_far_less_is_refused_unless_the_month_is_too_small_to_judge(db_url, conn, tmp_path):
    full = tmp_path / "full.xlsx"
    write_xlsx(full, "规模明细", HEADERS, [perf_row(company=f"C{i}") for i in range(10)])
    loaded(db_url, full)
    part = tmp_path / "part.xlsx"
    write_xlsx(part, "规模明细", HEADERS, [perf_row(company="C1", aum=1)])
    out = etl(db_url, part).stdout  # 10 rows are below gate_min_rows: no ratio of them means anything
    assert "AUM (期末资产规模): 0.0000 亿元, replacing 0.0000 亿元" in out
    conn.execute("UPDATE customer.mdm_settings SET gate_min_rows = 10")
    err = refused(db_url, conn, part)
    assert "replacement_rows: rows: 1 against 10 in 2025-01 (×0.1)" in err
    assert "vanished: " in err and "(90.0%); allowed at most 0.2 of the compared month's AUM" in err


def test_a_name_that_is_not_utf8_and_a_folder_are_refused_clearly(db_url, conn, tmp_path):
    import os

    path = Path(os.fsdecode(bytes(tmp_path) + "/\xb9\xe6.xlsx".encode("latin-1")))
    write_xlsx(path, "规模明细", HEADERS, [perf_row()])
    assert "name is not UTF-8" in refused(db_url, conn, path)
    assert "is a folder, not a file" in refused(db_url, conn, tmp_path)


def test_a_ledger_without_a_sheet_it_had_warns(db_url, conn, tmp_path):
    both = ledger_book(
        tmp_path / "v1.xlsx",
        {
            "企年受托中标(空白)": [["202501", "受托", "甲", "P1", "C1", "", "2025-01-10", "", "是"]],
            "企年投资中标(空白)": [["202501", "投资", "乙", "P2", "C2", "", "2025-01-11", "", "是"]],
        },
    )
    loaded(db_url, both, domain="annual_award")
    one = ledger_book(
        tmp_path / "v2.xlsx", {"企年受托中标(空白)": [["202501", "受托", "甲", "P1", "C1", "", "2025-01-10", "", "是"]]}
    )
    out = etl(db_url, one, domain="annual_award").stdout
    assert "⚠ The months it replaces hold rows of product lines this file has none of: PL201 (1 rows)" in out
