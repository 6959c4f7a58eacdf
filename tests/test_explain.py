"""Why and when, per customer: customer.explain_contract agrees with the history for every contract
and month (and keeps agreeing after a correction of an old month), customer.customer_timeline holds
every version, snapshot month, merge, alias and load of a customer, and the CLI's history, explain
and customer page show them to a reader."""

from __future__ import annotations

import json
import re
from datetime import date
from html.parser import HTMLParser

import psycopg
import pytest
from psycopg.rows import dict_row

from helpers import run_cli, run_cli_all
from pages import assert_self_contained, browser_dom
from source import EXPLAIN_ALL, KEYS_AND_MONTHS, Scenario, add_customer, add_row, month, sync, table_fingerprint

JUDGED = ("in_force", "contract_status", "is_strategic", "is_existing")

HISTORY_ALL = f"""
SELECT k.*, c.contract_status, c.is_strategic, c.is_existing
FROM ({KEYS_AND_MONTHS}) AS k
LEFT JOIN customer.customer_plan_contract AS c
       ON c.company_id = k.company_id AND c.plan_code = k.plan_code AND c.product_line_code = k.product_line_code
      AND c.valid_from <= k.period_end AND c.valid_to > k.period_end
"""


def explained(conn) -> tuple[dict, list[dict]]:
    """Every contract and applied month: explain's judgements by key, and all its rows."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(EXPLAIN_ALL).fetchall()
    judged: dict = {}
    for r in rows:
        if r["rule"] in JUDGED:
            judged.setdefault((r["company_id"], r["plan_code"], r["product_line_code"], r["period_end"]), {})[
                r["rule"]
            ] = r["outcome"]
    return judged, rows


def history(conn) -> dict:
    """The same judgements as the version in effect has them (in force: a version is in effect)."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(HISTORY_ALL).fetchall()
    return {
        (r["company_id"], r["plan_code"], r["product_line_code"], r["period_end"]): {"in_force": "false"}
        if r["contract_status"] is None
        else {
            "in_force": "true",
            "contract_status": r["contract_status"],
            "is_strategic": str(r["is_strategic"]).lower(),
            "is_existing": str(r["is_existing"]).lower(),
        }
        for r in rows
    }


def test_explain_equals_the_history_for_every_contract_and_month(conn):
    Scenario(customers=25, months=24).load(conn)
    sync(conn)
    judged, rows = explained(conn)
    assert judged == history(conn)
    outcomes = {(r["rule"], r["outcome"]) for r in rows}
    assert {
        ("contract_status", "正常"),
        ("contract_status", "停缴"),
        ("is_strategic", "true"),
        ("is_strategic", "false"),
        ("is_existing", "true"),
        ("in_force", "false"),
    } <= outcomes
    for r in rows:
        if r["rule"] == "contract_status":
            # The reason is the clause that decided: 正常 has one, 停缴 two.
            reason = r["detail"].split(":")[0]
            assert (reason == "有规模且 12 个月内有供款") == (r["outcome"] == "正常"), r
            assert reason in ("有规模且 12 个月内有供款", "规模归零", "12 个月无供款"), r
        if r["rule"] == "is_strategic" and r["outcome"] == "true":
            # The ranks computed now by the sync's own rule agree with what the sync decided then.
            assert re.search(r"ranked \d+ in \S+ × \S+ \(top 10\)", r["detail"]), r
            assert "would not be" not in r["detail"], r
        if r["rule"] == "is_strategic" and r["outcome"] == "false":
            assert r["detail"].startswith("Not strategic in any month from"), r


def test_a_correction_of_an_old_month_changes_explain_and_history_alike(conn):
    Scenario(customers=25, months=24).load(conn)
    conn.execute("UPDATE customer.mdm_settings SET strategic_top_n = 1")  # so that a rank is something to earn
    sync(conn)
    before = history(conn)
    # A contract 正常 in 2024-06 gets its AUM of that month corrected to zero (规模归零), and a small
    # one becomes the largest of its branch in 2024-03 (strategic from then to December).
    company, plan, line = conn.execute(
        "SELECT company_id, plan_code, product_line_code FROM customer.customer_plan_contract "
        "WHERE contract_status = '正常' AND valid_from <= '2024-06-30' AND valid_to > '2024-06-30' "
        "ORDER BY 1, 2, 3 LIMIT 1"
    ).fetchone()
    small = conn.execute(
        "SELECT company_id, plan_code, product_line_code FROM customer.customer_plan_contract "
        "WHERE NOT is_strategic AND valid_from <= '2024-03-31' AND valid_to > '2024-03-31' "
        "ORDER BY 1, 2, 3 LIMIT 1"
    ).fetchone()
    conn.execute(
        'UPDATE business."规模明细" SET "期末资产规模" = 0 WHERE "月度" = %s AND company_id = %s '
        'AND "计划代码" = %s AND "产品线代码" = %s',
        (month("2024-06"), company, plan, line),
    )
    conn.execute(
        'UPDATE business."规模明细" SET "期末资产规模" = 9000000000 WHERE "月度" = %s AND company_id = %s '
        'AND "计划代码" = %s AND "产品线代码" = %s',
        (month("2024-03"), *small),
    )

    # Until the close replays, explain says the month is pending and still tells the history as it is:
    # every figure as last applied, none read from the rows as they are now.
    pending, rows = explained(conn)
    assert pending == before
    assert {r["outcome"] for r in rows if r["rule"] == "pending_correction"} == {"2024-03"}
    late = [r for r in rows if r["period_end"] >= date(2024, 3, 31)]
    assert all("as last applied" in r["detail"] for r in late if r["rule"] in ("aum", "is_strategic"))
    assert not [r for r in late if r["rule"] == "is_strategic" and "ranked" in r["detail"]]

    sync(conn)
    after, rows = explained(conn)
    assert after == history(conn)
    assert before[(company, plan, line, date(2024, 6, 30))]["contract_status"] == "正常"
    assert after[(company, plan, line, date(2024, 6, 30))]["contract_status"] == "停缴"
    assert after[(*small, date(2024, 3, 31))]["is_strategic"] == "true"
    assert before[(*small, date(2024, 3, 31))]["is_strategic"] == "false"
    detail = next(
        r["detail"]
        for r in rows
        if (r["company_id"], r["plan_code"], r["product_line_code"]) == small
        and r["period_end"] == date(2024, 7, 31)
        and r["rule"] == "is_strategic"
    )
    assert detail.startswith("Strategic since 2024-03") and "ranked 1 in" in detail, detail
    assert not [r for r in rows if r["rule"] == "pending_correction"]


def test_explain_says_so_when_todays_settings_would_decide_otherwise(conn):
    Scenario(customers=25, months=14).load(conn)
    sync(conn)
    key = conn.execute(
        "SELECT company_id, plan_code, product_line_code FROM customer.customer_plan_contract "
        "WHERE is_strategic AND valid_to = '9999-12-31' ORDER BY 1, 2, 3 LIMIT 1"
    ).fetchone()
    conn.execute("UPDATE customer.mdm_settings SET strategic_top_n = 0, strategic_threshold = 1e15")
    outcome, detail = conn.execute(
        "SELECT outcome, detail FROM customer.explain_contract(%s, %s, %s, '2025-02-28') WHERE rule = 'is_strategic'",
        key,
    ).fetchone()
    assert outcome == "true"  # as the history has it: the month was applied with the settings then
    assert "with today's settings (top 0" in detail and "a rebuild applies today's" in detail


def explain_error(conn, *args) -> psycopg.Error:
    with pytest.raises(psycopg.Error) as caught:
        conn.execute("SELECT * FROM customer.explain_contract(%s, %s, %s, %s)", args)
    return caught.value


def test_explain_and_timeline_answer_every_kind_of_id(conn):
    Scenario(customers=6, months=14).load(conn)
    add_customer(conn, "C900", "没有数据的客户")
    conn.execute(
        'INSERT INTO customer."年金客户" (company_id, "客户名称", is_provisional) '
        "VALUES ('IN0000000000000001', '临时客户', true)"
    )
    add_row(conn, "2025-01", "IN0000000000000001", "P9001", aum=1000, contribution=10)
    add_customer(conn, "C901", "被合并的客户")
    add_row(conn, "2025-01", "C901", "P9002", aum=2000, contribution=20)
    sync(conn)
    conn.execute("SELECT * FROM customer.merge_company(p_from => 'C901', p_into => 'C000', p_force => true)")
    sync(conn)
    before = table_fingerprint(conn)

    # Full-width and invisible characters typed into an id find the contract, as the loader's keys do.
    plan, line = conn.execute(
        "SELECT plan_code, product_line_code FROM customer.customer_plan_contract "
        "WHERE company_id = 'C000' ORDER BY valid_from LIMIT 1"
    ).fetchone()
    rows = conn.execute(
        "SELECT rule FROM customer.explain_contract('Ｃ０００\u200b', %s, %s, '2025-01-31')", (plan.lower(), line)
    ).fetchall()
    assert rows[0] == ("contract",) and ("in_force",) in rows

    err = explain_error(conn, "C999", "P0000", "PL202", date(2025, 1, 31))
    assert err.sqlstate == "P0002" and 'No customer "C999"' in str(err) and err.diag.message_hint
    err = explain_error(conn, "C901", "P9002", "PL202", date(2025, 1, 31))
    assert err.sqlstate == "P0002" and "merged into C000" in str(err)
    assert "customer-mdm explain --company C000" in err.diag.message_hint
    err = explain_error(conn, "C900", "P0000", "PL202", date(2025, 1, 31))
    assert err.sqlstate == "P0002" and "has no contract" in str(err)
    err = explain_error(conn, "C000", "NOPE", "PL202", date(2025, 1, 31))
    assert err.sqlstate == "P0002" and plan in err.diag.message_detail
    assert explain_error(conn, "C000", plan, line, date(2025, 1, 30)).sqlstate == "22023"
    assert explain_error(conn, None, plan, line, date(2025, 1, 31)).sqlstate == "22023"
    assert explain_error(conn, "C000", plan, line, date(2026, 1, 31)).sqlstate == "55000"
    assert explain_error(conn, "C000", plan, line, date(2023, 12, 31)).sqlstate == "55000"

    provisional = dict(
        conn.execute(
            "SELECT rule, detail FROM customer.explain_contract('IN0000000000000001', 'P9001', 'PL202', '2025-01-31')"
        ).fetchall()
    )
    assert "provisional" in provisional["contract"] and provisional["contract_status"].startswith("有规模")

    def timeline(company):
        with conn.cursor(row_factory=dict_row) as cur:
            return cur.execute("SELECT * FROM customer.customer_timeline(%s)", (company,)).fetchall()

    assert [(r["kind"], r["reference"]) for r in timeline("C900")] == [("customer", "没有数据的客户")]
    assert "provisional" in timeline("IN0000000000000001")[0]["detail"]
    gone = timeline("C901")
    assert [(r["kind"], r["reference"]) for r in gone] == [("merge_out", "C000")]
    assert "C901 (被合并的客户) merged into C000" in gone[0]["detail"]
    into = timeline("C000")
    assert ("merge_in", "C901") in [(r["kind"], r["reference"]) for r in into]
    assert [r for r in into if r["kind"] == "version" and r["plan_code"] == "P9002"], "the merged contract is C000's"
    with pytest.raises(psycopg.Error) as caught:
        conn.execute("SELECT * FROM customer.customer_timeline('C999')")
    assert caught.value.sqlstate == "P0002"
    with pytest.raises(psycopg.Error) as caught:
        conn.execute("SELECT * FROM customer.customer_timeline(' ')")
    assert caught.value.sqlstate == "22023"
    assert table_fingerprint(conn) == before


def busiest_customer(conn) -> str:
    """The customer with the most contract versions (ties: the lowest id)."""
    return conn.execute(
        "SELECT company_id FROM customer.customer_plan_contract GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    ).fetchone()[0]


def test_the_timeline_holds_versions_months_aliases_and_loads(sample_url):
    with psycopg.connect(sample_url) as conn, conn.cursor(row_factory=dict_row) as cur:
        company = busiest_customer(conn)
        rows = cur.execute("SELECT * FROM customer.customer_timeline(%s)", (company,)).fetchall()
        versions = cur.execute(
            "SELECT * FROM customer.customer_plan_contract WHERE company_id = %s", (company,)
        ).fetchall()
        months = cur.execute(
            "SELECT * FROM customer.fct_customer_product_line_monthly WHERE company_id = %s", (company,)
        ).fetchall()
        plan_months = cur.execute(
            "SELECT * FROM customer.fct_customer_plan_monthly WHERE company_id = %s", (company,)
        ).fetchall()
        aliases = cur.execute("SELECT * FROM customer.company_alias WHERE company_id = %s", (company,)).fetchall()
        source_months = {
            r["m"]
            for r in cur.execute(
                'SELECT DISTINCT "月度" AS m FROM business."规模明细" WHERE company_id = %s', (company,)
            )
        }
        standing = {
            r["load_id"]: r
            for r in cur.execute(
                "SELECT DISTINCT ON (m) m, load_id, path FROM business.etl_load_log, unnest(months) AS m "
                "WHERE domain = 'annuity_performance' ORDER BY m, load_id DESC"
            )
        }
    by_kind: dict[str, list[dict]] = {}
    for r in rows:
        by_kind.setdefault(r["kind"], []).append(r)
    assert rows == sorted(rows, key=lambda r: r["starts"] or date.min)
    # Each kind of row equals its table, column for column (timeline column, table column).
    for kind, table, pairs in (
        (
            "version",
            [{**v, "contract_id": str(v["contract_id"])} for v in versions],
            [
                ("reference", "contract_id"),
                ("plan_code", "plan_code"),
                ("product_line_code", "product_line_code"),
                ("starts", "valid_from"),
                ("ends", "valid_to"),
                ("contract_status", "contract_status"),
                ("is_strategic", "is_strategic"),
                ("is_existing", "is_existing"),
            ],
        ),
        (
            "month",
            months,
            [
                ("starts", "snapshot_month"),
                ("product_line_code", "product_line_code"),
                ("is_new", "is_new"),
                ("is_won", "is_winning_this_year"),
                ("is_lost", "is_churned_this_year"),
                ("aum_balance", "aum_balance"),
            ],
        ),
        (
            "plan_month",
            plan_months,
            [
                ("starts", "snapshot_month"),
                ("plan_code", "plan_code"),
                ("product_line_code", "product_line_code"),
                ("contract_status", "contract_status"),
                ("is_lost", "is_churned_this_year"),
                ("aum_balance", "aum_balance"),
            ],
        ),
    ):
        shown = {tuple(r[mine] for mine, _ in pairs) for r in by_kind[kind]}
        assert shown == {tuple(t[theirs] for _, theirs in pairs) for t in table}, kind
    assert {r["reference"] for r in by_kind["alias"]} == {a["alias"] for a in aliases}
    # The loads whose rows stand: the reloaded month names its second load, never the first.
    loads = {int(re.match(r"load #(\d+)", r["detail"]).group(1)): r for r in by_kind["load"]}
    expected = {standing_id for standing_id, s in standing.items() if s["m"] in source_months}
    assert set(loads) == expected and len(expected) == len(source_months)
    for load_id, r in loads.items():
        assert r["reference"] == standing[load_id]["path"]


def test_history_explain_and_the_customer_page_for_a_reader(pg_server, sample_url, tmp_path):
    with psycopg.connect(sample_url, autocommit=True) as conn:
        company = busiest_customer(conn)
        plan, line = conn.execute(
            "SELECT plan_code, product_line_code FROM customer.customer_plan_contract "
            "WHERE company_id = %s AND valid_to = '9999-12-31' ORDER BY 1, 2 LIMIT 1",
            (company,),
        ).fetchone()
        conn.execute("DROP ROLE IF EXISTS explain_reader")
        conn.execute("CREATE ROLE explain_reader LOGIN IN ROLE wdh_reader")
        expected = conn.execute(
            "SELECT rule, outcome, detail FROM customer.explain_contract(%s, %s, %s, '2026-12-31')",
            (company, plan, line),
        ).fetchall()
        versions = {
            (str(r[0]), r[1], r[2], str(r[3]), str(r[4]), r[5], str(r[6]).lower())
            for r in conn.execute(
                "SELECT contract_id, plan_code, product_line_code, valid_from, valid_to, "
                "contract_status, is_strategic FROM customer.customer_plan_contract "
                "WHERE company_id = %s",
                (company,),
            )
        }
        before = table_fingerprint(conn)
    reader = sample_url.replace("postgres@", "explain_reader@", 1)
    try:
        explain = run_cli(
            "customer-mdm",
            "explain",
            "--company",
            company,
            "--plan",
            plan,
            "--product-line",
            line,
            "--period",
            "202612",
            database_url=reader,
        )
        assert explain.returncode == 0, explain.stderr
        assert explain.stdout.startswith(f"Contract {company} / {plan} / {line} at 202612: ")
        assert f"  Status: {dict((r, o) for r, o, _ in expected)['contract_status']}. " in explain.stdout
        as_json = run_cli(
            "customer-mdm",
            "explain",
            "--company",
            company,
            "--plan",
            plan,
            "--product-line",
            line,
            "--period",
            "202612",
            "--json",
            database_url=reader,
        )
        rows = json.loads(as_json.stdout)
        assert [(r["rule"], r["outcome"], r["detail"]) for r in rows] == expected
        assert all(r["facts"]["case"] for r in rows)  # the facts the pages word in their language

        wide = company.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})  # typed full-width
        listed = run_cli("customer-mdm", "history", "--company", wide, "--plan", plan.lower(), database_url=reader)
        assert listed.returncode == 0, listed.stderr
        assert f"Timeline of {company}, plan {plan} (its own AUM)" in listed.stdout
        assert "version until" in listed.stdout and "snapshot" in listed.stdout
        timeline = json.loads(
            run_cli("customer-mdm", "history", "--company", company, "--json", database_url=reader).stdout
        )
        assert {e["kind"] for e in timeline} >= {"customer", "version", "month", "plan_month", "alias", "load"}

        out = tmp_path / "page.html"
        page = run_cli("customer-mdm", "report", "--company", company, "--out", str(out), database_url=reader)
        assert page.returncode == 0, page.stderr
        assert page.stdout.strip() == str(out.resolve())
        dom = browser_dom(out)
        assert_self_contained(dom)
        shown = CustomerPage()
        shown.feed(dom)
        assert shown.versions == versions
        key = f"{company}|{plan}|{line}"
        assert shown.rules[key] == [(r, o) for r, o, _ in expected if r != "contract"]
        assert shown.charts == 2  # AUM per product line, and the versions' lanes

        # What a reader gets wrong is refused with a hint, exit 1, and nothing written.
        mistakes = (
            (["history", "--company", "NOBODY"], 'No customer "NOBODY"'),
            (["history", "--company", company, "--plan", " "], "--plan is empty"),
            (
                ["explain", "--company", "", "--plan", plan, "--product-line", line, "--period", "202612"],
                "--company is empty",
            ),
            (
                ["report", "--company", company, "--months", "5", "--out", str(tmp_path / "x.html")],
                "--months goes with --period",
            ),
            (["history", "--company", company, "--plan", "NOPE"], "has no contract in plan NOPE"),
            (
                ["explain", "--company", company, "--plan", plan, "--product-line", line, "--period", "203001"],
                "synced from",
            ),
            (
                ["explain", "--company", company, "--plan", plan, "--product-line", line, "--period", "2026-12"],
                "Invalid period format",
            ),
            (["report", "--company", "NOBODY", "--out", str(tmp_path / "x.html")], 'No customer "NOBODY"'),
            (["report", "--company", company, "--period", "203001", "--out", str(tmp_path / "x.html")], "synced from"),
            (["report", "--out", str(tmp_path / "x.html")], "Give --period YYYYMM"),
        )
        results = run_cli_all([["customer-mdm", *args] for args, _ in mistakes], database_url=reader)
        for (args, message), result in zip(mistakes, results):
            assert result.returncode == 1 and message in result.stderr and "Hint:" in result.stderr, (
                args,
                result.stderr,
            )
            assert "Traceback" not in result.stderr
        assert not (tmp_path / "x.html").exists()
        with psycopg.connect(sample_url) as conn:
            assert table_fingerprint(conn) == before
    finally:
        with psycopg.connect(sample_url, autocommit=True) as conn:
            conn.execute("DROP ROLE explain_reader")


class CustomerPage(HTMLParser):
    """What the test reads from a rendered customer page: its version rows, its explanation rows
    per contract, and how many charts it drew."""

    def __init__(self) -> None:
        super().__init__()
        self.versions: set[tuple] = set()
        self.rules: dict[str, list[tuple[str, str]]] = {}
        self.charts = 0
        self._table: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "svg" and "chart" in (attrs.get("class") or ""):
            self.charts += 1
        if tag == "tr" and "data-version" in attrs:
            _, plan, line = attrs["data-key"].split("|")
            self.versions.add(
                (
                    attrs["data-version"],
                    plan,
                    line,
                    attrs["data-from"],
                    attrs["data-to"],
                    attrs["data-status"],
                    attrs["data-strategic"],
                )
            )
        if tag == "table" and "explain" in (attrs.get("class") or ""):
            self._table = attrs["data-key"]
            self.rules[self._table] = []
        if tag == "tr" and "data-rule" in attrs and self._table:
            self.rules[self._table].append((attrs["data-rule"], attrs["data-outcome"]))

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
