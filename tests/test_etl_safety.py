"""Concurrent, interrupted and misconfigured loads: one copy, a clear message, nothing half-written,
no traceback, no password."""

from __future__ import annotations

import os
import signal
from datetime import date
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from files import HEADERS, deliver, perf_row, spawn, wait_until_blocked
from helpers import REPO, run_cli, scratch_database
from source import table_fingerprint
from work_data_hub.sample_data import write_xlsx

LOCK_ETL = (
    "SELECT pg_advisory_xact_lock(customer._lock_class('source'), 'business.\"规模明细\"'::regclass::oid::integer)"
)


def test_three_identical_concurrent_loads_leave_one_copy(db_url, conn, tmp_path):
    path = tmp_path / "m.xlsx"
    write_xlsx(path, "规模明细", HEADERS, [perf_row(), perf_row(company="C2"), perf_row(company="C3")])
    with psycopg.connect(db_url) as holder:  # all three start, then race for the lock at once
        holder.execute(LOCK_ETL)
        procs = [
            spawn(
                db_url,
                tmp_path,
                "etl",
                "--domain",
                "annuity_performance",
                "--file",
                str(path),
                "--execute",
                "--no-post-hooks",
            )
            for _ in range(3)
        ]
        wait_until_blocked(conn, 3)
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    assert all(code == 0 for _, _, code in results), results
    assert conn.execute('SELECT count(*), sum("期末资产规模") FROM business."规模明细"').fetchone() == (3, 300)


def test_concurrent_inbox_runs_load_each_file_once(db_url, conn, tmp_path):
    (tmp_path / ".wdh_env").write_text(f"DATABASE_URL={db_url}\n", encoding="utf-8")
    deliver(tmp_path / "data" / "inbox", "202501", [perf_row("202501"), perf_row("202501", company="C2")])
    with psycopg.connect(db_url) as holder:
        holder.execute(LOCK_ETL)
        procs = [spawn(db_url, tmp_path, "etl", "--domain", "annuity_performance", "--execute") for _ in range(3)]
        wait_until_blocked(conn, 3)
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    assert sum("✓ Loaded 2 rows" in out for out in outputs) == 1
    assert sum("already loaded" in out and "by another run" in out for out in outputs) == 2
    assert conn.execute('SELECT count(*) FROM business."规模明细"').fetchone() == (2,)
    assert conn.execute("SELECT count(*) FROM business.etl_load_log").fetchone() == (1,)


def test_a_load_that_waits_too_long_fails_with_55P03_and_changes_nothing(db_url, conn, tmp_path):
    conn.execute("UPDATE customer.mdm_settings SET lock_timeout_seconds = 0.3")
    path = tmp_path / "m.xlsx"
    write_xlsx(path, "规模明细", HEADERS, [perf_row()])
    before = table_fingerprint(conn)
    with psycopg.connect(db_url) as holder:
        holder.execute(LOCK_ETL)
        result = run_cli(
            "etl",
            "--domain",
            "annuity_performance",
            "--file",
            str(path),
            "--execute",
            cwd=tmp_path,
            database_url=db_url,
        )
    assert result.returncode == 1
    assert "Another load into business.规模明细 held its lock for more than 0.30 s" in result.stderr
    assert "Hint: Wait for the other load to finish" in result.stderr and "Traceback" not in result.stderr
    assert table_fingerprint(conn) == before


def _two_month_inbox(tmp_path: Path, db_url: str) -> None:
    (tmp_path / ".wdh_env").write_text(f"DATABASE_URL={db_url}\n", encoding="utf-8")
    inbox = tmp_path / "data" / "inbox"
    deliver(inbox, "202501", [perf_row("202501")])
    deliver(inbox, "202502", [perf_row("202502"), perf_row("202502", company="C9")])


def test_ctrl_c_mid_run_keeps_the_committed_files_and_says_what_to_run(db_url, conn, tmp_path):
    """The second file blocks on a customer another session is inserting; Ctrl-C then."""
    _two_month_inbox(tmp_path, db_url)
    with psycopg.connect(db_url) as holder:
        holder.execute("INSERT INTO customer.\"年金客户\" (company_id, \"客户名称\") VALUES ('C9', '九')")
        proc = spawn(db_url, tmp_path, "etl", "--domain", "annuity_performance", "--execute")
        wait_until_blocked(conn)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        holder.rollback()
    assert proc.returncode == 130, err
    assert "interrupted while loading" in err and "2025年2月" in err
    assert "Committed before it: 1 file(s)" in err and "2025-01" in err
    assert "run the same command again" in err and "Traceback" not in err
    assert conn.execute('SELECT "月度", count(*) FROM business."规模明细" GROUP BY 1').fetchall() == [
        (date(2025, 1, 1), 1)
    ]
    assert conn.execute("SELECT count(*) FROM business.etl_load_log").fetchone() == (1,)
    again = run_cli("etl", "--domain", "annuity_performance", "--execute", cwd=tmp_path)
    assert again.returncode == 0 and "202501  loaded" in again.stdout and "202502  new" in again.stdout
    assert conn.execute('SELECT count(*) FROM business."规模明细"').fetchone() == (3,)


def test_server_gone_mid_load_says_nothing_of_that_file_was_committed(db_url, conn, tmp_path):
    _two_month_inbox(tmp_path, db_url)
    with psycopg.connect(db_url) as holder:
        holder.execute("INSERT INTO customer.\"年金客户\" (company_id, \"客户名称\") VALUES ('C9', '九')")
        proc = spawn(db_url, tmp_path, "etl", "--domain", "annuity_performance", "--execute")
        [pid] = wait_until_blocked(conn)
        conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        out, err = proc.communicate(timeout=60)
        holder.rollback()
    assert proc.returncode == 1, err
    assert "Lost the connection to the database" in err
    assert "nothing of this file was loaded. Committed before it: 1 file(s)" in err
    assert "Traceback" not in err
    assert conn.execute('SELECT count(*) FROM business."规模明细"').fetchone() == (1,)


# --- configuration and database errors ----------------------------------------------------------


@pytest.fixture
def empty_db(pg_server):
    """A database without migrations."""
    with scratch_database(pg_server, "wdh_empty", template=None) as url:
        yield url


@pytest.mark.parametrize(
    "args",
    [
        ["etl", "--domain", "annuity_performance", "--file", "{file}"],
        ["etl", "--domain", "annuity_performance", "--file", "{file}", "--execute"],
        ["etl", "--domain", "annuity_performance"],
        ["etl", "history"],
        ["customer-mdm", "status"],
        ["customer-mdm", "sync"],
    ],
)
def test_an_unmigrated_database_says_run_db_migrate(empty_db, tmp_path, args):
    path = tmp_path / "m.xlsx"
    write_xlsx(path, "规模明细", HEADERS, [perf_row()])
    deliver(tmp_path / "data" / "inbox", "202501", [perf_row("202501")])
    result = run_cli(*[a.format(file=path) for a in args], cwd=tmp_path, database_url=empty_db)
    assert result.returncode == 1, result.stdout
    assert "The database is not migrated" in result.stderr and "db migrate" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_reader_login_gets_a_clear_refusal(db_url, conn, tmp_path, pg_server):
    role = f"wdh_reader_login_{os.getpid()}"
    conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
    conn.execute(sql.SQL("CREATE ROLE {} LOGIN IN ROLE wdh_reader").format(sql.Identifier(role)))
    try:
        url = db_url.replace("postgres@", f"{role}@")
        path = tmp_path / "m.xlsx"
        write_xlsx(path, "规模明细", HEADERS, [perf_row()])
        before = table_fingerprint(conn)
        result = run_cli(
            "etl", "--domain", "annuity_performance", "--file", str(path), "--execute", cwd=tmp_path, database_url=url
        )
        assert result.returncode == 1
        first = result.stderr.splitlines()[0]
        # The refusal names the role the login lacks, not the private helper that refused it.
        assert "wdh_operator" in first and "_lock_source_table" not in first, result.stderr
        assert "GRANT wdh_operator TO" in result.stderr
        assert "Traceback" not in result.stderr
        assert table_fingerprint(conn) == before
    finally:
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_key_value_database_url_never_prints_its_password(db_url, tmp_path):
    info = psycopg.conninfo.conninfo_to_dict(db_url)
    conninfo = (
        f"host={info['host']} port={info['port']} user={info['user']} dbname={info['dbname']} password=VerySecret123"
    )
    for args in (["db", "status"], ["db", "migrate"]):
        result = run_cli(*args, cwd=tmp_path, database_url=conninfo)
        assert result.returncode == 0, result.stderr
        assert "VerySecret123" not in result.stdout + result.stderr
        assert "password=****" in result.stdout
    unreachable = conninfo.replace(f"port={info['port']}", "port=1")
    for args in (["db", "status"], ["db", "migrate"], ["etl", "history"]):
        result = run_cli(*args, cwd=tmp_path, database_url=unreachable)
        assert result.returncode == 1
        assert "VerySecret123" not in result.stdout + result.stderr and "Traceback" not in result.stderr
        assert "Cannot connect" in result.stderr


def test_usage_errors(tmp_path, db_url):
    result = run_cli("etl", "--execute", cwd=REPO, database_url=db_url)
    assert result.returncode == 1 and "etl needs --domain" in result.stderr


def test_ctrl_c_during_the_hooks_keeps_the_load_and_says_to_close(db_url, conn, tmp_path):
    path = tmp_path / "m.xlsx"
    write_xlsx(path, "规模明细", HEADERS, [perf_row()])
    with psycopg.connect(db_url) as holder:
        holder.execute("SELECT customer._lock_mdm('test')")  # the close waits for it
        proc = spawn(db_url, tmp_path, "etl", "--domain", "annuity_performance", "--file", str(path), "--execute")
        wait_until_blocked(conn)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted during the post-ETL hooks: the loaded files are committed" in err
    assert "customer-mdm close" in err and "Traceback" not in err
    assert conn.execute('SELECT count(*) FROM business."规模明细"').fetchone() == (1,)
    assert conn.execute("SELECT count(*) FROM customer.customer_plan_contract").fetchone() == (0,)
