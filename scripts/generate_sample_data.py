"""Write realistic sample files: 规模明细_YYYYMM.xlsx for every month, 当年中标.xlsx and 当年流失.xlsx.

    uv run python scripts/generate_sample_data.py                       # small: 300 customers, 36 months
    uv run python scripts/generate_sample_data.py --scale production    # 10,000 customers, ~625,000 rows
    uv run python scripts/generate_sample_data.py --customers 50 --months 6 --format csv --out /tmp/x
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from work_data_hub.sample_data import SCALES, generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("data/sample"), help="folder to write (default data/sample)")
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--customers", type=int, help="number of customers (overrides --scale)")
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--start", default="2024-01", help="first month, YYYY-MM (default 2024-01)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    args = parser.parse_args()
    year, month = map(int, args.start.split("-"))
    written = generate(args.out, customers=args.customers or SCALES[args.scale], months=args.months,
                       start=date(year, month, 1), seed=args.seed, fmt=args.format)
    performance = sum(n for name, n in written.items() if name.startswith("规模明细"))
    print(f"Wrote {len(written)} files to {args.out}: {performance:,} 规模明细 rows over {args.months} months, "
          f"{written.get(f'当年中标.{args.format}', 0):,} awards, {written.get(f'当年流失.{args.format}', 0):,} losses")


if __name__ == "__main__":
    main()
