"""The monthly close: run_monthly_close and refresh_snapshots, one refresh policy in SQL, holes
refused, failures on record, quiet in psql, and the CLI around them."""

from __future__ import annotations

import shutil
import subprocess

import psycopg
import pytest

from helpers import run_cli
from source import Scenario, add_ledger, add_row, month, table_fingerprint

FACTS = """
SELECT 'plan', snapshot_month, company_id, plan_code, product_line_code, customer_name, plan_name,
       product_line_name, is_churned_this_year::text, contract_status, aum_balance::text, NULL
FROM customer.fct_customer_plan_monthly
UNION ALL
SELECT 'line', snapshot_month, company_id, NULL, product_line_code, customer_name, NULL, product_line_name,
       concat_ws(',', is_strategic, is_existing, is_new, is_winning_this_year, is_churned_this_year),
       NULL, aum_balance::text, plan_count::text
FROM customer.fct_customer_product_line_monthly
ORDER BY 1, 2, 3, 4, 5
"""


def close(conn, *, dry_run: bool = False) -> list[tuple]:
    return conn.execute(
        "SELECT step, period_end, inserted, updated, deleted FROM customer.run_monthly_close(p_dry_run => %s)",
        (dry_run,),
    ).fetchall()


def refresh_all(conn, *, dry_run: bool = False) -> list[tuple]:
    return conn.execute(
        "SELECT period_end, product_line_rows, plan_rows, inserted, updated, deleted "
        "FROM customer.refresh_snapshots(p_dry_run => %s)",
        (dry_run,),
    ).fetchall()


def months_built(conn) -> list[str]:
    return [
        m.strftime("%Y%m")
        for (m,) in conn.execute(
            "SELECT snapshot_month FROM customer.snapshot_month_state WHERE stale_since IS NULL ORDER BY 1"
        )
    ]


def test_close_after_an_old_correction_equals_a_from_scratch_build(conn, make_db):
    scenario = Scenario(months=14)
    scenario.load(conn)
    add_ledger(conn, "award", "2024-02", "C001", line="PL201")
    first = close(conn)
    assert [s for s, *_ in first].count("sync") == 14 and [s for s, *_ in first].count("snapshot") == 14
    assert len(months_built(conn)) == 14
    # A correction of an old month and a ledger change, then the close.
    conn.execute('UPDATE business."规模明细" SET "供款" = 0 WHERE "月度" = \'2024-03-01\'')
    add_ledger(conn, "loss", "2024-05", "C002", line="PL202")
    steps = close(conn)
    assert {p.strftime("%Y%m") for s, p, *_ in steps if s == "sync"} == {f"2024{m:02d}" for m in range(3, 13)} | {
        "202501",
        "202502",
    }
    assert close(conn) == []  # nothing left to do
    fresh_url = make_db()
    with psycopg.connect(fresh_url, autocommit=True) as fresh:
        scenario.load(fresh)
        fresh.execute('UPDATE business."规模明细" SET "供款" = 0 WHERE "月度" = \'2024-03-01\'')
        add_ledger(fresh, "award", "2024-02", "C001", line="PL201")
        add_ledger(fresh, "loss", "2024-05", "C002", line="PL202")
        close(fresh)
        assert fresh.execute(FACTS).fetchall() == conn.execute(FACTS).fetchall()
    assert len(months_built(conn)) == 14


def test_withdrawn_months_lose_their_snapshots(conn):
    Scenario(months=6).load(conn)
    close(conn)
    conn.execute('DELETE FROM business."规模明细" WHERE "月度" >= \'2024-05-01\'')
    steps = close(conn)
    assert [(s, p.strftime("%Y%m")) for s, p, _, _, deleted in steps if s == "snapshot" and deleted] == [
        ("snapshot", "202405"),
        ("snapshot", "202406"),
    ]
    assert months_built(conn) == ["202401", "202402", "202403", "202404"]
    assert conn.execute(
        "SELECT max(snapshot_month)::text FROM customer.fct_customer_product_line_monthly"
    ).fetchone() == ("2024-04-30",)
    assert conn.execute("SELECT last_applied_period::text FROM customer.contract_sync_state").fetchone() == (
        "2024-04-30",
    )


def test_a_month_missing_between_loaded_months_is_refused_and_changes_nothing(conn, db_url, tmp_path):
    for when in ("2025-01", "2025-02"):
        add_row(conn, when, "A", "PA", aum=100, contribution=5)
    close(conn)
    add_row(conn, "2025-04", "A", "PA", aum=100, contribution=5)
    add_row(conn, "2025-06", "A", "PA", aum=100, contribution=5)
    before = table_fingerprint(conn)
    with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState) as err:
        close(conn)
    assert "2 month(s) between 2025-03 and 2025-06 have no AUM detail (规模明细) loaded: 2025-03, 2025-05" in str(
        err.value
    )
    assert "etl --domain annuity_performance --period YYYYMM --execute" in err.value.diag.message_hint
    assert table_fingerprint(conn) == before
    result = run_cli("customer-mdm", "close", cwd=tmp_path, database_url=db_url)
    assert result.returncode == 1 and "2025-03, 2025-05" in result.stderr and "Traceback" not in result.stderr
    assert table_fingerprint(conn) == before
    assert conn.execute(
        "SELECT function_name, status, sqlstate FROM customer.v_mdm_runs ORDER BY run_id DESC LIMIT 1"
    ).fetchone() == ("run_monthly_close", "failed", "55000")


def test_refresh_snapshots_rebuilds_what_is_missing_or_stale_and_nothing_else(conn):
    Scenario(months=4).load(conn)
    conn.execute("SELECT * FROM customer.sync_contract_status()")
    before = table_fingerprint(conn)
    dry = refresh_all(conn, dry_run=True)
    assert table_fingerprint(conn) == before
    real = refresh_all(conn)
    assert dry == real and [p.strftime("%Y%m") for p, *_ in real] == ["202401", "202402", "202403", "202404"]
    unchanged = table_fingerprint(conn)
    assert refresh_all(conn) == [] and table_fingerprint(conn) == unchanged
    add_ledger(conn, "loss", "2024-03", "C001", line="PL202")  # makes 202403 and 202404 stale
    assert [p.strftime("%Y%m") for p, *_ in refresh_all(conn)] == ["202403", "202404"]


def test_close_dry_run_is_exact_and_changes_nothing(conn):
    Scenario(months=5).load(conn)
    before = table_fingerprint(conn)
    dry = close(conn, dry_run=True)
    assert table_fingerprint(conn) == before
    assert close(conn) == dry


def test_a_pending_correction_blocks_refresh_snapshots_with_a_hint(conn):
    Scenario(months=3).load(conn)
    close(conn)
    conn.execute('UPDATE business."规模明细" SET "供款" = 0 WHERE "月度" = \'2024-02-01\'')
    with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState) as err:
        refresh_all(conn)
    assert "customer-mdm close" in err.value.diag.message_hint


def test_no_function_prints_a_notice_in_psql(db_url, conn):
    psql = shutil.which("psql")
    if psql is None:
        pytest.skip("psql is not installed")
    Scenario(months=3).load(conn)
    calls = [
        "SELECT * FROM customer.sync_contract_status(p_dry_run => true)",
        "SELECT * FROM customer.sync_contract_status()",
        "SELECT * FROM customer.sync_contract_status()",
        "SELECT * FROM customer.refresh_monthly_snapshot(NULL, p_dry_run => true)",
        "SELECT * FROM customer.refresh_monthly_snapshot('2024-02-29')",
        "SELECT * FROM customer.refresh_snapshots(p_dry_run => true)",
        "SELECT * FROM customer.refresh_snapshots()",
        "SELECT * FROM customer.run_monthly_close(p_dry_run => true)",
        "SELECT * FROM customer.run_monthly_close()",
        "SELECT * FROM customer.request_contract_rebuild('2024-02-29')",
        "SELECT * FROM customer.run_monthly_close()",
    ]
    script = "BEGIN;\n" + ";\n".join(calls[:5]) + ";\nCOMMIT;\n" + ";\n".join(calls[5:]) + ";\n"
    result = subprocess.run(
        [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db_url],
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "NOTICE" not in result.stderr and "WARNING" not in result.stderr, result.stderr


# --- the CLI -----------------------------------------------------------------------------------------


def cli(db_url, tmp_path, *args):
    return run_cli("customer-mdm", *args, cwd=tmp_path, database_url=db_url)


def test_cli_close_and_snapshot_all(db_url, conn, tmp_path):
    Scenario(months=3).load(conn)
    dry = cli(db_url, tmp_path, "close", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Sync: 3 period(s) 202401–202403" in dry.stdout and "Dry run: no changes were made" in dry.stdout
    out = cli(db_url, tmp_path, "close")
    assert "✓ Monthly close completed:" in out.stdout and "Snapshots: 3 month(s) 202401–202403" in out.stdout
    again = cli(db_url, tmp_path, "close")
    assert "nothing to do" in again.stdout and "nothing was changed" in again.stdout
    conn.execute("DELETE FROM customer.snapshot_month_state WHERE snapshot_month = '2024-02-29'")
    status = cli(db_url, tmp_path, "status").stdout
    assert "Synced months without a snapshot: 202402: fix with customer-mdm snapshot --all" in status
    conn.execute("INSERT INTO customer.snapshot_month_state VALUES ('2026-01-31', now(), NULL, NULL)")
    status = cli(db_url, tmp_path, "status").stdout
    assert "Snapshot months outside the synced range: 202601" in status
    result = cli(db_url, tmp_path, "snapshot", "--all")
    assert result.returncode == 0, result.stderr
    assert "202402: ProductLine" in result.stdout and "202601: outside the synced range" in result.stdout
    assert "✓ Every synced month has a current snapshot" in cli(db_url, tmp_path, "snapshot", "--all").stdout


def test_cli_sync_says_what_it_did(db_url, conn, tmp_path):
    Scenario(months=4).load(conn)
    assert "Periods: 202401–202404 (4)" in cli(db_url, tmp_path, "sync").stdout
    done = cli(db_url, tmp_path, "sync", "--period", "202402")
    assert "✓ Already synced: contract history is applied through 202404, so 202402 needs no work" in done.stdout
    assert "Inserted:" not in done.stdout
    early = cli(db_url, tmp_path, "sync", "--period", "202312")
    assert early.returncode == 1 and "Period 2023-12 is before the first loaded month 2024-01" in early.stderr
    late = cli(db_url, tmp_path, "sync", "--period", "202501")
    assert late.returncode == 1 and "--period 202501 --execute" in late.stderr and "p_period_end" not in late.stderr
    conn.execute('UPDATE business."规模明细" SET "供款" = 0 WHERE "月度" = \'2024-03-01\'')
    replay = cli(db_url, tmp_path, "sync")
    assert replay.returncode == 0, replay.stderr
    assert "Replayed: history was rewound to before 2024-03 (the source changed)" in replay.stdout
    assert "net change of the history:" in replay.stdout and "version(s) added" in replay.stdout
    # Bad input is on record as refused, not failed: monitoring does not count it.
    runs = conn.execute("SELECT function_name, status, sqlstate FROM customer.v_mdm_runs ORDER BY run_id").fetchall()
    assert [r for r in runs if r[1] != "succeeded"] == [("sync_contract_status", "refused", "22023")] * 2
    assert "CRITICAL" not in cli(db_url, tmp_path, "status", "--check").stdout


def test_a_failed_cli_sync_is_on_record_with_its_sqlstate(db_url, conn, tmp_path):
    conn.execute(
        'INSERT INTO business."规模明细" ("月度", "计划代码", "产品线代码", company_id) '
        "VALUES (%s, 'P', 'PL202', 'NOBODY')",
        (month("2025-01"),),
    )
    result = cli(db_url, tmp_path, "sync")
    assert result.returncode == 1 and "Verify 年金客户 and 产品线 tables" in result.stderr
    row = conn.execute("SELECT function_name, status, sqlstate, message FROM customer.v_mdm_runs").fetchone()
    assert row[:3] == ("sync_contract_status", "failed", "23503") and "年金客户" in row[3]
    runs = cli(db_url, tmp_path, "runs").stdout
    assert "failed" in runs and "SQLSTATE 23503" in runs


def test_renaming_a_customer_makes_its_snapshots_stale_and_the_close_rebuilds_them(conn):
    Scenario(months=3).load(conn)
    close(conn)
    [company] = conn.execute(
        "SELECT min(company_id) FROM customer.customer_plan_contract WHERE valid_from = '2024-01-31'"
    ).fetchone()
    conn.execute('UPDATE customer."年金客户" SET "客户名称" = \'改名公司\' WHERE company_id = %s', (company,))
    steps = close(conn)
    assert [s for s, *_ in steps] == ["snapshot"] * 3
    assert conn.execute(
        "SELECT DISTINCT customer_name FROM customer.fct_customer_product_line_monthly WHERE company_id = %s",
        (company,),
    ).fetchall() == [("改名公司",)]
    assert close(conn) == []


def test_a_sync_to_an_earlier_period_leaves_a_later_correction_pending(conn):
    Scenario(months=6).load(conn)
    close(conn)
    before = conn.execute("SELECT count(*) FROM customer.customer_plan_contract").fetchone()
    conn.execute('UPDATE business."规模明细" SET "供款" = 0 WHERE "月度" = \'2024-05-01\'')
    assert conn.execute("SELECT * FROM customer.sync_contract_status(p_period_end => '2024-02-29')").fetchall()[0][
        1:4
    ] == (0, 0, 0)
    assert conn.execute("SELECT count(*) FROM customer.customer_plan_contract").fetchone() == before
    assert conn.execute(
        "SELECT last_applied_period::text, dirty_from_month::text FROM customer.contract_sync_state"
    ).fetchone() == ("2024-06-30", "2024-05-01")


def test_bad_arguments_are_refused_with_22023(conn):
    for call in (
        "SELECT * FROM customer.request_contract_rebuild('-infinity')",
        "SELECT * FROM customer.sync_contract_status(p_period_end => 'infinity')",
        "SELECT * FROM customer.run_monthly_close(NULL)",
        "SELECT * FROM customer.refresh_snapshots(NULL)",
        "SELECT * FROM customer.sync_contract_status(NULL)",
        "SELECT customer.record_failed_run('run_monthly_close', 'XX', 'm', now())",
    ):
        with pytest.raises(psycopg.errors.InvalidParameterValue):
            conn.execute(call)
    assert conn.execute("SELECT count(*) FROM customer.mdm_run_log").fetchone() == (0,)


def test_withdrawing_every_month_clears_history_and_snapshots(conn):
    Scenario(months=3).load(conn)
    close(conn)
    conn.execute('DELETE FROM business."规模明细"')
    steps = close(conn)
    assert [s for s, *_ in steps] == ["snapshot"] * 3
    assert conn.execute("SELECT count(*) FROM customer.customer_plan_contract").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM customer.fct_customer_plan_monthly").fetchone() == (0,)
    assert conn.execute(
        "SELECT last_applied_period, dirty_from_month FROM customer.contract_sync_state"
    ).fetchone() == (None, None)
    assert close(conn) == []


def test_status_names_missing_months_and_the_latest_failure_until_a_run_succeeds(db_url, conn, tmp_path):
    Scenario(months=4).load(conn)
    close(conn)
    conn.execute('DELETE FROM business."规模明细" WHERE "月度" = \'2024-02-01\'')
    failed = cli(db_url, tmp_path, "close")
    assert failed.returncode == 1
    status = cli(db_url, tmp_path, "status").stdout
    assert "Months missing from 规模明细 between loaded months: 202402" in status
    assert "Warning: the latest run, run_monthly_close" in status and "SQLSTATE 55000" in status
    Scenario(months=4).load(conn, months={"2024-02"})
    replay = cli(db_url, tmp_path, "close")
    assert (
        replay.returncode == 0
        and "Replayed: history was rewound to before 2024-02 (the source changed)" in replay.stdout
    )
    assert "net change of the history" in replay.stdout
    assert "Warning" not in cli(db_url, tmp_path, "status").stdout


def test_ctrl_c_and_a_killed_connection_during_a_close_are_on_record(db_url, conn, tmp_path):
    import signal

    from files import spawn, wait_until_blocked

    Scenario(months=2).load(conn)
    for stop in ("sigint", "terminate"):
        with psycopg.connect(db_url) as holder:
            holder.execute("SELECT customer._lock_mdm('test')")
            proc = spawn(db_url, tmp_path, "customer-mdm", "close")
            [pid] = wait_until_blocked(conn)
            if stop == "sigint":
                proc.send_signal(signal.SIGINT)
            else:
                conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
            _, err = proc.communicate(timeout=60)
        assert proc.returncode in (1, 130) and "Traceback" not in err
    assert conn.execute(
        "SELECT function_name, status, sqlstate FROM customer.v_mdm_runs ORDER BY run_id"
    ).fetchall() == [("run_monthly_close", "failed", "57014"), ("run_monthly_close", "failed", "57P01")]
    assert conn.execute("SELECT count(*) FROM customer.customer_plan_contract").fetchone() == (0,)
