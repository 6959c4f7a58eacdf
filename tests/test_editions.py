"""Published figures stay reproducible: a rebuilt snapshot month keeps the edition it replaced (only
the rows that changed), any month can be read as it stood at a moment, each restatement lists what
changed, a close that changes nothing keeps nothing, and a DBA prunes old editions on record."""

from __future__ import annotations

import json
import re
from datetime import date, datetime

import psycopg
import pytest
from psycopg.rows import dict_row

from helpers import run_cli
from source import Scenario, fill_empty_months, month, table_fingerprint
from work_data_hub.customer_mdm.report import exact_json
from work_data_hub.reporting import messages

M7, M10 = date(2025, 7, 31), date(2025, 10, 31)


def rows(conn, query: str, *args) -> list[dict]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query, args).fetchall()


def month_rows(conn, grain: str, period_end: date, as_of: datetime | None = None) -> dict[tuple, dict]:
    """A month's rows of one grain by key, now or as of a moment."""
    table = "fct_customer_product_line_monthly" if grain == "product_line" else "fct_customer_plan_monthly"
    found = (
        rows(conn, f"SELECT * FROM customer.{table} WHERE snapshot_month = %s", period_end)
        if as_of is None
        else rows(conn, f"SELECT * FROM customer.{grain}_snapshot_as_of(%s, %s)", period_end, as_of)
    )
    return {(r["company_id"], r.get("plan_code", ""), r["product_line_code"]): r for r in found}


def close(conn, *, dry_run: bool = False) -> None:
    conn.execute("SELECT * FROM customer.run_monthly_close(p_dry_run => %s)", (dry_run,))


def editions(conn) -> list[tuple]:
    return conn.execute("SELECT snapshot_month, edition FROM customer.snapshot_edition ORDER BY 1, 2").fetchall()


@pytest.fixture
def twelve_months(conn):
    """Twelve months of 2025 built; returns the moment after the close and month 10's rows then."""
    Scenario(customers=25, months=12, start="2025-01").load(conn)
    conn.execute("UPDATE customer.mdm_settings SET strategic_top_n = 1")  # a rank is something to earn
    fill_empty_months(conn)
    close(conn)
    moment = conn.execute("SELECT clock_timestamp()").fetchone()[0]
    return moment, {grain: month_rows(conn, grain, M10) for grain in ("product_line", "plan")}


def test_a_correction_keeps_the_edition_it_replaced_and_lists_the_restatement(conn, twelve_months):
    moment, before = twelve_months
    assert {e for _, e in editions(conn)} == {1}, "a first build is edition 1 and keeps no rows"
    assert conn.execute("SELECT count(*) FROM customer.snapshot_delta").fetchone() == (0,)

    # Month 7 is corrected: a small contract was the largest of its branch, so it is strategic from
    # July to December, and month 10's figures change.
    company, plan, line = conn.execute(
        "SELECT company_id, plan_code, product_line_code FROM customer.customer_plan_contract "
        "WHERE NOT is_strategic AND valid_from <= '2025-10-31' AND valid_to > '2025-10-31' "
        "ORDER BY 1, 2, 3 LIMIT 1"
    ).fetchone()
    conn.execute(
        'UPDATE business."规模明细" SET "期末资产规模" = 9000000000 WHERE "月度" = %s AND company_id = %s '
        'AND "计划代码" = %s AND "产品线代码" = %s',
        (month("2025-07"), company, plan, line),
    )
    close(conn)

    after = {grain: month_rows(conn, grain, M10) for grain in ("product_line", "plan")}
    assert after["product_line"][(company, "", line)]["is_strategic"] is True
    assert before["product_line"][(company, "", line)]["is_strategic"] is False
    for grain in ("product_line", "plan"):
        # As of the earlier moment: exactly the earlier rows, every column; now: the new ones.
        assert month_rows(conn, grain, M10, moment) == before[grain]
        assert month_rows(conn, grain, M10, datetime.now().astimezone()) == after[grain]

    # The restatement lists exactly the rows that differ, with their values before and after.
    exact_json(conn)
    restated = rows(conn, "SELECT * FROM customer.snapshot_restatements(%s)", M10)
    assert {r["edition"] for r in restated} == {2}
    assert restated[0]["reason"] == "contract history replayed from 2025-07: loaded rows of 2025-07 changed"

    def plain(row):
        return (
            None
            if row is None
            else json.loads(json.dumps({k: v for k, v in row.items() if k != "updated_at"}, default=str))
        )

    for grain in ("product_line", "plan"):
        differ = {
            k
            for k in before[grain].keys() | after[grain].keys()
            if plain(before[grain].get(k)) != plain(after[grain].get(k))
        }
        listed = {
            (r["company_id"], r["plan_code"] or "", r["product_line_code"]): r for r in restated if r["grain"] == grain
        }
        assert set(listed) == differ
        assert differ or grain == "plan"  # strategic is a product-line flag: the plan rows of month 10 stay
        for key, r in listed.items():
            assert {k: str(v) for k, v in r["before"].items()} == {
                k: str(v) for k, v in plain(before[grain][key]).items()
            }

    # The report's totals per product line, before and after, where they differ.
    def report_figures(as_of):
        conn.execute("SELECT customer.set_snapshot_as_of(%s)", (as_of,))
        figures = {
            r["product_line_code"]: {
                k: str(r[k])
                for k in (
                    "customers",
                    "strategic",
                    "new",
                    "lost",
                    "contracts_normal",
                    "contracts_stopped",
                    "aum_balance",
                )
            }
            for r in rows(conn, "SELECT * FROM customer.v_product_line_month WHERE snapshot_month = %s", M10)
        }
        return figures

    with conn.transaction():  # the as-of setting lasts for a transaction
        then, now = report_figures(moment), report_figures(None)
    totals = {r["product_line_code"]: r for r in restated if r["grain"] == "total"}
    assert set(totals) == {line for line in then if then[line] != now[line]} and totals
    for line_code, r in totals.items():
        assert {k: str(r["before"][k]) for k in then[line_code]} == then[line_code]
        assert {k: str(r["after"][k]) for k in now[line_code]} == now[line_code]

    # Months the correction did not change got no edition.
    assert all(e == 1 for m, e in editions(conn) if m < M7)


def test_a_close_that_changes_nothing_or_a_dry_run_keeps_no_edition(conn, twelve_months):
    before = editions(conn)
    close(conn)
    assert editions(conn) == before
    conn.execute(
        'UPDATE business."规模明细" SET "期末资产规模" = "期末资产规模" * 2 WHERE "月度" = %s', (month("2025-09"),)
    )
    close(conn, dry_run=True)
    assert editions(conn) == before
    assert conn.execute("SELECT count(*) FROM customer.snapshot_delta").fetchone() == (0,)
    close(conn)
    assert [e for e in editions(conn) if e not in before] and all(
        m >= date(2025, 9, 30) for m, e in editions(conn) if e > 1
    )


def test_as_of_errors_and_a_month_not_built_then(conn, twelve_months):
    moment, _ = twelve_months
    early = datetime(2000, 1, 1).astimezone()
    assert month_rows(conn, "plan", M10, early) == {}  # not built then: no rows
    for args, state in (((date(2025, 10, 30), moment), "22023"), ((None, moment), "22023"), ((M10, None), "22023")):
        with pytest.raises(psycopg.Error) as caught:
            conn.execute("SELECT * FROM customer.plan_snapshot_as_of(%s, %s)", args)
        assert caught.value.sqlstate == state


def test_readers_read_editions_and_a_dba_prunes_them_on_record(pg_server, db_url, conn, twelve_months, tmp_path):
    moment, before = twelve_months
    conn.execute(
        'UPDATE business."规模明细" SET "期末资产规模" = 0 WHERE "月度" = %s AND company_id = %s',
        (month("2025-10"), min(c for c, _, _ in before["plan"])),
    )
    close(conn)
    conn.execute("DROP ROLE IF EXISTS editions_reader")
    conn.execute("CREATE ROLE editions_reader LOGIN IN ROLE wdh_reader")
    reader = db_url.replace("postgres@", "editions_reader@", 1)
    try:
        with psycopg.connect(reader, autocommit=True) as bi:
            assert month_rows(bi, "product_line", M10, moment) == before["product_line"]
            assert rows(bi, "SELECT * FROM customer.snapshot_restatements(%s)", M10)
            bi.execute("SELECT customer.set_snapshot_as_of(%s)", (moment,))
            with pytest.raises(psycopg.Error) as caught:
                bi.execute("SELECT * FROM customer.prune_snapshot_editions(now())")
            assert caught.value.sqlstate == "42501"
        report = run_cli("customer-mdm", "restatements", "--period", "202510", database_url=reader)
        assert (
            report.returncode == 0
            and "Edition 2 of 202510" in report.stdout
            and "Totals before → after" in report.stdout
        ), report.stderr
    finally:
        conn.execute("DROP ROLE editions_reader")

    kept = conn.execute("SELECT count(*) FROM customer.snapshot_delta").fetchone()[0]
    fingerprint = table_fingerprint(conn)
    assert rows(conn, "SELECT * FROM customer.prune_snapshot_editions(now(), p_dry_run => true)") == [
        {
            "editions": conn.execute("SELECT count(*) FROM customer.snapshot_edition WHERE edition > 1").fetchone()[0],
            "rows_deleted": kept,
        }
    ]
    assert table_fingerprint(conn) == fingerprint
    pruned = rows(conn, "SELECT * FROM customer.prune_snapshot_editions(now())")[0]
    assert pruned["rows_deleted"] == kept > 0
    assert conn.execute("SELECT count(*) FROM customer.snapshot_delta").fetchone() == (0,)
    assert conn.execute(
        "SELECT counts->>'editions' FROM customer.v_mdm_runs WHERE function_name = 'prune_snapshot_editions'"
    ).fetchone() == (str(pruned["editions"]),)
    with pytest.raises(psycopg.Error) as caught:
        conn.execute("SELECT * FROM customer.product_line_snapshot_as_of(%s, %s)", (M10, moment))
    assert caught.value.sqlstate == "55000" and "pruned" in str(caught.value)
    assert {r["change"] for r in rows(conn, "SELECT * FROM customer.snapshot_restatements(%s)", M10)} == {"pruned"}
    page = run_cli(
        "customer-mdm", "report", "--period", "202510", "--out", str(tmp_path / "pruned.html"), database_url=db_url
    )
    assert page.returncode == 0 and 'id="restatement" data-edition="2"' in (tmp_path / "pruned.html").read_text(
        encoding="utf-8"
    )  # still says the month was restated
    assert month_rows(conn, "plan", M10, datetime.now().astimezone()) == month_rows(conn, "plan", M10)


def test_report_and_export_as_of_a_moment(db_url, conn, twelve_months, tmp_path):
    from python_calamine import CalamineWorkbook

    moment, before = twelve_months
    conn.execute('UPDATE business."规模明细" SET "期末资产规模" = 0 WHERE "月度" = %s', (month("2025-08"),))
    close(conn)
    stamp = moment.isoformat()
    out = tmp_path / "then.xlsx"
    result = run_cli(
        "customer-mdm", "export", "--period", "202510", "--as-of", stamp, "--out", str(out), database_url=db_url
    )
    assert result.returncode == 0, result.stderr
    sheet = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("产品线粒度").to_python()
    header = sheet[0]  # in Chinese: the notes sheet names each one's column
    column = {
        name: header.index(messages.say(f"column.{name}", "zh"))
        for name in ("company_id", "product_line_code", "aum_balance")
    }
    exported = {(r[column["company_id"]], r[column["product_line_code"]]): r[column["aum_balance"]] for r in sheet[1:]}
    assert exported == {(c, line): float(r["aum_balance"]) for (c, _, line), r in before["product_line"].items()}

    page = tmp_path / "then.html"
    result = run_cli(
        "customer-mdm", "report", "--period", "202510", "--as-of", stamp, "--out", str(page), database_url=db_url
    )
    assert result.returncode == 0, result.stderr
    html = page.read_text(encoding="utf-8")
    assert 'data-status="as-of" data-edition="1"' in html and re.search(r"此后该月已重述\s+1 次", html)
    now = tmp_path / "now.html"
    assert (
        run_cli("customer-mdm", "report", "--period", "202510", "--out", str(now), database_url=db_url).returncode == 0
    )
    assert 'id="restatement" data-edition="2"' in now.read_text(encoding="utf-8")

    for args, message in (
        (["report", "--period", "202510", "--as-of", "yesterday"], "Invalid moment"),
        (["report", "--period", "202510", "--as-of", "2000-01-01"], "was not built at"),
        (["report", "--company", "C001", "--as-of", stamp], "--as-of goes with --period"),
        (["export", "--period", "202510", "--as-of", "2000-01-01"], "was not built at"),
        (["restatements", "--period", "2025-10"], "Invalid period format"),
    ):
        result = (
            run_cli("customer-mdm", *args, "--out", str(tmp_path / "x.html"), database_url=db_url)
            if args[0] == "report"
            else run_cli("customer-mdm", *args, database_url=db_url)
        )
        assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr, (
            args,
            result.stderr,
        )
    assert not (tmp_path / "x.html").exists()


def test_an_edition_is_stamped_when_it_commits_and_the_future_is_refused(conn, twelve_months):
    """A reader sees an edition once its transaction commits: so is it dated (a long close must not
    date its figures from its start)."""
    with conn.transaction():
        conn.execute(
            "UPDATE customer.fct_customer_plan_monthly SET aum_balance = aum_balance + 1 WHERE snapshot_month = %s",
            (M10,),
        )
        started = conn.execute("SELECT now()").fetchone()[0]
        conn.execute("SELECT pg_sleep(0.2)")  # the transaction runs on
        mid = conn.execute("SELECT clock_timestamp()").fetchone()[0]
    built, reason = conn.execute(
        "SELECT built_at, reason FROM customer.snapshot_edition WHERE snapshot_month = %s AND edition = 2", (M10,)
    ).fetchone()
    assert built > mid > started
    assert reason == "rows changed outside a refresh by postgres"
    assert month_rows(conn, "plan", M10, mid) != month_rows(conn, "plan", M10)  # the edition before, at mid

    # A refresh that puts the month right again says so.
    conn.execute("SELECT * FROM customer.refresh_monthly_snapshot(%s)", (M10,))
    assert conn.execute(
        "SELECT reason FROM customer.snapshot_edition WHERE snapshot_month = %s AND edition = 3", (M10,)
    ).fetchone() == ("rebuilt by a snapshot refresh",)
    with pytest.raises(psycopg.Error) as caught:
        conn.execute("SELECT customer.set_snapshot_as_of(now() + interval '1 hour')")
    assert caught.value.sqlstate == "22023" and "in the future" in str(caught.value)


def test_a_withdrawn_month_is_still_told_as_it_stood(db_url, conn, twelve_months, tmp_path):
    moment, before = twelve_months
    conn.execute('DELETE FROM business."规模明细" WHERE "月度" = %s', (month("2025-12"),))
    close(conn)  # the month leaves the synced range: its snapshot is removed, on record
    assert conn.execute(
        "SELECT count(*) FROM customer.fct_customer_plan_monthly WHERE snapshot_month = '2025-12-31'"
    ).fetchone() == (0,)
    reason = conn.execute(
        "SELECT reason FROM customer.snapshot_edition WHERE snapshot_month = '2025-12-31' ORDER BY edition DESC LIMIT 1"
    ).fetchone()[0]
    assert reason.startswith("removed: outside the synced range 202501–202511")
    page = tmp_path / "then.html"
    result = run_cli(
        "customer-mdm",
        "report",
        "--period",
        "202512",
        "--as-of",
        moment.isoformat(),
        "--out",
        str(page),
        database_url=db_url,
    )
    assert result.returncode == 0, result.stderr
    html = page.read_text(encoding="utf-8")
    assert "该月现已不在合同历史中" in html and "机构不详" in html
    book = tmp_path / "then.xlsx"
    result = run_cli(
        "customer-mdm",
        "export",
        "--period",
        "202512",
        "--as-of",
        moment.isoformat(),
        "--out",
        str(book),
        database_url=db_url,
    )
    assert result.returncode == 0, result.stderr
    now = run_cli(
        "customer-mdm",
        "export",
        "--period",
        "202512",
        "--as-of",
        datetime.now().astimezone().isoformat(),
        "--out",
        str(tmp_path / "now.xlsx"),
        database_url=db_url,
    )
    assert now.returncode == 1 and "(it was removed then" in now.stderr, now.stderr
