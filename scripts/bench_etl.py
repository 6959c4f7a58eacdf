"""Benchmark loading one production-size month (.xlsx) through the ETL, hooks included.

Creates a scratch database next to DATABASE_URL's (default wdh_bench_etl), generates production-
scale sample files (10,000 customers, ~620,000 rows over 36 months), loads the first 35 months as
CSV with one catch-up sync, then times the 36th month as .xlsx: validation, the load itself, the
hooks (sync of the month, its snapshot), and the whole CLI command `etl --execute` run as a user
would (a reload of the same month, which also replays that month's history).

    uv run python scripts/bench_etl.py [--database wdh_bench_etl] [--keep]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from benchdb import scratch_database

from work_data_hub.db.connect import connect
from work_data_hub.etl.domains import ANNUITY_PERFORMANCE
from work_data_hub.etl.loader import execute_load, parse_file, plan_load
from work_data_hub.hooks import run_hooks
from work_data_hub.sample_data import PERFORMANCE_HEADERS, month_at, performance_rows, population, write_csv, write_xlsx

START, MONTHS, CUSTOMERS, SEED = date(2024, 1, 1), 36, 10000, 2026


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="wdh_bench_etl")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    with scratch_database(args.database, keep=args.keep) as url:
        os.environ["DATABASE_URL"] = url
        work = Path(tempfile.mkdtemp(prefix="wdh-bench-etl-"))
        contracts = population(CUSTOMERS, MONTHS, SEED)
        started = time.perf_counter()
        history = work / "history.csv"
        rows = write_csv(history, PERFORMANCE_HEADERS,
                         (row for index in range(MONTHS - 1) for row in performance_rows(contracts, START, index, SEED)))
        last = month_at(START, MONTHS - 1)
        xlsx = work / f"规模明细_{last:%Y%m}.xlsx"
        month_rows = write_xlsx(xlsx, "规模明细", PERFORMANCE_HEADERS, performance_rows(contracts, START, MONTHS - 1, SEED))
        print(f"generated {rows:,} history rows (35 months) and {month_rows:,} rows for {last:%Y-%m} "
              f"({len(contracts):,} contracts) in {time.perf_counter() - started:.1f} s")

        started = time.perf_counter()
        parsed = parse_file(ANNUITY_PERFORMANCE, history)
        with connect(url) as conn:
            execute_load(conn, parsed, plan_load(conn, parsed))
        with connect(url) as conn:
            conn.execute("ANALYZE")
            periods = conn.execute("SELECT count(*) FROM customer.sync_contract_status()").fetchone()[0]
            conn.execute("SELECT * FROM customer.refresh_monthly_snapshot(NULL)")
        print(f"history: loaded and synced {periods} periods in {time.perf_counter() - started:.1f} s")

        timings = {}
        t0 = time.perf_counter()
        parsed = parse_file(ANNUITY_PERFORMANCE, xlsx, date(last.year, last.month, 28))
        timings["read + validate .xlsx"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        with connect(url) as conn:
            result = execute_load(conn, parsed, plan_load(conn, parsed))
        timings["plan + load (COPY, one transaction)"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        outcomes = run_hooks(result)
        timings["hooks (sync + snapshot)"] = time.perf_counter() - t0
        assert all(o.status == "ok" for o in outcomes), outcomes
        for name, seconds in timings.items():
            print(f"{last:%Y-%m} {name}: {seconds:.2f} s")
        print(f"{last:%Y-%m} total in-process: {sum(timings.values()):.2f} s")

        t0 = time.perf_counter()
        cli = subprocess.run([sys.executable, "-m", "work_data_hub.cli", "etl", "--domain", "annuity_performance",
                              "--file", str(xlsx), "--period", f"{last:%Y%m}", "--execute"],
                             capture_output=True, text=True, env=os.environ)
        assert cli.returncode == 0, cli.stderr
        print(f"{last:%Y-%m} reload through the CLI (etl --execute, process start to exit): "
              f"{time.perf_counter() - t0:.2f} s")
        print("\n".join("  " + line for line in cli.stdout.splitlines()[-4:]))


if __name__ == "__main__":
    main()
