"""Benchmark customer.sync_contract_status and customer.refresh_monthly_snapshot at production scale.

Creates a scratch database next to DATABASE_URL's (default name wdh_bench), migrates it, generates
about 625,000 source rows over 36 months (10,000 customers, 20,000 contracts) in SQL, then times
the full catch-up, one incremental month on top of it (a January, with its annual re-versioning,
and an ordinary February), a dry run and a no-op re-run; then the snapshot refresh of one month
(first build, dry run, unchanged re-run, an old month).

    uv run python scripts/bench_mdm.py [--database wdh_bench] [--months 36] [--keep]
"""

from __future__ import annotations

import argparse
import functools
import time

import psycopg
from benchdb import scratch_database

GENERATE = """
INSERT INTO customer."年金客户" (company_id, "客户名称")
SELECT format('C%%05s', c), format('客户%%05s', c) FROM generate_series(1, 10000) AS c;

INSERT INTO mapping."年金计划" ("年金计划号", "计划全称")
SELECT format('P%%05s', k), format('计划%%05s', k) FROM generate_series(1, 20000) AS k;

SELECT setseed(0.42);

-- Each contract has a size of its own (log-uniform, 1e6 … 8e9) that drifts up to 10 percent a month, most
-- contribute every month, a seventh never do, 2 percent of portfolio-months hold nothing.
CREATE TEMP TABLE bench_contract AS
SELECT k, exp(ln(1e6) + random() * ln(8000)) AS size, random() < 0.86 AS contributes,
       (random() * 12)::int AS first_month, random() < 0.03 AS leaves
FROM generate_series(1, 20000) AS k;

INSERT INTO business."规模明细" ("月度", "业务类型", "计划代码", "组合代码", "期末资产规模", "供款",
                                "机构代码", "产品线代码", company_id)
SELECT (%(start)s::date + make_interval(months => r.m))::date,
       pl."产品线", format('P%%05s', r.k), format('F%%02s', r.f),
       round((r.size * (0.9 + r.a / 5) * (CASE WHEN r.z < 0.02 THEN 0 ELSE 1 END))::numeric, 4),
       CASE WHEN r.contributes AND r.b < 0.9 THEN round((r.size * r.b / 100)::numeric, 4) ELSE 0 END,
       format('G%%02s', 1 + r.k %% 30), pl."产品线代码", format('C%%05s', 1 + (r.k - 1) %% 10000)
FROM (
    SELECT c.k, m, f, c.size, c.contributes, random() AS a, random() AS b, random() AS z
    FROM bench_contract AS c
    CROSS JOIN generate_series(0, %(months)s - 1) AS m
    CROSS JOIN LATERAL generate_series(1, CASE WHEN c.k %% 20 = 0 THEN 2 ELSE 1 END) AS f
    WHERE m >= c.first_month AND NOT (c.leaves AND m BETWEEN 12 AND 25)
) AS r
JOIN mapping."产品线" AS pl ON pl."产品线代码" = (ARRAY['PL201','PL202','PL203','PL204','PL210','PL211'])[1 + r.k %% 6]
"""


def run_script(conn: psycopg.Connection, script: str, *, start: str, months: int) -> None:
    """Run `script`'s statements (GENERATE, say) with the first month and the month count, and commit."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement, {"start": start, "months": months})
    conn.commit()


def timed(conn: psycopg.Connection, query: str, params=None) -> tuple[float, list]:
    started = time.perf_counter()
    rows = conn.execute(query, params).fetchall()
    conn.commit()
    return time.perf_counter() - started, rows


SYNC = (
    "SELECT period_end, inserted, updated, lapsed, total FROM customer.sync_contract_status("
    "p_dry_run => %s, p_period_end => NULL)"
)


REFRESH = (
    "SELECT period_end, product_line_rows, plan_rows, inserted, updated, deleted "
    "FROM customer.refresh_monthly_snapshot(p_period_end => %s, p_dry_run => %s)"
)


def add_month(conn: psycopg.Connection, month_index: int, start: str) -> int:
    """Copy the last loaded month forward as month `month_index` (a routine new month)."""
    cur = conn.execute(
        'INSERT INTO business."规模明细" ("月度", "业务类型", "计划代码", "组合代码", "期末资产规模", "供款", '
        '"机构代码", "产品线代码", company_id) '
        'SELECT (%(start)s::date + make_interval(months => %(m)s))::date, "业务类型", "计划代码", "组合代码", '
        '       round("期末资产规模" * (0.9 + random() / 5)::numeric, 4), CASE WHEN random() < 0.7 THEN "供款" ELSE 0 END, '
        '       "机构代码", "产品线代码", company_id '
        'FROM business."规模明细" WHERE "月度" = (%(start)s::date + make_interval(months => %(m)s - 1))::date',
        {"start": start, "m": month_index},
    )
    conn.commit()
    return cur.rowcount


print = functools.partial(print, flush=True)  # noqa: A001 - each result line as it is measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="wdh_bench")
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--start", default="2024-01-01")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    with scratch_database(args.database, keep=args.keep) as url:
        with psycopg.connect(url) as conn:
            started = time.perf_counter()
            run_script(conn, GENERATE, start=args.start, months=args.months)
            conn.autocommit = True
            conn.execute('VACUUM ANALYZE business."规模明细"')
            conn.autocommit = False
            rows, contracts = conn.execute(
                'SELECT count(*), count(DISTINCT (company_id, "计划代码", "产品线代码")) FROM business."规模明细"'
            ).fetchone()
            print(
                f"source: {rows:,} rows over {args.months} months, {contracts:,} contracts, 10,000 customers "
                f"(generated in {time.perf_counter() - started:.1f} s)"
            )

            elapsed, result = timed(conn, SYNC, (True,))
            print(f"dry run of the full catch-up ({len(result)} periods): {elapsed:.2f} s")
            elapsed, result = timed(conn, SYNC, (False,))
            versions = conn.execute("SELECT count(*) FROM customer.customer_plan_contract").fetchone()[0]
            print(
                f"full catch-up ({len(result)} periods): {elapsed:.2f} s; {versions:,} versions; "
                f"per period {elapsed / len(result):.3f} s"
            )

            for index, label in ((args.months, "January"), (args.months + 1, "February")):
                added = add_month(conn, index, args.start)
                # A routine month's sync runs weeks after the previous one, when autovacuum has long
                # processed the tables; vacuum them here so the figure is of that steady state and
                # not of autovacuum racing the sync on two cores.
                conn.autocommit = True
                conn.execute(
                    'VACUUM ANALYZE business."规模明细", customer.customer_plan_contract, '
                    "customer.contract_month_summary"
                )
                conn.autocommit = False
                dry, dry_rows = timed(conn, SYNC, (True,))
                elapsed, result = timed(conn, SYNC, (False,))
                ((period, inserted, updated, lapsed, total),) = result
                assert dry_rows == result
                print(
                    f"incremental month {period} ({label}, {added:,} new rows): {elapsed:.3f} s "
                    f"(dry run {dry:.3f} s); inserted {inserted:,}, updated {updated:,}, lapsed {lapsed:,}, "
                    f"in force {total:,}"
                )
            elapsed, _ = timed(conn, SYNC, (False,))
            print(f"no-op re-run: {elapsed:.3f} s")

            for label, period, dry in (
                ("first build", None, False),
                ("dry run of an unchanged month", None, True),
                ("unchanged re-run", None, False),
                ("first build of an old month", "2025-06-30", False),
            ):
                elapsed, rows = timed(conn, REFRESH, (period, dry))
                ((period_end, pl_rows, plan_rows, inserted, updated, deleted),) = rows
                print(
                    f"snapshot {period_end} {label}: {elapsed:.3f} s; product-line rows {pl_rows:,}, plan rows "
                    f"{plan_rows:,}; inserted {inserted:,}, updated {updated:,}, deleted {deleted:,}"
                )


if __name__ == "__main__":
    main()
