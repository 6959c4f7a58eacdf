"""Builders for source data in tests: customers, plans and 规模明细 rows."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date

import psycopg
from psycopg.rows import namedtuple_row

ROW_SQL = """
INSERT INTO business."规模明细" ("月度", "业务类型", "计划代码", "组合代码", "客户名称", "期末资产规模", "供款",
                                "机构代码", "产品线代码", company_id)
VALUES (%(month)s, %(line_name)s, %(plan)s, %(portfolio)s, %(customer_name)s, %(aum)s, %(contribution)s,
        %(branch)s, %(line)s, %(company)s)
"""


def month(text: str) -> date:
    """'2025-03' → 2025-03-01."""
    year, mon = text.split("-")
    return date(int(year), int(mon), 1)


def month_end(text: str) -> date:
    first = month(text)
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def add_customer(conn: psycopg.Connection, company: str, name: str | None = None) -> None:
    conn.execute(
        'INSERT INTO customer."年金客户" (company_id, "客户名称") VALUES (%s, %s) ON CONFLICT DO NOTHING',
        (company, name or f"客户{company}"),
    )


def add_plan(conn: psycopg.Connection, plan: str, name: str | None = None) -> None:
    conn.execute(
        'INSERT INTO mapping."年金计划" ("年金计划号", "计划全称") VALUES (%s, %s) ON CONFLICT DO NOTHING',
        (plan, name or f"计划{plan}"),
    )


def add_row(
    conn: psycopg.Connection,
    when: str,
    company: str | None,
    plan: str,
    *,
    aum=0,
    contribution=0,
    line: str | None = "PL202",
    branch: str | None = "G01",
    portfolio: str = "P01",
) -> None:
    """One 规模明细 row for month `when` ('YYYY-MM'); customer and plan are created when missing."""
    if company is not None:
        add_customer(conn, company)
    add_plan(conn, plan)
    conn.execute(
        ROW_SQL,
        {
            "month": month(when),
            "line_name": None,
            "plan": plan,
            "portfolio": portfolio,
            "customer_name": None,
            "aum": aum,
            "contribution": contribution,
            "branch": branch,
            "line": line,
            "company": company,
        },
    )


# Rule tests build sparse months; a real delivery never skips one, and the sync refuses a month
# without any row while later months are loaded. Such months get one placeholder row without a
# company: it forms no contract, takes part in no ranking and is not tracked as a correction.
FILL_EMPTY_MONTHS = """
INSERT INTO business."规模明细" ("月度", "计划代码")
SELECT g::date, 'PLACEHOLDER'
FROM (SELECT min("月度") AS first, max("月度") AS last FROM business."规模明细") AS r,
     generate_series(r.first, r.last, interval '1 month') AS g
WHERE NOT EXISTS (SELECT 1 FROM business."规模明细" AS d WHERE d."月度" = g::date)
"""


EMPTY_MONTHS = """
SELECT 1 FROM (SELECT min("月度") AS first, max("月度") AS last FROM business."规模明细") AS r,
     generate_series(r.first, r.last, interval '1 month') AS g
WHERE NOT EXISTS (SELECT 1 FROM business."规模明细" AS d WHERE d."月度" = g::date)
LIMIT 1
"""


def fill_empty_months(conn: psycopg.Connection) -> None:
    if conn.execute(EMPTY_MONTHS).fetchone():
        conn.execute(FILL_EMPTY_MONTHS)


def sync(conn: psycopg.Connection, period: str | None = None, *, dry_run: bool = False) -> list[tuple]:
    """The sync's rows, read by name (r.period_end, r.inserted …); they compare equal to tuples."""
    fill_empty_months(conn)
    with conn.cursor(row_factory=namedtuple_row) as cur:
        return cur.execute(
            "SELECT period_end, inserted, updated, lapsed, total FROM customer.sync_contract_status("
            "p_dry_run => %s, p_period_end => %s)",
            (dry_run, month_end(period) if period else None),
        ).fetchall()


def changes(row) -> tuple[int, int, int]:
    """(inserted, updated, lapsed) of one sync row."""
    return row.inserted, row.updated, row.lapsed


def versions(conn: psycopg.Connection, company: str | None = None) -> list[tuple]:
    """Contract history without surrogate keys and timestamps, in a stable order; rows read by name."""
    with conn.cursor(row_factory=namedtuple_row) as cur:
        return cur.execute(
            "SELECT company_id, plan_code, product_line_code, product_line_name, customer_name, plan_name, "
            "       is_strategic, is_existing, status_year, contract_status, valid_from, valid_to "
            "FROM customer.customer_plan_contract WHERE %(c)s::text IS NULL OR company_id = %(c)s "
            "ORDER BY company_id, plan_code, product_line_code, valid_from",
            {"c": company},
        ).fetchall()


def state_at(conn: psycopg.Connection, company: str, plan: str, when: str, line: str = "PL202") -> tuple | None:
    """(contract_status, is_strategic, is_existing, status_year) of the version in effect at the month end."""
    return conn.execute(
        "SELECT contract_status, is_strategic, is_existing, status_year FROM customer.customer_plan_contract "
        "WHERE company_id = %s AND plan_code = %s AND product_line_code = %s "
        "  AND valid_from <= %s AND %s < valid_to",
        (company, plan, line, month_end(when), month_end(when)),
    ).fetchone()


def wait_until_blocked(
    conn: psycopg.Connection, count: int = 1, *, application_name: str | None = None, timeout: float = 30
) -> list[int]:
    """Poll pg_stat_activity until `count` other backends of this database wait on a lock (of
    `application_name`, when given); their pids. Never a sleep that hopes the other side got there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = [
            pid
            for (pid,) in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database() "
                "AND pid <> pg_backend_pid() AND (%s::text IS NULL OR application_name = %s)",
                (application_name, application_name),
            )
        ]
        if len(pids) >= count:
            return pids
        time.sleep(0.05)
    raise AssertionError(f"no {count} backend(s) waited for a lock within {timeout} s")


def table_fingerprint(conn: psycopg.Connection) -> dict[str, str]:
    """md5 of every row of every product table. (Not the sequences' positions: a dry run may advance
    one and never rewinds it, as a concurrent writer could have drawn from it meanwhile.)"""
    tables = conn.execute(
        "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables "
        "WHERE schemaname IN ('mapping', 'business', 'customer') AND tablename <> 'mdm_run_log' ORDER BY 1"
    ).fetchall()
    result = {}
    for (table,) in tables:
        result[table] = conn.execute(
            f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} AS t"
        ).fetchone()[0]
    return result


@dataclass
class Scenario:
    """A deterministic, varied multi-year source: portfolios, branches, stopped contributions,
    lapses and returns, strategic-size contracts, several product lines."""

    seed: int = 7
    customers: int = 25
    start: str = "2024-01"
    months: int = 24

    def month_list(self) -> list[str]:
        y, m = map(int, self.start.split("-"))
        out = []
        for _ in range(self.months):
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def rows(self) -> list[dict]:
        rnd = random.Random(self.seed)
        rows = []
        months = self.month_list()
        for c in range(self.customers):
            company = f"C{c:03d}"
            for k in range(rnd.randint(1, 3)):
                plan = f"P{c:03d}{k}"
                line = rnd.choice(["PL201", "PL202", "PL203", "PL204"])
                branch = rnd.choice(["G01", "G02", None])
                size = rnd.choice([1e6, 5e7, 2e8, 6e8])
                active_from = rnd.randrange(0, 6)
                gap = rnd.randrange(8, 20) if rnd.random() < 0.3 else None  # a 13-month gap: lapse and return
                for i, when in enumerate(months):
                    if i < active_from or (gap is not None and gap <= i < gap + 13):
                        continue
                    for p in range(rnd.randint(1, 2)):
                        aum = 0 if rnd.random() < 0.1 else round(size * rnd.uniform(0.5, 1.5), 2)
                        contribution = round(rnd.uniform(0, 1e6), 2) if rnd.random() < 0.6 else 0
                        rows.append(
                            dict(
                                when=when,
                                company=company,
                                plan=plan,
                                line=line,
                                branch=branch,
                                portfolio=f"P{p}",
                                aum=aum,
                                contribution=contribution,
                            )
                        )
        return rows

    def load(self, conn: psycopg.Connection, months: set[str] | None = None) -> None:
        rows = [r for r in self.rows() if months is None or r["when"] in months]
        with conn.cursor() as cur:
            cur.executemany(
                'INSERT INTO customer."年金客户" (company_id, "客户名称") VALUES (%s, %s) ON CONFLICT DO NOTHING',
                sorted({(r["company"], f"客户{r['company']}") for r in rows}),
            )
            cur.executemany(
                'INSERT INTO mapping."年金计划" ("年金计划号", "计划全称") VALUES (%s, %s) ON CONFLICT DO NOTHING',
                sorted({(r["plan"], f"计划{r['plan']}") for r in rows}),
            )
            # One statement for the whole load, as the ETL's COPY is.
            with cur.copy(
                'COPY business."规模明细" ("月度", "计划代码", "组合代码", "期末资产规模", "供款", '
                '"机构代码", "产品线代码", company_id) FROM STDIN'
            ) as copy:
                for r in rows:
                    copy.write_row(
                        (
                            month(r["when"]),
                            r["plan"],
                            r["portfolio"],
                            r["aum"],
                            r["contribution"],
                            r["branch"],
                            r["line"],
                            r["company"],
                        )
                    )


def add_ledger(
    conn: psycopg.Connection, ledger: str, when: str, company: str, *, line: str = "PL202", plan: str | None = None
) -> None:
    """A 当年中标 (ledger='award') or 当年流失 (ledger='loss') row reported in month `when`."""
    table = {"award": '"当年中标"', "loss": '"当年流失"'}[ledger]
    conn.execute(
        f'INSERT INTO customer.{table} ("上报月份", company_id, "产品线代码", "年金计划号") VALUES (%s, %s, %s, %s)',
        (month(when), company, line, plan),
    )


def refresh(conn: psycopg.Connection, period: str | None, *, dry_run: bool = False) -> tuple:
    with conn.cursor(row_factory=namedtuple_row) as cur:
        return cur.execute(
            "SELECT period_end, product_line_rows, plan_rows, inserted, updated, deleted "
            "FROM customer.refresh_monthly_snapshot(p_period_end => %s, p_dry_run => %s)",
            (month_end(period) if period else None, dry_run),
        ).fetchone()


def plan_fact(conn: psycopg.Connection, when: str, company: str, plan: str, line: str = "PL202") -> tuple | None:
    """(contract_status, is_churned_this_year, aum_balance) of one plan row."""
    return conn.execute(
        "SELECT contract_status, is_churned_this_year, aum_balance FROM customer.fct_customer_plan_monthly "
        "WHERE snapshot_month = %s AND company_id = %s AND plan_code = %s AND product_line_code = %s",
        (month_end(when), company, plan, line),
    ).fetchone()


def product_line_fact(conn: psycopg.Connection, when: str, company: str, line: str = "PL202") -> dict | None:
    cur = conn.execute(
        "SELECT is_strategic, is_existing, is_new, is_winning_this_year, is_churned_this_year, aum_balance, "
        "       plan_count, customer_name, product_line_name "
        "FROM customer.fct_customer_product_line_monthly "
        "WHERE snapshot_month = %s AND company_id = %s AND product_line_code = %s",
        (month_end(when), company, line),
    )
    row = cur.fetchone()
    return None if row is None else dict(zip([d.name for d in cur.description], row))


# Every contract that ever had a version, at every applied month end.
KEYS_AND_MONTHS = """
SELECT k.company_id, k.plan_code, k.product_line_code, (g + interval '1 month - 1 day')::date AS period_end
FROM (SELECT DISTINCT company_id, plan_code, product_line_code FROM customer.customer_plan_contract) AS k,
     customer.contract_sync_state AS s,
     generate_series(date_trunc('month', s.first_applied_period), s.last_applied_period, interval '1 month') AS g
"""

EXPLAIN_ALL = f"""
SELECT k.*, e.rule, e.outcome, e.detail
FROM ({KEYS_AND_MONTHS}) AS k
CROSS JOIN LATERAL customer.explain_contract(k.company_id, k.plan_code, k.product_line_code, k.period_end) AS e
"""
