"""customer.sync_contract_status: each business rule of docs/RULES.md (Contracts) on hand-built cases."""

from __future__ import annotations

from datetime import date

from source import add_row, changes, state_at, sync, versions


def test_window_edges_for_contributions(conn):
    # Contribution 12 months back (M-11) counts, 13 months back (M-12) does not.
    add_row(conn, "2025-01", "A", "PA", aum=100, contribution=0)
    add_row(conn, "2025-02", "A", "PA", aum=100, contribution=50)  # 11 months before 2026-01
    add_row(conn, "2026-01", "A", "PA", aum=100, contribution=0)
    add_row(conn, "2025-01", "B", "PB", aum=100, contribution=50)  # 12 months before 2026-01
    add_row(conn, "2025-12", "B", "PB", aum=100, contribution=0)
    add_row(conn, "2026-01", "B", "PB", aum=100, contribution=0)
    sync(conn, "2026-01")
    assert state_at(conn, "A", "PA", "2026-01")[0] == "正常"
    assert state_at(conn, "B", "PB", "2025-12")[0] == "正常"  # December 2025: Jan 2025 is M-11
    assert state_at(conn, "B", "PB", "2026-01")[0] == "停缴"


def test_status_needs_aum_in_the_month(conn):
    add_row(conn, "2025-05", "A", "PA", aum=100, contribution=10)
    add_row(conn, "2025-06", "A", "PA", aum=0, contribution=10)
    sync(conn)
    assert state_at(conn, "A", "PA", "2025-05")[0] == "正常"
    assert state_at(conn, "A", "PA", "2025-06")[0] == "停缴"


def test_status_sums_every_portfolio(conn):
    # Two portfolios, one with zero AUM and no contribution: the month's sums decide, so 正常.
    add_row(conn, "2025-05", "A", "PA", aum=0, contribution=0, portfolio="P1")
    add_row(conn, "2025-05", "A", "PA", aum=1000, contribution=5, portfolio="P2")
    # Rows spread over two branches are one contract as well.
    add_row(conn, "2025-05", "B", "PB", aum=1000, contribution=0, branch="G01")
    add_row(conn, "2025-05", "B", "PB", aum=0, contribution=5, branch="G02")
    assert sync(conn) == [(date(2025, 5, 31), 2, 0, 0, 2)]
    assert state_at(conn, "A", "PA", "2025-05")[0] == "正常"
    assert state_at(conn, "B", "PB", "2025-05")[0] == "正常"


def test_existing_from_prior_december_sums(conn):
    add_row(conn, "2024-12", "A", "PA", aum=100, portfolio="P1")
    add_row(conn, "2024-12", "A", "PA", aum=-100, portfolio="P2")  # sums to 0: not existing
    add_row(conn, "2024-12", "B", "PB", aum=0, portfolio="P1")
    add_row(conn, "2024-12", "B", "PB", aum=50, portfolio="P2")  # sums to 50: existing
    for company, plan in (("A", "PA"), ("B", "PB"), ("C", "PC")):
        add_row(conn, "2025-03", company, plan, aum=10, contribution=1)
    sync(conn)
    assert state_at(conn, "A", "PA", "2025-03")[2] is False
    assert state_at(conn, "B", "PB", "2025-03")[2] is True
    assert state_at(conn, "C", "PC", "2025-03")[2] is False
    # December 2024 itself is judged against December 2023: nothing there.
    assert state_at(conn, "B", "PB", "2024-12")[2] is False


def test_strategic_by_threshold_inclusive(conn):
    conn.execute("UPDATE customer.mdm_settings SET strategic_top_n = 0")  # threshold alone decides
    add_row(conn, "2025-03", "A", "PA", aum=499_999_999.99, contribution=1)
    add_row(conn, "2025-03", "B", "PB", aum=500_000_000, contribution=1)
    add_row(conn, "2025-03", "C", "PC", aum=300_000_000, contribution=1, portfolio="P1")
    add_row(conn, "2025-03", "C", "PC", aum=200_000_000, contribution=1, portfolio="P2")  # sums to 5e8
    sync(conn)
    assert state_at(conn, "A", "PA", "2025-03")[1] is False
    assert state_at(conn, "B", "PB", "2025-03")[1] is True
    assert state_at(conn, "C", "PC", "2025-03")[1] is True


def test_threshold_counts_per_branch_group(conn):
    conn.execute("UPDATE customer.mdm_settings SET strategic_top_n = 0")
    # 3e8 in each of two branches: no single (contract, branch) group reaches the threshold.
    add_row(conn, "2025-03", "A", "PA", aum=300_000_000, contribution=1, branch="G01")
    add_row(conn, "2025-03", "A", "PA", aum=300_000_000, contribution=1, branch="G02")
    sync(conn)
    assert state_at(conn, "A", "PA", "2025-03")[1] is False


def test_strategic_by_rank_with_deterministic_ties(conn):
    # Twelve contracts of equal AUM in one branch and product line: the first ten by company_id,
    # then plan_code, in bytewise order, are strategic.
    companies = ["a1", "B2", "b1", "C0", "c9", "D1", "d0", "E5", "F1", "G1"]
    for company in companies:
        add_row(conn, "2025-03", company, "P1", aum=1000, contribution=1)
    add_row(conn, "2025-03", "G1", "P0", aum=1000, contribution=1)  # same company, smaller plan code
    add_row(conn, "2025-03", "Z9", "P1", aum=1000, contribution=1)
    # A bigger one elsewhere does not take a place in this partition.
    add_row(conn, "2025-03", "Y1", "P1", aum=10**9 - 1, contribution=1, line="PL201")
    sync(conn)
    ordered = sorted(
        [(c, "P1") for c in companies] + [("G1", "P0"), ("Z9", "P1")], key=lambda k: (k[0].encode(), k[1].encode())
    )
    expected = {key: i < 10 for i, key in enumerate(ordered)}
    actual = {key: state_at(conn, key[0], key[1], "2025-03")[1] for key in expected}
    assert actual == expected
    # Bytewise: uppercase before lowercase, so the two that miss out are c9 and d0.
    assert [key for key, strategic in expected.items() if not strategic] == [("c9", "P1"), ("d0", "P1")]
    assert state_at(conn, "Y1", "P1", "2025-03", line="PL201")[1] is True


def test_rank_partition_is_branch_and_product_line(conn):
    # Eleven contracts in G01, one in G02 with the smallest AUM: G02's one ranks first there.
    for i in range(11):
        add_row(conn, "2025-03", f"K{i:02d}", "P1", aum=1000 + i, contribution=1, branch="G01")
    add_row(conn, "2025-03", "S", "P1", aum=1, contribution=1, branch="G02")
    sync(conn)
    assert state_at(conn, "K00", "P1", "2025-03")[1] is False  # 11th in G01
    assert state_at(conn, "K01", "P1", "2025-03")[1] is True
    assert state_at(conn, "S", "P1", "2025-03")[1] is True


def test_zero_and_negative_aum_never_strategic(conn):
    # Alone in a small branch, zero or negative AUM does not rank; NULL branch counts as G00.
    add_row(conn, "2025-03", "Z", "P1", aum=0, contribution=1, branch="G09")
    add_row(conn, "2025-03", "N", "P1", aum=-5, contribution=1, branch=None)
    add_row(conn, "2025-03", "Y", "P1", aum=5, contribution=1, branch="G00")
    sync(conn)
    assert state_at(conn, "Z", "P1", "2025-03")[1] is False
    assert state_at(conn, "N", "P1", "2025-03")[1] is False
    assert state_at(conn, "Y", "P1", "2025-03")[1] is True


def test_ratchet_survives_status_change_and_resets_in_january(conn):
    conn.execute("UPDATE customer.mdm_settings SET strategic_top_n = 0")
    add_row(conn, "2025-02", "A", "PA", aum=100, contribution=1)
    add_row(conn, "2025-03", "A", "PA", aum=600_000_000, contribution=1)  # strategic from March
    add_row(conn, "2025-04", "A", "PA", aum=0, contribution=0)  # 停缴 in the same change
    for when in ("2025-05", "2025-12", "2026-01", "2026-02"):
        add_row(conn, when, "A", "PA", aum=100, contribution=1)
    sync(conn)
    assert state_at(conn, "A", "PA", "2025-02") == ("正常", False, False, 2025)
    assert state_at(conn, "A", "PA", "2025-03") == ("正常", True, False, 2025)
    assert state_at(conn, "A", "PA", "2025-04") == ("停缴", True, False, 2025)
    assert state_at(conn, "A", "PA", "2025-12") == ("正常", True, False, 2025)
    # January: a fresh start judged on December 2025 (small) and January 2026.
    assert state_at(conn, "A", "PA", "2026-01") == ("正常", False, True, 2026)


def test_prior_december_locks_strategic_for_the_new_year(conn):
    conn.execute("UPDATE customer.mdm_settings SET strategic_top_n = 0")
    add_row(conn, "2025-12", "A", "PA", aum=700_000_000, contribution=1)
    add_row(conn, "2026-01", "A", "PA", aum=100, contribution=1)
    add_row(conn, "2026-02", "A", "PA", aum=100, contribution=1)
    sync(conn)
    assert state_at(conn, "A", "PA", "2026-01")[1] is True
    assert state_at(conn, "A", "PA", "2026-02")[1] is True


def test_january_reversions_every_contract(conn):
    add_row(conn, "2025-11", "A", "PA", aum=100, contribution=1)
    add_row(conn, "2025-12", "A", "PA", aum=100, contribution=1)
    add_row(conn, "2026-01", "A", "PA", aum=100, contribution=1)
    rows = sync(conn)
    assert rows == [(date(2025, 11, 30), 1, 0, 0, 1), (date(2025, 12, 31), 0, 0, 0, 1), (date(2026, 1, 31), 1, 1, 0, 1)]
    assert [(v.status_year, v.valid_from, v.valid_to) for v in versions(conn)] == [
        (2025, date(2025, 11, 30), date(2026, 1, 31)),
        (2026, date(2026, 1, 31), date(9999, 12, 31)),
    ]


def test_lapsed_contract_is_closed_and_reopened_when_it_returns(conn):
    add_row(conn, "2025-01", "A", "PA", aum=100, contribution=1)
    add_row(conn, "2025-01", "B", "PB", aum=100, contribution=1)
    for when in ("2025-06", "2025-12", "2026-01", "2026-02", "2026-03"):
        add_row(conn, when, "B", "PB", aum=100, contribution=1)  # keeps the months loaded
    add_row(conn, "2026-03", "A", "PA", aum=100, contribution=1)
    rows = {r.period_end: r for r in sync(conn)}
    assert rows[date(2025, 12, 31)].lapsed == 0
    assert rows[date(2026, 1, 31)].lapsed == 1  # A's last row is 12 months back: it lapses
    a = [(v.contract_status, v.valid_from, v.valid_to) for v in versions(conn, "A")]
    assert a == [
        ("正常", date(2025, 1, 31), date(2025, 2, 28)),
        ("停缴", date(2025, 2, 28), date(2026, 1, 31)),  # closed when A lapses; no 2026 version
        ("正常", date(2026, 3, 31), date(9999, 12, 31)),
    ]
    assert state_at(conn, "A", "PA", "2026-02") is None


def test_rows_without_keys_never_form_contracts(conn):
    add_row(conn, "2025-03", None, "PX", aum=100, contribution=1)
    add_row(conn, "2025-03", "A", "PA", aum=100, contribution=1, line=None)
    add_row(conn, "2025-03", "B", "PB", aum=100, contribution=1)
    assert sync(conn) == [(date(2025, 3, 31), 1, 0, 0, 1)]


def test_names_come_from_dimensions_and_refresh_in_place(conn):
    add_row(conn, "2025-03", "A", "PA", aum=100, contribution=1)
    sync(conn)
    assert versions(conn)[0][3:6] == ("企年受托", "客户A", "计划PA")
    conn.execute("UPDATE customer.\"年金客户\" SET \"客户名称\" = '甲公司' WHERE company_id = 'A'")
    assert changes(sync(conn)[0]) == (0, 0, 0)  # a no-op for history …
    assert versions(conn)[0][3:6] == ("企年受托", "甲公司", "计划PA")  # … names refreshed in place
    assert len(versions(conn)) == 1
