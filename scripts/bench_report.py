"""How long the monthly report and the export take for a production-size month (about 20,000 contracts).

On a scratch database next to DATABASE_URL's, generates bench_mdm.py's production source (10,000
customers, 20,000 contracts, 36 months from 2024-01), syncs and snapshots every month
(customer.run_monthly_close), then times, three times each, what `customer-mdm report` and
`customer-mdm export` do for the last month: read the figures, render, write the file.

    uv run python scripts/bench_report.py [--database wdh_bench_report] [--keep]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

import psycopg
from bench_mdm import GENERATE, run_script
from benchdb import scratch_database

from work_data_hub.customer_mdm.report import month_export, month_report
from work_data_hub.reporting.excel import write_xlsx
from work_data_hub.reporting.html import write_html

MONTHS, START, END = 36, "2024-01-01", date(2026, 12, 31)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="wdh_bench_report")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    with scratch_database(args.database, keep=args.keep) as url, tempfile.TemporaryDirectory() as tmp:
        with psycopg.connect(url) as conn:
            run_script(conn, GENERATE, start=START, months=MONTHS)
            started = time.perf_counter()
            conn.execute("SELECT * FROM customer.run_monthly_close()")
            conn.commit()
            contracts = conn.execute(
                "SELECT count(*) FROM customer.fct_customer_plan_monthly WHERE snapshot_month = %s", (END,)
            ).fetchone()[0]
            print(
                f"{MONTHS} months synced and snapshotted in {time.perf_counter() - started:.1f} s; "
                f"{END:%Y%m}: {contracts:,} contracts"
            )
        for label, run in (
            (
                "report",
                lambda conn, out: write_html(month_report(conn, period_end=END), out, generated_at=datetime.now()),
            ),
            ("export", lambda conn, out: write_xlsx(month_export(conn, period_end=END), out)),
        ):
            times, size = [], 0
            for attempt in range(3):
                out = Path(tmp) / f"{label}{attempt}"
                started = time.perf_counter()
                with psycopg.connect(url) as conn:
                    run(conn, out)
                times.append(time.perf_counter() - started)
                size = out.stat().st_size
            print(
                f"{label}: {statistics.median(times):.2f} s (median of 3; min {min(times):.2f}, "
                f"max {max(times):.2f}), {size / 1024:,.0f} KiB"
            )


if __name__ == "__main__":
    main()
