"""Write realistic sample deliveries.

    uv run python scripts/generate_sample_data.py                       # the inbox: data/inbox, 300 customers, 36 months
    uv run python scripts/generate_sample_data.py --scale production    # 10,000 customers, ~625,000 rows
    uv run python scripts/generate_sample_data.py --layout flat --customers 50 --months 6 --format csv --out /tmp/x

--layout inbox (the default) files them as the business delivers them (YYYYMM/收集数据/数据采集/V1/…, a V2
correction of one month, the 台账登记 ledger workbook); --layout flat writes 规模明细_YYYYMM.<fmt>,
当年中标.<fmt> and 当年流失.<fmt> side by side.

    uv run --env-file .wdh_env python scripts/generate_sample_data.py --register-branches

puts the sample's branches (G01 北京分公司 …) into mapping."组织架构" of DATABASE_URL's database, as a
DBA enters a company's own, so that the ledgers' branch names (the 台账登记 book has no 机构代码)
resolve. Run again, it changes nothing.
"""

from __future__ import annotations

import argparse
import re
from datetime import date
from pathlib import Path

from work_data_hub.sample_data import SCALES, generate, generate_inbox, register_branches


def _month(text: str) -> date:
    match = re.fullmatch(r"(\d{4})-?(\d{2})", text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month: write YYYY-MM, e.g. 2024-01")
    return date(int(match.group(1)), int(match.group(2)), 1)


def _at_least(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is less than {minimum}")
        return value

    return parse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--out", type=Path, help="folder to write (default data/inbox, or data/sample for --layout flat)"
    )
    parser.add_argument("--layout", choices=["inbox", "flat"], default="inbox")
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--customers", type=_at_least(1), help="number of customers (overrides --scale)")
    parser.add_argument("--months", type=_at_least(2), default=36, help="number of months, at least 2 (default 36)")
    parser.add_argument("--start", type=_month, default=date(2024, 1, 1), help="first month, YYYY-MM (default 2024-01)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx", help="--layout flat only")
    parser.add_argument(
        "--register-branches",
        action="store_true",
        help='only put the sample\'s branches into mapping."组织架构" of DATABASE_URL (writes no file)',
    )
    args = parser.parse_args()
    if args.register_branches:
        from work_data_hub.db.connect import connect

        with connect() as conn:
            added = register_branches(conn)
        print(
            f'mapping."组织架构": {added} sample branch(es) added'
            if added
            else 'mapping."组织架构" holds the sample\'s branches'
        )
        return
    customers = args.customers or SCALES[args.scale]
    if args.layout == "inbox":
        if args.format != "xlsx":
            parser.error("--layout inbox writes .xlsx as the business delivers; use --layout flat for csv")
        out = args.out or Path("data/inbox")
        written = generate_inbox(out, customers=customers, months=args.months, start=args.start, seed=args.seed)
        ledgers = sum(n for name, n in written.items() if "台账登记" in name)
    else:
        out = args.out or Path("data/sample")
        written = generate(
            out, customers=customers, months=args.months, start=args.start, seed=args.seed, fmt=args.format
        )
        ledgers = sum(n for name, n in written.items() if not name.startswith("规模明细"))
    performance = sum(n for name, n in written.items() if "规模" in name)
    print(
        f"Wrote {len(written)} files to {out}: {performance:,} 规模明细 rows over {args.months} months "
        f"(V1 and V2 of a corrected month counted both), {ledgers:,} ledger rows"
    )


if __name__ == "__main__":
    main()
