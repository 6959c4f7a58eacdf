"""customer.sync_contract_status: history, re-runs, corrections, dry runs, locking and errors."""

from __future__ import annotations

import threading
import time
from datetime import date

import psycopg
import pytest

from source import Scenario, add_row, changes, month_end, sync, table_fingerprint, versions, wait_until_blocked


def overlaps_or_double_current(conn) -> list:
    return conn.execute(
        "SELECT a.company_id, a.plan_code, a.product_line_code FROM customer.customer_plan_contract a "
        "JOIN customer.customer_plan_contract b USING (company_id, plan_code, product_line_code) "
        "WHERE a.contract_id < b.contract_id "
        "  AND daterange(a.valid_from, a.valid_to) && daterange(b.valid_from, b.valid_to)"
    ).fetchall()


def test_month_by_month_equals_one_catch_up(conn, make_db):
    scenario = Scenario(months=24)
    scenario.load(conn)
    for when in scenario.month_list():
        sync(conn, when)
    with psycopg.connect(make_db(), autocommit=True) as other:
        scenario.load(other)
        rows = sync(other)
        assert [r.period_end for r in rows] == [month_end(m) for m in scenario.month_list()]
        assert versions(other) == versions(conn)
    history = versions(conn)
    assert len(history) > 100
    assert {v.contract_status for v in history} == {"正常", "停缴"}
    assert any(v.is_strategic for v in history) and any(v.is_existing for v in history)
    assert overlaps_or_double_current(conn) == []


def test_first_sync_builds_full_history_from_the_earliest_month(conn):
    Scenario(months=36).load(conn)
    rows = sync(conn)
    assert len(rows) == 36
    assert rows[0].period_end == date(2024, 1, 31) and rows[-1].period_end == date(2026, 12, 31)
    assert sum(r.inserted for r in rows) == len(versions(conn))
    state = conn.execute(
        "SELECT first_applied_period, last_applied_period, dirty_from_month FROM customer.contract_sync_state"
    ).fetchone()
    assert state == (date(2024, 1, 31), date(2026, 12, 31), None)


def test_incremental_month_applies_exactly_that_month(conn):
    scenario = Scenario(months=13)
    months = scenario.month_list()
    scenario.load(conn, set(months[:-1]))
    sync(conn)
    scenario.load(conn, {months[-1]})
    rows = sync(conn)
    assert [r.period_end for r in rows] == [month_end(months[-1])]


def test_rerunning_any_period_is_a_no_op(conn):
    scenario = Scenario(months=15)
    scenario.load(conn)
    sync(conn)
    before = table_fingerprint(conn)
    for when in (scenario.month_list()[0], scenario.month_list()[7], scenario.month_list()[-1]):
        rows = sync(conn, when)
        assert len(rows) == 1 and rows[0].period_end == month_end(when)
        assert (rows[0].inserted, rows[0].updated, rows[0].lapsed) == (0, 0, 0)
    assert changes(sync(conn)[0]) == (0, 0, 0)
    assert table_fingerprint(conn) == before


def test_no_op_reports_versions_in_effect(conn):
    add_row(conn, "2025-03", "A", "PA", aum=1, contribution=1)
    add_row(conn, "2025-03", "B", "PB", aum=1, contribution=1)
    sync(conn)
    assert sync(conn) == [(date(2025, 3, 31), 0, 0, 0, 2)]


def test_correction_of_an_applied_month_replays_history(conn, make_db):
    scenario = Scenario(months=18)
    scenario.load(conn)
    sync(conn)
    # Correct month 6: one contract's AUM to zero, another's branch rows deleted, a new row added.
    target = scenario.month_list()[5]
    conn.execute(
        'UPDATE business."规模明细" SET "期末资产规模" = 0 WHERE company_id = \'C003\' AND "月度" = %s',
        (month_end(target).replace(day=1),),
    )
    conn.execute(
        'DELETE FROM business."规模明细" WHERE company_id = \'C007\' AND "月度" >= %s',
        (month_end(target).replace(day=1),),
    )
    add_row(conn, scenario.month_list()[9], "NEW", "PNEW", aum=10, contribution=1)
    dirty = conn.execute("SELECT dirty_from_month FROM customer.contract_sync_state").fetchone()[0]
    assert dirty == month_end(target).replace(day=1)
    rows = sync(conn)
    assert rows[0].period_end == month_end(target) and rows[-1].period_end == month_end(scenario.month_list()[-1])

    with psycopg.connect(make_db(), autocommit=True) as fresh:
        scenario.load(fresh)
        fresh.execute(
            'UPDATE business."规模明细" SET "期末资产规模" = 0 WHERE company_id = \'C003\' AND "月度" = %s',
            (month_end(target).replace(day=1),),
        )
        fresh.execute(
            'DELETE FROM business."规模明细" WHERE company_id = \'C007\' AND "月度" >= %s',
            (month_end(target).replace(day=1),),
        )
        add_row(fresh, scenario.month_list()[9], "NEW", "PNEW", aum=10, contribution=1)
        sync(fresh)
        assert versions(conn) == versions(fresh)
    assert overlaps_or_double_current(conn) == []
    assert conn.execute("SELECT dirty_from_month FROM customer.contract_sync_state").fetchone() == (None,)


def test_correction_before_the_first_applied_month_rebuilds_everything(conn, make_db):
    scenario = Scenario(months=6, start="2025-01")
    scenario.load(conn)
    sync(conn)
    add_row(conn, "2024-10", "C001", "P0010", aum=5, contribution=1)  # a back-fill
    rows = sync(conn)
    assert rows[0].period_end == date(2024, 10, 31) and len(rows) == 9
    with psycopg.connect(make_db(), autocommit=True) as fresh:
        scenario.load(fresh)
        add_row(fresh, "2024-10", "C001", "P0010", aum=5, contribution=1)
        sync(fresh)
        assert versions(conn) == versions(fresh)


def test_changes_to_unapplied_months_do_not_mark_a_rewind(conn):
    add_row(conn, "2025-03", "A", "PA", aum=1, contribution=1)
    sync(conn)
    add_row(conn, "2025-04", "A", "PA", aum=1, contribution=1)
    add_row(conn, "2025-03", None, "PX", aum=1, contribution=1)  # cannot form a contract
    assert conn.execute("SELECT dirty_from_month FROM customer.contract_sync_state").fetchone() == (None,)
    conn.execute('UPDATE business."规模明细" SET "供款" = 0 WHERE "月度" = \'2025-03-01\' AND company_id = \'A\'')
    assert conn.execute("SELECT dirty_from_month FROM customer.contract_sync_state").fetchone() == (date(2025, 3, 1),)


def test_dba_can_force_a_rebuild(conn):
    scenario = Scenario(months=6, start="2025-01")
    scenario.load(conn)
    sync(conn)
    before = versions(conn)
    assert conn.execute(
        "SELECT * FROM customer.request_contract_rebuild(p_from_period => '2025-03-31')"
    ).fetchone() == (date(2025, 3, 1), date(2025, 6, 30))
    rows = sync(conn)
    assert [r.period_end for r in rows] == [month_end(m) for m in ("2025-03", "2025-04", "2025-05", "2025-06")]
    assert versions(conn) == before
    with pytest.raises(psycopg.errors.InvalidParameterValue) as err:
        conn.execute("SELECT * FROM customer.request_contract_rebuild(p_from_period => '2025-03-15')")
    assert "2025-03-31" in err.value.diag.message_hint
    # Nothing to rebuild after the last applied period: refused with a hint, nothing requested.
    with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState) as err:
        conn.execute("SELECT * FROM customer.request_contract_rebuild(p_from_period => '2025-07-31')")
    assert "Nothing to rebuild from 202507: contract history is applied through 202506" in str(err.value)
    assert conn.execute("SELECT dirty_from_month FROM customer.contract_sync_state").fetchone() == (None,)


def test_dry_run_counts_equal_the_real_run_and_change_nothing(conn):
    scenario = Scenario(months=14)
    months = scenario.month_list()
    scenario.load(conn, set(months[:8]))
    sync(conn)
    scenario.load(conn, set(months[8:]))
    conn.execute('UPDATE business."规模明细" SET "供款" = 0 WHERE "月度" = %s', (month_end(months[5]).replace(day=1),))
    before = table_fingerprint(conn)
    dry = sync(conn, dry_run=True)
    assert table_fingerprint(conn) == before
    real = sync(conn)
    assert dry == real
    assert len(real) == len(months) - 5 and sum(r.inserted for r in real) > 0
    logged = conn.execute(
        "SELECT dry_run, counts->>'inserted' FROM customer.mdm_run_log "
        "WHERE function_name = 'sync_contract_status' ORDER BY run_id"
    ).fetchall()
    assert logged[-2:] == [(True, str(sum(r.inserted for r in dry))), (False, str(sum(r.inserted for r in real)))]


def test_dry_run_on_a_fresh_database(conn):
    Scenario(months=5).load(conn)
    before = table_fingerprint(conn)
    dry = sync(conn, dry_run=True)
    assert table_fingerprint(conn) == before
    assert conn.execute("SELECT count(*) FROM customer.customer_plan_contract").fetchone() == (0,)
    assert sync(conn) == dry


def test_missing_customer_fails_with_23503_and_writes_nothing(conn):
    add_row(conn, "2025-03", "A", "PA", aum=1, contribution=1)
    add_row(conn, "2025-03", "B", "PB", aum=1, contribution=1)
    add_row(conn, "2025-03", "C", "PC", aum=1, contribution=1, line="PL999")
    conn.execute('ALTER TABLE business."规模明细" DISABLE TRIGGER USER')
    conn.execute("DELETE FROM customer.\"年金客户\" WHERE company_id = 'B'")
    before = table_fingerprint(conn)
    with pytest.raises(psycopg.errors.ForeignKeyViolation) as err:
        sync(conn)
    diag = err.value.diag
    assert diag.message_primary.startswith('1 customer(s) missing from customer."年金客户" and 1 product line(s)')
    assert diag.message_detail == "Missing (first 10): company_id B, 产品线代码 PL999"
    assert diag.message_hint == "Verify 年金客户 and 产品线 tables have required data"
    assert table_fingerprint(conn) == before


def test_missing_keys_detail_lists_at_most_ten(conn):
    for i in range(12):
        add_row(conn, "2025-03", f"X{i:02d}", "P", aum=1, contribution=1)
    conn.execute('DELETE FROM customer."年金客户"')
    with pytest.raises(psycopg.errors.ForeignKeyViolation) as err:
        sync(conn)
    assert err.value.diag.message_primary.startswith("12 customer(s)")
    assert err.value.diag.message_detail.count("company_id") == 10


def test_period_must_be_a_month_end(conn):
    add_row(conn, "2025-03", "A", "PA", aum=1, contribution=1)
    with pytest.raises(psycopg.errors.InvalidParameterValue) as err:
        conn.execute("SELECT * FROM customer.sync_contract_status(p_period_end => '2025-03-15')")
    assert "month-end" in err.value.diag.message_primary and "2025-03-31" in err.value.diag.message_hint
    with pytest.raises(psycopg.errors.InvalidParameterValue) as err:
        sync(conn, "2025-04")
    assert "after the latest loaded month 2025-03" in err.value.diag.message_primary


def test_empty_source(conn):
    with pytest.raises(psycopg.errors.NoDataFound) as err:
        sync(conn)
    assert "Load the AUM detail" in err.value.diag.message_hint


def test_a_second_sync_times_out_with_55p03(db_url, conn):
    Scenario(months=3).load(conn)
    conn.execute("UPDATE customer.mdm_settings SET lock_timeout_seconds = 0.5")
    with psycopg.connect(db_url) as holder, psycopg.connect(db_url) as waiter:
        sync(holder)  # holds the lock until it commits
        started = time.monotonic()
        with pytest.raises(psycopg.errors.LockNotAvailable) as err:
            sync(waiter)
        assert time.monotonic() - started >= 0.4
        assert "Wait for the running sync or refresh" in err.value.diag.message_hint
        waiter.rollback()
        holder.commit()
    assert changes(sync(conn)[0]) == (0, 0, 0)


def test_concurrent_syncs_serialise_and_equal_one_sync(db_url, conn, make_db):
    scenario = Scenario(months=12)
    scenario.load(conn)
    results: dict[str, list] = {}

    def run(name: str) -> None:
        with psycopg.connect(db_url) as c:
            results[name] = sync(c)

    threads = [threading.Thread(target=run, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    applied = sorted(results.values(), key=len)
    assert len(applied[1]) == 12 and len(applied[0]) == 1 and changes(applied[0][0]) == (0, 0, 0)
    with psycopg.connect(make_db(), autocommit=True) as single:
        scenario.load(single)
        sync(single)
        assert versions(conn) == versions(single)
    assert overlaps_or_double_current(conn) == []


def _in_thread(target) -> threading.Thread:
    thread = threading.Thread(target=target)
    thread.start()
    return thread


def test_sync_waits_for_an_uncommitted_correction_and_replays_it(db_url, conn, make_db):
    scenario = Scenario(months=6, start="2025-01")
    scenario.load(conn)
    sync(conn)
    company = conn.execute('SELECT min(company_id) FROM business."规模明细" WHERE "月度" = \'2025-03-01\'').fetchone()[
        0
    ]
    with psycopg.connect(db_url) as etl:
        assert (
            etl.execute(
                'DELETE FROM business."规模明细" WHERE company_id = %s AND "月度" = \'2025-03-01\'', (company,)
            ).rowcount
            > 0
        )
        results = {}
        worker = _in_thread(lambda: results.update(rows=sync(psycopg.connect(db_url, autocommit=True))))
        wait_until_blocked(conn)  # the sync waits on the sync state row the correction holds
        etl.commit()
    worker.join(30)
    assert results["rows"][0].period_end == date(2025, 3, 31)  # it saw the correction and replayed from it
    fresh_url = make_db()
    with psycopg.connect(fresh_url, autocommit=True) as fresh:
        scenario.load(fresh)
        fresh.execute('DELETE FROM business."规模明细" WHERE company_id = %s AND "月度" = \'2025-03-01\'', (company,))
        sync(fresh)
        assert versions(fresh) == versions(conn)


def test_a_correction_made_while_a_sync_runs_is_recorded_against_what_it_applied(db_url, conn):
    scenario = Scenario(months=4, start="2025-01")
    scenario.load(conn)
    with psycopg.connect(db_url) as syncing:
        sync(syncing)  # applies 2025-01 … 2025-04, not committed yet
        worker = _in_thread(
            lambda: psycopg.connect(db_url, autocommit=True).execute(
                'UPDATE business."规模明细" SET "供款" = 0 WHERE "月度" = \'2025-04-01\''
            )
        )
        wait_until_blocked(conn)  # the correction's trigger waits for the sync to finish
        syncing.commit()
    worker.join(30)
    # Judged against the committed sync, April was applied: the next sync must replay it.
    assert conn.execute("SELECT dirty_from_month FROM customer.contract_sync_state").fetchone() == (date(2025, 4, 1),)
    assert sync(conn)[0].period_end == date(2025, 4, 30)
