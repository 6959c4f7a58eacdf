"""What keeping snapshot editions costs: the close's time with and without them, and their size.

Two scratch databases next to DATABASE_URL's get bench_mdm.py's production source (10,000
customers, 20,000 contracts, 36 months from 2024-01) and the same year of ordinary work, month by
month: the new month arrives (a copy of the last one, drifted), and a correction of the month
before changes the AUM of 1 percent of the contracts; every fourth month a correction also reaches
six months back. After each, the monthly close (customer.run_monthly_close). In one database the
editions are kept (as shipped); in the other their triggers are disabled. Printed: the first close
(36 months built), the year's closes in total and the median, and the editions' size against the
fact tables'.

    uv run python scripts/bench_editions.py [--keep]
"""

from __future__ import annotations

import argparse
import statistics
import time

import psycopg
from bench_mdm import GENERATE, add_month, run_script
from benchdb import scratch_database

MONTHS, START = 36, "2024-01-01"

CORRECT = """
UPDATE business."规模明细" AS d SET "期末资产规模" = round(d."期末资产规模" * 1.1, 4)
WHERE d."月度" = (%(start)s::date + make_interval(months => %(month)s))::date
  AND abs(hashtext(d."计划代码" || %(salt)s)) %% 100 = 0
"""

SIZES = """
SELECT pg_total_relation_size('customer.snapshot_delta') + pg_total_relation_size('customer.snapshot_edition'),
       pg_total_relation_size('customer.fct_customer_product_line_monthly')
       + pg_total_relation_size('customer.fct_customer_plan_monthly'),
       (SELECT count(*) FROM customer.snapshot_delta), (SELECT count(*) FROM customer.snapshot_edition WHERE edition > 1)
"""


def close(conn: psycopg.Connection) -> float:
    started = time.perf_counter()
    conn.execute("SELECT * FROM customer.run_monthly_close()")
    conn.commit()
    return time.perf_counter() - started


def year(url: str, *, editions: bool) -> tuple[float, list[float], tuple]:
    with psycopg.connect(url) as conn:
        if not editions:
            for table in ("fct_customer_product_line_monthly", "fct_customer_plan_monthly"):
                for event in ("insert", "update", "delete"):
                    conn.execute(f"ALTER TABLE customer.{table} DISABLE TRIGGER {table}_edition_{event}")
        run_script(conn, GENERATE, start=START, months=MONTHS)
        conn.execute("SELECT setseed(0.7)")
        first = close(conn)
        closes = []
        for step in range(12):
            month = MONTHS + step
            add_month(conn, month, START)
            conn.execute(CORRECT, {"start": START, "month": month - 1, "salt": f"s{step}"})
            if step % 4 == 3:
                conn.execute(CORRECT, {"start": START, "month": month - 6, "salt": f"o{step}"})
            conn.commit()
            closes.append(close(conn))
        sizes = conn.execute(SIZES).fetchone()
    return first, closes, sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    args = parser.parse_args()
    results = {}
    for label, kept in (("without editions", False), ("with editions", True)):
        with scratch_database(f"wdh_bench_editions_{int(kept)}", keep=args.keep) as url:
            results[label] = year(url, editions=kept)
    for label, (first, closes, _) in results.items():
        print(
            f"{label}: first close (36 months) {first:.2f} s; the year's 12 closes {sum(closes):.2f} s "
            f"(median {statistics.median(closes):.3f} s, max {max(closes):.3f} s)"
        )
    first_with, closes_with, (kept, facts, rows, count) = results["with editions"]
    first_without, closes_without, _ = results["without editions"]
    print(
        f"editions: {count} kept, {rows:,} rows, {kept / 2**20:.1f} MiB = {100 * kept / facts:.2f} % of the fact "
        f"tables ({facts / 2**20:.1f} MiB)"
    )
    print(
        f"close with editions / without: first {first_with / first_without:.3f}, "
        f"the year {sum(closes_with) / sum(closes_without):.3f}"
    )


if __name__ == "__main__":
    main()
