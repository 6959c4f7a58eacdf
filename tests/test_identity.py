"""Customer identity: rows without company_id resolved by what the loader learned or was told,
provisional ids for names never seen, and merges that rewrite history as if the id had always been right."""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from helpers import run_cli
from source import table_fingerprint, versions
from work_data_hub.errors import InvalidInput, NotReady
from work_data_hub.etl.domains import DOMAINS
from work_data_hub.etl.service import LoadOptions, load_file
from work_data_hub.sample_data import PERFORMANCE_HEADERS, performance_rows, population, write_csv

START, SEED = date(2024, 1, 1), 2026
NAME, COMPANY, ACCOUNT = (
    PERFORMANCE_HEADERS.index("客户名称"),
    PERFORMANCE_HEADERS.index("company_id"),
    PERFORMANCE_HEADERS.index("年金账户号"),
)
FACTS = (
    "SELECT * FROM customer.fct_customer_plan_monthly ORDER BY 1, 2, 3, 4",
    "SELECT * FROM customer.fct_customer_product_line_monthly ORDER BY 1, 2, 3",
)


def expected_provisional_id(name: str) -> str:
    """The rule, written independently of the SQL: NFKC, brackets unified, whitespace removed, SHA-256."""
    text = unicodedata.normalize("NFKC", name)
    text = text.translate(str.maketrans("[]{}【】〔〕〖〗「」『』〈〉《》", "()" * 9))
    text = re.sub(r"\s+", "", text)
    return "IN" + hashlib.sha256(text.encode()).hexdigest()[:16].upper()


def load(db_url: str, path: Path, domain: str = "annuity_performance"):
    with psycopg.connect(db_url) as conn:
        return load_file(conn, DOMAINS[domain], path, LoadOptions(execute=True, allow_gap=True, accept_deviations=True))


def preview(db_url: str, path: Path, domain: str = "annuity_performance"):
    with psycopg.connect(db_url) as conn:
        return load_file(conn, DOMAINS[domain], path, LoadOptions(allow_gap=True, accept_deviations=True))


def close(conn) -> None:
    conn.execute("SELECT * FROM customer.run_monthly_close()").fetchall()


def facts(conn) -> list[list]:
    return [[r[:-1] for r in conn.execute(q).fetchall()] for q in FACTS]  # without updated_at


def write_months(folder: Path, contracts, months: int, edit=None) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(months):
        rows = list(performance_rows(contracts, START, index, SEED))
        if edit:
            rows = edit(index, rows)
        paths.append(folder / f"{index:02d}.csv")
        write_csv(paths[-1], PERFORMANCE_HEADERS, rows)
    return paths


def test_a_quarter_of_known_customers_rows_without_company_id_give_the_same_history(db_url, conn, make_db, tmp_path):
    contracts = population(40, 14, SEED)
    rnd = random.Random(7)
    seen: set[str] = set()

    def blank_a_quarter(index: int, rows: list[list]) -> list[list]:
        for row in rows:
            if row[COMPANY] in seen and rnd.random() < 0.25:
                how = rnd.randrange(3)
                if how == 0:  # the name alone, written with full-width brackets and spaces
                    row[NAME] = " " + row[NAME].replace("(", "（").replace(")", "）") + "　"
                    row[ACCOUNT] = None
                elif how == 1:  # the account alone
                    row[NAME] = None
                row[COMPANY] = None
        seen.update(r[COMPANY] for r in rows if r[COMPANY])
        return rows

    complete = write_months(tmp_path / "complete", contracts, 14)
    gappy = write_months(tmp_path / "gappy", contracts, 14, blank_a_quarter)
    resolved = 0
    for path in gappy:
        outcome = load(db_url, path)
        kinds = {k: n for k, n, _ in outcome.plan.identities}
        assert "provisional" not in kinds and "unresolved" not in kinds, (path, kinds)
        resolved += sum(n for k, n in kinds.items() if k != "file")
    assert resolved > 100
    close(conn)
    with psycopg.connect(make_db(), autocommit=True) as other:
        for path in complete:
            load(other.info.dsn, path)
        close(other)
        assert versions(conn) == versions(other)
        assert facts(conn) == facts(other)
    assert conn.execute('SELECT count(*) FROM business."规模明细" WHERE company_id IS NULL').fetchone() == (0,)
    kinds = dict(conn.execute("SELECT kind, count(*) FROM customer.company_alias GROUP BY 1").fetchall())
    assert kinds.keys() == {"account", "plan_name", "name"}


def base_rows(companies: int) -> list[list]:
    """The first month's rows of `companies` distinct customers (one row each)."""
    rows, seen = [], set()
    for row in performance_rows(population(30, 14, SEED), START, 0, SEED):
        if row[COMPANY] not in seen:
            seen.add(row[COMPANY])
            rows.append(row)
    return rows[:companies]


def _new_customer_rows(name: str, plan: str = "P9") -> list[list]:
    rows = base_rows(3)
    extra = list(rows[0])
    extra[3], extra[NAME], extra[COMPANY], extra[ACCOUNT] = plan, name, None, None
    return rows + [extra]


def test_a_customer_known_only_by_name_gets_one_provisional_id_that_a_reload_keeps(db_url, conn, tmp_path):
    path = tmp_path / "m.csv"
    write_csv(path, PERFORMANCE_HEADERS, _new_customer_rows("新客户（北京）有限公司"))
    outcome = load(db_url, path)
    provisional = expected_provisional_id("新客户(北京)有限公司")
    assert ("provisional", 1) in [(k, n) for k, n, _ in outcome.plan.identities]
    assert conn.execute(
        'SELECT company_id, "客户名称", is_provisional FROM customer."年金客户" WHERE is_provisional'
    ).fetchall() == [(provisional, "新客户（北京）有限公司", True)]
    load(db_url, path)  # the same file again
    variant = tmp_path / "variant.csv"
    write_csv(variant, PERFORMANCE_HEADERS, _new_customer_rows(" 新客户 【北京】 有限公司 "))
    load(db_url, variant)
    assert conn.execute('SELECT company_id FROM customer."年金客户" WHERE is_provisional').fetchall() == [
        (provisional,)
    ]
    assert conn.execute(
        'SELECT DISTINCT company_id FROM business."规模明细" WHERE "计划代码" = %s', ("P9",)
    ).fetchall() == [(provisional,)]
    assert conn.execute("SELECT customer.provisional_company_id(%s)", ("新客户(北京)有限公司",)).fetchone() == (
        provisional,
    )
    close(conn)  # a provisional customer forms contracts like any other
    assert versions(conn, provisional)


def test_a_row_without_a_name_stays_without_a_company_and_is_counted(db_url, conn, tmp_path):
    rows = _new_customer_rows("x")
    rows[-1][NAME] = None
    path = tmp_path / "m.csv"
    write_csv(path, PERFORMANCE_HEADERS, rows)
    outcome = load(db_url, path)
    unresolved = [(n, a) for k, n, a in outcome.plan.identities if k == "unresolved"]
    assert unresolved == [(1, Decimal(str(rows[-1][11])))]
    assert conn.execute('SELECT count(*) FROM business."规模明细" WHERE company_id IS NULL').fetchone() == (1,)
    assert conn.execute('SELECT count(*) FROM customer."年金客户" WHERE is_provisional').fetchone() == (0,)


def test_ambiguous_names_are_never_resolved(db_url, conn, tmp_path):
    rows = base_rows(2)
    twin = [list(rows[0]), list(rows[0])]
    twin[0][NAME], twin[0][COMPANY], twin[0][3] = "同名公司", "C1", "P1"
    twin[1][NAME], twin[1][COMPANY], twin[1][3] = "同名公司", "C2", "P2"
    anywhere = list(twin[0])
    anywhere[COMPANY], anywhere[ACCOUNT], anywhere[3] = None, None, "P3"  # the name alone: two companies
    in_plan = list(anywhere)
    in_plan[3] = "P1"  # plan + name: one company
    path = tmp_path / "m.csv"
    write_csv(path, PERFORMANCE_HEADERS, twin + [anywhere, in_plan])
    outcome = preview(db_url, path)
    assert ("name", "", "同名公司", 2) in outcome.plan.ambiguous
    load(db_url, path)
    by_plan = dict(conn.execute('SELECT "计划代码", company_id FROM business."规模明细"').fetchall())
    assert by_plan["P1"] == "C1" and by_plan["P2"] == "C2"
    assert by_plan["P3"] == expected_provisional_id("同名公司")
    listed = run_cli("customer-mdm", "alias", "list", database_url=db_url)
    assert listed.returncode == 0 and "ambiguous" in listed.stdout


def test_accounts_resolve_including_the_group_customer_number_without_its_c(db_url, conn, tmp_path):
    headers = PERFORMANCE_HEADERS + ["集团企业客户号"]
    rows = [r + ["C600000777"] for r in base_rows(1)]
    company = rows[0][COMPANY]
    later = [list(rows[0])]
    later[0][0], later[0][NAME], later[0][COMPANY], later[0][ACCOUNT] = "202402", None, None, None
    write_csv(tmp_path / "a.csv", headers, rows)
    write_csv(tmp_path / "b.csv", headers, later)
    load(db_url, tmp_path / "a.csv")
    outcome = load(db_url, tmp_path / "b.csv")
    assert [k for k, _, _ in outcome.plan.identities] == ["account"]
    assert conn.execute('SELECT DISTINCT company_id FROM business."规模明细"').fetchall() == [(company,)]
    assert conn.execute(
        "SELECT alias FROM customer.company_alias WHERE kind = 'account' ORDER BY 1"
    ).fetchall() == sorted([("600000777",), (rows[0][ACCOUNT],)])


def test_an_override_alias_wins_over_what_was_learned(db_url, conn, tmp_path):
    rows = base_rows(2)
    a, b = rows[0][COMPANY], rows[1][COMPANY]
    write_csv(tmp_path / "a.csv", PERFORMANCE_HEADERS, rows)
    load(db_url, tmp_path / "a.csv")  # learns rows[0]'s name → a
    assert (a,) in conn.execute("SELECT company_id FROM customer.company_alias WHERE kind = 'name'").fetchall()
    result = run_cli("customer-mdm", "alias", "add", "--name", rows[0][NAME], "--company-id", b, database_url=db_url)
    assert result.returncode == 0, result.stderr
    assert f"now resolve to {b}" in result.stdout
    blank = [list(rows[0])]
    blank[0][0], blank[0][COMPANY], blank[0][ACCOUNT] = "202402", None, None
    write_csv(tmp_path / "b.csv", PERFORMANCE_HEADERS, blank)
    outcome = load(db_url, tmp_path / "b.csv")
    assert [k for k, _, _ in outcome.plan.identities] == ["override"]
    assert conn.execute(
        'SELECT company_id FROM business."规模明细" WHERE "月度" = %s', (date(2024, 2, 1),)
    ).fetchall() == [(b,)]


def test_ledger_rows_resolve_by_their_names(db_url, conn, tmp_path):
    rows = base_rows(2)
    write_csv(tmp_path / "a.csv", PERFORMANCE_HEADERS, rows)
    load(db_url, tmp_path / "a.csv")
    headers = ["上报月份", "业务类型", "上报客户名称", "客户名称", "年金计划号", "company_id", "中标日期"]
    ledger = tmp_path / "当年中标.csv"
    write_csv(
        ledger,
        headers,
        [
            ["202401", rows[0][1], rows[0][NAME], None, rows[0][3], None, "2024-01-05"],
            ["202401", rows[0][1], "从未见过公司", None, None, None, "2024-01-06"],
        ],
    )
    outcome = load(db_url, ledger, "annual_award")
    assert {k for k, _, _ in outcome.plan.identities} == {"plan_name", "provisional"}
    assert conn.execute('SELECT company_id FROM customer."当年中标" ORDER BY "中标日期"').fetchall() == [
        (rows[0][COMPANY],),
        (expected_provisional_id("从未见过公司"),),
    ]


def _merge_case(tmp_path: Path):
    """14 months; one customer's rows never carry its company_id (nor an account)."""
    contracts = population(30, 14, SEED)
    hidden = contracts[3].company_id

    def hide(index: int, rows: list[list]) -> list[list]:
        for row in rows:
            if row[COMPANY] == hidden:
                row[COMPANY] = row[ACCOUNT] = None
        return rows

    return (
        hidden,
        write_months(tmp_path / "hidden", contracts, 14, hide),
        write_months(tmp_path / "fixed", contracts, 14),
    )


def test_a_merge_and_a_close_equal_a_build_on_the_corrected_data(db_url, conn, make_db, tmp_path):
    hidden, with_provisional, corrected = _merge_case(tmp_path)
    for path in with_provisional:
        load(db_url, path)
    close(conn)
    (provisional,) = conn.execute('SELECT company_id FROM customer."年金客户" WHERE is_provisional').fetchone()
    listed = run_cli("customer-mdm", "identities", "--json", database_url=db_url)
    assert listed.returncode == 0, listed.stderr
    assert provisional in listed.stdout

    merged = run_cli("customer-mdm", "merge", "--from", provisional, "--into", hidden, database_url=db_url)
    assert merged.returncode == 0, merged.stderr
    assert "business.规模明细" in merged.stdout and "customer-mdm close" in merged.stdout
    close(conn)

    with psycopg.connect(make_db(), autocommit=True) as other:
        for path in corrected:
            load(other.info.dsn, path)
        close(other)
        assert versions(conn) == versions(other)
        assert facts(conn) == facts(other)
    for table in (
        'business."规模明细"',
        'customer."年金客户"',
        "customer.customer_plan_contract",
        "customer.company_alias",
        "customer.fct_customer_plan_monthly",
        "customer.fct_customer_product_line_monthly",
        "customer.contract_month_summary",
    ):
        assert conn.execute(f"SELECT count(*) FROM {table} WHERE company_id = %s", (provisional,)).fetchone() == (0,)
    log = conn.execute(
        "SELECT from_id, into_id, into_created, rows_moved->>'business.规模明细' FROM customer.company_merge_log"
    ).fetchall()
    assert log[0][:3] == (provisional, hidden, True) and int(log[0][3]) > 0
    again = run_cli("customer-mdm", "merge", "--from", provisional, "--into", hidden, database_url=db_url)
    assert again.returncode == 1 and f"was already merged into {hidden}" in again.stderr
    # The merge taught the name: the next delivery of the hidden customer resolves to the real id.
    assert conn.execute(
        "SELECT company_id, source FROM customer.company_alias WHERE kind = 'name' AND alias = "
        '(SELECT customer.normalise_name("客户名称") FROM customer."年金客户" WHERE company_id = %s)',
        (hidden,),
    ).fetchall() == [(hidden, "override")]


def test_a_dry_run_merge_changes_nothing(db_url, conn, tmp_path):
    path = tmp_path / "m.csv"
    write_csv(path, PERFORMANCE_HEADERS, _new_customer_rows("新客户有限公司"))
    load(db_url, path)
    close(conn)
    before = table_fingerprint(conn)
    provisional = expected_provisional_id("新客户有限公司")
    rows = conn.execute(
        "SELECT * FROM customer.merge_company(%s, 'C777', p_dry_run => true)", (provisional,)
    ).fetchall()
    assert ("business.规模明细", 1, "moved") in rows and ("customer.年金客户", 1, "created") in rows
    assert table_fingerprint(conn) == before
    result = run_cli("customer-mdm", "merge", "--from", provisional, "--into", "C777", "--dry-run", database_url=db_url)
    assert result.returncode == 0 and "Dry run: no changes were made." in result.stdout
    assert table_fingerprint(conn) == before


@pytest.mark.parametrize("case", ["itself", "unknown", "real without force", "new provisional-looking id", "blank"])
def test_a_merge_that_makes_no_sense_is_refused_and_changes_nothing(db_url, conn, tmp_path, case):
    rows = _new_customer_rows("新客户有限公司")
    path = tmp_path / "m.csv"
    write_csv(path, PERFORMANCE_HEADERS, rows)
    load(db_url, path)
    provisional, real = expected_provisional_id("新客户有限公司"), rows[0][COMPANY]
    args, error, message = {
        "itself": ((provisional, provisional), InvalidInput, "into itself"),
        "unknown": (("IN0000000000000000", real), NotReady, "does not exist"),
        "real without force": ((real, "C999"), NotReady, "is not provisional"),
        "new provisional-looking id": (
            (provisional, "IN00000000000000AB"),
            InvalidInput,
            "cannot take a provisional id",
        ),
        "blank": ((provisional, " "), InvalidInput, "needs both ids"),
    }[case]
    before = table_fingerprint(conn)
    result = run_cli("customer-mdm", "merge", "--from", args[0], "--into", args[1], database_url=db_url)
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr
    assert table_fingerprint(conn) == before


def test_merging_a_real_customer_needs_force(db_url, conn, tmp_path):
    rows = base_rows(2)
    write_csv(tmp_path / "a.csv", PERFORMANCE_HEADERS, rows)
    load(db_url, tmp_path / "a.csv")
    a, b = rows[0][COMPANY], rows[1][COMPANY]
    result = run_cli("customer-mdm", "merge", "--from", a, "--into", b, "--force", database_url=db_url)
    assert result.returncode == 0, result.stderr
    assert conn.execute('SELECT DISTINCT company_id FROM business."规模明细"').fetchall() == [(b,)]


def test_an_alias_for_an_unknown_customer_or_plan_is_refused_and_changes_nothing(db_url, conn, tmp_path):
    rows = base_rows(1)
    write_csv(tmp_path / "a.csv", PERFORMANCE_HEADERS, rows)
    load(db_url, tmp_path / "a.csv")
    before = table_fingerprint(conn)
    for args, message in (
        (("--name", "某公司", "--company-id", "NOPE"), "Customer NOPE does not exist"),
        (("--name", "某公司", "--company-id", rows[0][COMPANY], "--plan", "NOPLAN"), "Plan NOPLAN is not known"),
        (("--name", "  ", "--company-id", rows[0][COMPANY]), "needs a customer name"),
    ):
        result = run_cli("customer-mdm", "alias", "add", *args, database_url=db_url)
        assert result.returncode == 1 and message in result.stderr, result.stderr
    assert table_fingerprint(conn) == before


def test_a_file_without_a_company_id_column_stores_the_resolved_ids(db_url, conn, tmp_path):
    rows = base_rows(3)
    write_csv(tmp_path / "a.csv", PERFORMANCE_HEADERS, rows)
    load(db_url, tmp_path / "a.csv")
    headers = [h for h in PERFORMANCE_HEADERS if h != "company_id"]
    later = [[("202402" if i == 0 else v) for i, v in enumerate(r) if i != COMPANY] for r in rows]
    write_csv(tmp_path / "b.csv", headers, later)
    outcome = load(db_url, tmp_path / "b.csv")
    assert outcome.result.rows_inserted == 3
    stored = conn.execute(
        'SELECT company_id FROM business."规模明细" WHERE "月度" = %s ORDER BY id', (date(2024, 2, 1),)
    ).fetchall()
    assert stored == [(r[COMPANY],) for r in rows]


def test_a_merge_does_not_take_an_ambiguous_name_from_the_other_company(db_url, conn, tmp_path):
    rows = base_rows(2)
    for row, plan in zip(rows, ("P1", "P2")):
        row[NAME], row[3] = "同名公司", plan
    blank_p3, blank_p2 = list(rows[0]), list(rows[1])
    blank_p3[COMPANY] = blank_p3[ACCOUNT] = None
    blank_p3[3] = "P3"
    blank_p2[COMPANY] = blank_p2[ACCOUNT] = None
    write_csv(tmp_path / "a.csv", PERFORMANCE_HEADERS, rows + [blank_p3, blank_p2])
    load(db_url, tmp_path / "a.csv")
    provisional = expected_provisional_id("同名公司")
    conn.execute("SELECT * FROM customer.merge_company(%s, %s)", (provisional, rows[0][COMPANY])).fetchall()
    load(db_url, tmp_path / "a.csv")  # the same file again
    by_plan = dict(
        conn.execute(
            'SELECT "计划代码", company_id FROM business."规模明细" WHERE company_id IS NOT NULL GROUP BY 1, 2'
        ).fetchall()
    )
    assert by_plan == {"P1": rows[0][COMPANY], "P2": rows[1][COMPANY], "P3": rows[0][COMPANY]}


def test_a_file_that_still_carries_a_merged_id_gets_the_real_one(db_url, conn, tmp_path):
    path = tmp_path / "m.csv"
    write_csv(path, PERFORMANCE_HEADERS, _new_customer_rows("新客户有限公司"))
    load(db_url, path)
    provisional = expected_provisional_id("新客户有限公司")
    conn.execute("SELECT * FROM customer.merge_company(%s, 'C777')", (provisional,)).fetchall()
    stale = _new_customer_rows("新客户有限公司")
    stale[-1][COMPANY] = provisional.lower()[:2].upper() + provisional[2:]  # the old id, as a file may carry it
    write_csv(path, PERFORMANCE_HEADERS, stale)
    outcome = load(db_url, path)
    assert "merged" in [k for k, _, _ in outcome.plan.identities]
    assert conn.execute(
        'SELECT count(*) FROM customer."年金客户" WHERE company_id = %s', (provisional,)
    ).fetchone() == (0,)
    assert conn.execute('SELECT company_id FROM business."规模明细" WHERE "计划代码" = %s', ("P9",)).fetchall() == [
        ("C777",)
    ]
