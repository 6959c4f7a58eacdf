"""Customer identity for data stewards: provisional ids, merges, override aliases. The rules live
in SQL (customer.provisional_identities, merge_company, set_company_alias); this module only calls
them and carries their rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.rows import class_row

from work_data_hub.db.deploy import require_current_procedures
from work_data_hub.errors import database_errors


@dataclass(frozen=True)
class ProvisionalIdentity:
    company_id: str
    customer_name: str
    plans: list[str]
    first_month: date | None
    last_month: date | None
    source_rows: int
    ledger_rows: int
    latest_month: date | None
    latest_aum: Decimal
    candidates: list[dict[str, Any]]  # company_id, customer_name, provisional, reason, similarity


@dataclass(frozen=True)
class MovedRows:
    table_name: str
    rows_moved: int
    action: str  # moved | created | removed


@dataclass(frozen=True)
class AliasSet:
    kind: str
    plan_code: str
    alias: str
    company_id: str
    replaced: list[str]
    provisional_id: str | None


@dataclass(frozen=True)
class Alias:
    kind: str
    plan_code: str
    alias: str
    company_id: str
    customer_name: str | None
    source: str
    first_month: date | None
    last_month: date | None
    ambiguous: bool
    updated_at: datetime


ALIASES = """
SELECT a.kind, a.plan_code, a.alias, a.company_id, c."客户名称" AS customer_name, a.source,
       a.first_month, a.last_month,
       count(*) OVER (PARTITION BY a.kind, a.plan_code, a.alias, a.source) > 1 AS ambiguous, a.updated_at
FROM customer.company_alias AS a
LEFT JOIN customer."年金客户" AS c ON c.company_id = a.company_id
WHERE %(source)s::text IS NULL OR a.source = %(source)s
ORDER BY a.source DESC, a.kind, a.plan_code, a.alias, a.company_id
"""


def provisional_identities(conn: psycopg.Connection) -> list[ProvisionalIdentity]:
    with database_errors(), conn.cursor(row_factory=class_row(ProvisionalIdentity)) as cur:
        return cur.execute("SELECT * FROM customer.provisional_identities()").fetchall()


def merge_company(
    conn: psycopg.Connection, from_id: str, into_id: str, *, dry_run: bool, force: bool
) -> list[MovedRows]:
    """Fold `from_id` into `into_id` (the caller commits)."""
    require_current_procedures(conn, "The merge")
    with database_errors(), conn.cursor(row_factory=class_row(MovedRows)) as cur:
        return cur.execute(
            "SELECT * FROM customer.merge_company(%s, %s, %s, %s)", (from_id, into_id, dry_run, force)
        ).fetchall()


def set_alias(conn: psycopg.Connection, name: str, company_id: str, plan_code: str | None) -> AliasSet:
    """Record an override alias (the caller commits)."""
    with database_errors(), conn.cursor(row_factory=class_row(AliasSet)) as cur:
        return cur.execute(
            "SELECT * FROM customer.set_company_alias(%s, %s, %s)", (name, company_id, plan_code)
        ).fetchone()


def list_aliases(conn: psycopg.Connection, *, source: str | None = None) -> list[Alias]:
    with database_errors(), conn.cursor(row_factory=class_row(Alias)) as cur:
        return cur.execute(ALIASES, {"source": source}).fetchall()
