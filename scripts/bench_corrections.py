"""What a reader waits right after a correction (issue 28, item 6): ten correction cycles at
production size, each the month 'withdrawn and loaded again' (the rows go and come back, as `etl
withdraw` and a reload do) and the monthly close, then at once, before any autoanalyze could run
(autovacuum is off on the bench's tables), the three reads of a person checking the correction:
`restatements --period` (customer.snapshot_restatements), `report --as-of` (the month's two grains
as of a moment before the correction) and the customer page (customer_timeline and the
explanations of the contracts of the customer with the most).

Two scratch databases next to DATABASE_URL's get bench_mdm.py's population (10,000 customers,
20,000 contracts, 36 months): one as shipped (the close, a withdrawal and a load leave the tables
they changed analysed: customer._analyse_written), one analysing only the three small edition
tables, one with that function replaced by a no-op (the plans then depend on whatever
statistics were there, as before release 4). Printed per cycle: the close and each
read, in seconds; a read that runs over --timeout seconds is cut off and shown as "> T".

    uv run python scripts/bench_corrections.py [--cycles 10] [--timeout 120] [--keep]
"""

from __future__ import annotations

import argparse
import time

import psycopg
from bench_mdm import GENERATE, run_script
from benchdb import scratch_database

MONTHS, START = 36, "2024-01-01"
LATEST = "2026-12-01"
PERIOD = "2026-12-31"

TABLES = [
    'business."规模明细"',
    "customer.customer_plan_contract",
    "customer.contract_month_summary",
    "customer.fct_customer_plan_monthly",
    "customer.fct_customer_product_line_monthly",
    "customer.snapshot_delta",
    "customer.snapshot_edition",
    "customer.snapshot_month_state",
]
VARIANTS = {
    "as shipped (the close, a withdrawal and a load analyse what they changed)": None,
    "analysing the small edition tables only": """
CREATE OR REPLACE FUNCTION customer._analyse_written(p_tables regclass[]) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    ANALYZE customer.snapshot_delta, customer.snapshot_edition, customer.snapshot_month_state;
    RETURN 3;
END $$""",
    "without the ANALYZE (as before)": """
CREATE OR REPLACE FUNCTION customer._analyse_written(p_tables regclass[]) RETURNS integer
LANGUAGE sql VOLATILE RETURN 0""",
}
CORRECT = """
CREATE TEMP TABLE IF NOT EXISTS bench_month AS SELECT * FROM business."规模明细" WHERE false;
TRUNCATE bench_month;
INSERT INTO bench_month SELECT * FROM business."规模明细" WHERE "月度" = %(month)s;
SELECT * FROM business.withdraw_month(%(month)s);
INSERT INTO business."规模明细" ("月度", "业务类型", "计划代码", "组合代码", "期末资产规模", "供款", "机构代码",
                                "产品线代码", company_id)
SELECT "月度", "业务类型", "计划代码", "组合代码",
       -- 2 per cent of the rows corrected, different ones each cycle
       CASE WHEN abs(hashtext("计划代码" || %(salt)s)) %% 50 = 0 THEN round("期末资产规模" * 1.05, 4)
            ELSE "期末资产规模" END,
       "供款", "机构代码", "产品线代码", company_id
FROM bench_month
"""
READS = {
    "restatements": "SELECT count(*) FROM customer.snapshot_restatements(%(period)s)",
    "report --as-of": "SELECT (SELECT count(*) FROM customer.product_line_snapshot_as_of(%(period)s, %(as_of)s)) "
    "+ (SELECT count(*) FROM customer.plan_snapshot_as_of(%(period)s, %(as_of)s))",
    "customer page": "SELECT (SELECT count(*) FROM customer.customer_timeline(%(company)s)) + (SELECT count(*) "
    "FROM customer.customer_plan_contract AS c, customer.explain_contract(c.company_id, c.plan_code, "
    "c.product_line_code, %(period)s) WHERE c.company_id = %(company)s AND c.valid_to = '9999-12-31')",
}


BUSIEST = """
SELECT company_id FROM customer.customer_plan_contract WHERE valid_to = '9999-12-31'
GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1
"""


def build(url: str, *, variant: str | None) -> tuple:
    with psycopg.connect(url) as conn:
        for table in TABLES:
            conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
        if variant:
            conn.execute(variant)
        run_script(conn, GENERATE, start=START, months=MONTHS)
        conn.execute("ANALYZE")  # the first build: as a DBA leaves a new installation
        conn.execute("SELECT * FROM customer.run_monthly_close()")
        conn.commit()
        return conn.execute("SELECT now()").fetchone()[0], conn.execute(BUSIEST).fetchone()[0]


def cycle(url: str, n: int, as_of, company: str, timeout: float) -> dict[str, float | None]:
    result: dict[str, float | None] = {}
    with psycopg.connect(url) as conn:
        for statement in CORRECT.split(";"):
            if statement.strip():
                conn.execute(statement, {"month": LATEST, "salt": f"c{n}"})
        started = time.perf_counter()
        conn.execute("SELECT * FROM customer.run_monthly_close()")
        conn.commit()
        result["close"] = time.perf_counter() - started
        conn.execute(f"SET statement_timeout = '{int(timeout * 1000)}'")
        for name, query in READS.items():
            started = time.perf_counter()
            try:
                conn.execute(query, {"period": PERIOD, "as_of": as_of, "company": company}).fetchone()
                result[name] = time.perf_counter() - started
            except psycopg.errors.QueryCanceled:
                result[name] = None
            conn.rollback()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cycles", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    for n_variant, (label, variant) in enumerate(VARIANTS.items()):
        with scratch_database(f"wdh_bench_corrections_{n_variant}", keep=args.keep) as url:
            as_of, company = build(url, variant=variant)
            print(f"{label}:")
            print("  cycle   close  " + "  ".join(f"{name:>14}" for name in READS))
            for n in range(1, args.cycles + 1):
                r = cycle(url, n, as_of, company, args.timeout)
                cells = [f"{r[name]:14.3f}" if r[name] is not None else f"{'> ' + str(int(args.timeout)):>14}"
                         for name in READS]  # fmt: skip
                print(f"  {n:5} {r['close']:7.2f}  " + "  ".join(cells), flush=True)


if __name__ == "__main__":
    main()
