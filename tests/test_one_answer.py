"""Each state question has one definition, in SQL, and every path that shows the answer agrees with
it: where a merged id went (customer._merged_into), which snapshot months are stale, missing or
outside (customer._snapshot_month_states, a pending correction included), where the months loaded
have holes (business._month_holes), and the monitoring verdict (customer.monitoring_check)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import psycopg
import pytest

from helpers import REPO, run_cli
from source import add_row, month_end, sync, table_fingerprint
from work_data_hub.customer_mdm.report import month_report
from work_data_hub.errors import InvalidInput
from work_data_hub.etl.domains import DOMAINS, normalise_header
from work_data_hub.etl.service import FileClaim, LoadOptions, load_file
from work_data_hub.sample_data import PERFORMANCE_HEADERS, write_csv
from work_data_hub.texts import INVISIBLE_CHARACTERS


def one_row_file(path: Path, month: str, company: str) -> Path:
    """A 规模明细 CSV of one row of customer A's plan PA in `month` (YYYYMM), under `company`."""
    row = dict.fromkeys(PERFORMANCE_HEADERS, "") | {
        "月度": month,
        "计划代码": "PA",
        "company_id": company,
        "客户名称": "客户A",
        "业务类型": "企年受托",
        "机构代码": "G01",
        "组合代码": "P01",
        "期末资产规模": "100",
        "供款": "5",
    }
    write_csv(path, PERFORMANCE_HEADERS, [[row[h] for h in PERFORMANCE_HEADERS]])
    return path


def merge(conn, source: str, into: str) -> None:
    conn.execute("SELECT * FROM customer.merge_company(%s, %s, p_force => true)", (source, into)).fetchall()


def test_a_merged_id_goes_to_the_same_customer_on_every_path(db_url, conn, tmp_path):
    """A merged into B, B into C: every path names C as the holder (and B as the first merge)."""
    for company in ("A", "B", "C"):
        add_row(conn, "2025-01", company, f"P{company}", aum=100, contribution=5)
    sync(conn)
    merge(conn, "A", "B")
    merge(conn, "B", "C")
    conn.execute("SELECT * FROM customer.run_monthly_close()").fetchall()

    assert conn.execute("SELECT first_into, holder, hops FROM customer._merged_into('a')").fetchone() == ("B", "C", 2)
    assert conn.execute("SELECT count(*) FROM customer._merged_into('C')").fetchone() == (0,)  # a customer now
    assert conn.execute("SELECT count(*) FROM customer._merged_into('NOBODY')").fetchone() == (0,)

    # explain (SQL), explain and history and the customer page (CLI), merge_company's refusal, the loader.
    with pytest.raises(psycopg.errors.NoDataFound, match="merged into B, which is now part of C"):
        conn.execute("SELECT * FROM customer.explain_contract('A', 'PA', 'PL202', '2025-01-31')")
    history = run_cli("customer-mdm", "history", "--company", "A", database_url=db_url)
    assert history.returncode == 0 and "merged into B on " in history.stdout
    assert ", which is now part of C (customer-mdm history --company C)" in history.stdout
    page = run_cli("customer-mdm", "report", "--company", "A", "--out", str(tmp_path / "a.html"), database_url=db_url)
    assert page.returncode == 1 and "which is now part of C" in page.stderr and "--company C" in page.stderr
    with pytest.raises(psycopg.errors.NoDataFound, match="already merged into B, which is now part of C"):
        merge(conn, "A", "C")
    path = one_row_file(tmp_path / "old_id.csv", "202502", "Ａ")
    with psycopg.connect(db_url) as loader:
        load_file(loader, DOMAINS["annuity_performance"], path, LoadOptions(execute=True), FileClaim(date(2025, 2, 1)))
    assert conn.execute("""SELECT company_id FROM business."规模明细" WHERE "月度" = '2025-02-01'""").fetchall() == [
        ("C",)
    ]


def _status(db_url: str) -> dict:
    result = run_cli("customer-mdm", "status", "--json", database_url=db_url)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_pending_correction_makes_the_same_months_stale_for_status_report_hooks_and_sql(db_url, conn):
    """A correction of 2025-02 not replayed yet: status, the report, the close's plan and SQL all say
    2025-02 and 2025-03 are stale (the report said so and status did not, before)."""
    for when in ("2025-01", "2025-02", "2025-03"):
        add_row(conn, when, "A", "PA", aum=100, contribution=5)
    conn.execute("SELECT * FROM customer.run_monthly_close()").fetchall()
    conn.execute("""UPDATE business."规模明细" SET "期末资产规模" = 90 WHERE "月度" = '2025-02-01'""")

    states = dict(conn.execute("SELECT snapshot_month, state FROM customer._snapshot_month_states()").fetchall())
    stale = sorted(m for m, state in states.items() if state == "stale")
    assert stale == [month_end("2025-02"), month_end("2025-03")] and states[month_end("2025-01")] == "current"
    status = _status(db_url)
    assert status["stale_snapshots"] == [m.isoformat() for m in stale]
    assert status["sync"]["pending_correction_from"] == "2025-02-28" and status["close_pending"] is True
    assert [s["snapshot_month"] for s in status["snapshots"] if s["state"] == "stale"] == status["stale_snapshots"]
    text = run_cli("customer-mdm", "status", database_url=db_url).stdout
    assert "Stale snapshots: 202502, 202503" in text
    with psycopg.connect(db_url) as reader:
        for month, is_stale in ((month_end("2025-01"), False), *((m, True) for m in stale)):
            standing = month_report(reader, period_end=month).standing
            assert (standing.stale_since is not None) is is_stale, month
            assert (standing.stale_reason or "").startswith(
                "2025-02 起的来源数据已更改"
            ) is is_stale  # the page's words
    check = run_cli("customer-mdm", "status", "--check", database_url=db_url)
    assert check.returncode == 1 and "the monthly close has work pending" in check.stdout
    # The close rebuilds exactly those months (and status is clean afterwards).
    steps = conn.execute("SELECT step, period_end FROM customer.run_monthly_close()").fetchall()
    assert [p for step, p in steps if step == "snapshot"] == stale
    assert _status(db_url)["stale_snapshots"] == []


def test_the_holes_between_loaded_months_are_one_answer_for_status_the_loader_and_withdraw(db_url, conn, tmp_path):
    for when in ("2025-01", "2025-02", "2025-03"):
        add_row(conn, when, "A", "PA", aum=100, contribution=5)
    holes = "SELECT month, made FROM business._month_holes(p_add => %s, p_remove => %s) ORDER BY 1"
    assert conn.execute(holes, (None, None)).fetchall() == []
    assert conn.execute(holes, (date(2025, 6, 1), None)).fetchall() == [
        (date(2025, 4, 1), True),
        (date(2025, 5, 1), True),
    ]
    assert conn.execute(holes, (None, date(2025, 2, 1))).fetchall() == [(date(2025, 2, 1), True)]
    assert conn.execute(holes, (None, date(2025, 3, 1))).fetchall() == []  # the last month: no hole

    # The loader refuses the month that would leave 2025-04 and 2025-05 empty; nothing changes.
    path = one_row_file(tmp_path / "202506.csv", "202506", "A")
    before = table_fingerprint(conn)
    with psycopg.connect(db_url) as loader, pytest.raises(InvalidInput, match="2025-04 … 2025-05 \\(2 month"):
        load_file(loader, DOMAINS["annuity_performance"], path, LoadOptions(execute=True), FileClaim(date(2025, 6, 1)))
    # withdraw_month refuses the month in the middle, for the same reason.
    with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState, match="would leave a hole"):
        conn.execute("SELECT * FROM business.withdraw_month(p_month => '2025-02-01')")
    assert table_fingerprint(conn) == before

    # A hole there is, status and the monitoring check name it as SQL does.
    conn.execute("""DELETE FROM business."规模明细" WHERE "月度" = '2025-02-01'""")
    assert [m for m, _ in conn.execute(holes, (None, None))] == [date(2025, 2, 1)]
    assert _status(db_url)["source_holes"] == ["2025-02-28"]
    check = run_cli("customer-mdm", "status", "--check", database_url=db_url)
    assert check.returncode == 2 and "months missing from 规模明细: 202502" in check.stdout


@pytest.mark.parametrize("case", ["OK", "WARNING", "CRITICAL"])
def test_status_check_prints_the_sql_verdict(db_url, conn, case):
    this_month = date.today().strftime("%Y-%m")
    add_row(conn, this_month if case == "OK" else "2025-01", "A", "PA", aum=100, contribution=5)
    conn.execute("SELECT * FROM customer.run_monthly_close()").fetchall()
    if case == "WARNING":
        add_row(conn, "2025-02", "A", "PA", aum=100, contribution=5)  # the close has work; a delivery is late
    elif case == "CRITICAL":
        conn.execute("SELECT customer.record_failed_run('run_monthly_close', '53100', 'could not extend file', now())")
    code, severity, line = conn.execute("SELECT exit_code, severity, line FROM customer.monitoring_check()").fetchone()
    result = run_cli("customer-mdm", "status", "--check", database_url=db_url)
    assert (result.returncode, result.stdout.strip()) == (code, line)
    assert severity == case and line.startswith(f"WDH {case} - ")


def test_no_python_file_answers_a_state_question_itself():
    """The rules live in SQL: the Python tree reads the answers and never recomputes them."""
    src = REPO / "src" / "work_data_hub"
    forbidden = {
        r"company_merge_log": "where a merged id went: customer._merged_into",
        r"dirty_from_month <=": "a pending correction: customer._pending_correction",
        r"stale_since IS NOT NULL": "stale months: customer._snapshot_month_states",
        r"customer\.snapshot_month_state\b": "snapshot months: customer._snapshot_month_states",
        r"'G00'": "the unknown branch: customer._branch_code",
        r"month_span\(max\(loaded\)": "holes: business._month_holes",
        r"CHECK_LEVELS": "the monitoring verdict: customer.monitoring_check",
    }
    found = [
        f"{path.relative_to(REPO)}: {text!r} ({why})"
        for path in sorted(Path(src).rglob("*.py"))
        for text, why in forbidden.items()
        if re.search(text, path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_invisible_characters_are_one_set_in_python_and_sql(conn):
    """The reader removes from text cells and headers exactly what customer.canonical_key removes
    from keys: one list in Python (texts.INVISIBLE_CHARACTERS), held equal to the SQL function's."""
    removed_by_sql = {
        cp
        for (cp,) in conn.execute(
            "SELECT cp FROM generate_series(1, 65535) AS cp "
            "WHERE cp NOT BETWEEN 55296 AND 57343 AND customer.canonical_key('A' || chr(cp) || 'B') = 'AB'"
        )
    }
    assert removed_by_sql == set(map(ord, INVISIBLE_CHARACTERS))
    assert normalise_header("期末\u200b资产\ufe0f规模") == "期末资产规模"


def test_a_check_against_procedures_older_than_the_package_is_critical(db_url, conn):
    """A package upgraded before `db migrate` ran: the verdict's function is missing, and monitoring
    says CRITICAL with the fix, not UNKNOWN."""
    conn.execute("DROP FUNCTION customer.monitoring_check()")
    result = run_cli("customer-mdm", "status", "--check", database_url=db_url)
    assert result.returncode == 2 and result.stdout.startswith("WDH CRITICAL - ") and "run db migrate" in result.stdout


def test_the_load_plan_is_one_sql_answer_that_the_preview_shows_and_the_apply_writes(db_url, conn, tmp_path):
    """business.plan_staged_load is the plan: the preview reads it, and business.apply_staged_load
    writes what it says (called from SQL too, planning for itself when nobody did), refusing months
    other than the plan's with the database unchanged."""
    from work_data_hub.db.connect import connect
    from work_data_hub.etl.stage import plan_load, stage
    from work_data_hub.etl.validate import parse_file

    spec = DOMAINS["annuity_performance"]
    with connect(db_url) as first:
        load_file(first, spec, one_row_file(tmp_path / "a.csv", "202501", "C0001"), LoadOptions(execute=True))
    path = one_row_file(tmp_path / "b.csv", "202502", "C0002")
    parsed = parse_file(spec, path)
    before = table_fingerprint(conn)
    with connect(db_url) as other:
        plan = plan_load(other, parsed, stage(other, parsed))
        sql_plan = other.execute("SELECT * FROM pg_temp.wdh_etl_plan").fetchone()
        assert plan.rows_to_delete == {date(2025, 2, 1): 0}
        assert plan.new_customers == [("C0002", "客户A")]
        assert sql_plan is not None
        file = json.dumps({"source": "file", "path": str(path), "sha256": parsed.sha256, "bytes": parsed.bytes})
        with pytest.raises(psycopg.errors.InvalidParameterValue, match="not the months the staged file replaces"):
            other.execute(
                "SELECT * FROM business.apply_staged_load('annuity_performance', ARRAY[DATE '2025-01-01'], %s)", (file,)
            )
        other.rollback()
    assert table_fingerprint(conn) == before
    with connect(db_url) as other:
        stage(other, parsed)  # staged, never planned: the apply plans it itself
        counts = other.execute(
            "SELECT * FROM business.apply_staged_load('annuity_performance', NULL, %s)", (file,)
        ).fetchone()
        assert other.execute("SELECT to_regclass('pg_temp.wdh_etl_plan')").fetchone()[0] is None
        other.commit()
    assert counts[1:3] == (0, 1)
    loaded = conn.execute(
        "SELECT months, customers_added FROM business.etl_load_log ORDER BY load_id DESC LIMIT 1"
    ).fetchone()
    assert loaded == ([date(2025, 2, 1)], ["C0002"])


def test_a_plan_is_for_the_stage_it_was_made_from(db_url, conn, tmp_path):
    """A stage written to or replaced after its plan (a DBA's hand, in one transaction) is planned
    again by the apply: the load records the figures and adds the customers of the rows it loads."""
    from work_data_hub.db.connect import connect
    from work_data_hub.etl.stage import plan_load, stage
    from work_data_hub.etl.validate import parse_file

    spec = DOMAINS["annuity_performance"]
    a = parse_file(spec, one_row_file(tmp_path / "a.csv", "202501", "C0001"))
    b = parse_file(spec, one_row_file(tmp_path / "b.csv", "202501", "C0002"))
    file = json.dumps({"source": "file", "path": str(b.path), "sha256": b.sha256, "bytes": b.bytes})
    with connect(db_url) as dba:
        plan_load(dba, a, stage(dba, a))  # planned for A's rows …
        dba.execute("DROP TABLE pg_temp.wdh_etl_stage")
        stage(dba, b)  # … then B staged in its place
        dba.execute('UPDATE pg_temp.wdh_etl_stage SET "期末资产规模" = 250')
        dba.execute("SELECT * FROM business.apply_staged_load('annuity_performance', NULL, %s)", (file,)).fetchall()
        dba.commit()
    assert conn.execute('SELECT company_id, "期末资产规模" FROM business."规模明细"').fetchall() == [("C0002", 250)]
    assert conn.execute('SELECT company_id FROM customer."年金客户"').fetchall() == [("C0002",)]
    logged = conn.execute("SELECT customers_added, control_figures ->> 'aum' FROM business.etl_load_log").fetchone()
    assert logged == (["C0002"], "250.0000")
