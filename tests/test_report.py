"""The monthly report and the Excel export: every figure of the page equals the database, as a real
browser renders it; the movements are the versions that changed; nothing is fetched from a network;
the export is the month's tables row for row."""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row
from python_calamine import CalamineWorkbook

from helpers import run_cli, run_cli_all, scratch_database
from pages import assert_self_contained, browser_dom
from source import table_fingerprint
from work_data_hub.reporting import messages

PERIOD, END, PREVIOUS, DECEMBER = "202612", date(2026, 12, 31), date(2026, 11, 30), date(2025, 12, 31)


@pytest.fixture
def sample_copy(pg_server, sample_url):
    """A copy of the sample database that a test may change."""
    with scratch_database(pg_server, "wdh_report_copy", template=sample_url.rsplit("/", 1)[1]) as url:
        yield url


class Page(HTMLParser):
    """What the tests read from a rendered page: the product-line cells, and the movement rows with
    the reason each gives."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[tuple[str, str, str], str] = {}
        self.movements: set[tuple[str, str]] = set()
        self.reasons: dict[tuple[str, str], str] = {}
        self.status: str | None = None
        self._line = self._measure = self._kind = self._movement = None
        self._in_reason = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-line" in attrs:
            self._line = attrs["data-line"]
        if tag == "tr" and "data-movement" in attrs:
            self._movement = (attrs["data-movement"], attrs["data-key"])
            self.movements.add(self._movement)
        if tag == "td" and "data-measure" in attrs:
            self._measure = attrs["data-measure"]
        if tag == "td" and "data-reason" in attrs:
            self._in_reason = True
            self.reasons[self._movement] = ""
        if tag == "span" and "data-kind" in attrs:
            self._kind = attrs["data-kind"]
            self.cells[(self._line, self._measure, self._kind)] = ""
        if attrs.get("id") == "snapshot-status":
            self.status = attrs["data-status"]

    def handle_endtag(self, tag):
        if tag == "span":
            self._kind = None
        if tag == "td":
            self._in_reason = False

    def handle_data(self, data):
        if self._kind:
            self.cells[(self._line, self._measure, self._kind)] += data
        if self._in_reason:
            self.reasons[self._movement] += data


def rendered(path: Path) -> Page:
    """The page as headless Chromium renders it (--dump-dom: the DOM after layout)."""
    dom = browser_dom(path)
    assert_self_contained(dom)
    page = Page()
    page.feed(dom)
    assert page.cells, "the browser rendered no product-line table"
    return page


def number(text: str) -> Decimal | None:
    text = text.strip().replace(",", "").replace("−", "-").replace("+", "")
    return None if text == "—" else Decimal(text)


def expected_table(conn) -> dict[tuple[str, str, str], Decimal | None]:
    """The product-line table, computed here from the two fact tables (not through the report's SQL)."""

    def month(end: date) -> dict[tuple[str, str], Decimal]:
        figures: dict[tuple[str, str], Decimal] = {}
        lines = conn.execute(
            "SELECT product_line_code, count(*), count(*) FILTER (WHERE is_strategic), count(*) FILTER (WHERE is_existing), "
            "count(*) FILTER (WHERE is_new), count(*) FILTER (WHERE is_winning_this_year), "
            "count(*) FILTER (WHERE is_churned_this_year), sum(aum_balance) "
            "FROM customer.fct_customer_product_line_monthly WHERE snapshot_month = %s GROUP BY 1",
            (end,),
        ).fetchall()
        everyone = conn.execute(
            "SELECT 'ALL', count(*), count(*) FILTER (WHERE s), count(*) FILTER (WHERE e), count(*) FILTER (WHERE n), "
            "count(*) FILTER (WHERE w), count(*) FILTER (WHERE l), sum(a) FROM ("
            "SELECT company_id, bool_or(is_strategic) s, bool_or(is_existing) e, bool_or(is_new) n, "
            "bool_or(is_winning_this_year) w, bool_or(is_churned_this_year) l, sum(aum_balance) a "
            "FROM customer.fct_customer_product_line_monthly WHERE snapshot_month = %s GROUP BY 1) t "
            "HAVING count(*) > 0",
            (end,),
        ).fetchall()
        for code, *values in lines + everyone:
            for measure, value in zip(["customers", "strategic", "existing", "new", "won", "lost"], values[:6]):
                figures[(code, measure)] = Decimal(value)
            figures[(code, "aum_yi")] = round(values[6] / Decimal(10**8), 2)
        plans = conn.execute(
            "SELECT product_line_code, contract_status FROM customer.fct_customer_plan_monthly "
            "WHERE snapshot_month = %s",
            (end,),
        ).fetchall()
        for code, status in plans:
            measure = "contracts_normal" if status == "正常" else "contracts_stopped"
            for key in ((code, measure), ("ALL", measure)):
                figures[key] = figures.get(key, Decimal(0)) + 1
        for code in {c for c, _ in figures}:
            figures.setdefault((code, "contracts_normal"), Decimal(0))
            figures.setdefault((code, "contracts_stopped"), Decimal(0))
        return figures

    now, previous, december = month(END), month(PREVIOUS), month(DECEMBER)
    expected = {}
    for (code, measure), value in now.items():
        expected[(code, measure, "value")] = value
        expected[(code, measure, "change_month")] = value - previous.get((code, measure), 0) if previous else None
        expected[(code, measure, "change_december")] = value - december.get((code, measure), 0) if december else None
    return expected


def expected_movements(conn) -> set[tuple[str, str]]:
    """The versions that changed in the month, classified here from the contract history."""

    def in_effect(end: date) -> dict[str, dict]:
        with conn.cursor(row_factory=dict_row) as cur:
            rows = cur.execute(
                "SELECT company_id, plan_code, product_line_code, contract_id, contract_status, "
                "is_strategic FROM customer.customer_plan_contract "
                "WHERE valid_from <= %s AND valid_to > %s",
                (end, end),
            ).fetchall()
        return {f"{r['company_id']}|{r['plan_code']}|{r['product_line_code']}": r for r in rows}

    now, before = in_effect(END), in_effect(PREVIOUS)
    moves = set()
    for key in now.keys() | before.keys():
        cur, prev = now.get(key), before.get(key)
        if cur and prev and cur["contract_id"] == prev["contract_id"]:
            continue
        if cur and not prev:
            moves.add(("new", key))
        elif prev and not cur:
            moves.add(("lapsed", key))
        else:
            status = (prev["contract_status"], cur["contract_status"])
            strategic = (prev["is_strategic"], cur["is_strategic"])
            if status == ("正常", "停缴"):
                moves.add(("stopped", key))
            if status == ("停缴", "正常"):
                moves.add(("resumed", key))
            if strategic == (False, True):
                moves.add(("became_strategic", key))
            if strategic == (True, False):
                moves.add(("lost_strategic", key))
    return moves


def test_report_page_equals_the_database_in_a_browser(sample_url, tmp_path):
    out = tmp_path / "nested" / "report.html"
    result = run_cli("customer-mdm", "report", "--period", PERIOD, "--out", str(out), database_url=sample_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out.resolve()) and result.stderr == ""
    page = rendered(out)
    with psycopg.connect(sample_url) as conn:
        expected = expected_table(conn)
        movements = expected_movements(conn)
    assert {k: number(v) for k, v in page.cells.items()} == expected
    assert movements and page.movements == movements
    assert {m for m, _ in movements} >= {"stopped", "resumed"}, "the sample should move in more than one way"
    assert page.status == "fresh"
    # Each movement says why, in the words explain_contract uses for the same contract and month.
    allowed = {
        "new": r"首次出现|失效后重新出现（\d{4}-\d{2} 失效）",
        "lapsed": r"12 个月无规模明细（最后一行 \d{4}-\d{2}）",
        "stopped": "规模归零|12 个月无供款",
        "resumed": "恢复供款|规模恢复|规模与供款恢复",
        "became_strategic": r"进入分公司 × 产品线前 10|规模达 5 亿门槛",
        "lost_strategic": "新年度重新认定.*",
    }
    assert {m: r for (m, _), r in page.reasons.items() if not re.fullmatch(allowed[m], r)} == {}
    with psycopg.connect(sample_url) as conn:
        for (movement, key), reason in page.reasons.items():
            if movement in ("stopped", "resumed"):
                company, plan, line = key.split("|")
                status = conn.execute(
                    "SELECT outcome, detail FROM customer.explain_contract(%s, %s, %s, %s) "
                    "WHERE rule = 'contract_status'",
                    (company, plan, line, END),
                ).fetchone()
                assert status[0] == ("停缴" if movement == "stopped" else "正常")
                if movement == "stopped":
                    assert status[1].startswith(reason + ":"), (key, reason, status)


def test_report_of_a_january_compares_with_the_december_before(sample_url, tmp_path):
    """In January the previous month is the prior December: both changes are equal."""
    out = tmp_path / "jan.html"
    assert (
        run_cli(
            "customer-mdm", "report", "--period", "202601", "--months", "3", "--out", str(out), database_url=sample_url
        ).returncode
        == 0
    )
    text = out.read_text(encoding="utf-8")
    pairs = re.findall(
        r'data-kind="change_month"[^>]*>([^<]*)<.*?data-kind="change_december"[^>]*>([^<]*)<', text, re.S
    )
    assert pairs and all(a == b for a, b in pairs)


def test_report_says_when_the_snapshot_is_stale_or_missing(sample_copy, tmp_path):
    with psycopg.connect(sample_copy, autocommit=True) as conn:
        conn.execute(
            "UPDATE customer.snapshot_month_state SET stale_since = now(), "
            "stale_reason = 'ledger rows of 2026 changed' WHERE snapshot_month = %s",
            (END,),
        )
    stale = run_cli(
        "customer-mdm", "report", "--period", PERIOD, "--out", str(tmp_path / "stale.html"), database_url=sample_copy
    )
    assert stale.returncode == 0 and "stale since" in stale.stderr
    assert 'data-status="stale"' in (tmp_path / "stale.html").read_text(encoding="utf-8")
    with psycopg.connect(sample_copy, autocommit=True) as conn:
        for table in ("snapshot_month_state", "fct_customer_product_line_monthly", "fct_customer_plan_monthly"):
            conn.execute(
                sql.SQL("DELETE FROM customer.{} WHERE snapshot_month = %s").format(sql.Identifier(table)), (END,)
            )
    missing = run_cli(
        "customer-mdm", "report", "--period", PERIOD, "--out", str(tmp_path / "missing.html"), database_url=sample_copy
    )
    assert missing.returncode == 0 and "is not built" in missing.stderr
    text = (tmp_path / "missing.html").read_text(encoding="utf-8")
    assert 'data-status="missing"' in text and "data-movement=" in text  # the movements come from the history


@pytest.mark.parametrize(
    ("args", "out", "message"),
    [
        (("--period", "202701"), "out.{}", "synced through 202612 only"),
        (("--period", "202510"), "out.{}", "the contract history starts at 202511"),
        (("--period", "2026-12"), "out.{}", "Invalid period format"),
        (("--period", "202612", "--months", "1"), "out.{}", "--months"),
        (("--period", "202612"), "out.txt", "does not end in .{}"),
        (("--period", "202612"), "", "--out is empty"),
        (("--period", "202612"), "/proc/out.{}", "Cannot write /proc/out.{}"),
        (("--period", "202612"), "file/out.{}", "Cannot write"),  # a folder in the way is a file
    ],
)
def test_report_errors_write_nothing_and_change_nothing(sample_url, tmp_path, args, out, message):
    with psycopg.connect(sample_url) as conn:
        before = table_fingerprint(conn)
    (tmp_path / "file").write_text("a file, not a folder")
    runs = [
        (command, suffix)
        for command, suffix in (("report", "html"), ("export", "xlsx"))
        if command == "report" or "--months" not in args
    ]
    paths = [
        out.format(suffix) if out.startswith("/") or not out else str(tmp_path / out.format(suffix))
        for _, suffix in runs
    ]
    results = run_cli_all(
        [["customer-mdm", command, *args, "--out", path] for (command, _), path in zip(runs, paths)],
        database_url=sample_url,
    )
    for (_, suffix), result in zip(runs, results):
        assert result.returncode == 1 and message.format(suffix) in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["file"]
    with psycopg.connect(sample_url) as conn:
        assert table_fingerprint(conn) == before


def test_out_may_name_a_folder(sample_url, tmp_path):
    cases = [
        (command, name, folder)
        for command, name in (("report", "customer_mdm_202612.html"), ("export", "customer_mdm_202612.xlsx"))
        for folder in (str(tmp_path / "old"), f"{tmp_path / 'new'}/")
    ]
    (tmp_path / "old").mkdir()
    results = run_cli_all(
        [["customer-mdm", command, "--period", PERIOD, "--out", folder] for command, _, folder in cases],
        database_url=sample_url,
    )
    for (_, name, folder), result in zip(cases, results):
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == str((Path(folder) / name).resolve())
    assert not list(tmp_path.rglob(".*partial"))


def test_the_same_report_twice_at_once(sample_url, tmp_path):
    """Two runs to one file: each writes its own hidden file and renames it; the page is whole."""
    for command, name in (("report", "same.html"), ("export", "same.xlsx")):
        results = run_cli_all(
            [["customer-mdm", command, "--period", PERIOD, "--out", str(tmp_path / name)]] * 3, database_url=sample_url
        )
        assert [r.returncode for r in results] == [0, 0, 0], [r.stderr for r in results]
    assert (tmp_path / "same.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert CalamineWorkbook.from_path(str(tmp_path / "same.xlsx")).sheet_names
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same.html", "same.xlsx"]  # no hidden file left


def test_the_first_month_says_every_contract_is_new(sample_url, tmp_path):
    out = tmp_path / "first.html"
    assert (
        run_cli("customer-mdm", "report", "--period", "202511", "--out", str(out), database_url=sample_url).returncode
        == 0
    )
    text = out.read_text(encoding="utf-8")
    assert 'id="first-month"' in text and 'data-movement="new"' in text
    assert 'data-movement="stopped"' not in text


def test_export_equals_the_tables_row_for_row(sample_url, tmp_path):
    out = tmp_path / "month.xlsx"
    result = run_cli("customer-mdm", "export", "--period", PERIOD, "--out", str(out), database_url=sample_url)
    assert result.returncode == 0, result.stderr
    book = CalamineWorkbook.from_path(str(out))
    assert book.sheet_names == ["产品线粒度", "计划粒度", "本月变动", "说明"]
    notes = book.get_sheet_by_name("说明").to_python()
    mapping = {row[0]: row[1] for row in notes if len(row) > 1 and row[1]}  # header → database column
    with psycopg.connect(sample_url) as conn:
        queries = [
            (
                "SELECT * FROM customer.v_customer_product_line_status WHERE snapshot_month = %s "
                "ORDER BY product_line_code, company_id",
                0,
            ),
            (
                "SELECT * FROM customer.v_plan_status WHERE snapshot_month = %s ORDER BY company_id, plan_code, "
                "product_line_code",
                1,
            ),
            (
                "SELECT movement, company_id, customer_name, plan_code, plan_name, product_line_code, "
                "product_line_name, branch_code, branch_name, aum_balance, previous_aum_balance, reason "
                "FROM customer.contract_movements(%s)",  # its facts are the reason's data, for the pages
                2,
            ),
        ]
        for query, index in queries:
            with conn.cursor() as cur:
                cur.execute(query, (END,))
                columns = [c.name for c in cur.description]
                rows = cur.fetchall()
            sheet = book.get_sheet_by_index(index).to_python()
            assert [mapping[h] for h in sheet[0][: len(columns)]] == columns  # each header names its column
            assert not set(sheet[0]) & set(columns), "every header is worded (in Chinese), none a column name"
            assert len(sheet) - 1 == len(rows) > 0
            for got, want in zip(sheet[1:], rows):
                for column, g, w in zip(columns, got, want):
                    if isinstance(w, bool):
                        assert g == ("是" if w else "否"), column
                    elif column == "movement":
                        assert g == messages.say(f"movement.{w}", "zh"), column
                    elif isinstance(w, Decimal):
                        assert float(g) == pytest.approx(float(w), abs=1e-9), column
                    elif isinstance(w, date):
                        assert (g.date() if isinstance(g, datetime) else g) == w, column
                    else:
                        assert (g if g != "" else None) == w, column
    with zipfile.ZipFile(out) as archive:
        styles = archive.read("xl/styles.xml").decode()
        first = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "#,##0.0000&quot; 亿元&quot;" in styles and "#,##0.00&quot; 元&quot;" in styles  # the units shown
    assert "0.00%" in styles
    assert 'state="frozen"' in first and "<autoFilter" in first and "<cols>" in first


def test_export_refuses_a_month_without_its_snapshot(sample_copy, tmp_path):
    with psycopg.connect(sample_copy, autocommit=True) as conn:
        conn.execute("DELETE FROM customer.snapshot_month_state WHERE snapshot_month = %s", (END,))
        before = table_fingerprint(conn)
    result = run_cli(
        "customer-mdm", "export", "--period", PERIOD, "--out", str(tmp_path / "x.xlsx"), database_url=sample_copy
    )
    assert result.returncode == 1 and "No snapshot of 202612 to export" in result.stderr
    assert not list(tmp_path.iterdir())
    with psycopg.connect(sample_copy) as conn:
        assert table_fingerprint(conn) == before


def test_report_functions_check_their_arguments(conn):
    for call in (
        "SELECT * FROM customer.product_line_changes(NULL)",
        "SELECT * FROM customer.product_line_changes('2026-12-30')",
        "SELECT * FROM customer.contract_branches('2026-12-01')",
        "SELECT * FROM customer.contract_movements(NULL)",
    ):
        with pytest.raises(psycopg.errors.InvalidParameterValue):
            conn.execute(call)
    with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState) as err:
        conn.execute("SELECT * FROM customer.contract_movements('2026-12-31')")
    assert "customer-mdm close" in err.value.diag.message_hint


def test_a_reader_login_writes_the_report_and_the_export(pg_server, sample_url, tmp_path):
    with psycopg.connect(sample_url, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS report_reader")
        conn.execute("CREATE ROLE report_reader LOGIN IN ROLE wdh_reader")
    reader_url = sample_url.replace("postgres@", "report_reader@", 1)
    try:
        for command, name in (("report", "r.html"), ("export", "r.xlsx")):
            result = run_cli(
                "customer-mdm", command, "--period", PERIOD, "--out", str(tmp_path / name), database_url=reader_url
            )
            assert result.returncode == 0, result.stderr
    finally:
        with psycopg.connect(sample_url, autocommit=True) as conn:
            conn.execute("DROP ROLE report_reader")
