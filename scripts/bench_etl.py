"""Benchmark the ETL at production size, as a user runs it from the inbox.

Generates (once, cached in --data) the production sample filed as the business delivers it:
10,000 customers, 36 month folders with one .xlsx of about 20,000 rows each (one month with a V2
correction) and the 台账登记 ledger workbook. Then, on a scratch database next to DATABASE_URL's:

- reading and validating one month's .xlsx (parse_file), three times;
- `etl --domain annual_award --execute` and `… annual_loss …` from the inbox;
- `etl --domain annuity_performance --execute` loading all 36 months in one command, hooks
  included (one catch-up sync, 36 snapshots), process start to exit;
- the same command again over the unchanged inbox (nothing to load);
- a V3 correction of one month dropped into the inbox: that month is reloaded and history replayed.

    uv run python scripts/bench_etl.py [--database wdh_bench_etl] [--data /tmp/wdh-bench-inbox] [--keep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from benchdb import scratch_database

from work_data_hub.etl.domains import ANNUITY_PERFORMANCE
from work_data_hub.etl.validate import parse_file
from work_data_hub.sample_data import generate_inbox

START, MONTHS, CUSTOMERS, SEED = date(2024, 1, 1), 36, 10000, 2026


def cli(project: Path, *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "WDH_DATA_DIR")}
    result = subprocess.run(
        [sys.executable, "-m", "work_data_hub.cli", *args], cwd=project, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return time.perf_counter() - started, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="wdh_bench_etl")
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(tempfile.gettempdir()) / "wdh-bench-inbox",
        help="where the generated inbox is kept between runs",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    inbox = args.data
    if not (inbox / "done").is_file():
        shutil.rmtree(inbox, ignore_errors=True)
        started = time.perf_counter()
        written = generate_inbox(inbox, customers=CUSTOMERS, months=MONTHS, start=START, seed=SEED)
        (inbox / "done").write_text("generated\n")
        print(
            f"generated {len(written)} files, {sum(written.values()):,} rows in {time.perf_counter() - started:.0f} s"
        )
    month_file = sorted(inbox.glob("202612/**/*规模及收入数据.xlsx"))[0]

    timings = []
    for _ in range(3):
        started = time.perf_counter()
        parsed = parse_file(ANNUITY_PERFORMANCE, month_file)
        timings.append(time.perf_counter() - started)
    print(
        f"read + validate one month ({parsed.row_count:,} rows, .xlsx): "
        f"{min(timings):.2f}–{max(timings):.2f} s over 3 runs"
    )

    with scratch_database(args.database, keep=args.keep) as url:
        project = Path(tempfile.mkdtemp(prefix="wdh-bench-etl-"))
        (project / ".wdh_env").write_text(f"DATABASE_URL={url}\nWDH_DATA_DIR={inbox}\n", encoding="utf-8")
        for domain in ("annual_award", "annual_loss"):
            seconds, _ = cli(project, "etl", "--domain", domain, "--execute")
            print(f"etl --domain {domain} --execute (台账登记): {seconds:.2f} s")
        seconds, out = cli(project, "etl", "--domain", "annuity_performance", "--execute")
        loaded = out.count("✓ Loaded")
        print(
            f"etl --domain annuity_performance --execute, {loaded} months from the inbox, hooks included: "
            f"{seconds:.1f} s"
        )
        print(
            "\n".join(
                "  " + line.strip()
                for line in out.splitlines()
                if line.startswith(("  ✓ monthly_close", "    snapshots:"))
            )
        )
        seconds, out = cli(project, "etl", "--domain", "annuity_performance", "--execute")
        assert "Nothing new to load" in out
        print(f"the same command again, unchanged inbox: {seconds:.2f} s")
        correction = month_file.parent.parent / "V3" / month_file.name
        correction.parent.mkdir(exist_ok=True)
        shutil.copy(sorted(inbox.glob("202611/**/*规模及收入数据.xlsx"))[0], correction)  # another month's bytes
        try:
            seconds, out = cli(
                project, "etl", "--domain", "annuity_performance", "--execute", "--period", "202612", "--allow-gap"
            )
        except SystemExit as exc:  # 202611's rows are not of 202612: the month check refuses it, as it must
            print(f"a wrong file filed as a 202612 correction is refused: {str(exc).splitlines()[-3][:100]}")
        finally:
            shutil.rmtree(correction.parent)
        correction.parent.mkdir()
        shutil.copy(month_file, correction)
        with open(correction, "ab") as f:
            f.write(b"\0")  # same rows, other bytes: a changed delivery
        try:
            seconds, out = cli(project, "etl", "--domain", "annuity_performance", "--execute")
            print(f"a V3 correction of 202612: reload of that month with its hooks: {seconds:.2f} s")
        finally:
            shutil.rmtree(correction.parent)


if __name__ == "__main__":
    main()
