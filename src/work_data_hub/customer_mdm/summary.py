"""A short summary of one snapshot month: customers per product line by status, and AUM."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import psycopg
from psycopg.rows import class_row

from work_data_hub.errors import NotReady, database_errors

SUMMARY_SQL = """
SELECT v.snapshot_month, v.product_line_code, v.product_line_name, v.customers, v.strategic, v.existing, v.new,
       v.won, v.lost, v.aum_balance
FROM customer.v_product_line_month AS v
WHERE v.snapshot_month = coalesce(%(period_end)s::date,
                                  (SELECT max(f.snapshot_month) FROM customer.fct_customer_product_line_monthly AS f))
  AND v.product_line_code IS NOT NULL
ORDER BY v.product_line_code
"""


@dataclass(frozen=True)
class ProductLineSummary:
    snapshot_month: date
    product_line_code: str
    product_line_name: str | None
    customers: int
    strategic: int
    existing: int
    new: int
    won: int
    lost: int
    aum_balance: Decimal


def snapshot_summary(conn: psycopg.Connection, *, period_end: date | None) -> list[ProductLineSummary]:
    """One row per product line of the month's snapshot (default: the latest snapshot month)."""
    with database_errors():
        with conn.cursor(row_factory=class_row(ProductLineSummary)) as cur:
            cur.execute(SUMMARY_SQL, {"period_end": period_end})
            rows = cur.fetchall()
    if not rows:
        which = f"{period_end:%Y%m}" if period_end else "any month"
        raise NotReady(
            f"No snapshot for {which}",
            hint="Build it with `customer-mdm snapshot --period YYYYMM` (after `customer-mdm sync`).",
        )
    return rows
