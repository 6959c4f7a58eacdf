"""How long explain, history and the customer page take at production size.

On a scratch database next to DATABASE_URL's, generates bench_mdm.py's production source (10,000
customers, 20,000 contracts, 36 months from 2024-01) and what loads leave beside it (a load-ledger
row per month, three aliases per customer), syncs and snapshots every month
(customer.run_monthly_close), then times, over customers and contracts drawn at random (the same
ones on every run):
  explain   customer.explain_contract of one contract and month (the last, and one a year back);
  history   customer.customer_timeline of one customer, every row fetched;
  page      what `customer-mdm report --company` does: read the timeline and explain every contract
            in force, render the page, write the file.
and the monthly report (`customer-mdm report --period`), whose movements now carry reasons.

    uv run python scripts/bench_explain.py [--database wdh_bench_explain] [--samples 200] [--keep]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import psycopg
from bench_mdm import GENERATE, run_script
from benchdb import scratch_database

from work_data_hub.customer_mdm.explain import customer_page
from work_data_hub.customer_mdm.report import month_report
from work_data_hub.reporting.html import write_customer_html, write_html

MONTHS, START, END, YEAR_BACK = 36, "2024-01-01", date(2026, 12, 31), date(2025, 12, 31)

# What loading the 36 months through the ETL would have left: one load-ledger row per month and the
# aliases it learned (name, plan and name, account per customer).
LOADS = """
INSERT INTO business.etl_load_log (domain, source, path, sha256, bytes, months, rows_loaded, rows_replaced)
SELECT 'annuity_performance', 'inbox', format('/data/inbox/%%s/规模明细.xlsx', to_char(m, 'YYYYMM')),
       md5(m::text) || md5(m::text), 2800000, ARRAY[m::date], 20000, 0
FROM generate_series(%(start)s::date, %(start)s::date + make_interval(months => %(months)s - 1), interval '1 month') AS m;

INSERT INTO customer.company_alias (kind, plan_code, alias, company_id, source, first_month, last_month)
SELECT k.kind, CASE WHEN k.kind = 'plan_name' THEN format('P%%05s', c) ELSE '' END,
       CASE WHEN k.kind = 'account' THEN format('A%%05s', c) ELSE format('客户%%05s', c) END,
       format('C%%05s', c), 'learned', %(start)s::date,
       (%(start)s::date + make_interval(months => %(months)s - 1))::date
FROM generate_series(1, 10000) AS c CROSS JOIN (VALUES ('name'), ('plan_name'), ('account')) AS k (kind);
"""


def timings(label: str, run: Callable[[object], object], items: list) -> None:
    times = []
    for item in items:
        started = time.perf_counter()
        run(item)
        times.append(time.perf_counter() - started)
    times.sort()
    print(
        f"{label}: median {statistics.median(times) * 1000:.1f} ms, 95th percentile "
        f"{times[int(len(times) * 0.95) - 1] * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms ({len(times)} calls)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="wdh_bench_explain")
    parser.add_argument("--samples", type=int, default=200, help="calls of explain and history each")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    with scratch_database(args.database, keep=args.keep) as url, tempfile.TemporaryDirectory() as tmp:
        with psycopg.connect(url) as conn:
            for script in (GENERATE, LOADS):
                run_script(conn, script, start=START, months=MONTHS)
            started = time.perf_counter()
            conn.execute("SELECT * FROM customer.run_monthly_close()")
            conn.commit()
            print(f"{MONTHS} months synced and snapshotted in {time.perf_counter() - started:.1f} s")
            pick = random.Random(42)
            contracts = conn.execute(
                "SELECT DISTINCT company_id, plan_code, product_line_code "
                "FROM customer.customer_plan_contract ORDER BY 1, 2, 3"
            ).fetchall()
            customers = sorted({c for c, _, _ in contracts})
            sample = pick.sample(contracts, args.samples)
            people = pick.sample(customers, args.samples)
            versions = conn.execute("SELECT count(*) FROM customer.customer_plan_contract").fetchone()[0]
            print(f"{len(customers):,} customers, {len(contracts):,} contracts, {versions:,} versions")

            def explain(key, period=END):
                rows = conn.execute(
                    "SELECT * FROM customer.explain_contract(%s, %s, %s, %s)", (*key, period)
                ).fetchall()
                conn.rollback()
                return rows

            def history(company):
                rows = conn.execute("SELECT * FROM customer.customer_timeline(%s)", (company,)).fetchall()
                conn.rollback()
                return rows

            explain(sample[0])  # the first call of a session plans and caches the function's statements
            timings(f"explain, {END:%Y-%m}", explain, sample)
            timings(f"explain, {YEAR_BACK:%Y-%m}", lambda key: explain(key, YEAR_BACK), sample)
            rows = sum(len(history(c)) for c in people[:20]) / 20
            timings(f"history (about {rows:.0f} rows a customer)", history, people)

        def page(company):
            with psycopg.connect(url) as conn:  # as the command does: its own connection
                figures = customer_page(conn, company_id=company, period_end=None)
            write_customer_html(figures, Path(tmp) / f"{company}.html", generated_at=datetime.now())

        timings("customer page (connect, read, render, write)", page, people[:50])

        def report(_):
            with psycopg.connect(url) as conn:
                write_html(month_report(conn, period_end=END), Path(tmp) / "report.html", generated_at=datetime.now())

        timings(f"monthly report {END:%Y-%m} (movements with reasons)", report, [0, 1, 2])


if __name__ == "__main__":
    main()
