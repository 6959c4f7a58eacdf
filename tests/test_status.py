"""One truth for where the product stands (customer.mdm_status), and `customer-mdm status --check`
for monitoring: one line, exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN."""

from __future__ import annotations

import json

import psycopg

from helpers import run_cli
from source import add_row, refresh, sync


def check(url: str, *, process: bool = False) -> tuple[int, str]:
    result = run_cli("customer-mdm", "status", "--check", database_url=url, process=process)
    assert result.stdout.count("\n") == 1 and "Traceback" not in result.stderr, result
    return result.returncode, result.stdout.strip()


def test_status_check_levels(db_url, conn):
    add_row(conn, "2025-01", "A", "PA", aum=100, contribution=5)
    sync(conn)
    refresh(conn, None)
    conn.execute("UPDATE customer.mdm_settings SET delivery_due_day = 28")
    code, line = check(db_url)
    assert code == 1 and line.startswith("WDH WARNING - the 2025-02 delivery was due 2025-03-28")  # long overdue
    add_row(conn, "2025-02", "A", "PA", aum=100, contribution=5)
    code, line = check(db_url)
    assert code == 1 and "the monthly close has work pending" in line
    sync(conn)
    refresh(conn, None)
    conn.execute('UPDATE business."规模明细" SET "月度" = "月度"')  # a correction of applied months
    assert json.loads(run_cli("customer-mdm", "status", "--json", database_url=db_url).stdout)["close_pending"] is True
    sync(conn)
    refresh(conn, None)
    add_row(conn, "2025-04", "A", "PA", aum=100, contribution=5)  # 2025-03 missing: a hole
    code, line = check(db_url)
    assert code == 2 and "months missing from 规模明细: 202503" in line, line
    conn.execute('DELETE FROM business."规模明细" WHERE "月度" = \'2025-04-01\'')
    conn.execute("SELECT customer.record_failed_run('run_monthly_close', '53100', 'could not extend file', now())")
    code, line = check(db_url)
    assert code == 2 and "the last run_monthly_close failed" in line and "53100" in line
    status = run_cli("customer-mdm", "status", database_url=db_url)
    assert status.returncode == 0 and "failed: SQLSTATE 53100" in status.stdout


def test_status_check_says_unknown_when_it_cannot_connect(db_url):
    code, line = check(db_url.rsplit(":", 1)[0] + ":1/nowhere", process=True)  # the interpreter's exit code
    assert code == 3 and line.startswith("WDH UNKNOWN - ")


def test_a_failed_scheduled_run_is_critical(cron_url):
    """pg_cron records a job that could not even connect (no cron.use_background_workers, no
    password) in cron.job_run_details: status says so, and --check is CRITICAL."""
    with psycopg.connect(cron_url, autocommit=True) as conn:
        # The session's scheduled-close job (conftest) stays as it is: its id is borrowed, not replaced.
        found = conn.execute("SELECT jobid FROM cron.job WHERE jobname = 'wdh_monthly_close'").fetchone()
        jobid = (
            found[0]
            if found
            else conn.execute("SELECT jobid FROM customer.schedule_mdm_jobs(p_schedule => '0 3 6 1 *')").fetchone()[0]
        )
        try:
            # pg_cron records a job that could not connect with no start time
            conn.execute(
                "INSERT INTO cron.job_run_details (jobid, status, return_message, start_time, end_time) "
                "VALUES (%s, 'failed', 'connection failed', NULL, now())",
                (jobid,),
            )
            code, line = check(cron_url)
            assert code == 2 and "the scheduled close's run at" in line and "failed: connection failed" in line, line
            status = run_cli("customer-mdm", "status", database_url=cron_url)
            assert "Scheduled close (pg_cron): last run" in status.stdout and "connection failed" in status.stdout
            runs = run_cli("customer-mdm", "runs", database_url=cron_url)
            assert "The scheduled close (pg_cron) at" in runs.stdout and "failed: connection failed" in runs.stdout
        finally:
            conn.execute("DELETE FROM cron.job_run_details WHERE jobid = %s AND start_time IS NULL", (jobid,))
            if not found:
                conn.execute("SELECT * FROM customer.unschedule_mdm_jobs()")


def test_etl_all_loads_the_ledgers_then_the_months_and_closes_once(db_url, conn, tmp_path):
    from datetime import date

    from source import table_fingerprint
    from work_data_hub.sample_data import generate_inbox

    generate_inbox(tmp_path / "data" / "inbox", customers=30, months=4, start=date(2026, 9, 1), seed=5)
    before = table_fingerprint(conn)
    preview = run_cli("etl", "--all", cwd=tmp_path, database_url=db_url)
    assert preview.returncode == 0, preview.stderr
    assert table_fingerprint(conn) == before
    loaded = run_cli("etl", "--all", "--execute", cwd=tmp_path, database_url=db_url)
    assert loaded.returncode == 0, loaded.stderr
    out = loaded.stdout
    assert out.index("annual_award") < out.index("annual_loss") < out.index("annuity_performance deliveries")
    assert out.count("Post-ETL hooks:") == 1 and "monthly_close" in out
    assert conn.execute("SELECT close_pending FROM customer.mdm_status()").fetchone() == (False,)
    again = run_cli("etl", "--all", "--execute", cwd=tmp_path, database_url=db_url)
    assert again.returncode == 0 and "no hook to run" in again.stdout
    both = run_cli("etl", "--all", "--domain", "annual_award", cwd=tmp_path, database_url=db_url)
    assert both.returncode == 1 and "takes no --domain" in both.stderr
