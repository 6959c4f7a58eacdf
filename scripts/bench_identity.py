"""What identity resolution adds to loading a 规模明细 month of production size (about 20,000 rows).

On a scratch database next to DATABASE_URL's, loads month 35 of the production sample (10,000
customers) with every company_id, so that the loader learns the aliases; then, for month 36
(about 20,000 rows) written three ways (every company_id; a quarter of the rows of known customers without
one, by name or account; no company_id at all), stages it and times, three times each,
customer.resolve_staged_identities (at staging, preview and load alike) and
customer.learn_staged_aliases (when a load is applied), in a transaction that is rolled back
(the alias table vacuumed before each, as autovacuum leaves it a month later).

    uv run python scripts/bench_identity.py [--database wdh_bench_identity] [--keep]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import psycopg
from benchdb import scratch_database

from work_data_hub.etl.domains import ANNUITY_PERFORMANCE
from work_data_hub.etl.service import LoadOptions, load_file
from work_data_hub.etl.stage import RESOLVE_IDENTITIES, copy_to_stage
from work_data_hub.etl.validate import parse_file
from work_data_hub.sample_data import PERFORMANCE_HEADERS, performance_rows, population, write_csv

ADD_CUSTOMERS = (
    'INSERT INTO customer."年金客户" (company_id, "客户名称", is_provisional) '
    "SELECT company_id, coalesce(customer_name, company_id), provisional "
    "FROM business._staged_new_customers('annuity_performance') ON CONFLICT (company_id) DO NOTHING"
)

START, CUSTOMERS, SEED, MONTH = date(2024, 1, 1), 10000, 2026, 34  # months 35 and 36: about 20,000 rows
NAME, COMPANY, ACCOUNT = (PERFORMANCE_HEADERS.index(c) for c in ("客户名称", "company_id", "年金账户号"))


def variants(contracts) -> dict[str, list[list]]:
    rnd = random.Random(1)
    complete = list(performance_rows(contracts, START, MONTH + 1, SEED))
    quarter, none = [list(r) for r in complete], [list(r) for r in complete]
    for row in quarter:
        if rnd.random() < 0.25:
            row[COMPANY] = None
            if rnd.random() < 0.5:
                row[ACCOUNT] = None
    for row in none:
        row[COMPANY] = None
    return {"every company_id": complete, "a quarter without company_id": quarter, "no company_id at all": none}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="wdh_bench_identity")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    contracts = population(CUSTOMERS, 36, SEED)
    with tempfile.TemporaryDirectory() as tmp, scratch_database(args.database, keep=args.keep) as url:
        first = Path(tmp) / "first.csv"
        write_csv(first, PERFORMANCE_HEADERS, performance_rows(contracts, START, MONTH, SEED))
        with psycopg.connect(url) as conn:
            load_file(conn, ANNUITY_PERFORMANCE, first, LoadOptions(execute=True))
            aliases = conn.execute("SELECT count(*) FROM customer.company_alias").fetchone()[0]
        print(f"month {MONTH + 1} loaded with every company_id: {aliases:,} aliases learned")
        for label, rows in variants(contracts).items():
            path = Path(tmp) / f"{label}.csv"
            write_csv(path, PERFORMANCE_HEADERS, rows)
            parsed = parse_file(ANNUITY_PERFORMANCE, path)
            resolve, learn = [], []
            with psycopg.connect(url) as conn:
                for _ in range(3):
                    # A month later, autovacuum has cleaned the alias table (here: the rolled-back run's rows).
                    with psycopg.connect(url, autocommit=True) as maintenance:
                        maintenance.execute("VACUUM ANALYZE customer.company_alias")
                    copy_to_stage(conn, parsed)
                    started = time.perf_counter()
                    result = conn.execute(RESOLVE_IDENTITIES, (False,)).fetchall()
                    resolve.append(time.perf_counter() - started)
                    conn.execute(ADD_CUSTOMERS)
                    started = time.perf_counter()
                    conn.execute("SELECT customer.learn_staged_aliases(false)")
                    learn.append(time.perf_counter() - started)
                    conn.rollback()
            kinds = ", ".join(f"{k} {n:,}" for k, n, _ in result)
            print(
                f"{label} ({len(rows):,} rows: {kinds}): resolve {statistics.median(resolve):.3f} s, "
                f"learn {statistics.median(learn):.3f} s (medians of 3)"
            )


if __name__ == "__main__":
    main()
