"""Every fault ends in a known state (issue 28): a migrate that survives a kill, the deploy's stamp,
runs on record as running / interrupted / refused, commits whose outcome is read back, the record
naming the person, files and settings that are trusted only when they should be, reruns that
finish the job, and what a close writes left analysed."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from helpers import run_cli
from source import Scenario, table_fingerprint, wait_until_blocked
from work_data_hub.db import deploy
from work_data_hub.db.connect import commit_outcome
from work_data_hub.errors import CommitOutcome, WdhError


def mdm(db_url: str, tmp_path: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return run_cli("customer-mdm", *args, cwd=tmp_path, database_url=db_url, **kwargs)


def steward(conn, db_url: str, name: str) -> str:
    """A login granted only wdh_operator, with a password, over TCP: its URL."""
    role = f"{name}_{os.getpid()}"
    conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
    conn.execute(
        sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'steward pw' IN ROLE wdh_operator").format(sql.Identifier(role))
    )
    return db_url.replace("postgres@", f"{role}:steward%20pw@")


# 1. Migrations that survive a crash ----------------------------------------------------------


def test_a_yoyo_lock_left_by_a_killed_migrate_is_broken_by_the_next(db_url, conn, tmp_path):
    conn.execute("INSERT INTO public.yoyo_lock (locked, ctime, pid) VALUES (1, now(), 424242)")
    result = run_cli("db", "migrate", cwd=tmp_path, database_url=db_url)
    assert result.returncode == 0, result.stderr
    assert "Broke the stale migration lock a killed db migrate had left (process 424242" in result.stdout
    assert conn.execute("SELECT count(*) FROM public.yoyo_lock").fetchone() == (0,)
    again = run_cli("db", "migrate", cwd=tmp_path, database_url=db_url)
    assert again.returncode == 0 and "Broke" not in again.stdout


def test_a_migrate_waits_for_a_running_one_and_names_it(db_url, conn, monkeypatch):
    monkeypatch.setattr(deploy, "MIGRATE_WAIT_SECONDS", 1)
    with psycopg.connect(db_url, autocommit=True) as other:
        holder = other.execute("SELECT pg_backend_pid(), pg_advisory_lock(%s, %s)", deploy.MIGRATE_LOCK).fetchone()[0]
        with pytest.raises(WdhError, match=rf"Another db migrate is running \(server process {holder}") as caught:
            deploy.migrate(db_url)
        assert caught.value.sqlstate == "55P03" and "pg_terminate_backend" in caught.value.hint
    deploy.migrate(db_url)  # the holder's connection is gone, and so its lock


def test_a_migration_and_its_record_commit_together(pg_server, monkeypatch):
    """yoyo commits a migration and records it in two transactions; a kill between them left it
    applied and unrecorded, and every later migrate failed on it. Here both are one transaction."""
    from helpers import scratch_database

    with scratch_database(pg_server, "wdh_atomic", template=None) as url:
        monkeypatch.setattr(deploy, "MARK", "SELECT 1 / 0")  # the record fails after the migration ran
        with pytest.raises(WdhError, match="Migration 0001_create_schemas failed"):
            deploy.migrate(url)
        with psycopg.connect(url) as c:
            assert c.execute("SELECT to_regnamespace('customer')").fetchone() == (None,)
        monkeypatch.undo()
        assert deploy.migrate(url).applied[0] == "0001_create_schemas"


def test_the_migrate_lock_is_the_registry_s(conn):
    assert conn.execute("SELECT customer._lock_class('migrate')").fetchone()[0] == deploy.MIGRATE_LOCK[0]


def test_the_deploy_is_stamped_and_a_half_finished_migrate_is_refused_until_migrate(db_url, conn, tmp_path):
    stamp = conn.execute("SELECT procedures_digest, migration_id FROM customer.mdm_deployment").fetchone()
    latest = sorted(p.stem for p in deploy.migrations_dir().glob("*.sql"))[-1]
    assert stamp == (deploy.procedures_digest(), latest)
    status = run_cli("db", "status", cwd=tmp_path, database_url=db_url)
    assert "Procedures: deployed by this package, up to date" in status.stdout, status.stdout + status.stderr

    Scenario(months=3).load(conn)
    assert mdm(db_url, tmp_path, "close").returncode == 0
    # As a kill between the migrations and the deploy leaves it: the functions of an older level.
    conn.execute("UPDATE customer.mdm_deployment SET migration_id = '0019_explain_customers'")
    problem = conn.execute("SELECT deployment_problem FROM customer.mdm_status()").fetchone()[0]
    assert "belong to migration 0019_explain_customers" in problem and "run db migrate" in problem
    assert f"Procedures: {problem}" in run_cli("db", "status", cwd=tmp_path, database_url=db_url).stdout
    check = mdm(db_url, tmp_path, "status", "--check")
    assert check.returncode == 2 and "0019_explain_customers" in check.stdout

    conn.execute('UPDATE business."规模明细" SET "期末资产规模" = "期末资产规模" + 1 WHERE "月度" = \'2024-02-01\'')
    before = table_fingerprint(conn)
    for args in (("close",), ("merge", "--from", "C001", "--into", "C900", "--force")):
        refused = mdm(db_url, tmp_path, *args)
        assert refused.returncode == 1 and "db migrate" in refused.stderr, refused.stdout + refused.stderr
        assert "Traceback" not in refused.stderr
    withdraw = run_cli("etl", "withdraw", "--domain", "annuity_performance", "--period", "202403", "--execute",
                       cwd=tmp_path, database_url=db_url)  # fmt: skip
    assert withdraw.returncode == 1 and "db migrate" in withdraw.stderr
    with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState, match="db migrate"):
        conn.execute("SELECT * FROM customer.run_monthly_close()")  # pg_cron's path refuses too
    assert table_fingerprint(conn) == before

    assert run_cli("db", "migrate", cwd=tmp_path, database_url=db_url).returncode == 0
    assert conn.execute("SELECT deployment_problem FROM customer.mdm_status()").fetchone() == (None,)
    assert mdm(db_url, tmp_path, "close").returncode == 0


def test_procedures_another_package_deployed_are_refused_by_the_cli(db_url, conn, tmp_path):
    conn.execute("UPDATE customer.mdm_deployment SET procedures_digest = repeat('0', 64), package_version = '0.0.9'")
    Scenario(months=2).load(conn)
    refused = mdm(db_url, tmp_path, "close")
    assert refused.returncode == 1 and "are not this package's" in refused.stderr and "0.0.9" in refused.stderr
    assert "not this package's" in run_cli("db", "status", cwd=tmp_path, database_url=db_url).stdout


# 2. Known outcomes --------------------------------------------------------------------------


def test_a_lost_commit_is_read_back_from_the_server(db_url):
    lost = psycopg.OperationalError("server closed the connection unexpectedly")
    with psycopg.connect(db_url) as c:
        c.execute("CREATE TEMP TABLE t (x int)")
        committed = c.execute("SELECT pg_current_xact_id()::text").fetchone()[0]
        c.commit()
        c.execute("CREATE TEMP TABLE u (x int)")
        aborted = c.execute("SELECT pg_current_xact_id()::text").fetchone()[0]
        c.rollback()
        future = str(int(c.execute("SELECT pg_current_xact_id()::text").fetchone()[0]) + 10_000)
        c.rollback()
    assert commit_outcome(db_url, committed, lost).state == "committed"
    assert commit_outcome(db_url, aborted, lost).state == "aborted"
    assert commit_outcome(db_url, future, lost).state == "aborted"  # it never reached the server's log
    os.environ["WDH_COMMIT_CHECK_SECONDS"] = "1"
    try:
        down = commit_outcome("postgresql://nobody@127.0.0.1:1/none", committed, lost)
    finally:
        del os.environ["WDH_COMMIT_CHECK_SECONDS"]
    assert down.state == "unknown" and "customer-mdm runs" in down.hint
    assert "confirms the run committed" in CommitOutcome(committed, "committed", "x").message
    assert "did not commit" in CommitOutcome(aborted, "aborted", "x").message


SLOW_COMMIT = """
CREATE FUNCTION public.slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_sleep(60); RETURN NULL; END $$;
CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON customer.company_merge_log
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.slow_commit();
"""


def test_a_merge_whose_commit_is_cut_says_it_did_not_commit(db_url, conn, tmp_path):
    """The connection is terminated while COMMIT runs (a deferred trigger holds it): the CLI asks
    the server and says "did not commit", and nothing of the merge is there."""
    Scenario(months=2).load(conn)
    conn.execute(SLOW_COMMIT)
    before = table_fingerprint(conn)
    env = {**os.environ, "DATABASE_URL": db_url}
    merge = subprocess.Popen(
        [sys.executable, "-m", "work_data_hub.cli", "customer-mdm", "merge", "--from", "C001", "--into", "C900",
         "--force"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    pid = None
    for _ in range(300):
        row = conn.execute("SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep'").fetchone()
        if row:
            pid = row[0]
            break
        time.sleep(0.05)
    assert pid, "the merge never reached its commit"
    conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
    out, err = merge.communicate(timeout=60)
    assert merge.returncode == 1, out + err
    assert "the server confirms the run did not commit" in err and "Traceback" not in err
    assert table_fingerprint(conn) == before


# 2. Runs on record: running, interrupted, refused ------------------------------------------------


def test_a_close_in_progress_says_since_when_and_a_killed_one_is_interrupted(db_url, conn, tmp_path):
    Scenario(months=3).load(conn)
    env = {**os.environ, "DATABASE_URL": db_url}
    with psycopg.connect(db_url, autocommit=True) as blocker:
        blocker.execute("SELECT pg_advisory_lock(742, 1)")  # the close waits for the mdm lock
        close = subprocess.Popen(
            [sys.executable, "-m", "work_data_hub.cli", "customer-mdm", "close"],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        wait_until_blocked(conn, 1)
        status = mdm(db_url, tmp_path, "status")
        assert re.search(r"Running: run_monthly_close since \d{4}-\d\d-\d\d \d\d:\d\d, by postgres", status.stdout)
        assert "None" not in status.stdout
        close.send_signal(signal.SIGKILL)  # the CLI dies; its backend waits on
        close.wait(30)
        assert "running" in mdm(db_url, tmp_path, "runs").stdout
        backend = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        ).fetchone()[0]
        conn.execute("SELECT pg_terminate_backend(%s)", (backend,))  # as a restart ends it
    for _ in range(100):
        if conn.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (backend,)).fetchone() == (0,):
            break
        time.sleep(0.05)
    runs = mdm(db_url, tmp_path, "runs", "--json")
    first = json.loads(runs.stdout)[0]
    assert (first["function_name"], first["status"], first["sqlstate"]) == ("run_monthly_close", "interrupted", "08006")
    status = mdm(db_url, tmp_path, "status")
    assert "run_monthly_close at" in status.stdout and "interrupted: SQLSTATE 08006" in status.stdout
    check = mdm(db_url, tmp_path, "status", "--check")
    assert check.returncode == 2 and "interrupted" in check.stdout
    assert mdm(db_url, tmp_path, "close").returncode == 0  # the next close settles it, and does the work
    rows = conn.execute(
        "SELECT status FROM customer.mdm_run_log WHERE function_name = 'run_monthly_close' ORDER BY run_id"
    ).fetchall()
    assert rows == [("interrupted",), ("succeeded",)]
    assert "CRITICAL" not in mdm(db_url, tmp_path, "status", "--check").stdout
    assert conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").fetchone() == (0,)


def test_bad_input_is_refused_on_record_without_changing_the_health_check(db_url, conn, tmp_path):
    Scenario(months=2).load(conn)
    assert mdm(db_url, tmp_path, "close").returncode == 0
    healthy = mdm(db_url, tmp_path, "status", "--check").stdout
    bad = mdm(db_url, tmp_path, "sync", "--period", "199901")
    assert bad.returncode == 1
    assert conn.execute("SELECT status, sqlstate FROM customer.mdm_run_log ORDER BY run_id DESC").fetchone() == (
        "refused",
        "22023",
    )
    assert mdm(db_url, tmp_path, "status", "--check").stdout == healthy
    assert "Last run: run_monthly_close at" in mdm(db_url, tmp_path, "status").stdout


# 3. The record names the person --------------------------------------------------------------


def test_every_record_names_the_steward_and_a_login_cannot_pose_as_pg_cron(db_url, conn, tmp_path):
    url = steward(conn, db_url, "steward")
    login = url.split("//", 1)[1].split(":", 1)[0]
    Scenario(months=3).load(conn)
    first = conn.execute('SELECT min(company_id) FROM customer."年金客户"').fetchone()[0]
    spoof = {"PGOPTIONS": "-c application_name=pg_cron -c work_data_hub.scheduled=on"}
    assert mdm(url, tmp_path, "close", env=spoof).returncode == 0
    merged = mdm(url, tmp_path, "merge", "--from", first, "--into", "C900", "--force")
    assert merged.returncode == 0, merged.stderr
    alias = mdm(url, tmp_path, "alias", "add", "--name", "某某公司", "--company-id", "C002")
    assert alias.returncode == 0, alias.stderr
    assert conn.execute("SELECT merged_by FROM customer.company_merge_log").fetchone() == (login,)
    assert conn.execute(
        "SELECT DISTINCT recorded_by FROM customer.company_alias WHERE source = 'override'"
    ).fetchall() == [(login,)]
    run = conn.execute(
        "SELECT db_user, counts->>'scheduled' FROM customer.mdm_run_log WHERE function_name = 'run_monthly_close'"
    ).fetchone()
    assert run == (login, "false")
    assert conn.execute("SELECT DISTINCT built_by FROM customer.snapshot_edition").fetchall() == [(login,)]
    assert conn.execute("SELECT last_run_by FROM customer.mdm_status()").fetchone() == (login,)
    assert "scheduled close" not in mdm(url, tmp_path, "status").stdout
    assert "merged into C900 by " + login in mdm(url, tmp_path, "history", "--company", first).stdout


# 4. Paths and files ----------------------------------------------------------------------------


def test_a_settings_file_is_trusted_as_ssh_trusts_its_config(db_url, tmp_path):
    env_file = tmp_path / ".wdh_env"
    env_file.write_text(f"DATABASE_URL={db_url}\n", encoding="utf-8")
    env_file.chmod(0o600)
    ok = run_cli("customer-mdm", "status", cwd=tmp_path)
    assert ok.returncode == 0 and "Warning" not in ok.stderr, ok.stderr
    env_file.chmod(0o644)
    readable = run_cli("customer-mdm", "status", cwd=tmp_path)
    assert readable.returncode == 0 and f"Warning: {env_file} is readable by every user (mode 0644)" in readable.stderr
    env_file.chmod(0o666)
    writable = run_cli("customer-mdm", "status", cwd=tmp_path)
    assert writable.returncode == 1 and "may be changed by other users (mode 0666): it is not read" in writable.stderr
    env_file.chmod(0o600)
    os.chown(env_file, 65534, 65534)  # nobody
    foreign = run_cli("customer-mdm", "status", cwd=tmp_path)
    assert foreign.returncode == 1 and "belongs to another user (uid 65534): it is not read" in foreign.stderr
    assert "Traceback" not in foreign.stderr + writable.stderr


def test_a_file_that_is_no_delivery_is_never_printed(db_url, tmp_path):
    secret = tmp_path / "规模明细_202401.csv"
    secret.write_text("root:$6$saltsalt$hash:20228:0:99999:7:::\nbin:*:20228:0:99999:7:::\n", encoding="utf-8")
    result = run_cli("etl", "--domain", "annuity_performance", "--file", str(secret), cwd=tmp_path,
                     database_url=db_url)  # fmt: skip
    assert result.returncode == 1
    assert "saltsalt" not in result.stdout + result.stderr and "its content is not shown" in result.stderr


def test_report_and_export_remove_what_killed_runs_left(sample_url, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    leftovers = [out / f".月度导出_202612.xlsx.{dead.pid}.partial", out / f".月度报告_202612.html.{dead.pid}.partial"]
    for leftover in leftovers:
        leftover.write_bytes(b"")
    alive = out / f".月度导出_202612.xlsx.{os.getpid()}.partial"  # a live process's: another run writing now
    alive.write_bytes(b"")
    # Each command in a process of its own: this test's process is the live writer.
    export = mdm(
        sample_url, tmp_path, "export", "--period", "202612", "--out", str(out / "月度导出_202612.xlsx"), process=True
    )
    report = mdm(
        sample_url, tmp_path, "report", "--period", "202612", "--out", str(out / "月度报告_202612.html"), process=True
    )
    assert export.returncode == 0 and report.returncode == 0, export.stderr + report.stderr
    assert not any(p.exists() for p in leftovers) and alive.exists()


def test_a_full_disk_is_an_error_message(sample_url, tmp_path):
    full = tmp_path / "full"
    full.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(full)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        (full / "filler").write_bytes(b"x" * 12_000)
        for command, name in (("export", "x.xlsx"), ("report", "x.html")):
            result = mdm(sample_url, tmp_path, command, "--period", "202612", "--out", str(full / name))
            assert result.returncode == 1, result.stdout
            assert "No space left on device" in result.stderr and "Traceback" not in result.stderr
            assert "Exception ignored" not in result.stderr
            assert sorted(p.name for p in full.iterdir()) == ["filler"]
    finally:
        subprocess.run(["umount", str(full)], check=False)


# 5. Reruns finish the job ----------------------------------------------------------------------


def test_a_withdraw_rerun_after_its_close_was_lost_says_so_and_closes(db_url, conn, tmp_path):
    Scenario(months=3).load(conn)
    assert mdm(db_url, tmp_path, "close").returncode == 0
    args = ("etl", "withdraw", "--domain", "annuity_performance", "--period", "202403", "--execute")
    first = run_cli(*args, "--no-post-hooks", cwd=tmp_path, database_url=db_url)  # as a kill before the close
    assert first.returncode == 0, first.stderr
    again = run_cli(*args, cwd=tmp_path, database_url=db_url)
    assert again.returncode == 0, again.stderr
    assert "2024-03 was withdrawn already (load ledger #" in again.stdout
    assert "The monthly close is pending (the withdrawal's close did not run): running it." in again.stdout
    assert "Monthly close completed" in again.stdout or "✓" in again.stdout
    third = run_cli(*args, cwd=tmp_path, database_url=db_url)
    assert third.returncode == 0 and "The close is up to date: nothing to do." in third.stdout


def test_a_file_load_rerun_after_its_close_was_lost_skips_the_file_and_closes(db_url, conn, tmp_path):
    from files import HEADERS, perf_row
    from work_data_hub.sample_data import write_xlsx

    path = tmp_path / "202501" / "规模明细_202501.xlsx"
    path.parent.mkdir()
    write_xlsx(path, "规模明细", HEADERS, [perf_row("202501"), perf_row("202501", company="C2")])
    args = ("etl", "--domain", "annuity_performance", "--file", str(path), "--execute")
    assert run_cli(*args, "--no-post-hooks", cwd=tmp_path, database_url=db_url).returncode == 0  # killed before
    again = run_cli(*args, cwd=tmp_path, database_url=db_url)
    assert again.returncode == 0, again.stderr
    assert "already loaded" in again.stdout and "skipped (--force loads it again)" in again.stdout
    assert "running the post-ETL hooks" in again.stdout
    assert conn.execute("SELECT count(*) FROM business.etl_load_log").fetchone() == (1,)
    assert conn.execute("SELECT close_pending FROM customer.mdm_status()").fetchone() == (False,)


# 6. Plans that do not depend on luck -----------------------------------------------------------


def test_the_close_leaves_what_it_wrote_analysed(db_url, conn, tmp_path):
    Scenario(months=6).load(conn)
    assert mdm(db_url, tmp_path, "close").returncode == 0
    analysed = set()
    for _ in range(50):  # the statistics collector reports the counts a moment later
        analysed = {
            r[0]
            for r in conn.execute(
                "SELECT relname FROM pg_stat_user_tables WHERE schemaname = 'customer' AND analyze_count > 0"
            )
        }
        if {"customer_plan_contract", "fct_customer_plan_monthly", "fct_customer_product_line_monthly"} <= analysed:
            break
        time.sleep(0.1)
    assert {"customer_plan_contract", "fct_customer_plan_monthly", "fct_customer_product_line_monthly"} <= analysed


# 8. No sequence rewinds ------------------------------------------------------------------------


def test_no_procedure_rewinds_a_sequence():
    for path in deploy.procedure_files():
        code = "\n".join(line.split("--", 1)[0] for line in path.read_text(encoding="utf-8").splitlines())
        assert "setval" not in code, path.name


def test_dry_runs_leave_a_concurrent_load_its_ids(db_url, conn, tmp_path):
    Scenario(months=3).load(conn)
    before = conn.execute("SELECT last_value FROM business.etl_load_log_load_id_seq").fetchone()[0]
    with psycopg.connect(db_url) as dry:
        dry.execute("SELECT * FROM business.withdraw_month('2024-03-01', true)")
        conn.execute("SELECT nextval('business.etl_load_log_load_id_seq')")  # a ledger load draws one meanwhile
        dry.commit()
    assert conn.execute("SELECT last_value FROM business.etl_load_log_load_id_seq").fetchone()[0] > before
