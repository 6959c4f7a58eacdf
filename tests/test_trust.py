"""No dressed-up delivery changes the master silently: keys in one canonical form, the anomaly gate
on every load's control figures, Excel as the business sends it (hidden sheets, merged or broken
headers, uncalculated formulas), names that follow the latest delivery, a month withdrawn, and
every way out clean. Every refusal leaves the database fingerprint unchanged."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter

from files import HEADERS, loaded, perf_row
from helpers import etl_file as etl
from helpers import refused_load as refused
from helpers import run_cli
from source import table_fingerprint
from work_data_hub.db.deploy import migrate
from work_data_hub.sample_data import settled, write_csv, write_xlsx

LINES = ("企年受托", "企年投资")


def month_rows(month: str, n: int = 60, *, scale: float | None = None, ids=None, names=None, plans=None) -> list[list]:
    """n rows of one month: customers C1…Cn, one plan each, two product lines. Their AUM grows 1 % a
    month from January (`scale` sets it): as in any real month, no contract's AUM repeats the month
    before to the cent (the gate refuses a month whose rows repeat another's)."""
    if scale is None:
        scale = 1 + (int(month[-2:]) - 1) / 100
    rows = []
    for i in range(1, n + 1):
        company = ids(i) if ids else f"60000{i:04d}"
        plan = plans(i) if plans else f"P{i:04d}"
        rows.append(
            perf_row(
                month,
                line=LINES[i % 2],
                plan=plan,
                company=company,
                aum=round(1_000_000 * i * scale, 2),
                contribution=round(1000 * scale, 2),
                customer=names(i) if names else f"客户{i:04d}有限公司",
            )
        )
    return rows


def customers(conn) -> int:
    return conn.execute('SELECT count(*) FROM customer."年金客户"').fetchone()[0]


# --- canonical keys ---------------------------------------------------------------------------------

FULL_WIDTH = str.maketrans("0123456789P", "０１２３４５６７８９Ｐ")
DRESSES = {
    "full-width": lambda key: key.translate(FULL_WIDTH),
    "zero-width space": lambda key: key[:3] + "\u200b" + key[3:],
    "no-break space": lambda key: "\u00a0" + key + "\u00a0",
    "leading apostrophe": lambda key: "'" + key,
    "BOM and soft hyphen": lambda key: "\ufeff" + key[:2] + "\u00ad" + key[2:],
    "ideographic space": lambda key: key + "\u3000",
}


@pytest.mark.parametrize("dress", sorted(DRESSES))
def test_dressed_up_ids_resolve_to_the_same_customers_and_plans(db_url, conn, tmp_path, dress):
    loaded(db_url, _write(tmp_path / "01.csv", month_rows("202501")))
    before = customers(conn), conn.execute('SELECT count(*) FROM mapping."年金计划"').fetchone()[0]
    dressed = month_rows(
        "202502", ids=lambda i: DRESSES[dress](f"60000{i:04d}"), plans=lambda i: DRESSES[dress](f"P{i:04d}")
    )
    path = _write(tmp_path / "02.xlsx", dressed, xlsx=True)
    preview = etl(db_url, path)
    assert preview.returncode == 0, preview.stderr
    assert "New customers: 0" in preview.stdout and "New plans: 0" in preview.stdout
    if dress not in ("no-break space", "ideographic space"):  # spaces at the ends: the reader trims them already
        assert (
            "Keys made canonical (full-width or invisible characters, spaces at the ends, a leading apostrophe): "
            "120 cell(s): 计划代码 60, company_id 60" in preview.stdout
        )
    loaded(db_url, path)
    assert (customers(conn), conn.execute('SELECT count(*) FROM mapping."年金计划"').fetchone()[0]) == before
    stored = conn.execute(
        'SELECT DISTINCT company_id, "计划代码" FROM business."规模明细" WHERE "月度" = \'2025-02-01\''
    )
    assert all(c.isascii() and c.isdigit() and p.isascii() and p.startswith("P") for c, p in stored)


def test_canonical_key_in_sql(conn):
    cases = {
        "６０００００００２": "600000002",
        "6000\u200b00002": "600000002",
        "\u00a0600000002\u3000": "600000002",
        "'600000002": "600000002",
        "\u2019P0001": "P0001",
        "\ufeffP\u00ad0001": "P0001",
        "  ": None,
        "": None,
        "P0001": "P0001",
        "ＡＢ－１": "AB-1",
        "6000 0002": "6000 0002",
    }
    for raw, canonical in cases.items():
        assert conn.execute("SELECT customer.canonical_key(%s)", (raw,)).fetchone()[0] == canonical, raw
    assert (
        conn.execute("SELECT customer._key_problem('6000 0002')").fetchone()[0] == "has a space or line break inside it"
    )
    assert conn.execute("SELECT customer._key_problem('6.00E+08')").fetchone()[0].startswith("is a number")
    assert conn.execute("SELECT customer._key_problem('600000002')").fetchone()[0] is None


def test_an_id_still_not_well_formed_is_refused_naming_its_cell(db_url, conn, tmp_path):
    loaded(db_url, _write(tmp_path / "01.csv", month_rows("202501")))
    rows = month_rows("202502")
    rows[4][7] = "6000 00005"
    rows[6][3] = "Ｐ０００７\u00a0\u00a0x y"
    err = refused(db_url, conn, _write(tmp_path / "02.csv", rows))
    assert "2 key cell(s) are not well formed" in err
    assert "row 6, column company_id: 6000 00005 has a space or line break inside it" in err
    assert "row 8, column 计划代码: P0007  X Y has a space" in err


def test_an_upgrade_merges_customers_stored_under_dressed_ids(db_url, conn, tmp_path):
    loaded(db_url, _write(tmp_path / "01.csv", month_rows("202501", n=3)))
    assert run_cli("customer-mdm", "close", database_url=db_url).returncode == 0
    history = conn.execute(
        "SELECT company_id, plan_code, valid_from, contract_status FROM customer.customer_plan_contract ORDER BY 1, 2"
    ).fetchall()
    # What an earlier release stored from a dressed-up month: the same customers under other ids.
    for dressed in ("６０００００００１", "600000002\u200b", "'600000004"):
        conn.execute(
            'INSERT INTO customer."年金客户" (company_id, "客户名称") VALUES (%s, %s)', (dressed, f"{dressed}名")
        )
        conn.execute(
            'INSERT INTO business."规模明细" ("月度", "业务类型", "计划代码", company_id, "期末资产规模", "供款", '
            "\"产品线代码\", \"机构代码\") VALUES ('2025-02-01', '企年受托', 'Ｐ０００１', %s, 5, 1, 'PL202', "
            "'G00')",
            (dressed,),
        )
    conn.execute("UPDATE customer.contract_sync_state SET keys_canonical_at = NULL")
    migrate(db_url)
    ids = [c for (c,) in conn.execute('SELECT company_id FROM customer."年金客户" ORDER BY 1')]
    assert ids == ["600000001", "600000002", "600000003", "600000004"]
    merged = conn.execute("SELECT from_id, into_id, into_created FROM customer.company_merge_log ORDER BY 2").fetchall()
    assert merged == [
        ("６０００００００１", "600000001", False),
        ("600000002\u200b", "600000002", False),
        ("'600000004", "600000004", True),
    ]
    assert conn.execute(
        'SELECT DISTINCT "计划代码" FROM business."规模明细" WHERE "月度" = \'2025-02-01\''
    ).fetchall() == [("P0001",)]
    assert run_cli("customer-mdm", "close", database_url=db_url).returncode == 0
    january = conn.execute(
        "SELECT company_id, plan_code, valid_from, contract_status FROM customer.customer_plan_contract "
        "WHERE valid_from = '2025-01-31' ORDER BY 1, 2"
    ).fetchall()
    assert january == history  # January's history is what it was
    migrate(db_url)  # once: a second migrate repairs nothing
    assert conn.execute("SELECT count(*) FROM customer.company_merge_log").fetchone()[0] == 3


# --- the anomaly gate ---------------------------------------------------------------------------------


def test_a_new_month_in_wan_yuan_is_refused_until_accepted(db_url, conn, tmp_path):
    loaded(db_url, _write(tmp_path / "01.csv", month_rows("202501")))
    path = _write(tmp_path / "02.csv", month_rows("202502", scale=1 / 10_000))
    err = refused(db_url, conn, path)
    assert "control figure(s) are far from the month it is compared with" in err
    assert (
        "total_aum: AUM (期末资产规模): 0.0018 亿元 against 18.3000 亿元 in 2025-01 (×0.0001); allowed ×0.5 – ×2" in err
    )
    assert "line_aum: PL201" in err and "line_aum: PL202" in err
    assert "--accept-deviations" in err
    assert etl(db_url, path).returncode == 1  # the preview says the same
    out = loaded(db_url, path, "--accept-deviations")
    assert "Deviations accepted (--accept-deviations): 3" in out
    accepted, by, figures = conn.execute(
        "SELECT deviations_accepted, accepted_by, control_figures FROM business.etl_load_log "
        "ORDER BY load_id DESC LIMIT 1"
    ).fetchone()
    assert [d["deviation"] for d in accepted] == ["total_aum", "line_aum", "line_aum"] and by == "postgres"
    assert figures["rows"] == 60 and figures["customers"] == 60 and figures["lines"]["PL202"]["rows"] == 30


def test_control_figures_and_every_gate(db_url, conn, tmp_path):
    conn.execute("UPDATE customer.mdm_settings SET gate_min_rows = 20")
    loaded(db_url, _write(tmp_path / "01.csv", month_rows("202501")))
    figures = conn.execute("SELECT control_figures FROM business.etl_load_log").fetchone()[0]
    assert figures["aum"] == 1830000000 and figures["contracts"] == 60 and figures["unseen_rows"] == 60
    # ordinary change passes: 10% more AUM, two new customers
    loaded(
        db_url,
        _write(
            tmp_path / "02.csv",
            month_rows("202502", scale=1.1)
            + month_rows("202502", n=2, ids=lambda i: f"7000{i}", names=lambda i: f"新客户{i}"),
        ),
    )
    # re-keyed ids: every row under an id the master has never held
    err = refused(db_url, conn, _write(tmp_path / "03.csv", month_rows("202503", ids=lambda i: f"9{i:08d}")))
    assert (
        "unseen_ids: 60 of the file's 60 rows under never-seen ids (100.0%); allowed at most 0.2 of the file's rows "
        "(gate_max_unseen_share)" in err
    )
    assert "vanished: 20.1603 亿元 of 2025-02's 20.1603 亿元 is held by contracts the file does not hold" in err
    # a replacement that keeps a third of the month
    err = refused(db_url, conn, _write(tmp_path / "02b.csv", month_rows("202502", n=20, scale=1.1)))
    assert "replacement_rows: rows: 20 against 62 in 2025-02" in err
    # a product line left out
    rows = [r for r in month_rows("202503", scale=1.05) if r[1] == "企年受托"]
    err = refused(db_url, conn, _write(tmp_path / "03b.csv", rows))
    assert "line_aum: PL201 企年投资: 0.0000 亿元 against" in err and "(gate_min_line_share)" in err
    # a DBA widens the bounds: the same file passes
    conn.execute(
        "UPDATE customer.mdm_settings SET gate_line_aum_min_ratio = 0, gate_total_aum_min_ratio = 0.4, "
        "gate_max_vanished_share = 0.6"
    )
    loaded(db_url, _write(tmp_path / "03c.csv", rows))


def test_a_ledger_holding_only_december_is_refused(db_url, conn, tmp_path):
    headers = ["上报月份", "业务类型", "客户名称", "年金计划号", "company_id", "中标日期"]
    year = [
        [f"2025{m:02d}", "企年受托", f"客户{i}", f"P{i}", f"60000{i:04d}", f"2025-{m:02d}-05"]
        for m in range(1, 13)
        for i in range(1, 7)
    ]
    path = tmp_path / "award.xlsx"
    write_xlsx(path, "当年中标", headers, year)
    loaded(db_url, path, domain="annual_award")
    december = tmp_path / "dec.xlsx"
    write_xlsx(december, "当年中标", headers, [r for r in year if r[0] == "202512"])
    err = refused(db_url, conn, december, domain="annual_award")
    assert "ledger_year_rows: 2025: 6 rows replace 72" in err


def test_every_month_of_the_sample_generator_passes_the_gate(db_url, conn, tmp_path):
    result = run_cli(
        "etl",
        "--domain",
        "annuity_performance",
        "--execute",
        "--no-post-hooks",
        cwd=_sample_inbox(tmp_path),
        database_url=db_url,
    )
    assert result.returncode == 0, result.stderr
    assert conn.execute('SELECT count(DISTINCT "月度") FROM business."规模明细"').fetchone()[0] == 36


def _sample_inbox(tmp_path: Path) -> Path:
    from datetime import date

    from work_data_hub.sample_data import generate_inbox

    generate_inbox(tmp_path / "data" / "inbox", customers=300, months=36, start=date(2024, 1, 1), seed=20260101)
    return tmp_path


# --- Excel as the business sends it ---------------------------------------------------------------


def test_a_hidden_sheet_is_passed_over(db_url, conn, tmp_path):
    loaded(db_url, _write(tmp_path / "11.csv", month_rows("202511")))
    path = tmp_path / "12.xlsx"
    book = xlsxwriter.Workbook(str(path))
    old = book.add_worksheet("Sheet1")
    visible = book.add_worksheet("12月")
    for sheet, month in ((old, "202507"), (visible, "202512")):
        sheet.write_row(0, 0, HEADERS)
        for r, row in enumerate(month_rows(month), start=1):
            sheet.write_row(r, 0, row)
    visible.activate()
    old.hide()
    book.close()
    out = loaded(db_url, path)
    assert "(sheet 12月)" in out and "(hidden sheet 'Sheet1' passed over)" in out
    assert conn.execute('SELECT DISTINCT "月度"::text FROM business."规模明细" ORDER BY 1').fetchall() == [
        ("2025-11-01",),
        ("2025-12-01",),
    ]


def test_headers_merged_or_broken_by_excel(db_url, conn, tmp_path):
    rows = [[*r, 1, 2] for r in month_rows("202501", n=3)]
    merged = tmp_path / "merged.xlsx"
    book = xlsxwriter.Workbook(str(merged))
    sheet = book.add_worksheet("规模明细")
    sheet.write_row(0, 0, HEADERS)  # 流失 merged over its own column and 待遇支付's
    sheet.merge_range(0, len(HEADERS), 0, len(HEADERS) + 1, "流失")
    for r, row in enumerate(rows, start=1):
        sheet.write_row(r, 0, row)
    book.close()
    err = refused(db_url, conn, merged)
    assert "1 column(s) hold data under an empty header cell: column N (right of '流失')" in err
    assert "Unmerge the header cells" in err
    two_rows = tmp_path / "two.xlsx"
    write_xlsx(
        two_rows,
        "规模明细",
        [h if h != "期末资产规模" else "期末" for h in HEADERS],
        [["" if h != "期末资产规模" else "资产规模" for h in HEADERS], *month_rows("202501", n=3)],
    )
    err = refused(db_url, conn, two_rows)
    assert "the header is spread over two rows: row 2 holds header names in column I ('资产规模')" in err
    line_break = tmp_path / "br.xlsx"
    write_xlsx(
        line_break,
        "规模明细",
        [*HEADERS, "期初\n资产规模", "待遇\u00a0支付"],
        [[*r, 7, 3] for r in month_rows("202501", n=3)],
    )
    out = loaded(db_url, line_break)
    assert "Ignored columns" not in out
    assert conn.execute('SELECT DISTINCT "期初资产规模", "待遇支付" FROM business."规模明细"').fetchall() == [(7, 3)]


def test_formulas_without_a_trustworthy_saved_value_are_refused(db_url, conn, tmp_path):
    path = tmp_path / "formulas.xlsx"
    book = xlsxwriter.Workbook(str(path))  # xlsxwriter saves 0 as each formula's value and asks for a recalculation
    sheet = book.add_worksheet("规模明细")
    sheet.write_row(0, 0, HEADERS)
    for r, row in enumerate(month_rows("202501", n=12), start=1):
        sheet.write_row(r, 0, row)
        if r <= 10:
            sheet.write_formula(r, 8, f"={row[8]}*1")
    book.close()
    err = refused(db_url, conn, path)
    assert "10 formula cell(s) cannot be trusted: the workbook is marked to be recalculated when opened" in err
    assert "Cells: I2, I3" in err and "open the file in excel" in err.lower()


# --- names follow the latest delivery -------------------------------------------------------------


def test_a_renamed_customer_and_plan_take_the_new_name(db_url, conn, tmp_path):
    loaded(db_url, _write(tmp_path / "01.csv", month_rows("202501", n=3)))
    renamed = month_rows("202502", n=3)
    renamed[0][6] = "新名字有限公司"
    renamed[1][4] = "改名计划"
    path = _write(tmp_path / "02.csv", renamed)
    preview = etl(db_url, path)
    assert "Renamed (the latest delivery's name is taken; the old one stays an alias): 2" in preview.stdout
    assert "customer 600000001: 客户0001有限公司 → 新名字有限公司" in preview.stdout
    assert "plan P0002: P0002计划 → 改名计划" in preview.stdout
    assert "renamed 1 customer(s), renamed 1 plan(s)" in loaded(db_url, path)
    assert run_cli("customer-mdm", "close", database_url=db_url).returncode == 0
    assert conn.execute(
        "SELECT DISTINCT customer_name FROM customer.customer_plan_contract WHERE company_id = '600000001' "
        "AND valid_to = 'infinity'::date OR company_id = '600000001' AND valid_to = '9999-12-31'"
    ).fetchall() == [("新名字有限公司",)]
    assert conn.execute(
        "SELECT customer_name FROM customer.fct_customer_product_line_monthly "
        "WHERE company_id = '600000001' AND snapshot_month = '2025-02-28'"
    ).fetchone() == ("新名字有限公司",)
    assert conn.execute(
        "SELECT plan_name FROM customer.fct_customer_plan_monthly "
        "WHERE plan_code = 'P0002' AND snapshot_month = '2025-02-28'"
    ).fetchone() == ("改名计划",)
    # the old name stays an alias: a row that still carries it without company_id resolves to the customer
    assert conn.execute(
        "SELECT company_id FROM customer.company_alias WHERE kind = 'name' AND alias = '客户0001有限公司'"
    ).fetchall() == [("600000001",)]
    # an older month's name does not rename back
    older = month_rows("202501", n=3)
    loaded(db_url, _write(tmp_path / "01b.csv", older))
    assert conn.execute('SELECT "客户名称" FROM customer."年金客户" WHERE company_id = \'600000001\'').fetchone() == (
        "新名字有限公司",
    )


# --- withdrawing a month ------------------------------------------------------------------------------


def test_a_month_loaded_by_mistake_is_withdrawn(db_url, conn, tmp_path):
    inbox = tmp_path / "data" / "inbox"
    for month in ("202501", "202502", "202503"):
        extra = (
            month_rows(month, n=2, ids=lambda i: f"8000{i}", names=lambda i: f"误入{i}") if month == "202503" else []
        )
        _write(inbox / month / f"{month}规模明细.csv", month_rows(month) + extra)
    assert (
        run_cli("etl", "--domain", "annuity_performance", "--execute", cwd=tmp_path, database_url=db_url).returncode
        == 0
    )
    before = table_fingerprint(conn)
    preview = run_cli("etl", "withdraw", "--domain", "annuity_performance", "--period", "202503", database_url=db_url)
    assert preview.returncode == 0, preview.stderr
    assert "Would withdraw 2025-03 from business.规模明细: 62 row(s); customers only it brought: 2" in preview.stdout
    assert table_fingerprint(conn) == before
    middle = run_cli(
        "etl", "withdraw", "--domain", "annuity_performance", "--period", "202502", "--execute", database_url=db_url
    )
    assert middle.returncode == 1 and "would leave a hole" in middle.stderr and "--allow-gap" in middle.stderr
    assert table_fingerprint(conn) == before
    done = run_cli(
        "etl", "withdraw", "--domain", "annuity_performance", "--period", "202503", "--execute", database_url=db_url
    )
    assert done.returncode == 0, done.stderr
    assert "Withdrew 2025-03" in done.stdout and "monthly_close" in done.stdout
    assert conn.execute(
        "SELECT action, os_user IS NOT NULL FROM business.etl_load_log ORDER BY load_id DESC LIMIT 1"
    ).fetchone() == ("withdrawal", True)  # who withdrew, as a load records it
    assert conn.execute('SELECT max("月度")::text FROM business."规模明细"').fetchone() == ("2025-02-01",)
    assert conn.execute("SELECT count(*) FROM customer.\"年金客户\" WHERE company_id LIKE '8000%'").fetchone() == (0,)
    assert conn.execute("SELECT max(snapshot_month) FROM customer.fct_customer_plan_monthly").fetchone()[0].month == 2
    again = run_cli("etl", "--domain", "annuity_performance", "--execute", cwd=tmp_path, database_url=db_url)
    assert again.returncode == 0 and "withdrawn" in again.stdout
    assert conn.execute('SELECT max("月度")::text FROM business."规模明细"').fetchone() == ("2025-02-01",)
    nothing = run_cli(
        "etl", "withdraw", "--domain", "annuity_performance", "--period", "202509", "--execute", database_url=db_url
    )
    assert nothing.returncode == 1 and "holds no rows of 2025-09" in nothing.stderr


# --- every way out is clean -----------------------------------------------------------------------


def test_data_and_paths_are_printed_literally(db_url, conn, tmp_path):
    folder = tmp_path / "[bold]x[" / "]"
    folder.mkdir(parents=True)
    rows = month_rows("202501", n=2, names=lambda i: f"[/]客户{i}[/bold] :smile:")
    rows.append(perf_row("202501", company="", customer="[red]无号客户[/]", plan="P9"))
    loaded(db_url, _write(folder / "01.csv", rows))
    for argv in (["customer-mdm", "identities"], ["customer-mdm", "alias", "list"], ["etl", "history"]):
        result = run_cli(*argv, database_url=db_url)
        assert result.returncode == 0 and "Traceback" not in result.stderr, (argv, result.stderr)
    assert "[red]无号客户[/]" in run_cli("customer-mdm", "identities", database_url=db_url).stdout
    assert "[bold]x[/]" in run_cli("etl", "history", database_url=db_url).stdout.replace("\n", "").replace(
        "│", ""
    ).replace(" ", "")


def test_an_empty_inbox_file_does_not_block_the_other_months(db_url, conn, tmp_path):
    inbox = tmp_path / "data" / "inbox"
    _write(inbox / "202501" / "202501规模明细.csv", month_rows("202501"))
    (inbox / "202502").mkdir(parents=True)
    (inbox / "202502" / "202502规模明细.csv").write_bytes(b"")
    settled(inbox)  # an empty file left alone for a day: not one still being copied
    result = run_cli(
        "etl", "--domain", "annuity_performance", "--execute", "--no-post-hooks", cwd=tmp_path, database_url=db_url
    )
    assert result.returncode == 1
    assert "unreadable 202502/202502规模明细.csv" in result.stdout and "is empty (0 bytes)" in result.stderr
    assert conn.execute('SELECT DISTINCT "月度"::text FROM business."规模明细"').fetchall() == [("2025-01-01",)]


def test_an_unreadable_file_is_named_with_the_reason(tmp_path):
    from work_data_hub.errors import InvalidInput
    from work_data_hub.etl.validate import file_digest

    with pytest.raises(InvalidInput, match="Cannot read .*: Is a directory"):
        file_digest(tmp_path)


CLASSES = {
    "letters": "Secret",
    "digits": "123456",
    "p": "p",
    "at": "p@ss@word",
    "colon": "a:b:c:d",
    "slash": "a/b/c?d#e",
    "percent": "100%sure",
    "space": "two words",
    "quotes": 'it\'s"q"',
    "backslash": "back\\slash",
    "unicode": "密码🔑ñ",
    "ampersand": "a&b=c",
    "equals": "x=y=z",
}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_passwords_of_every_character_class_are_masked_and_nothing_else_changes(name):
    from urllib.parse import quote

    from work_data_hub.db.settings import mask_secrets

    secret = CLASSES[name]
    url = f"postgresql://alice:{quote(secret, safe='')}@db.example:5432/wdh"
    conninfo = "host=db port=5432 password='" + secret.replace("\\", "\\\\").replace("'", "\\'") + "' dbname=wdh"
    template = (
        'connection to server at "db.example" failed: password authentication failed for user "alice" '
        "(tried {url}; also {conninfo}) at step p1"
    )
    message = template.format(url=url, conninfo=conninfo)
    expected = template.format(
        url="postgresql://alice:****@db.example:5432/wdh", conninfo="host=db port=5432 password=**** dbname=wdh"
    )
    assert mask_secrets(message, url) == expected
    assert mask_secrets(message, conninfo) == expected


def _write(path: Path, rows: list[list], *, xlsx: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if xlsx or path.suffix == ".xlsx":
        write_xlsx(path, "规模明细", HEADERS, rows)
    else:
        write_csv(path, HEADERS, rows)
    settled(path.parent)  # delivered a while ago: the inbox passes over files still being copied
    return path


def test_an_operator_login_loads_every_domain_and_withdraws(db_url, conn, tmp_path):
    """As a company runs it: a login granted only wdh_operator, with a password, over TCP."""
    import os

    from psycopg import sql

    role = f"etl_operator_{os.getpid()}"
    conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
    conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'p@ss w0rd' IN ROLE wdh_operator").format(sql.Identifier(role)))
    try:
        url = db_url.replace("postgres@", f"{role}:p%40ss%20w0rd@")
        headers = ["上报月份", "业务类型", "客户名称", "年金计划号", "company_id", "中标日期"]
        for domain, table, date_column in (
            ("annual_award", "当年中标", "中标日期"),
            ("annual_loss", "当年流失", "流失日期"),
        ):
            ledger = tmp_path / f"{table}.xlsx"
            write_xlsx(
                ledger,
                table,
                [*headers[:-1], date_column],
                [["202501", "企年受托", "客户0001有限公司", "P0001", "600000001", "2025-01-05"]],
            )
            for args in ((), ("--execute",)):
                result = run_cli("etl", "--domain", domain, "--file", str(ledger), *args, database_url=url)
                assert result.returncode == 0, result.stderr
        for month in ("202501", "202502"):
            path = _write(
                tmp_path / f"{month}.xlsx",
                month_rows(month, n=3) + [perf_row(month, company="", customer="无号客户", plan="P9")],
            )
            for args in ((), ("--execute",)):
                result = run_cli("etl", "--domain", "annuity_performance", "--file", str(path), *args, database_url=url)
                assert result.returncode == 0, result.stderr
        assert "monthly_close" in result.stdout
        withdrawn = run_cli(
            "etl", "withdraw", "--domain", "annuity_performance", "--period", "202502", "--execute", database_url=url
        )
        assert withdrawn.returncode == 0, withdrawn.stderr
        assert conn.execute("SELECT loaded_by FROM business.etl_load_log ORDER BY load_id DESC LIMIT 1").fetchone() == (
            role,
        )
    finally:
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_a_measure_with_a_unit_is_refused_in_the_users_terms(db_url, conn, tmp_path):
    rows = month_rows("202501", n=3)
    rows[0][8], rows[1][8], rows[2][9] = "1,000元", "12.5万元", "¥300"
    err = refused(db_url, conn, _write(tmp_path / "01.csv", rows))
    assert "row 2, column 期末资产规模: '1,000元' is a number with the unit suffix 元: write the number alone" in err
    assert "'12.5万元' is a number with the unit suffix 万元: write the number alone (and in 元" in err
    assert "'¥300' is a number with a currency sign" in err


def test_what_a_new_users_trial_dressed_up(db_url, conn, tmp_path):
    """Found by trying deliveries dressed up in ways the issue did not list."""
    loaded(db_url, _write(tmp_path / "01.csv", month_rows("202501")))
    # the same rows pasted again, once with full-width ids, once with a trailing space in a name
    rows = month_rows("202502")
    again = [list(r) for r in rows[:3]]
    for r in again:
        r[7] = r[7].translate(FULL_WIDTH)
    err = refused(db_url, conn, _write(tmp_path / "02a.csv", rows + again))
    assert "3 row(s) repeat another row once their ids are made canonical" in err and "row 62 repeats row 2" in err
    spaced = [list(rows[0])]
    spaced[0][6] += " "
    assert "row 62 repeats row 2 in every column loaded" in refused(
        db_url, conn, _write(tmp_path / "02b.csv", rows + spaced)
    )
    # lower-case plan codes, zero-width characters in names and 业务类型, a long form of 业务类型
    dressed = month_rows("202502", plans=lambda i: f"p{i:04d}", names=lambda i: f"客户{i:04d}\u200b有限公司")
    for r in dressed:
        r[4] = r[3].upper() + "计划"
    dressed[0][1] = "企业年金投资"
    dressed[1][1] = "企年受托\u200b"
    path = _write(tmp_path / "02.csv", dressed)
    preview = etl(db_url, path)
    assert "New plans: 0" in preview.stdout and "Renamed" not in preview.stdout
    assert "cannot form a contract" not in preview.stdout
    loaded(db_url, path)
    assert conn.execute('SELECT count(*) FROM mapping."年金计划"').fetchone() == (60,)
    # headers with units: (元) is the product's, a rate's (%) means percent, 万元 is refused
    unit_headers = [h + "(元)" if h == "期末资产规模" else "当期收益率(%)" if h == "当期收益率" else h for h in HEADERS]
    rows3 = month_rows("202503")
    for r in rows3:
        r[10] = 1.5
    path = tmp_path / "03.csv"
    write_csv(path, unit_headers, rows3)
    loaded(db_url, path)
    assert conn.execute(
        'SELECT DISTINCT "当期收益率" FROM business."规模明细" WHERE "月度" = \'2025-03-01\''
    ).fetchall() == [(Decimal("0.015"),)]
    wan = tmp_path / "04.csv"
    write_csv(wan, [h + "（万元）" if h == "期末资产规模" else h for h in HEADERS], month_rows("202504"))
    assert "column '期末资产规模（万元）' is in 万元; the product stores 元" in refused(db_url, conn, wan)
    # a title row above the header; a semicolon CSV; an amount as scientific text
    titled = tmp_path / "05.xlsx"
    write_xlsx(titled, "规模明细", ["2025年4月规模明细", *[""] * (len(HEADERS) - 1)], [HEADERS, *month_rows("202504")])
    assert "the header is not in row 1" in refused(db_url, conn, titled)
    semicolon = tmp_path / "06.csv"
    semicolon.write_text(
        "".join(";".join(str(v) for v in r) + "\n" for r in [HEADERS, *month_rows("202504")]), encoding="utf-8"
    )
    loaded(db_url, semicolon)
    rows7 = month_rows("202505")
    rows7[0][8] = "6.455557E+07"
    rows7[1][8] = "１２３４５．６"
    err = refused(db_url, conn, _write(tmp_path / "07.csv", rows7))
    assert "row 2, column 期末资产规模: '6.455557E+07' is a number in scientific notation typed as text" in err
    assert "row 3" not in err


def test_withdrawing_a_month_gives_the_names_it_changed_back(db_url, conn, tmp_path):
    loaded(db_url, _write(tmp_path / "01.csv", month_rows("202501", n=3)))
    renamed = month_rows("202502", n=3)
    renamed[0][6] = "新名字有限公司"
    renamed[1][4] = "改名计划"
    loaded(db_url, _write(tmp_path / "02.csv", renamed))
    assert (
        run_cli(
            "etl", "withdraw", "--domain", "annuity_performance", "--period", "202502", "--execute", database_url=db_url
        ).returncode
        == 0
    )
    assert conn.execute('SELECT "客户名称" FROM customer."年金客户" WHERE company_id = \'600000001\'').fetchone() == (
        "客户0001有限公司",
    )
    assert conn.execute('SELECT "计划全称" FROM mapping."年金计划" WHERE "年金计划号" = \'P0002\'').fetchone() == (
        "P0002计划",
    )
    assert conn.execute(
        "SELECT DISTINCT customer_name FROM customer.fct_customer_plan_monthly WHERE company_id = '600000001'"
    ).fetchall() == [("客户0001有限公司",)]


def test_what_a_second_trial_found(db_url, conn, tmp_path):
    inbox = tmp_path / "data" / "inbox"
    for month in ("202501", "202502"):
        _write(
            inbox / month / f"{month}规模明细.csv",
            month_rows(month)
            + (
                month_rows(month, n=1, ids=lambda i: "699999999", names=lambda i: "新客户") if month == "202502" else []
            ),
        )
    assert (
        run_cli("etl", "--domain", "annuity_performance", "--execute", cwd=tmp_path, database_url=db_url).returncode
        == 0
    )
    # a steward's override on a customer only the withdrawn month brought keeps it
    assert (
        run_cli(
            "customer-mdm", "alias", "add", "--name", "测试别名公司", "--company-id", "699999999", database_url=db_url
        ).returncode
        == 0
    )
    # a ledger row of the withdrawn month teaches an alias that must stay
    headers = ["上报月份", "业务类型", "客户名称", "年金计划号", "company_id", "流失日期"]
    ledger = tmp_path / "loss.xlsx"
    write_xlsx(
        ledger, "当年流失", headers, [["202502", "企年受托", "曾用名测试有限公司", "P0001", "600000001", "2025-02-05"]]
    )
    assert (
        run_cli(
            "etl", "--domain", "annual_loss", "--file", str(ledger), "--execute", "--no-post-hooks", database_url=db_url
        ).returncode
        == 0
    )
    taught = conn.execute("SELECT count(*) FROM customer.company_alias WHERE alias = '曾用名测试有限公司'").fetchone()[
        0
    ]
    assert taught >= 1
    withdrawn = run_cli(
        "etl",
        "withdraw",
        "--domain",
        "annuity_performance",
        "--period",
        "202502",
        "--execute",
        "--no-post-hooks",
        database_url=db_url,
    )
    assert withdrawn.returncode == 0, withdrawn.stderr
    assert conn.execute(
        "SELECT count(*) FROM customer.company_alias WHERE alias = '曾用名测试有限公司'"
    ).fetchone() == (taught,)
    assert conn.execute("SELECT source FROM customer.company_alias WHERE company_id = '699999999'").fetchall() == [
        ("override",)
    ]
    # until the close, the withdrawn month's report says a correction is pending, not "up to date"
    report = run_cli(
        "customer-mdm", "report", "--period", "202502", "--out", str(tmp_path / "r.html"), database_url=db_url
    )
    assert report.returncode == 0, report.stderr
    assert 'data-status="stale"' in (tmp_path / "r.html").read_text(encoding="utf-8")
    history = json.loads(run_cli("etl", "history", "--json", database_url=db_url).stdout)
    assert history[0]["action"] == "withdrawal" and history[-1]["control_figures"]["rows"] == 60
    # --accept-deviations names one file
    wide = run_cli("etl", "--domain", "annuity_performance", "--accept-deviations", cwd=tmp_path, database_url=db_url)
    assert wide.returncode == 1 and "--accept-deviations accepts the deviations of one file" in wide.stderr


def test_sheets_a_finance_user_leaves(db_url, conn, tmp_path):
    hidden = tmp_path / "hidden.xlsx"
    book = xlsxwriter.Workbook(str(hidden))
    main, part = book.add_worksheet("规模明细"), book.add_worksheet("筛选")
    for sheet, rows in ((main, month_rows("202501")), (part, month_rows("202501")[:40])):
        sheet.write_row(0, 0, HEADERS)
        for r, row in enumerate(rows, start=1):
            sheet.write_row(r, 0, row)
    part.activate()
    main.hide()
    book.close()
    assert "the sheet '规模明细' is hidden, so it is not read" in refused(db_url, conn, hidden)
    merged = tmp_path / "merged.xlsx"
    book = xlsxwriter.Workbook(str(merged))
    sheet = book.add_worksheet("规模明细")
    sheet.write_row(0, 0, HEADERS)
    for r, row in enumerate(month_rows("202501", n=6), start=1):
        sheet.write_row(r, 0, row)
    sheet.merge_range(2, 11, 5, 11, "北京分公司")
    book.close()
    err = refused(db_url, conn, merged)
    assert "1 merged cell range(s) in the data: L3:L6" in err and "Unmerge the cells" in err


def test_the_loss_ledger_is_gated_too(db_url, conn, tmp_path):
    headers = ["上报月份", "业务类型", "客户名称", "年金计划号", "company_id", "流失日期"]
    year = [
        [f"2026{m:02d}", "企年受托", f"客户{m}", f"P{m}", f"60000{m:04d}", f"2026-{m:02d}-05"] for m in range(1, 13)
    ]
    full, cut = tmp_path / "loss.xlsx", tmp_path / "cut.xlsx"
    write_xlsx(
        full,
        "当年流失",
        headers,
        year
        + [
            [*year[0][:2], "客户X", "PX", "600009999", "2026-01-09"],
            [*year[1][:2], "客户Y", "PY", "600009998", "2026-02-09"],
        ],
    )
    write_xlsx(cut, "当年流失", headers, year[-1:])
    loaded(db_url, full, domain="annual_loss")
    assert "ledger_year_rows: 2026: 1 rows replace 14" in refused(db_url, conn, cut, domain="annual_loss")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://alice:Se@cret9@127.0.0.1:5432/wdh",
        "postgresql://alice:p@ss word@127.0.0.1:5432/wdh",
        "host=127.0.0.1 user=alice password=my secret9 dbname=wdh",
    ],
)
def test_a_password_the_url_cannot_hold_is_refused_without_echoing_it(url, tmp_path):
    result = run_cli("customer-mdm", "status", cwd=tmp_path, env={"DATABASE_URL": url})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "is not a valid" in result.stderr and ("%40" in result.stderr or "password='" in result.stderr)
    for part in ("cret9", "ss word", "secret9"):
        assert part not in result.stderr + result.stdout


def test_a_withdrawal_keeps_only_the_aliases_a_ledger_row_of_the_month_teaches(db_url, conn, tmp_path):
    """An alias learned from the withdrawn month alone goes, although a ledger row of the month
    names the same customer by another name; the ledger's own alias stays (it was kept for any
    ledger row of the customer before, so a withdrawn name could still resolve later rows)."""
    for month, name in (("202501", "甲公司"), ("202502", "甲公司新名")):
        path = tmp_path / f"{month}.xlsx"
        write_xlsx(path, "规模明细", HEADERS, [perf_row(month=month, company="C1", customer=name)])
        result = run_cli(
            "etl",
            "--domain",
            "annuity_performance",
            "--file",
            str(path),
            "--execute",
            "--no-post-hooks",
            database_url=db_url,
        )
        assert result.returncode == 0, result.stderr
    ledger = tmp_path / "loss.xlsx"
    headers = ["上报月份", "业务类型", "客户名称", "年金计划号", "company_id", "流失日期"]
    write_xlsx(ledger, "当年流失", headers, [["202502", "企年受托", "乙曾用名", "P1", "C1", "2025-02-05"]])
    assert (
        run_cli(
            "etl", "--domain", "annual_loss", "--file", str(ledger), "--execute", "--no-post-hooks", database_url=db_url
        ).returncode
        == 0
    )
    aliases = (
        "SELECT count(*) FROM customer.company_alias WHERE company_id = 'C1' AND alias = customer.normalise_name(%s)"
    )
    assert conn.execute(aliases, ("甲公司新名",)).fetchone()[0] >= 1
    withdrawn = run_cli(
        "etl",
        "withdraw",
        "--domain",
        "annuity_performance",
        "--period",
        "202502",
        "--execute",
        "--no-post-hooks",
        database_url=db_url,
    )
    assert withdrawn.returncode == 0, withdrawn.stderr
    assert conn.execute(aliases, ("甲公司新名",)).fetchone() == (0,)
    assert conn.execute(aliases, ("乙曾用名",)).fetchone()[0] >= 1
    assert conn.execute(aliases, ("甲公司",)).fetchone()[0] >= 1
