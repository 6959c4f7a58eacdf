"""A snapshot month's editions, read from SQL: what each rebuild changed
(customer.snapshot_restatements). Pruning is the DBA's (customer.prune_snapshot_editions, in SQL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import psycopg
from psycopg.rows import class_row

from work_data_hub.db.connect import exact_json
from work_data_hub.errors import database_errors

RESTATEMENTS_SQL = "SELECT * FROM customer.snapshot_restatements(p_period_end => %(period_end)s)"


@dataclass(frozen=True)
class Restatement:
    """A row of customer.snapshot_restatements: per edition, the totals per product line and every
    customer and contract row that changed, before and after."""

    edition: int
    built_at: datetime
    built_by: str
    reason: str
    load_ids: list[int]
    merge_ids: list[int]
    grain: str | None  # total | product_line | plan; None for a pruned edition
    company_id: str | None
    plan_code: str | None
    product_line_code: str | None
    change: str  # totals | changed | added | removed | pruned
    before: dict | None
    after: dict | None

    def changed_fields(self) -> list[str]:
        """The columns whose value differs between before and after (all of them when one is missing)."""
        before, after = self.before or {}, self.after or {}
        return [k for k in sorted(before.keys() | after.keys()) if before.get(k) != after.get(k)]


def snapshot_restatements(conn: psycopg.Connection, *, period_end: date) -> list[Restatement]:
    exact_json(conn)
    with database_errors(), conn.transaction():
        conn.execute("SET TRANSACTION READ ONLY")
        with conn.cursor(row_factory=class_row(Restatement)) as cur:
            cur.execute(RESTATEMENTS_SQL, {"period_end": period_end})
            return cur.fetchall()
