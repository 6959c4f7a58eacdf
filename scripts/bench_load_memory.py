"""Benchmark one month's load, as a user runs it: time and peak memory of `etl --file … --execute
--no-post-hooks`, process start to exit, at production size and at ten times that.

Generates (once, cached in --data) 规模明细 workbooks of 2026-11 and 2026-12 (the 35th and 36th
months of the sample generator), as the business files them, at production size (10,000 customers,
about 20,000 rows a month) and at ten times that (100,000 customers, about 200,000 rows). On a
scratch database next to DATABASE_URL's, for each size and run: November is loaded into the empty
database (the first month ever: every customer, plan and alias is new), then December (a routine
month). Each load is timed from process start to exit, with the peak RSS of the loading process
(ru_maxrss of the child); medians of three runs.

    uv run python scripts/bench_load_memory.py [--database wdh_bench_load] [--data /tmp/wdh-bench-load]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import psycopg
from benchdb import scratch_database

from work_data_hub.sample_data import PERFORMANCE_HEADERS, performance_rows, population, write_xlsx

SIZES = {"production (10,000 customers)": 10_000, "ten times (100,000 customers)": 100_000}


def generate(folder: Path, customers: int, index: int = 35) -> Path:
    month = date(2024 + index // 12, index % 12 + 1, 1)
    path = folder / f"{month:%Y%m}_{customers}" / f"{month.year}年{month.month}月规模明细_{customers}.xlsx"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_xlsx(
            path,
            "规模明细",
            PERFORMANCE_HEADERS,
            performance_rows(population(customers, 36, seed=7), date(2024, 1, 1), index, seed=7),
        )
    return path


def load_once(url: str, path: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of one `etl --file … --execute --no-post-hooks`."""
    # As installed: modules compiled to bytecode once (a machine that sets PYTHONDONTWRITEBYTECODE
    # would compile them on every start, 0.2 s; `uv sync --compile-bytecode` avoids that too).
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("WDH_DATA_DIR", "PYTHONDONTWRITEBYTECODE")},
        "DATABASE_URL": url,
    }
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "work_data_hub.cli",
            "etl",
            "--domain",
            "annuity_performance",
            "--file",
            str(path),
            "--execute",
            "--no-post-hooks",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = process.communicate()
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"the load failed:\n{out}\n{err}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return elapsed, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="wdh_bench_load")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "wdh-bench-load")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far: the sizes run smallest first, so each
    # size's figure is its own.
    subprocess.run(
        [sys.executable, "-m", "work_data_hub.cli", "--help"],
        capture_output=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    )  # compile once
    for label, customers in SIZES.items():
        november, december = generate(args.data, customers, 34), generate(args.data, customers, 35)
        first, routine = [], []
        for run in range(1, args.runs + 1):
            with scratch_database(args.database, keep=False) as url:
                first.append(load_once(url, november))
                routine.append(load_once(url, december))
                print(
                    f"… {label}: run {run}/{args.runs}: first month {first[-1][0]:.2f} s, routine {routine[-1][0]:.2f} s",
                    file=sys.stderr,
                    flush=True,
                )
                with psycopg.connect(url) as conn:
                    rows = conn.execute(
                        'SELECT count(*) FROM business."规模明细" WHERE "月度" = \'2026-12-01\''
                    ).fetchone()[0]
        for kind, runs in (("first month ever", first), ("routine month", routine)):
            times = [seconds for seconds, _ in runs]
            print(
                f"{label}, {kind}: {rows:,} rows, {december.stat().st_size / 2**20:.1f} MiB: "
                f"{statistics.median(times):.2f} s (runs {', '.join(f'{t:.2f}' for t in times)}), "
                f"peak RSS {max(peak for _, peak in runs) / 2**20:.0f} MiB",
                flush=True,
            )


if __name__ == "__main__":
    main()
