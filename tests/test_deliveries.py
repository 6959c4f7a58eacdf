"""Deliveries nobody here made: files other software wrote (LibreOffice, Excel's Strict format,
xlsxwriter, openpyxl, pandas, xlwt, CSV as tools write it) read into one sheet model, and every
check of it holds for every format (the format matrix); what a file claims agrees with itself; the
inbox names what it passes over. Every refusal through the CLI leaves the database fingerprint
unchanged."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import psycopg
import pytest
import xlsxwriter
import xlwt

from helpers import REPO, etl_file, refused_load, run_cli
from source import table_fingerprint
from work_data_hub.errors import InvalidInput
from work_data_hub.etl.domains import ANNUAL_AWARD, ANNUITY_PERFORMANCE
from work_data_hub.etl.validate import parse_file
from work_data_hub.sample_data import settled

HEADERS = ["月度", "业务类型", "计划代码", "客户名称", "company_id", "机构", "期末资产规模", "供款", "核对"]
BRANCH, CHECK = 5, 8  # 机构 (read), 核对 (a helper column the product does not read)


def rows(month: str = "202501", n: int = 6) -> list[list]:
    return [
        [month, "企年受托", f"P{i}", f"客户{i}", f"C{i}", "北京分公司", 1000.0 * i + 0.5, 10.0 * i, ""]
        for i in range(1, n + 1)
    ]


# --- writers ---------------------------------------------------------------------------------------


def openpyxl_book(path: Path, *, merge: int | None = None, hidden: bool = False, formula: int | None = None) -> Path:
    """merge: a column merged over rows 2–4; hidden: row 3 hidden (an AutoFilter's); formula: a column
    of formulas (openpyxl saves none of their values)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "规模明细"
    sheet.append(HEADERS)
    for r, row in enumerate(rows(), start=2):
        if formula is not None:
            row = list(row)
            row[formula] = f'=IF(G{r}>0,"","请核对")' if formula == CHECK else f"=G{r}/100"
        sheet.append(row)
    if merge is not None:
        letter = "ABCDEFGHI"[merge]
        for r in (3, 4):
            sheet[f"{letter}{r}"] = None
        sheet.merge_cells(f"{letter}2:{letter}4")
    if hidden:
        sheet.auto_filter.ref = "A1:I7"
        sheet.row_dimensions[3].hidden = True
    book.save(path)
    return path


def xlsxwriter_book(path: Path, *, merge: int | None = None, hidden: bool = False) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("规模明细")
    sheet.write_row(0, 0, HEADERS)
    for r, row in enumerate(rows(), start=1):
        sheet.write_row(r, 0, row)
    if merge is not None:
        sheet.merge_range(1, merge, 3, merge, rows()[0][merge])
    if hidden:
        sheet.set_row(2, None, None, {"hidden": True})
    book.close()
    return path


def xlwt_book(path: Path, *, merge: int | None = None, hidden: bool = False) -> Path:
    book = xlwt.Workbook()
    sheet = book.add_sheet("规模明细")
    for c, h in enumerate(HEADERS):
        sheet.write(0, c, h)
    for r, row in enumerate(rows(), start=1):
        for c, v in enumerate(row):
            if merge is not None and c == merge and r in (1, 2, 3):
                continue
            sheet.write(r, c, v)
    if merge is not None:
        sheet.write_merge(1, 3, merge, merge, rows()[0][merge])
    if hidden:
        sheet.row(2).hidden = True
    book.save(str(path))
    return path


def strict(source: Path, target: Path) -> Path:
    """The workbook as Excel's 'Strict Open XML Spreadsheet' saves it: the same parts in the Strict
    namespaces."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.endswith((".xml", ".rels")):
                data = data.replace(
                    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                    b"http://purl.oclc.org/ooxml/spreadsheetml/main",
                ).replace(
                    b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                    b"http://purl.oclc.org/ooxml/officeDocument/relationships",
                )
                if item.filename == "xl/workbook.xml":
                    data = re.sub(rb"<workbook\b", b'<workbook conformance="strict"', data, count=1)
            zout.writestr(item, data)
    return target


def soffice() -> str:
    found = shutil.which("soffice")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is not installed: .ci/run installs libreoffice-calc-nogui")
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    return found


def libreoffice(sources: list[Path], fmt: str, out: Path) -> list[Path]:
    """The files as LibreOffice saves them (it calculates every formula and saves its value)."""
    out.mkdir(exist_ok=True)
    profile = out / "profile"
    subprocess.run(
        [
            soffice(),
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--calc",
            "--convert-to",
            fmt,
            "--outdir",
            str(out),
            *map(str, sources),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return [out / f"{s.stem}.{fmt}" for s in sources]


# --- the format matrix ---------------------------------------------------------------------------

CASES = ("plain", "merged read column", "merged unread column", "hidden row", "formula read column", "formula unread")


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """Every case in every workbook format that can hold it: (format, case) → file."""
    base = tmp_path_factory.mktemp("books")
    made: dict[tuple[str, str], Path] = {}
    kwargs = {
        "plain": {},
        "merged read column": {"merge": BRANCH},
        "merged unread column": {"merge": CHECK},
        "hidden row": {"hidden": True},
        "formula read column": {"formula": 7},
        "formula unread": {"formula": CHECK},
    }
    for i, case in enumerate(CASES):
        made["openpyxl", case] = openpyxl_book(base / f"o{i}.xlsx", **kwargs[case])
        made["strict", case] = strict(made["openpyxl", case], base / f"s{i}.xlsx")
        if "formula" not in case:
            made["xlsxwriter", case] = xlsxwriter_book(base / f"x{i}.xlsx", **kwargs[case])
            made["xlwt", case] = xlwt_book(base / f"w{i}.xls", **kwargs[case])
    sources = [made["openpyxl", case] for case in CASES]
    for fmt, label in (("xlsx", "libreoffice"), ("xls", "libreoffice xls")):
        for case, path in zip(CASES, libreoffice(sources, fmt, base / fmt.replace(".", "_")), strict=True):
            made[label, case] = path
    made["libreoffice strict", "formula unread"] = strict(made["libreoffice", "formula unread"], base / "ls.xlsx")
    return made


def _parse(path: Path):
    return parse_file(ANNUITY_PERFORMANCE, path)


# What each case must give, whatever wrote the file: None loads; a text: refused with it.
EXPECTED = {
    "plain": None,
    "merged read column": "merged cell range(s) in the data: F2:F4",
    "merged unread column": None,  # 核对 is not read: its merge changes nothing loaded
    "hidden row": None,
    # openpyxl saves no value for a formula and marks the workbook for recalculation; LibreOffice
    # calculates and saves every value (an empty string included)
    "formula read column": {
        "openpyxl": "formula cell(s) cannot be trusted",
        "strict": "formula cell(s) cannot be trusted",
    },
    "formula unread": None,
}
FORMATS = ("openpyxl", "strict", "xlsxwriter", "xlwt", "libreoffice", "libreoffice xls", "libreoffice strict")


# Which writer can hold which case: xlsxwriter and xlwt write no formula the matrix uses; the Strict
# copy of LibreOffice's file is made for the empty-string results only.
MATRIX = [
    (fmt, case)
    for fmt in FORMATS
    for case in CASES
    if not (fmt in ("xlsxwriter", "xlwt") and "formula" in case)
    and (fmt != "libreoffice strict" or case == "formula unread")
]


@pytest.mark.parametrize(("fmt", "case"), MATRIX)
def test_every_check_holds_for_every_format(books, fmt, case):
    path = books[fmt, case]
    expected = EXPECTED[case]
    if isinstance(expected, dict):
        expected = expected.get(fmt)
    if expected is not None:
        with pytest.raises(InvalidInput) as refused:
            _parse(path)
        assert expected in refused.value.message, refused.value.message
        return
    parsed = _parse(path)
    assert parsed.row_count == 6 and parsed.months == {date(2025, 1, 1): 6}
    copied = parsed.copy_data.read().decode().splitlines()
    branch = parsed.columns.index("机构名称") + 1
    assert {line.split("\t")[branch] for line in copied} == {"北京分公司"}  # never a merge's empty cells
    aum = parsed.columns.index("期末资产规模") + 1
    assert sorted(float(line.split("\t")[aum]) for line in copied) == [1000.0 * i + 0.5 for i in range(1, 7)]
    if case == "formula read column":  # 供款 =G/100: LibreOffice saved the formulas' values
        contribution = parsed.columns.index("供款") + 1
        assert sorted(round(float(line.split("\t")[contribution]), 4) for line in copied) == [
            round((1000.0 * i + 0.5) / 100, 4) for i in range(1, 7)
        ]
    hidden_note = [n for n in parsed.notes if "hidden row" in n]
    assert hidden_note == (
        ["1 hidden row(s) (an AutoFilter or hidden by hand) were read and loaded like the others"]
        if case == "hidden row"
        else []
    )


def test_a_workbook_marked_for_recalculation_is_refused_in_either_namespace(books, tmp_path):
    """Stale values under a workbook that asks to be recalculated (xlsxwriter's formulas, Strict too)."""
    for writer in (lambda p: p, lambda p: strict(p, tmp_path / "strict.xlsx")):
        path = tmp_path / "recalc.xlsx"
        book = xlsxwriter.Workbook(str(path))
        sheet = book.add_worksheet("规模明细")
        sheet.write_row(0, 0, HEADERS)
        for r, row in enumerate(rows(), start=1):
            sheet.write_row(r, 0, row)
            sheet.write_formula(r, 6, f"=H{r + 1}*100", None, 999)  # a stale saved value
        book.close()
        with pytest.raises(InvalidInput) as refused:
            _parse(writer(path))
        assert "marked to be recalculated when opened" in refused.value.message


# --- CSV as tools write it ---------------------------------------------------------------------------


def _csv(lines: list[list], *, sep: str = ",", end: str = "\r\n") -> str:
    def field(v) -> str:
        text = str(v)
        return f'"{text}"' if any(ch in text for ch in (sep, "\n", '"')) else text

    return "".join(sep.join(field(v) for v in line) + end for line in lines)


@pytest.mark.parametrize(
    "variant",
    ["excel utf-8", "ctrl-z", "sep= line", "quoted line break", "utf-16 tab", "gb18030", "pandas", "lf"],
)
def test_csv_as_tools_write_it_loads(tmp_path, variant):
    import pandas

    path = tmp_path / "m.csv"
    body = [HEADERS, *rows()]
    if variant == "quoted line break":
        body[1] = list(body[1])
        body[1][3] = "客户1\n(北京)"
    text = _csv(body, sep="\t" if variant == "utf-16 tab" else ",", end="\n" if variant == "lf" else "\r\n")
    data = {
        "excel utf-8": lambda: "\ufeff".encode() + text.encode(),
        "ctrl-z": lambda: text.encode() + b"\x1a",
        "sep= line": lambda: b"sep=;\r\n" + _csv(body, sep=";").encode(),
        "quoted line break": lambda: text.encode(),
        "utf-16 tab": lambda: text.encode("utf-16"),
        "gb18030": lambda: text.encode("gb18030"),
        "lf": lambda: text.encode(),
    }
    if variant == "pandas":
        pandas.DataFrame(rows(), columns=HEADERS).to_csv(path, index=False)
    else:
        path.write_bytes(data[variant]())
    parsed = _parse(path)
    assert parsed.row_count == 6
    names = {
        line.split("\t")[parsed.columns.index("客户名称") + 1] for line in parsed.copy_data.read().decode().splitlines()
    }
    assert ("客户1 (北京)" in names) == (variant == "quoted line break")


def _ends_a_line(data: bytes, encoding: str) -> bool:
    try:
        return data.decode(encoding).endswith(("\n", "\r"))
    except UnicodeDecodeError:
        return False


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "gb18030"])
@pytest.mark.parametrize("fraction", [0.3, 0.5, 0.8, 0.97])
def test_a_csv_cut_anywhere_is_refused_as_truncated(tmp_path, fraction, encoding):
    whole = _csv([HEADERS, *rows(n=40)]).encode(encoding)
    cut = int(len(whole) * fraction)
    while _ends_a_line(whole[:cut], encoding):  # a cut between lines leaves a whole, shorter file: the gate's
        cut += 1
    path = tmp_path / "cut.csv"
    path.write_bytes(whole[:cut])
    with pytest.raises(InvalidInput) as refused:
        _parse(path)
    assert "its last line has no line end, so the file was cut" in refused.value.message


@pytest.mark.parametrize(
    ("cell", "why"),
    [("6455 5573.07", "a number with a space inside"), ("1.35％", None), ("1 000", "a number with a space inside")],
)
def test_numbers_with_a_space_are_refused_and_full_width_percent_is_read(tmp_path, cell, why):
    path = tmp_path / "m.csv"
    head = [*HEADERS, "当期收益率"]
    body = [row + ["1.5%"] for row in rows()]
    if why:
        body[0][6] = cell
    else:
        body[0][-1] = cell
    path.write_bytes(_csv([head, *body]).encode())
    if why:
        with pytest.raises(InvalidInput) as refused:
            _parse(path)
        assert why in refused.value.detail
    else:
        parsed = _parse(path)
        copied = parsed.copy_data.read().decode().splitlines()
        assert copied[0].split("\t")[parsed.columns.index("当期收益率") + 1] == "0.0135"


# --- what a file claims -------------------------------------------------------------------------


def _xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    for name, body in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(body):
            sheet.write_row(r, 0, row)
    book.close()
    return path


etl = etl_file
refused = refused_load


def test_a_workbook_named_for_one_month_holding_two_sheets_of_data_is_refused(db_url, conn, tmp_path):
    path = _xlsx(
        tmp_path / "2023年07月规模明细.xlsx",
        {"Sheet1": [HEADERS, *rows("202303")], "明细数据": [HEADERS, *rows("202307")]},
    )
    err = refused(db_url, conn, path)
    assert "2 sheets hold annuity_performance data: 'Sheet1', '明细数据', and none is named '规模明细'" in err
    one = _xlsx(tmp_path / "2023年07月规模明细.xlsx", {"Sheet1": [HEADERS, *rows("202303")]})
    err = refused(db_url, conn, one)
    assert "the month it claims disagrees: its name says 2023-07; its rows (月度) hold 2023-03" in err
    folder = tmp_path / "202307"
    folder.mkdir()
    err = refused(db_url, conn, _xlsx(folder / "2023年03月规模明细.xlsx", {"规模明细": [HEADERS, *rows("202303")]}))
    assert "its folder says 2023-07; its name says 2023-03; its rows (月度) hold 2023-03" in err


def test_a_month_after_the_current_one_needs_allow_future(db_url, conn, tmp_path):
    today = date.today()
    ahead = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    path = _xlsx(tmp_path / "m.xlsx", {"规模明细": [HEADERS, *rows(f"{ahead:%Y%m}")]})
    err = refused(db_url, conn, path)
    assert f"6 row(s) are of {ahead:%Y-%m}, after the current month ({today:%Y-%m})" in err and "--allow-future" in err
    result = etl(db_url, path, "--execute", "--no-post-hooks", "--allow-future")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "total",
    [
        ["202501", "企年受托", "P1", "JH005 小计", "C1", "北京分公司", 1.0, 1.0, ""],
        ["202501", "企年受托", "P9", "客户9", "C9", "合计：", 1.0, 1.0, ""],
        ["202501", "企年受托", "P9", "客户9", "C9", "北京分公司", 21003.0, 210.0, ""],  # the sums of the six rows
    ],
)
def test_total_and_subtotal_rows_are_refused_by_name(db_url, conn, tmp_path, total):
    path = _xlsx(tmp_path / "m.xlsx", {"规模明细": [HEADERS, *rows(), total]})
    err = refused(db_url, conn, path)
    assert "row 8" in err and "a total row, not data" in err


def test_a_customer_whose_name_holds_a_total_word_is_data(tmp_path):
    body = rows()
    body[0][3] = "汇总科技有限公司"
    assert _parse(_xlsx(tmp_path / "m.xlsx", {"规模明细": [HEADERS, *body]})).row_count == 6


# --- ledgers as the business keeps them --------------------------------------------------------------

BOOK = ["上报月份", "业务类型", "客户全称", "年金计划号", "company_id", "机构", "中标日期", "计划规模(万元)"]


def _award(month: str, line: str = "企业年金受托") -> list:
    return [month, line, "甲公司", "P1", "C1", "北京分公司", f"{month[:4]}-{month[4:]}-05", 12345]


def test_ledger_spellings_units_and_sheets(db_url, conn, tmp_path):
    book = _xlsx(
        tmp_path / "台账登记.xlsx",
        {
            "企年受托中标(空白)": [BOOK, _award("202501"), _award("202502", "受托")],
            "中标汇总": [["机构", "件数"], ["北京分公司", 2]],
            "说明": [["填表说明"], ["每月更新"]],
        },
    )
    result = etl(db_url, book, "--execute", "--no-post-hooks", domain="annual_award")
    assert result.returncode == 0, result.stderr
    assert "sheet '中标汇总' passed over: no ledger columns" in result.stdout
    assert "sheet '说明' passed over: neither a 中标 nor a 流失 sheet" in result.stdout
    assert conn.execute(
        'SELECT "业务类型", "产品线代码", "计划规模"::text FROM customer."当年中标" ORDER BY "上报月份"'
    ).fetchall() == [("企年受托", "PL202", "1.2345"), ("企年受托", "PL202", "1.2345")]
    renamed = _xlsx(
        tmp_path / "台账登记2.xlsx",
        {"企年受托中标(空白)": [BOOK, _award("202501")], "Sheet3": [BOOK, _award("202503")]},
    )
    err = refused(db_url, conn, renamed, domain="annual_award")
    assert "sheet 'Sheet3' holds a ledger's columns, but its name says neither 中标 nor 流失" in err


def test_a_dba_adds_a_spelling_with_one_insert(db_url, conn, tmp_path):
    path = _xlsx(tmp_path / "m.xlsx", {"规模明细": [HEADERS, *[[*r[:1], "企业年金投资管理", *r[2:]] for r in rows()]]})
    assert "业务类型 '企业年金投资管理' is no spelling in mapping.业务类型别名" in etl(db_url, path).stdout
    conn.execute(
        """INSERT INTO mapping."业务类型别名" (spelling, product_line_code) VALUES ('企业年金投资管理', 'PL201')"""
    )
    assert etl(db_url, path, "--execute", "--no-post-hooks").returncode == 0
    assert conn.execute('SELECT DISTINCT "业务类型", "产品线代码" FROM business."规模明细"').fetchall() == [
        ("企年投资", "PL201")
    ]
    conn.execute("""INSERT INTO mapping."产品线" ("产品线代码", "产品线") VALUES ('PL401', '新业务')""")
    assert conn.execute(
        """SELECT product_line_code FROM mapping."业务类型别名" WHERE spelling = '新业务'"""
    ).fetchone() == ("PL401",)


# --- the inbox names what it passes over ---------------------------------------------------------------


def test_the_inbox_names_what_it_passes_over_and_a_month_with_nothing_loadable_exits_1(db_url, conn, tmp_path):
    inbox = tmp_path / "data" / "inbox"
    for month in ("202501", "202502", "202503", "202504"):
        (inbox / month).mkdir(parents=True)
    _xlsx(inbox / "202501" / "2025年1月规模明细.xlsx", {"规模明细": [HEADERS, *rows("202501")]})
    with zipfile.ZipFile(inbox / "202502" / "2025年2月规模明细.zip", "w") as z:
        z.writestr("x.txt", "x")
    (inbox / "202503" / "2025年3月规模明细.ods").write_bytes(b"PK\x03\x04")
    (inbox / "202501" / "~$2025年1月规模明细.xlsx").write_bytes(b"\x00lock")
    secret = tmp_path / "secret.csv"
    secret.write_text("root:*:20228:0\n", encoding="utf-8")
    (inbox / "202504" / "2025年4月规模明细.csv").symlink_to(secret)
    settled(inbox)
    (inbox / "202504" / "2025年4月规模明细.xlsx").write_bytes(b"")  # still being copied
    (tmp_path / ".wdh_env").write_text(f"DATABASE_URL={db_url}\n", encoding="utf-8")
    result = run_cli("etl", "--domain", "annuity_performance", "--execute", "--no-post-hooks", cwd=tmp_path)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "202502/2025年2月规模明细.zip: a .zip archive: unpack it into its month folder" in out
    assert "202503/2025年3月规模明细.ods: an OpenDocument spreadsheet: save it as .xlsx" in out
    assert "~$2025年1月规模明细.xlsx: an Excel lock file" in out
    assert "2025年4月规模明细.csv: a symbolic link, not a file of the inbox" in out and "root:" not in out
    assert "2025年4月规模明细.xlsx: modified 0 s ago, less than inbox_settle_seconds (60 s)" in out
    assert "Months with nothing loadable" in result.stderr
    assert "2025-02: a .zip archive" in result.stderr and "2025-04: still being copied" in result.stderr
    assert conn.execute('SELECT DISTINCT "月度"::text FROM business."规模明细"').fetchall() == [("2025-01-01",)]
    conn.execute("UPDATE customer.mdm_settings SET inbox_settle_seconds = 0")
    again = run_cli("etl", "--domain", "annuity_performance", "--no-post-hooks", cwd=tmp_path)
    assert "modified 0 s ago" not in again.stdout + again.stderr


def test_time_is_what_the_settle_check_reads(tmp_path):
    from work_data_hub.etl.inbox import discover

    inbox = tmp_path / "inbox"
    (inbox / "202501").mkdir(parents=True)
    path = _xlsx(inbox / "202501" / "2025年1月规模明细.xlsx", {"规模明细": [HEADERS, *rows()]})
    fresh = discover(inbox, ANNUITY_PERFORMANCE, settle_seconds=60, now=path.stat().st_mtime + 30)
    assert fresh.candidates == [] and fresh.unloadable == ["2025-01: still being copied"]
    later = discover(inbox, ANNUITY_PERFORMANCE, settle_seconds=60, now=time.time() + 3600)
    assert [c.relative for c in later.candidates] == ["202501/2025年1月规模明细.xlsx"]
    assert discover(inbox, ANNUAL_AWARD, settle_seconds=60).candidates == []


def test_the_etl_reference_names_every_setting_of_the_gate_and_the_inbox():
    """The ETL reference names every setting of the gate and the inbox."""
    text = (REPO / "docs" / "ETL.md").read_text(encoding="utf-8")
    for name in (
        "gate_max_vanished_share",
        "gate_max_unformed_share",
        "gate_max_unchanged_share",
        "gate_min_line_share",
        "inbox_settle_seconds",
        "业务类型别名",
        "--allow-future",
    ):
        assert name in text, name


# --- the damaged files, against the sample's latest month ------------------------------------


@pytest.fixture(scope="module")
def sample_december(tmp_path_factory) -> list[list]:
    """The sample database's 202612 rows (the same generator and seed as helpers.sample_database)."""
    import csv

    from work_data_hub.sample_data import PERFORMANCE_HEADERS, generate

    folder = tmp_path_factory.mktemp("sample")
    generate(folder, customers=60, months=14, start=date(2025, 11, 1), seed=5, fmt="csv")
    with open(folder / "规模明细_202612.csv", encoding="utf-8-sig", newline="") as f:
        body = list(csv.reader(f))
    assert body[0] == PERFORMANCE_HEADERS
    return body


def _damaged(body: list[list], damage: str) -> list[list]:
    headers, data = body[0], [list(r) for r in body[1:]]
    column = {h: i for i, h in enumerate(headers)}
    if damage == "one branch only":
        branch = data[0][column["机构"]]
        data = [r for r in data if r[column["机构"]] == branch]
    elif damage == "业务类型 misspelled":
        line = data[0][column["业务类型"]]
        data = [
            [*r[: column["业务类型"]], "企业年金投资管理", *r[column["业务类型"] + 1 :]]
            if r[column["业务类型"]] == line
            else r
            for r in data
        ]
    elif damage == "in 万元":
        for r in data:
            r[column["期末资产规模"]] = f"{float(r[column['期末资产规模']]) / 10000:.2f}"
    return [headers, *data]


@pytest.mark.parametrize("damage", ["one branch only", "业务类型 misspelled", "in 万元"])
def test_the_sample_s_december_damaged_is_refused_by_the_gate(sample_url, sample_december, tmp_path, damage):
    """Each a file a new user loaded with exit 0 before: against the sample's 202612 (a replacement)."""
    path = tmp_path / "规模明细_202612.csv"
    path.write_bytes(_csv(_damaged(sample_december, damage)).encode("utf-8"))
    with psycopg.connect(sample_url) as conn:
        before = table_fingerprint(conn)
    result = etl(sample_url, path)
    assert result.returncode == 1, result.stdout
    assert "control figure(s) are far from the month it is compared with" in result.stderr
    expected = {"one branch only": "vanished: ", "业务类型 misspelled": "unformed: ", "in 万元": "total_aum: "}[damage]
    assert expected in result.stderr
    with psycopg.connect(sample_url) as conn:
        assert table_fingerprint(conn) == before


def test_the_sample_s_december_as_delivered_passes(sample_url, sample_december, tmp_path):
    path = tmp_path / "规模明细_202612.csv"
    path.write_bytes(_csv(sample_december).encode("utf-8"))
    result = etl(sample_url, path)
    assert result.returncode == 0, result.stderr


def test_rows_under_a_merged_id_are_told_as_such(db_url, conn, tmp_path):
    first = _xlsx(tmp_path / "2025年1月规模明细.xlsx", {"规模明细": [HEADERS, *rows("202501")]})
    assert etl(db_url, first, "--execute", "--no-post-hooks").returncode == 0
    conn.execute("SELECT * FROM customer.merge_company(p_from => 'C2', p_into => 'C1', p_force => true)")
    second = _xlsx(tmp_path / "2025年2月规模明细.xlsx", {"规模明细": [HEADERS, *rows("202502")]})
    out = etl(db_url, second).stdout
    assert "Rows under a merged id (loaded under the id it was merged into): 1 row(s), AUM 2,000.50" in out
    assert "Rows without company_id" not in out


# --- what a new user's trial found --------------------------------------------------------------------


@pytest.mark.parametrize("blank", ["\r\n", "\n", "middle"])
def test_blank_lines_in_a_csv_are_passed_over(tmp_path, blank):
    text = _csv([HEADERS, *rows()])
    if blank == "middle":
        lines = text.split("\r\n")
        text = "\r\n".join(lines[:3] + [""] + lines[3:])
    else:
        text += blank
    path = tmp_path / "m.csv"
    path.write_bytes(text.encode())
    assert _parse(path).row_count == 6


@pytest.mark.parametrize("name", ["Data", "规模明细 ", "规模明细\u3000"])
def test_the_data_sheet_is_found_behind_an_empty_first_sheet(tmp_path, name):
    path = _xlsx(tmp_path / "m.xlsx", {"Sheet1": [], name: [HEADERS, *rows()]})
    parsed = _parse(path)
    assert parsed.row_count == 6 and parsed.sheets == [name]


def test_a_correction_the_inbox_cannot_read_exits_1(db_url, conn, tmp_path):
    inbox = tmp_path / "data" / "inbox"
    v1 = inbox / "202501" / "V1"
    v1.mkdir(parents=True)
    _xlsx(v1 / "2025年1月规模明细.xlsx", {"规模明细": [HEADERS, *rows()]})
    settled(inbox)
    (tmp_path / ".wdh_env").write_text(f"DATABASE_URL={db_url}\n", encoding="utf-8")
    assert (
        run_cli("etl", "--domain", "annuity_performance", "--execute", "--no-post-hooks", cwd=tmp_path).returncode == 0
    )
    (inbox / "202501" / "V2").mkdir()
    (inbox / "202501" / "V2" / "2025年1月规模明细.ods").write_bytes(b"PK\x03\x04")
    settled(inbox)
    result = run_cli("etl", "--domain", "annuity_performance", "--execute", "--no-post-hooks", cwd=tmp_path)
    assert result.returncode == 1, result.stdout
    assert "2025-01: an OpenDocument spreadsheet in V2, a later version than the V1 that is loadable" in result.stderr


def test_a_replacement_that_repeats_the_month_before_is_refused(db_url, conn, tmp_path):
    def month(m: str, scale: float) -> list[list]:
        return [[m, *r[1:6], round(r[6] * scale, 2), r[7], ""] for r in rows(m, n=60)]

    for m, scale in (("202501", 1.0), ("202502", 1.03)):
        path = _xlsx(tmp_path / f"{m}.xlsx", {"规模明细": [HEADERS, *month(m, scale)]})
        assert etl(db_url, path, "--execute", "--no-post-hooks", "--period", m).returncode == 0
    january_as_february = _xlsx(tmp_path / "again.xlsx", {"规模明细": [HEADERS, *month("202502", 1.0)]})
    err = refused(db_url, conn, january_as_february, "--period", "202502")
    assert "unchanged: " in err and "(gate_max_unchanged_share)" in err and "2025-01" in err
