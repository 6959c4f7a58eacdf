"""customer.refresh_monthly_snapshot: point-in-time facts, ledgers, exact replacement, errors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import psycopg
import pytest

from helpers import run_cli
from source import (
    Scenario,
    add_ledger,
    add_row,
    plan_fact,
    product_line_fact,
    refresh,
    sync,
    table_fingerprint,
)


def test_early_month_keeps_its_status_after_later_months_sync(conn):
    add_row(conn, "2025-01", "A", "PA", aum=100, contribution=5)
    add_row(conn, "2025-02", "A", "PA", aum=0, contribution=0)  # 停缴 from February
    add_row(conn, "2025-03", "A", "PA", aum=0, contribution=0)
    sync(conn, "2025-01")
    refresh(conn, "2025-01")
    sync(conn)
    assert refresh(conn, "2025-01")[3:] == (0, 0, 0)  # unchanged by the later history
    assert plan_fact(conn, "2025-01", "A", "PA") == ("正常", False, Decimal("100.00"))
    refresh(conn, "2025-03")
    assert plan_fact(conn, "2025-03", "A", "PA")[0] == "停缴"
    # A first refresh of January after March was synced reads January's version too.
    conn.execute("DELETE FROM customer.fct_customer_plan_monthly")
    refresh(conn, "2025-01")
    assert plan_fact(conn, "2025-01", "A", "PA")[0] == "正常"


def test_ledgers_are_bounded_to_the_year_up_to_the_month(conn):
    for when in ("2025-01", "2025-03", "2025-10", "2025-12", "2026-01"):
        add_row(conn, when, "A", "PA", aum=100, contribution=5)
    add_ledger(conn, "loss", "2025-10", "A", plan="PA")
    add_ledger(conn, "award", "2025-01", "A")
    sync(conn)
    for when in ("2025-01", "2025-03", "2025-10", "2025-12", "2026-01"):
        refresh(conn, when)
    flags = {w: product_line_fact(conn, w, "A") for w in ("2025-01", "2025-03", "2025-10", "2025-12", "2026-01")}
    assert [flags[w]["is_churned_this_year"] for w in flags] == [False, False, True, True, False]
    assert [flags[w]["is_winning_this_year"] for w in flags] == [True, True, True, True, False]
    assert plan_fact(conn, "2025-03", "A", "PA")[1] is False
    assert plan_fact(conn, "2025-10", "A", "PA")[1] is True
    assert plan_fact(conn, "2026-01", "A", "PA")[1] is False


def test_plan_churn_matches_product_line_as_well_as_plan(conn):
    add_row(conn, "2025-03", "A", "PA", aum=100, contribution=5, line="PL202")
    add_row(conn, "2025-03", "A", "PA", aum=100, contribution=5, line="PL201")
    add_row(conn, "2025-03", "A", "PB", aum=100, contribution=5, line="PL202")
    add_ledger(conn, "loss", "2025-02", "A", line="PL202", plan="PA")
    sync(conn)
    refresh(conn, "2025-03")
    assert plan_fact(conn, "2025-03", "A", "PA", "PL202")[1] is True
    assert plan_fact(conn, "2025-03", "A", "PA", "PL201")[1] is False  # same plan, other product line
    assert plan_fact(conn, "2025-03", "A", "PB", "PL202")[1] is False  # same product line, other plan
    assert product_line_fact(conn, "2025-03", "A", "PL202")["is_churned_this_year"] is True
    assert product_line_fact(conn, "2025-03", "A", "PL201")["is_churned_this_year"] is False


def test_is_new_and_product_line_rollup(conn):
    conn.execute("UPDATE customer.mdm_settings SET strategic_top_n = 0")
    add_row(conn, "2024-12", "OLD", "PO", aum=50, contribution=1)
    add_row(conn, "2025-03", "OLD", "PO", aum=50, contribution=1)
    add_row(conn, "2025-03", "NEW", "P1", aum=100.555, contribution=1, portfolio="F1")
    add_row(conn, "2025-03", "NEW", "P1", aum=0.004, contribution=1, portfolio="F2")
    add_row(conn, "2025-03", "NEW", "P2", aum=600_000_000, contribution=0)
    add_ledger(conn, "award", "2025-02", "OLD")
    add_ledger(conn, "award", "2025-03", "NEW")
    sync(conn)
    assert refresh(conn, "2025-03") == (date(2025, 3, 31), 2, 3, 5, 0, 0)
    old, new = product_line_fact(conn, "2025-03", "OLD"), product_line_fact(conn, "2025-03", "NEW")
    assert (old["is_winning_this_year"], old["is_existing"], old["is_new"]) == (True, True, False)
    assert (new["is_winning_this_year"], new["is_existing"], new["is_new"]) == (True, False, True)
    assert new["is_strategic"] is True and new["plan_count"] == 2
    assert (new["customer_name"], new["product_line_name"]) == ("客户NEW", "企年受托")
    plans = conn.execute(
        "SELECT sum(aum_balance) FROM customer.fct_customer_plan_monthly WHERE company_id = 'NEW'"
    ).fetchone()[0]
    assert new["aum_balance"] == plans == Decimal("600000100.56")


def test_rerun_changes_nothing_and_stale_rows_are_deleted(conn):
    add_row(conn, "2025-01", "A", "PA", aum=100, contribution=5)
    add_row(conn, "2025-01", "B", "PB", aum=100, contribution=5)
    add_row(conn, "2025-02", "A", "PA", aum=100, contribution=5)
    add_row(conn, "2025-02", "B", "PB", aum=100, contribution=5)
    sync(conn)
    assert refresh(conn, "2025-02") == (date(2025, 2, 28), 2, 2, 4, 0, 0)
    before = table_fingerprint(conn)
    assert refresh(conn, "2025-02") == (date(2025, 2, 28), 2, 2, 0, 0, 0)
    assert table_fingerprint(conn) == before
    # A correction removes B from both months: after the sync replays, B is not in effect at
    # February any more and the re-run deletes its stale rows.
    conn.execute("DELETE FROM business.\"规模明细\" WHERE company_id = 'B'")
    with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState):
        refresh(conn, "2025-02")
    sync(conn)
    assert refresh(conn, "2025-02") == (date(2025, 2, 28), 1, 1, 0, 0, 2)
    assert product_line_fact(conn, "2025-02", "B") is None


def test_changed_values_are_updated_in_place(conn):
    add_row(conn, "2025-02", "A", "PA", aum=100, contribution=5)
    sync(conn)
    refresh(conn, "2025-02")
    add_ledger(conn, "loss", "2025-02", "A", plan="PA")
    assert refresh(conn, "2025-02") == (date(2025, 2, 28), 1, 1, 0, 2, 0)
    assert plan_fact(conn, "2025-02", "A", "PA")[1] is True


def test_dry_run_counts_equal_the_real_run_and_change_nothing(conn):
    Scenario(months=6).load(conn)
    sync(conn)
    refresh(conn, "2024-05")
    company, line = conn.execute(
        "SELECT company_id, product_line_code FROM customer.fct_customer_product_line_monthly ORDER BY 1, 2 LIMIT 1"
    ).fetchone()
    add_ledger(conn, "award", "2024-02", company, line=line)
    conn.execute("DELETE FROM customer.fct_customer_plan_monthly WHERE company_id = 'C002'")
    before = table_fingerprint(conn)
    dry = refresh(conn, "2024-05", dry_run=True)
    assert table_fingerprint(conn) == before
    real = refresh(conn, "2024-05")
    assert dry == real and real[3] > 0 and real[4] > 0
    assert conn.execute(
        "SELECT dry_run FROM customer.mdm_run_log WHERE function_name = 'refresh_monthly_snapshot' "
        "ORDER BY run_id DESC LIMIT 2"
    ).fetchall() == [(False,), (True,)]


def test_null_period_means_the_last_synced_period(conn):
    add_row(conn, "2025-01", "A", "PA", aum=100, contribution=5)
    add_row(conn, "2025-02", "A", "PA", aum=100, contribution=5)
    sync(conn)
    assert refresh(conn, None)[0] == date(2025, 2, 28)


def test_errors(conn):
    with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState) as err:
        refresh(conn, None)
    assert "customer.run_monthly_close()" in err.value.diag.message_hint
    assert "customer-mdm close" in err.value.diag.message_hint
    add_row(conn, "2025-01", "A", "PA", aum=100, contribution=5)
    add_row(conn, "2025-02", "A", "PA", aum=100, contribution=5)
    sync(conn, "2025-01")
    with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState) as err:
        refresh(conn, "2025-02")
    assert "synced through 2025-01 only, not through 2025-02" in err.value.diag.message_primary
    assert "customer-mdm close" in err.value.diag.message_hint
    with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState) as err:
        refresh(conn, "2025-03")  # not loaded at all: the hint says to load it, not to sync
    assert "No AUM detail (规模明细) is loaded for 2025-03" in err.value.diag.message_primary
    assert "etl --domain annuity_performance --period 202503 --execute" in err.value.diag.message_hint
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        conn.execute("SELECT * FROM customer.refresh_monthly_snapshot('2025-01-15')")
    with pytest.raises(psycopg.errors.InvalidParameterValue) as err:
        refresh(conn, "2024-12")
    assert "starts at 2025-01, after 2024-12" in err.value.diag.message_primary
    conn.execute('UPDATE business."规模明细" SET "供款" = 0 WHERE company_id = \'A\' AND "月度" = \'2025-01-01\'')
    with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState) as err:
        refresh(conn, "2025-01")
    assert "pending" in err.value.diag.message_primary


def test_refresh_waits_for_a_running_sync(db_url, conn):
    add_row(conn, "2025-01", "A", "PA", aum=100, contribution=5)
    conn.execute("UPDATE customer.mdm_settings SET lock_timeout_seconds = 0.3")
    with psycopg.connect(db_url) as syncing:
        sync(syncing)
        with pytest.raises(psycopg.errors.LockNotAvailable):
            refresh(conn, None)


def test_cli_snapshot(db_url, conn, tmp_path):
    Scenario(months=3).load(conn)
    sync(conn)
    result = run_cli("customer-mdm", "snapshot", "--period", "202403", cwd=tmp_path, database_url=db_url)
    assert result.returncode == 0, result.stderr
    pl_rows, plan_rows = conn.execute(
        "SELECT (SELECT count(*) FROM customer.fct_customer_product_line_monthly), "
        "       (SELECT count(*) FROM customer.fct_customer_plan_monthly)"
    ).fetchone()
    assert result.stdout.splitlines()[:4] == [
        "🔄 Starting monthly snapshot refresh for period 202403...",
        "✓ Snapshot refresh completed:",
        f"  ProductLine table: {pl_rows} records",
        f"  Plan table: {plan_rows} records",
    ]
    dry = run_cli("customer-mdm", "snapshot", "--period", "202402", "--dry-run", cwd=tmp_path, database_url=db_url)
    assert "Dry run: no changes were made." in dry.stdout
    assert conn.execute(
        "SELECT count(*) FROM customer.fct_customer_plan_monthly WHERE snapshot_month = '2024-02-29'"
    ).fetchone() == (0,)


def test_cli_snapshot_errors(db_url, conn, tmp_path):
    missing = run_cli("customer-mdm", "snapshot", cwd=tmp_path, database_url=db_url)
    assert missing.returncode == 1 and "Give exactly one of --period YYYYMM and --all" in missing.stderr
    both = run_cli("customer-mdm", "snapshot", "--period", "202401", "--all", cwd=tmp_path, database_url=db_url)
    assert both.returncode == 1 and "Give exactly one of --period YYYYMM and --all" in both.stderr
    bad = run_cli("customer-mdm", "snapshot", "--period", "2024-03", cwd=tmp_path, database_url=db_url)
    assert bad.returncode == 1 and "Invalid period format" in bad.stderr
    add_row(conn, "2024-01", "A", "PA", aum=1, contribution=1)
    unsynced = run_cli("customer-mdm", "snapshot", "--period", "202401", cwd=tmp_path, database_url=db_url)
    assert unsynced.returncode == 1
    assert "not been synced" in unsynced.stderr and "customer-mdm close" in unsynced.stderr
