"""Operations: pg_cron jobs, roles and grants, the run log, status and stale snapshots."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import psycopg
import pytest

from helpers import missing_extension, run_cli
from source import Scenario, add_ledger, add_row, refresh, sync

JOB = "wdh_monthly_close"
COMMAND = "SELECT customer._run_scheduled_close()"


def cron_jobs(conn) -> dict[str, tuple]:
    return {
        name: (jobid, schedule, command)
        for name, jobid, schedule, command in conn.execute(
            "SELECT jobname, jobid, schedule, command FROM cron.job WHERE jobname LIKE 'wdh_%' ORDER BY jobname"
        )
    }


def test_the_scheduled_close_really_runs_and_its_failures_are_on_record(scheduled_close_job, tmp_path):
    if scheduled_close_job is None:
        pytest.skip(missing_extension("pg_cron", "postgresql-15-cron"))
    cron_url = scheduled_close_job  # three months loaded and the job scheduled when the session started
    with psycopg.connect(cron_url, autocommit=True) as conn:
        # A test that ran before may have replaced or removed the job (the schedule test does): then it
        # is scheduled again here, and this test waits for its minute.
        if conn.execute(
            "SELECT count(*) FROM cron.job WHERE jobname = %s AND schedule = '* * * * *'", (JOB,)
        ).fetchone() != (1,):
            conn.execute("SELECT * FROM customer.schedule_mdm_jobs(p_schedule => '* * * * *')")
        try:
            deadline = time.monotonic() + 100  # pg_cron 1.4 fires at the next whole minute
            status = row = None
            while time.monotonic() < deadline:
                row = conn.execute(
                    "SELECT d.status, d.return_message FROM cron.job_run_details AS d JOIN cron.job AS j USING (jobid) "
                    "WHERE j.jobname = %s ORDER BY d.runid DESC LIMIT 1",
                    (JOB,),
                ).fetchone()
                status = row and row[0]
                if status in ("succeeded", "failed"):
                    break
                time.sleep(1)
        finally:
            conn.execute("SELECT * FROM customer.unschedule_mdm_jobs()")
        assert status == "succeeded", row
        assert conn.execute("SELECT count(*) FROM customer.customer_plan_contract").fetchone() == (1,)
        assert conn.execute(
            "SELECT array_agg(snapshot_month::text ORDER BY 1) FROM customer.snapshot_month_state "
            "WHERE stale_since IS NULL"
        ).fetchone() == (["2025-01-31", "2025-02-28", "2025-03-31"],)
        runs = conn.execute(
            "SELECT status, counts->>'scheduled', counts->>'periods_synced', counts->>'snapshot_months' "
            "FROM customer.v_mdm_runs WHERE function_name = 'run_monthly_close' ORDER BY run_id"
        ).fetchall()
        # The first run closed the three months; the job fires every minute, and later runs find nothing to do.
        assert runs[0] == ("succeeded", "true", "3", "3") and set(runs[1:]) <= {("succeeded", "true", "0", "0")}

        # The job's command when the close fails (a customer missing): the failure is on record,
        # the close's work rolled back, and status warns.
        conn.execute('DELETE FROM business."规模明细" WHERE "月度" = \'2025-03-01\'')
        conn.execute(
            'INSERT INTO business."规模明细" ("月度", "计划代码", "产品线代码", company_id, "期末资产规模", "供款") '
            "VALUES ('2025-03-01', 'PB', 'PL202', 'NOBODY', 1, 1)"
        )
        assert conn.execute(COMMAND).fetchone()[0].startswith("monthly close failed: SQLSTATE 23503")
        failed = conn.execute(
            "SELECT status, sqlstate, message, application_name, counts->>'scheduled' "
            "FROM customer.v_mdm_runs ORDER BY run_id DESC LIMIT 1"
        ).fetchone()
        assert failed[:2] == ("failed", "23503") and 'missing from customer."年金客户"' in failed[2]
        assert failed[3:] == ("pg_cron", "true")
        out = run_cli("customer-mdm", "status", cwd=tmp_path, database_url=cron_url).stdout
        assert "Warning: the latest run, the scheduled close (pg_cron)" in out and "SQLSTATE 23503" in out
        assert "Pending source correction from 2025-03" in out


def test_schedule_registers_replaces_and_removes_the_close_job(cron_url, tmp_path):
    # The session's scheduled-close job, when it is registered, is put back afterwards: the tests pass
    # in any order.
    with psycopg.connect(cron_url, autocommit=True) as conn:
        session_job = conn.execute("SELECT schedule FROM cron.job WHERE jobname = %s", (JOB,)).fetchone()
        try:
            _schedule_registers_replaces_and_removes(conn, tmp_path, cron_url)
        finally:
            if session_job:
                conn.execute("SELECT * FROM customer.schedule_mdm_jobs(p_schedule => %s)", session_job)


def _schedule_registers_replaces_and_removes(conn, tmp_path, cron_url) -> None:
    # The first release's two jobs, as an upgraded database still has them.
    conn.execute(
        "SELECT cron.schedule('wdh_contract_status_sync', '0 3 6 * *', 'SELECT * FROM customer.sync_contract_status()')"
    )
    conn.execute(
        "SELECT cron.schedule('wdh_monthly_snapshot_refresh', '30 3 6 * *', "
        "'SELECT * FROM customer.refresh_monthly_snapshot(NULL)')"
    )
    result = run_cli("customer-mdm", "schedule", cwd=tmp_path, database_url=cron_url)
    assert result.returncode == 0, result.stderr
    jobs = cron_jobs(conn)
    assert {name: (s, c) for name, (_, s, c) in jobs.items()} == {JOB: ("0 3 6 * *", COMMAND)}
    again = conn.execute("SELECT job_name, jobid FROM customer.schedule_mdm_jobs(p_schedule => '0 4 * * *')").fetchall()
    assert again == [(JOB, jobs[JOB][0])]  # replaced, not added
    assert cron_jobs(conn)[JOB][1] == "0 4 * * *"
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        conn.execute("SELECT * FROM customer.schedule_mdm_jobs(p_schedule => ' ')")
    removed = run_cli("customer-mdm", "schedule", "--remove", cwd=tmp_path, database_url=cron_url)
    assert f"Removed: {JOB}" in removed.stdout
    assert cron_jobs(conn) == {}
    assert conn.execute("SELECT * FROM customer.unschedule_mdm_jobs()").fetchall() == [(JOB, False)]


def test_schedule_without_pg_cron_says_what_to_do(db_url, tmp_path):
    result = run_cli("customer-mdm", "schedule", cwd=tmp_path, database_url=db_url)
    assert result.returncode == 1
    assert "pg_cron is not installed in database" in result.stderr
    assert "shared_preload_libraries" in result.stderr and "CREATE EXTENSION pg_cron" in result.stderr


def assert_refused(conn, statements: list[str]) -> None:
    """Each statement fails with insufficient_privilege for the current role."""
    for statement in statements:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)


def test_operator_loads_data_and_runs_functions_but_cannot_write_history(conn):
    conn.execute("SET ROLE wdh_operator")
    conn.execute("INSERT INTO customer.\"年金客户\" (company_id, \"客户名称\") VALUES ('A', '甲')")
    conn.execute('INSERT INTO mapping."年金计划" ("年金计划号") VALUES (\'PA\')')
    conn.execute(
        'INSERT INTO business."规模明细" ("月度", "计划代码", company_id, "产品线代码", "期末资产规模", "供款") '
        "VALUES ('2025-01-01', 'PA', 'A', 'PL202', 100, 5)"
    )
    conn.execute("INSERT INTO customer.\"当年中标\" (\"上报月份\", company_id) VALUES ('2025-01-01', 'A')")
    assert sync(conn)[0].inserted == 1
    assert refresh(conn, None)[2] == 1
    conn.execute('UPDATE business."规模明细" SET "供款" = 0')  # a correction, tracked through the trigger
    assert conn.execute("SELECT dirty_from_month FROM customer.contract_sync_state").fetchone()[0] is not None
    assert conn.execute("SELECT count(*) FROM customer.v_mdm_runs").fetchone()[0] >= 2
    refused = [
        "DELETE FROM customer.customer_plan_contract",
        "UPDATE customer.customer_plan_contract SET is_strategic = true",
        "INSERT INTO customer.fct_customer_plan_monthly (snapshot_month, company_id, plan_code, product_line_code, "
        " is_churned_this_year, contract_status) VALUES ('2025-01-31', 'A', 'PA', 'PL202', false, '正常')",
        "DELETE FROM customer.fct_customer_product_line_monthly",
        "UPDATE customer.contract_sync_state SET dirty_from_month = NULL",
        "UPDATE customer.mdm_settings SET strategic_top_n = 1",
        "DELETE FROM customer.contract_month_summary",
        "DELETE FROM customer.mdm_run_log",
        "SELECT customer._lock_mdm('x')",
        'TRUNCATE business."规模明细"',
    ]
    assert_refused(conn, refused)
    conn.execute("RESET ROLE")


def test_reader_reads_facts_and_views_and_nothing_else(conn):
    add_row(conn, "2025-01", "A", "PA", aum=100, contribution=5)
    sync(conn)
    refresh(conn, None)
    conn.execute("SET ROLE wdh_reader")
    for readable in (
        "customer.fct_customer_plan_monthly",
        "customer.fct_customer_product_line_monthly",
        "customer.v_plan_status",
        "customer.v_customer_product_line_status",
        "customer.contract_sync_state",
        "customer.snapshot_month_state",
    ):
        assert conn.execute(f"SELECT count(*) FROM {readable}").fetchone() == (1,)
    assert conn.execute("SELECT count(*) FROM customer.v_product_line_month").fetchone() == (2,)  # line and total
    # what the read commands show: status, runs, etl history, alias list, identities
    for readable in ("customer.v_mdm_runs", "business.etl_load_log", "customer.company_alias", 'customer."年金客户"'):
        conn.execute(f"SELECT count(*) FROM {readable}")
    assert conn.execute("SELECT last_applied_period::text FROM customer.mdm_status()").fetchone() == ("2025-01-31",)
    assert conn.execute("SELECT period, aum_balance_yi FROM customer.v_customer_product_line_status").fetchall() == [
        ("202501", Decimal("0.0000"))
    ]
    refused = [
        "SELECT * FROM customer.customer_plan_contract",
        'SELECT * FROM business."规模明细"',
        "SELECT * FROM customer.contract_month_summary",
        "SELECT * FROM customer.sync_contract_status(p_dry_run => true)",
        "SELECT * FROM customer.refresh_monthly_snapshot(NULL, p_dry_run => true)",
        "DELETE FROM customer.fct_customer_plan_monthly",
        'INSERT INTO business."规模明细" ("月度", "计划代码") VALUES (\'2025-01-01\', \'P\')',
    ]
    assert_refused(conn, refused)
    conn.execute("RESET ROLE")


def test_stale_snapshots_are_tracked_and_refreshed(conn):
    for when in ("2025-01", "2025-02", "2025-03", "2026-01"):
        add_row(conn, when, "A", "PA", aum=100, contribution=5)
    sync(conn)
    for when in ("2025-01", "2025-02", "2025-03", "2026-01"):
        refresh(conn, when)

    def stale():
        return [
            r[0].strftime("%Y%m")
            for r in conn.execute(
                "SELECT snapshot_month FROM customer.snapshot_month_state WHERE stale_since IS NOT NULL ORDER BY 1"
            )
        ]

    assert stale() == []
    add_ledger(conn, "loss", "2025-02", "A", plan="PA")
    assert stale() == ["202502", "202503"]
    refresh(conn, "2025-02")
    refresh(conn, "2025-03")
    assert stale() == []
    conn.execute('UPDATE business."规模明细" SET "供款" = 0 WHERE "月度" = \'2025-03-01\'')
    sync(conn)  # replays 2025-03 … 2026-01
    assert stale() == ["202503", "202601"]
    assert conn.execute(
        "SELECT DISTINCT stale_reason FROM customer.snapshot_month_state WHERE stale_since IS NOT NULL"
    ).fetchall() == [("contract history replayed from 2025-03: loaded rows of 2025-03 changed",)]


def test_status_and_runs_commands(db_url, conn, tmp_path):
    empty = run_cli("customer-mdm", "status", cwd=tmp_path, database_url=db_url)
    assert "Contracts: not synced yet (no source data loaded)" in empty.stdout
    assert "No runs recorded yet." in run_cli("customer-mdm", "runs", cwd=tmp_path, database_url=db_url).stdout
    Scenario(months=4).load(conn)
    sync(conn, "2024-03")
    refresh(conn, "2024-02")
    refresh(conn, "2024-03")
    sync(conn, dry_run=True)
    conn.execute('UPDATE business."规模明细" SET "供款" = 0 WHERE "月度" = \'2024-03-01\'')
    out = run_cli("customer-mdm", "status", cwd=tmp_path, database_url=db_url).stdout
    assert "Contracts: synced 202401–202403" in out and "source has data through 2024-04" in out
    assert "Pending source correction from 2024-03" in out
    assert "Snapshots: 2 month(s) built: 202402, 202403" in out
    sync(conn)
    out = run_cli("customer-mdm", "status", cwd=tmp_path, database_url=db_url).stdout
    assert "Pending source corrections: none" in out and "Stale snapshots: 202403" in out
    status = json.loads(run_cli("customer-mdm", "status", "--json", cwd=tmp_path, database_url=db_url).stdout)
    assert status["sync"]["last_applied_period"] == "2024-04-30"
    runs = json.loads(
        run_cli("customer-mdm", "runs", "--json", "--limit", "3", cwd=tmp_path, database_url=db_url).stdout
    )
    assert [(r["function_name"], r["dry_run"], r["status"]) for r in runs] == [
        ("sync_contract_status", False, "succeeded"),
        ("sync_contract_status", True, "succeeded"),
        ("refresh_monthly_snapshot", False, "succeeded"),
    ]
    assert runs[0]["counts"]["rewound_from"] == "2024-03-01" and runs[0]["db_user"] == "postgres"
    table = run_cli("customer-mdm", "runs", cwd=tmp_path, database_url=db_url).stdout
    assert "sync_contract_status" in table and "refresh_monthly_snapshot" in table
