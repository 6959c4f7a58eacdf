"""`customer-mdm sync` as a user runs it."""

from __future__ import annotations

import json

import psycopg

from helpers import run_cli
from source import Scenario, add_row, table_fingerprint


def test_sync_prints_the_spec_shape(db_url, conn, tmp_path):
    Scenario(months=4).load(conn)
    result = run_cli("customer-mdm", "sync", cwd=tmp_path, database_url=db_url)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    inserted = conn.execute("SELECT count(*) FROM customer.customer_plan_contract").fetchone()[0]
    total = conn.execute(
        "SELECT count(*) FROM customer.customer_plan_contract c, "
        "generate_series(date '2024-02-01', date '2024-05-01', interval '1 month') AS g, "
        "LATERAL (SELECT (g - interval '1 day')::date AS d) AS e "
        "WHERE c.valid_from <= e.d AND e.d < c.valid_to"
    ).fetchone()[0]
    assert lines[0] == "🔄 Starting contract status sync..."
    assert lines[1] == "✓ Sync completed:"
    assert lines[2] == f"  Inserted: {inserted}"
    assert lines[3].startswith("  Updated: ")
    assert lines[4] == f"  Total processed: {total}"
    assert "  Periods: 202401–202404 (4)" in lines


def test_sync_dry_run_reports_real_counts_and_changes_nothing(db_url, conn, tmp_path):
    Scenario(months=3).load(conn)
    before = table_fingerprint(conn)
    dry = run_cli("customer-mdm", "sync", "--dry-run", cwd=tmp_path, database_url=db_url)
    assert dry.returncode == 0, dry.stderr
    assert "Dry run: no changes were made." in dry.stdout
    assert table_fingerprint(conn) == before
    assert conn.execute("SELECT dry_run FROM customer.mdm_run_log").fetchall() == [(True,)]
    real = run_cli("customer-mdm", "sync", cwd=tmp_path, database_url=db_url)
    assert real.stdout.splitlines()[2:5] == dry.stdout.splitlines()[2:5]
    assert "Inserted: 0" not in real.stdout


def test_sync_period_and_json(db_url, conn, tmp_path):
    Scenario(months=3).load(conn)
    result = run_cli("customer-mdm", "sync", "--period", "202402", "--json", cwd=tmp_path, database_url=db_url)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["period_end"] for r in rows] == ["2024-01-31", "2024-02-29"]
    assert set(rows[0]) == {"period_end", "inserted", "updated", "lapsed", "total"}


def test_sync_rebuild_from(db_url, conn, tmp_path):
    Scenario(months=3).load(conn)
    run_cli("customer-mdm", "sync", cwd=tmp_path, database_url=db_url)
    before = table_fingerprint(conn)
    dry = run_cli(
        "customer-mdm", "sync", "--rebuild-from", "202402", "--dry-run", "--json", cwd=tmp_path, database_url=db_url
    )
    assert [r["period_end"] for r in json.loads(dry.stdout)] == ["2024-02-29", "2024-03-31"]
    assert table_fingerprint(conn) == before  # the rebuild request was not kept either
    result = run_cli("customer-mdm", "sync", "--rebuild-from", "202402", "--json", cwd=tmp_path, database_url=db_url)
    assert [r["period_end"] for r in json.loads(result.stdout)] == ["2024-02-29", "2024-03-31"]


def test_invalid_period(db_url, tmp_path):
    for bad in ("2026-01", "202613", "20261", "abcdef"):
        result = run_cli("customer-mdm", "sync", "--period", bad, cwd=tmp_path, database_url=db_url)
        assert result.returncode == 1
        assert "Invalid period format" in result.stderr and "YYYYMM" in result.stderr


def test_missing_customer_names_the_fix(db_url, conn, tmp_path):
    add_row(conn, "2025-03", "A", "PA", aum=1, contribution=1)
    conn.execute('ALTER TABLE business."规模明细" DISABLE TRIGGER USER')
    conn.execute('DELETE FROM customer."年金客户"')
    result = run_cli("customer-mdm", "sync", cwd=tmp_path, database_url=db_url)
    assert result.returncode == 1
    assert "Verify 年金客户 and 产品线 tables have required data" in result.stderr
    assert "company_id A" in result.stderr
    assert "Traceback" not in result.stderr


def test_sync_waits_out_and_reports_lock_timeout(db_url, conn, tmp_path):
    Scenario(months=2).load(conn)
    conn.execute("UPDATE customer.mdm_settings SET lock_timeout_seconds = 0.2")
    with psycopg.connect(db_url) as holder:
        holder.execute("SELECT customer._lock_mdm('test')")
        result = run_cli("customer-mdm", "sync", cwd=tmp_path, database_url=db_url)
    assert result.returncode == 1
    assert "gave up" in result.stderr and "Hint:" in result.stderr
