"""The figures of a month's report, read from SQL: the product-line table with its changes
(customer.product_line_changes), the trend (customer.v_product_line_month), the movements
(customer.contract_movements), the largest customers and the branches (the fact tables and
customer.contract_branches), and where the month's snapshot stands. Rendering is elsewhere
(work_data_hub.reporting); nothing here computes a figure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import psycopg
from psycopg.rows import class_row, dict_row

from work_data_hub import progress
from work_data_hub.db.connect import exact_json
from work_data_hub.errors import NotReady, database_errors
from work_data_hub.periods import format_period

# Where the month stands: now (customer._snapshot_month_states, as status says it: a source
# correction of the month or an earlier one that the close has not replayed yet makes it stale), or
# (with as_of) as it stood at a moment, when its edition then is what it shows
# (customer.set_snapshot_as_of has made every snapshot view of this transaction read that moment)
# and whether it was stale then is not kept.
STANDING = """
SELECT %(period_end)s::date AS period_end, s.first_applied_period AS synced_from,
       s.last_applied_period AS synced_through,
       CASE WHEN %(as_of)s::timestamptz IS NULL THEN m.refreshed_at ELSE e.built_at END AS refreshed_at,
       CASE WHEN %(as_of)s::timestamptz IS NULL THEN m.stale_since END AS stale_since,
       CASE WHEN %(as_of)s::timestamptz IS NULL
            THEN CASE WHEN m.pending_from IS NOT NULL  -- the pending correction's reason, in the page's words
                      THEN format('%%s 起的来源数据已更改，合同历史尚未重算：运行 customer-mdm close',
                                  to_char(m.pending_from, 'YYYY-MM'))
                      ELSE m.stale_reason END
       END AS stale_reason,
       %(as_of)s::timestamptz AS as_of, e.edition, e.built_at AS edition_built_at, e.reason AS edition_reason,
       x.editions, x.first_built_at,
       EXISTS (SELECT 1 FROM customer.v_plan_rows AS f WHERE f.snapshot_month = %(period_end)s::date) AS shown
FROM customer.contract_sync_state AS s
LEFT JOIN customer._snapshot_month_states() AS m ON m.snapshot_month = %(period_end)s::date
LEFT JOIN LATERAL (SELECT x.* FROM customer.snapshot_edition AS x
                   WHERE x.snapshot_month = %(period_end)s::date
                     AND x.built_at <= coalesce(%(as_of)s::timestamptz, 'infinity')
                   ORDER BY x.edition DESC LIMIT 1) AS e ON true
CROSS JOIN LATERAL (SELECT max(x.edition) AS editions, min(x.built_at) AS first_built_at
                    FROM customer.snapshot_edition AS x WHERE x.snapshot_month = %(period_end)s::date) AS x
"""

AS_OF = "SELECT customer.set_snapshot_as_of(p_as_of => %(as_of)s)"

# What the edition shown changed, per product line, when it is a restatement (edition 2 or later).
RESTATED = """
SELECT r.edition, r.built_at, r.reason, r.load_ids, r.product_line_code, r.before, r.after
FROM customer.snapshot_restatements(p_period_end => %(period_end)s) AS r
WHERE r.edition = %(edition)s AND r.grain = 'total'
"""

# Aggregates over a year of snapshots: compiling them (JIT) costs more than they do, and their
# hash tables fit in 64MB (4MB spills to disk at production size).
SETTINGS = "SET LOCAL jit = off; SET LOCAL work_mem = '64MB'"

CHANGES = "SELECT * FROM customer.product_line_changes(p_period_end => %(period_end)s)"

TREND = """
SELECT v.snapshot_month, v.product_line_code, v.product_line_name, v.customers, v.strategic, v.new, v.won,
       v.lost, v.contracts_normal, v.contracts_stopped, v.aum_balance_yi
FROM customer.v_product_line_month AS v
WHERE v.snapshot_month > (date_trunc('month', %(period_end)s::date) - make_interval(months => %(months)s))::date
  AND v.snapshot_month <= %(period_end)s::date
ORDER BY v.snapshot_month, v.product_line_code NULLS LAST
"""

MOVEMENTS = "SELECT * FROM customer.contract_movements(p_period_end => %(period_end)s)"

TOP_CUSTOMERS = "SELECT * FROM customer.top_customers(p_period_end => %(period_end)s, p_limit => %(limit)s)"

BRANCHES = "SELECT * FROM customer.branch_figures(p_period_end => %(period_end)s)"


@dataclass(frozen=True)
class Standing:
    period_end: date
    synced_from: date | None
    synced_through: date | None
    refreshed_at: datetime | None  # None: the month's snapshot is not built (at as_of)
    stale_since: datetime | None
    stale_reason: str | None
    as_of: datetime | None  # the moment shown; None: as it is
    edition: int | None  # the month's edition shown (1: its first build)
    edition_built_at: datetime | None
    edition_reason: str | None
    editions: int | None  # how many the month has now
    first_built_at: datetime | None
    shown: bool  # the month has rows (as of the moment): an edition that removed it leaves none


@dataclass(frozen=True)
class RestatedTotal:
    """What a restatement changed in one product line's figures (None: all lines)."""

    edition: int
    built_at: datetime
    reason: str
    load_ids: list[int]
    product_line_code: str | None
    before: dict | None
    after: dict | None


@dataclass(frozen=True)
class Change:
    product_line_code: str | None  # None: all product lines
    product_line_name: str | None
    measure: str
    value: Decimal
    previous_month: Decimal | None
    change_month: Decimal | None
    prior_december: Decimal | None
    change_december: Decimal | None


@dataclass(frozen=True)
class TrendRow:
    snapshot_month: date
    product_line_code: str | None
    product_line_name: str | None
    customers: int
    strategic: int
    new: int
    won: int
    lost: int
    contracts_normal: int
    contracts_stopped: int
    aum_balance_yi: Decimal


@dataclass(frozen=True)
class Movement:
    movement: str
    company_id: str
    customer_name: str | None
    plan_code: str
    plan_name: str | None
    product_line_code: str
    product_line_name: str | None
    branch_code: str | None
    branch_name: str | None
    aum_balance: Decimal
    previous_aum_balance: Decimal
    reason: str  # why, in the report's words (customer.contract_movements)
    facts: dict | None = None  # the same as data, for the page to word (reporting.messages.moved)


@dataclass(frozen=True)
class TopCustomer:
    company_id: str
    customer_name: str | None
    product_lines: str
    plans: int
    is_strategic: bool
    aum_yi: Decimal
    change_yi: Decimal | None


@dataclass(frozen=True)
class Branch:
    branch_code: str
    branch_name: str | None
    customers: int
    contracts: int
    contracts_normal: int
    contracts_stopped: int
    aum_yi: Decimal
    aum_share_pct: Decimal | None


@dataclass(frozen=True)
class MonthReport:
    standing: Standing
    months: int
    changes: list[Change]
    trend: list[TrendRow]
    movements: list[Movement]
    top_customers: list[TopCustomer]
    branches: list[Branch]
    restated: list[RestatedTotal]  # the edition shown, when it restated the month


def _rows(conn: psycopg.Connection, cls, query: str, params: dict) -> list:
    with conn.cursor(row_factory=class_row(cls)) as cur:
        cur.execute(query, params)
        return cur.fetchall()


def _standing(conn: psycopg.Connection, params: dict) -> Standing:
    """Where the month stands (at `as_of`, when given); NotReady when its contracts are not synced
    (there is nothing to show) or, as of a moment, when the month was not built yet."""
    period = format_period(params["period_end"])
    as_of = params.get("as_of")
    if as_of is not None:
        conn.execute(AS_OF, params)
    rows = _rows(conn, Standing, STANDING, params)
    if as_of is not None:  # the month as it stood then, synced now or not (a withdrawn month too)
        if rows[0].edition is None or not rows[0].shown:
            built = rows[0].first_built_at
            raise NotReady(
                f"The snapshot of {period} was not built at {as_of}"
                + (" (it was removed then: withdrawn, or outside the synced range)" if rows[0].edition else ""),
                hint=f"It was first built at {built:%Y-%m-%d %H:%M:%S %Z}: ask for a moment when it stood."
                if built
                else "It has never been built: run `customer-mdm close`.",
            )
        return rows[0]
    if not rows or rows[0].synced_through is None:
        raise NotReady(
            f"Nothing to show for {period}: contracts have not been synced yet",
            hint="Load the AUM detail, then run `customer-mdm close`.",
        )
    first, last = format_period(rows[0].synced_from), format_period(rows[0].synced_through)
    if params["period_end"] > rows[0].synced_through:
        raise NotReady(
            f"Nothing to show for {period}: contracts are synced through {last} only",
            hint=f"Load {period} and run `customer-mdm close`, or pick a month from {first} to {last}.",
        )
    if params["period_end"] < rows[0].synced_from:
        raise NotReady(
            f"Nothing to show for {period}: the contract history starts at {first}",
            hint=f"Pick a month from {first} to {last}.",
        )
    return rows[0]


def _in_history(standing: Standing) -> bool:
    """Whether the contract history holds the month now (the movements come from it): a month read
    as of a moment may have been withdrawn since."""
    return (
        standing.synced_through is not None and standing.synced_from <= standing.period_end <= standing.synced_through
    )


def _restated(conn: psycopg.Connection, standing: Standing, params: dict) -> list[RestatedTotal]:
    if not standing.edition or standing.edition < 2:
        return []
    return _rows(conn, RestatedTotal, RESTATED, {**params, "edition": standing.edition})


def month_report(
    conn: psycopg.Connection, *, period_end: date, months: int = 13, top: int = 20, as_of: datetime | None = None
) -> MonthReport:
    """Every figure of the report of `period_end`, in one read-only transaction (one snapshot of the
    data); with `as_of`, the snapshot figures as they stood at that moment (the movements and the
    branches come from the contract history and the source rows as they are: those keep no editions)."""
    params = {"period_end": period_end, "months": months, "limit": top, "as_of": as_of}
    exact_json(conn)
    with database_errors(), conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        conn.execute(SETTINGS)
        standing = _standing(conn, params)
        step = _progress_of(conn, "report", period_end, 6)
        changes = step("changes", _rows(conn, Change, CHANGES, params))
        trend = step("trend", _rows(conn, TrendRow, TREND, params))
        movements = step("movements", _rows(conn, Movement, MOVEMENTS, params) if _in_history(standing) else [])
        top_customers = step("top customers", _rows(conn, TopCustomer, TOP_CUSTOMERS, params))
        branches = step("branches", _rows(conn, Branch, BRANCHES, params))
        restated = step("restatements", _restated(conn, standing, params))
        return MonthReport(standing, months, changes, trend, movements, top_customers, branches, restated)


# A month of at least this many contracts shows the progress of its report and its export.
LARGE_MONTH = 5_000
MONTH_SIZE = "SELECT count(*) FROM customer.fct_customer_plan_monthly WHERE snapshot_month = %(period_end)s"


def _progress_of(conn: psycopg.Connection, what: str, period_end: date, total: int):
    """A function that reports each of `total` steps of a large month's `what` and passes its value on."""
    large = conn.execute(MONTH_SIZE, {"period_end": period_end}).fetchone()[0] >= LARGE_MONTH
    done = iter(range(1, total + 1))

    def step(label: str, value):
        if large:
            progress.report(what, next(done), total, label)
        return value

    return step


MOVEMENT_SHEET = (
    "movements",
    "SELECT * FROM customer.movement_export(p_period_end => %(period_end)s)",
    {"aum_balance": "yuan", "previous_aum_balance": "yuan", "aum_balance_yi": "yi", "previous_aum_balance_yi": "yi"},
)
# The export's sheets: name, the SQL function that gives its rows, and how Excel shows each column
# that is not plain text or a plain number (yuan, 亿元, a share, a date).
EXPORT_SHEETS = [
    (
        "product_lines",
        "SELECT * FROM customer.product_line_export(p_period_end => %(period_end)s)",
        {"snapshot_month": "date", "aum_balance": "yuan", "aum_balance_yi": "yi", "aum_share": "percent"},
    ),
    (
        "plans",
        "SELECT * FROM customer.plan_export(p_period_end => %(period_end)s)",
        {"snapshot_month": "date", "aum_balance": "yuan", "aum_balance_yi": "yi", "aum_share": "percent"},
    ),
    MOVEMENT_SHEET,
]


@dataclass(frozen=True)
class Sheet:
    name: str  # product_lines | plans | movements (the export words it: reporting.messages "sheet.…")
    columns: list[str]
    rows: list[dict]  # by column name, in the query's column order
    formats: dict[str, str]  # column → yuan | yi | percent | date; the others plain


@dataclass(frozen=True)
class MonthExport:
    standing: Standing
    sheets: list[Sheet]


def _sheet(conn: psycopg.Connection, name: str, query: str, formats: dict[str, str], params: dict) -> Sheet:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, params)
        return Sheet(name, [c.name for c in cur.description], cur.fetchall(), formats)


def month_export(conn: psycopg.Connection, *, period_end: date, as_of: datetime | None = None) -> MonthExport:
    """The month's rows of both snapshot tables (through the BI views) and its movements, as sheets;
    with `as_of`, the snapshot rows as they stood at that moment."""
    params = {"period_end": period_end, "as_of": as_of}
    with database_errors(), conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        conn.execute(SETTINGS)
        standing = _standing(conn, params)
        if standing.refreshed_at is None:
            raise NotReady(
                f"No snapshot of {format_period(period_end)} to export",
                hint=f"Build it with `customer-mdm snapshot --period {format_period(period_end)}` "
                "(or `customer-mdm close`).",
            )
        wanted = [sheet for sheet in EXPORT_SHEETS if _in_history(standing) or sheet is not MOVEMENT_SHEET]
        step = _progress_of(conn, "export", period_end, len(wanted))
        return MonthExport(standing, [step(sheet[0], _sheet(conn, *sheet, params)) for sheet in wanted])
