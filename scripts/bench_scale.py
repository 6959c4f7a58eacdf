"""How the sync and the snapshot scale: with the population (1x, 4x, 10x) and with history (120 months).

For each case a scratch database next to DATABASE_URL's gets a production-like population from
the sample generator (customers x months of 规模明细, COPYed straight into the table), and the
script times, each on its own:

- catch-up: the first sync, through month N-2 (34 months for a 36-month history);
- first snapshot: refresh_monthly_snapshot of that month right after the catch-up;
- routine month: month N-1 loaded, then its sync and its snapshot (tables vacuumed and analysed
  first, as a month-later run finds them), each the median of three runs (two rolled back);
- after a crash: `pg_ctl restart -m immediate` (statistics are lost), month N loaded, then its sync
  and its snapshot. This needs the local cluster of `db init` (run from the project folder).

    uv run python scripts/bench_scale.py                      # 1x, 4x, 10x over 36 months, 1x over 120 months
    uv run python scripts/bench_scale.py --cases 1x:36 10x:36 # a subset
"""

from __future__ import annotations

import argparse
import time
from datetime import date

import psycopg
from benchdb import scratch_database

from work_data_hub.sample_data import month_at, performance_rows, population
from work_data_hub.tooling import local

BASE_CUSTOMERS = 5000
SEED, START = 2026, date(2024, 1, 1)
LINE_CODES = {"企年受托": "PL202", "企年投资": "PL201", "职年受托": "PL204", "职年投资": "PL203", "其他": "PL301"}
COPY = (
    'COPY business."规模明细" ("月度", "业务类型", "计划类型", "计划代码", "计划名称", "组合代码", "客户名称", '
    'company_id, "期末资产规模", "供款", "机构代码", "产品线代码") FROM STDIN'
)


def load_months(conn: psycopg.Connection, contracts, months: range) -> int:
    rows = 0
    with conn.cursor() as cur, cur.copy(COPY) as copy:
        for index in months:
            month = month_at(START, index)
            for r in performance_rows(contracts, START, index, SEED):
                copy.write_row((month, r[1], r[2], r[3], r[4], r[6], r[8], r[9], r[11], r[12], r[19], LINE_CODES[r[1]]))
                rows += 1
    conn.commit()
    return rows


def timed(conn: psycopg.Connection, sql: str, params=()) -> float:
    started = time.perf_counter()
    conn.execute(sql, params).fetchall()
    conn.commit()
    return time.perf_counter() - started


def timed_median(conn: psycopg.Connection, sql: str, params=(), repeats: int = 3) -> float:
    """The median of `repeats` runs: all but the last rolled back, so each starts from the same state."""
    runs = []
    for _ in range(repeats - 1):
        started = time.perf_counter()
        conn.execute(sql, params).fetchall()
        runs.append(time.perf_counter() - started)
        conn.rollback()
    runs.append(timed(conn, sql, params))
    return sorted(runs)[len(runs) // 2]


def month_end(index: int) -> date:
    first = month_at(START, index + 1)
    return date.fromordinal(first.toordinal() - 1)


def run_case(url: str, scale: int, months: int, crash: bool) -> dict[str, float]:
    customers = BASE_CUSTOMERS * scale
    contracts = population(customers, months, SEED)
    figures: dict[str, float] = {}
    with psycopg.connect(url) as conn:
        with conn.cursor() as cur:
            cur.executemany(
                'INSERT INTO customer."年金客户" (company_id, "客户名称") VALUES (%s, %s) ON CONFLICT DO NOTHING',
                sorted({(c.company_id, c.customer) for c in contracts}),
            )
            cur.executemany(
                'INSERT INTO mapping."年金计划" ("年金计划号", "计划全称") VALUES (%s, %s) ON CONFLICT DO NOTHING',
                sorted({(c.plan_code, c.plan_name) for c in contracts}),
            )
        conn.commit()
        started = time.perf_counter()
        rows = load_months(conn, contracts, range(months - 2))
        print(
            f"  {scale}x/{months}: {len(contracts):,} contracts, {rows:,} rows for {months - 2} months loaded in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
        figures["catch-up"] = timed(conn, "SELECT * FROM customer.sync_contract_status()")
        figures["first snapshot"] = timed(conn, "SELECT * FROM customer.refresh_monthly_snapshot(NULL)")
        load_months(conn, contracts, range(months - 2, months - 1))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    with psycopg.connect(url) as conn:
        figures["routine sync"] = timed_median(conn, "SELECT * FROM customer.sync_contract_status()")
        figures["routine snapshot"] = timed_median(
            conn, "SELECT * FROM customer.refresh_monthly_snapshot(%s)", (month_end(months - 2),)
        )
        load_months(conn, contracts, range(months - 1, months))
    if crash:
        cluster = local.cluster_here()
        local._run(
            [
                str(local.find_bindir() / "pg_ctl"),
                "restart",
                "-w",
                "-m",
                "immediate",
                "-D",
                str(cluster.data_dir),
                "-l",
                str(cluster.log_file),
            ],
            "Restarting after a crash",
        )
        with psycopg.connect(url) as conn:
            figures["sync after crash"] = timed(conn, "SELECT * FROM customer.sync_contract_status()")
            figures["snapshot after crash"] = timed(
                conn, "SELECT * FROM customer.refresh_monthly_snapshot(%s)", (month_end(months - 1),)
            )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--cases", nargs="+", default=["1x:36", "4x:36", "10x:36", "1x:120"], help="SCALEx:MONTHS, e.g. 10x:36"
    )
    parser.add_argument("--no-crash", action="store_true", help="skip the crash-restart step")
    parser.add_argument("--keep", action="store_true", help="keep the last case's database (wdh_bench_scale)")
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    for case in args.cases:
        scale, months = case.split("x:")
        with scratch_database("wdh_bench_scale", keep=args.keep) as url:
            results[case] = run_case(url, int(scale), int(months), crash=not args.no_crash)
        print(f"{case}: " + ", ".join(f"{k} {v:.2f} s" for k, v in results[case].items()), flush=True)
    base = results.get("1x:36")
    if base:
        for case, figures in results.items():
            if case != "1x:36":
                print(f"{case} / 1x:36: " + ", ".join(f"{k} {figures[k] / base[k]:.1f}x" for k in figures if k in base))


if __name__ == "__main__":
    main()
