"""One customer's why and when, read from SQL: customer.explain_contract (every rule of a contract
and month with its figures) and customer.customer_timeline (versions, lapses, snapshot months,
merges, aliases, loads); and the customer page's figures, which are those two and nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import psycopg
from psycopg.rows import class_row

from work_data_hub.errors import NotReady, database_errors
from work_data_hub.periods import format_period

EXPLAIN_SQL = """
SELECT rule, outcome, detail
FROM customer.explain_contract(p_company_id => %(company_id)s, p_plan_code => %(plan_code)s,
                               p_product_line_code => %(product_line_code)s, p_period_end => %(period_end)s)
"""

TIMELINE_SQL = "SELECT * FROM customer.customer_timeline(p_company_id => %(company_id)s)"

# The month a customer page explains by default, and the history's span: the sync's, as mdm_status
# reports it to readers too.
SYNCED_SQL = "SELECT first_applied_period, last_applied_period FROM customer.mdm_status()"

# An id as it is stored (customer.canonical_key): what a user typed, full-width or pasted, compared.
CANONICAL_SQL = "SELECT customer.canonical_key(%(key)s)"

# Where an id merged away went, following merges into merged customers to the one that holds it now.
MERGED_INTO_SQL = """
WITH RECURSIVE chain AS (
    SELECT m.into_id, 1 AS hops FROM customer.company_merge_log AS m
    WHERE m.id = (SELECT max(x.id) FROM customer.company_merge_log AS x WHERE x.from_id = %(company_id)s)
    UNION ALL
    SELECT m.into_id, c.hops + 1 FROM chain AS c
    JOIN customer.company_merge_log AS m
      ON m.id = (SELECT max(x.id) FROM customer.company_merge_log AS x WHERE x.from_id = c.into_id)
    WHERE c.hops < 20
)
SELECT into_id FROM chain ORDER BY hops DESC LIMIT 1
"""

CUSTOMER_SQL = """
SELECT cu.company_id, cu."客户名称" AS customer_name, cu.is_provisional
FROM customer."年金客户" AS cu
WHERE cu.company_id = customer.canonical_key(%(company_id)s)
"""

CURRENT = date(9999, 12, 31)  # valid_to of a current version


@dataclass(frozen=True)
class Explanation:
    """A row of customer.explain_contract: the rule, what it decided, the figures it used."""

    rule: str
    outcome: str
    detail: str


@dataclass(frozen=True)
class TimelineEntry:
    """A row of customer.customer_timeline; which columns are set depends on `kind`."""

    kind: str  # customer | version | lapse | month | plan_month | merge_in | merge_out | alias | load
    starts: date | None
    ends: date | None
    plan_code: str | None
    plan_name: str | None
    product_line_code: str | None
    product_line_name: str | None
    contract_status: str | None
    is_strategic: bool | None
    is_existing: bool | None
    is_new: bool | None
    is_won: bool | None
    is_lost: bool | None
    aum_balance: Decimal | None
    reference: str | None
    detail: str | None


@dataclass(frozen=True)
class ContractExplanation:
    plan_code: str
    plan_name: str | None
    product_line_code: str
    product_line_name: str | None
    rules: list[Explanation]


@dataclass(frozen=True)
class CustomerPage:
    company_id: str
    customer_name: str | None
    provisional: bool
    period_end: date
    synced_from: date
    synced_through: date
    timeline: list[TimelineEntry]
    explanations: list[ContractExplanation]  # the contracts in force at period_end


def explain_contract(
    conn: psycopg.Connection, *, company_id: str, plan_code: str, product_line_code: str, period_end: date
) -> list[Explanation]:
    """Why the contract stands as it does at `period_end` (customer.explain_contract)."""
    with database_errors(), conn.cursor(row_factory=class_row(Explanation)) as cur:
        cur.execute(
            EXPLAIN_SQL,
            {
                "company_id": company_id,
                "plan_code": plan_code,
                "product_line_code": product_line_code,
                "period_end": period_end,
            },
        )
        return cur.fetchall()


def customer_timeline(conn: psycopg.Connection, *, company_id: str) -> list[TimelineEntry]:
    """Everything known of the customer, in date order (customer.customer_timeline)."""
    with database_errors(), conn.cursor(row_factory=class_row(TimelineEntry)) as cur:
        cur.execute(TIMELINE_SQL, {"company_id": company_id})
        return cur.fetchall()


def canonical(conn: psycopg.Connection, key: str) -> str | None:
    """`key` in the form keys are stored in (None when blank)."""
    with database_errors():
        return conn.execute(CANONICAL_SQL, {"key": key}).fetchone()[0]


def merged_into(timeline: list[TimelineEntry]) -> TimelineEntry | None:
    """The merge that took this id away (the timeline of an id that is no longer a customer)."""
    if any(e.kind == "customer" for e in timeline):
        return None
    return next((e for e in reversed(timeline) if e.kind == "merge_out"), None)


def holder(conn: psycopg.Connection, company_id: str) -> str | None:
    """The customer that holds a merged-away id's rows now (merges followed to the end)."""
    with database_errors():
        row = conn.execute(MERGED_INTO_SQL, {"company_id": company_id}).fetchone()
    return row[0] if row else None


def customer_page(conn: psycopg.Connection, *, company_id: str, period_end: date | None) -> CustomerPage:
    """The customer page's figures, in one read-only transaction: the timeline, and the explanation
    of every contract in force at `period_end` (default: the last synced month)."""
    with database_errors(), conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        timeline = customer_timeline(conn, company_id=company_id)
        gone = merged_into(timeline)
        if gone is not None:
            now = holder(conn, gone.reference)
            raise NotReady(
                f"Customer {canonical(conn, company_id)} was merged into {gone.reference} on {gone.starts}"
                + (f", which is now part of {now}" if now and now != gone.reference else "")
                + ": it has no page of its own",
                hint=f"Write the page of {now or gone.reference}: customer-mdm report --company "
                f"{now or gone.reference}",
            )
        first, last = conn.execute(SYNCED_SQL).fetchone()
        if last is None:
            raise NotReady(
                "Contracts have not been synced yet: there is no customer page to write",
                hint="Load the AUM detail, then run `customer-mdm close`.",
            )
        period_end = period_end or last
        if not first <= period_end <= last:
            raise NotReady(
                f"Contracts are synced from {format_period(first)} through {format_period(last)} only, "
                f"not at {format_period(period_end)}",
                hint=f"Pick a month from {format_period(first)} to {format_period(last)}, or load the "
                "month and run `customer-mdm close`.",
            )
        company, name, provisional = conn.execute(CUSTOMER_SQL, {"company_id": company_id}).fetchone()
        in_force = [e for e in timeline if e.kind == "version" and e.starts <= period_end < e.ends]
        explanations = [
            ContractExplanation(
                v.plan_code,
                v.plan_name,
                v.product_line_code,
                v.product_line_name,
                explain_contract(
                    conn,
                    company_id=company_id,
                    plan_code=v.plan_code,
                    product_line_code=v.product_line_code,
                    period_end=period_end,
                ),
            )
            for v in sorted(in_force, key=lambda v: (v.product_line_code, v.plan_code))
        ]
        return CustomerPage(
            company_id=company,
            customer_name=name,
            provisional=provisional,
            period_end=period_end,
            synced_from=first,
            synced_through=last,
            timeline=timeline,
            explanations=explanations,
        )
