"""One customer's why and when, read from SQL: customer.explain_contract (every rule of a contract
and month with its figures) and customer.customer_timeline (versions, lapses, snapshot months,
merges, aliases, loads); and the customer page's figures, which are those two and nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import psycopg
from psycopg.rows import class_row

from work_data_hub.db.connect import exact_json
from work_data_hub.errors import NotReady, database_errors
from work_data_hub.periods import format_period

EXPLAIN_SQL = """
SELECT rule, outcome, detail, facts
FROM customer.explain_contract(p_company_id => %(company_id)s, p_plan_code => %(plan_code)s,
                               p_product_line_code => %(product_line_code)s, p_period_end => %(period_end)s)
"""

TIMELINE_SQL = "SELECT * FROM customer.customer_timeline(p_company_id => %(company_id)s)"

# The month a customer page explains by default, and the history's span: the sync's, as mdm_status
# reports it to readers too.
SYNCED_SQL = "SELECT first_applied_period, last_applied_period FROM customer.mdm_status()"

# An id as it is stored (customer.canonical_key): what a user typed, full-width or pasted, compared.
CANONICAL_SQL = "SELECT customer.canonical_key(%(key)s)"

# Where an id merged away went: one SQL function answers it (explain_contract, merge_company and the
# loader ask it too).
MERGED_INTO_SQL = """
SELECT %(company_id)s::text AS company_id, first_into, holder, merged_at, merged_by
FROM customer._merged_into(p_company_id => %(company_id)s)
"""

CUSTOMER_SQL = """
SELECT cu.company_id, cu."客户名称" AS customer_name, cu.is_provisional
FROM customer."年金客户" AS cu
WHERE cu.company_id = customer.canonical_key(%(company_id)s)
"""

CURRENT = date(9999, 12, 31)  # valid_to of a current version


@dataclass(frozen=True)
class Explanation:
    """A row of customer.explain_contract: the rule, what it decided, the figures it used (in
    words, English, and as facts that the pages word in their language: reporting.messages)."""

    rule: str
    outcome: str
    detail: str
    facts: dict | None = None


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
    detail: str | None  # in English; `facts` says it as data, for pages to word (reporting.messages)
    facts: dict | None = None


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
        exact_json(cur)  # amounts exact
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


@dataclass(frozen=True)
class SyncedRange:
    first_applied_period: date | None
    last_applied_period: date | None


@dataclass(frozen=True)
class Customer:
    company_id: str
    customer_name: str | None
    is_provisional: bool


@dataclass(frozen=True)
class MergedInto:
    """A row of customer._merged_into: where a merged-away id went."""

    company_id: str  # as asked
    first_into: str  # the id of its latest merge
    holder: str  # the customer that holds its rows now (merges followed)
    merged_at: datetime
    merged_by: str

    def sentence(self) -> str:
        """The one way every command says it."""
        return f"was merged into {self.first_into} on {self.merged_at:%Y-%m-%d}" + (
            f", which is now part of {self.holder}" if self.holder != self.first_into else ""
        )


def merged_into(conn: psycopg.Connection, company_id: str) -> MergedInto | None:
    """Where `company_id` went when it was merged away (None: a customer carries it, or it never merged)."""
    with database_errors(), conn.cursor(row_factory=class_row(MergedInto)) as cur:
        return cur.execute(MERGED_INTO_SQL, {"company_id": company_id}).fetchone()


def customer_page(conn: psycopg.Connection, *, company_id: str, period_end: date | None) -> CustomerPage:
    """The customer page's figures, in one read-only transaction: the timeline, and the explanation
    of every contract in force at `period_end` (default: the last synced month)."""
    with database_errors(), conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        timeline = customer_timeline(conn, company_id=company_id)
        gone = merged_into(conn, company_id)
        if gone is not None:
            raise NotReady(
                f"Customer {canonical(conn, company_id)} {gone.sentence()}: it has no page of its own",
                hint=f"Write the page of {gone.holder}: customer-mdm report --company {gone.holder}",
            )
        with conn.cursor(row_factory=class_row(SyncedRange)) as cur:
            synced = cur.execute(SYNCED_SQL).fetchone()
        first, last = synced.first_applied_period, synced.last_applied_period
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
        with conn.cursor(row_factory=class_row(Customer)) as cur:
            customer = cur.execute(CUSTOMER_SQL, {"company_id": company_id}).fetchone()
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
            company_id=customer.company_id,
            customer_name=customer.customer_name,
            provisional=customer.is_provisional,
            period_end=period_end,
            synced_from=first,
            synced_through=last,
            timeline=timeline,
            explanations=explanations,
        )
