"""Check a staged load against what is loaded, then write it: the target's lock, the gap and
strictness checks, the anomaly gate, and business.apply_staged_load, all in the caller's
transaction (it commits all of it, or nothing)."""

from __future__ import annotations

import getpass
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from work_data_hub.errors import InvalidInput
from work_data_hub.etl.domains import Domain
from work_data_hub.etl.stage import Deviation, LoadPlan
from work_data_hub.etl.validate import ParsedFile


@dataclass(frozen=True)
class LoadResult:
    domain: str
    path: Path
    months: list[date]  # the months replaced
    rows_inserted: int
    rows_deleted: int
    customers_added: int
    plans_added: int
    aliases_learned: int = 0
    customers_renamed: int = 0
    plans_renamed: int = 0
    load_id: int | None = None


# The months a load of one month would leave missing between it and the loaded ones (one SQL
# function answers it for the loader, withdraw_month and mdm_status).
HOLES_MADE = """
SELECT h.month FROM business._month_holes(p_add => %(month)s, p_previewed => %(previewed)s) AS h
WHERE h.made ORDER BY h.month
"""
LOADED_SPAN = 'SELECT min("月度") AS first, max("月度") AS last FROM business."规模明细"'


def check_gap(conn: psycopg.Connection, domain: Domain, path: Path, month: date, previewed: frozenset[date]) -> None:
    """Refuse a month that would leave a hole between it and the loaded (or previewed) months."""
    missing = [m for (m,) in conn.execute(HOLES_MADE, {"month": month, "previewed": sorted(previewed)})]
    if not missing:
        return
    with conn.cursor(row_factory=dict_row) as cur:
        span = cur.execute(LOADED_SPAN).fetchone()
    first, last = span["first"], span["last"]
    span = f"{missing[0]:%Y-%m}" if len(missing) == 1 else f"{missing[0]:%Y-%m} … {missing[-1]:%Y-%m}"
    side = "after the latest" if missing[0] < month else "before the earliest"
    raise InvalidInput(
        f"{path}: loading {month:%Y-%m} would leave a hole {side} loaded month: "
        f"{span} ({len(missing)} month(s)) not loaded; nothing was loaded",
        detail=f"{domain.qualified} holds {first:%Y-%m} … {last:%Y-%m}." if first else None,
        hint="Check the file's 月度 (a typo?), or load the missing months first; pass --allow-gap if the hole "
        "is intended.",
    )


def check_strict(path: Path, plan: LoadPlan) -> None:
    if not plan.unusable:
        return
    rows = sum(n for _, n, _ in plan.unusable)
    raise InvalidInput(
        f"{path}: {rows:,} row(s) cannot form a contract (or, in a ledger, match one) and --strict rejects them; "
        "nothing was loaded",
        detail="\n".join(
            f"{reason}: {n:,} row(s)" + (f", AUM {aum:,.2f}" if aum is not None else "")
            for reason, n, aum in plan.unusable
        ),
        hint="Fill in company_id / 业务类型 (or add the product line to mapping.产品线), or load without --strict.",
    )


class AnomalyRefused(InvalidInput):
    """The anomaly gate refused a file: its control figures are outside customer.mdm_settings' bounds."""


# When the month a file is compared with was itself loaded with deviations accepted, the file may be
# the correction: say so.
COMPARED_ACCEPTED = """
SELECT to_char(l.loaded_at, 'YYYY-MM-DD HH24:MI') AS loaded_at, l.accepted_by,
       jsonb_array_length(l.deviations_accepted) AS deviations
FROM business.etl_load_log AS l
WHERE l.domain = %(domain)s AND l.action = 'load' AND %(month)s::date = ANY(l.months)
ORDER BY l.load_id DESC LIMIT 1
"""


def check_deviations(conn: psycopg.Connection, parsed: ParsedFile, plan: LoadPlan, *, accept: bool) -> None:
    """Refuse a file whose control figures the anomaly gate flags, unless the operator accepts them."""
    if not plan.deviations or accept:
        return
    detail = "\n".join(d.describe() for d in plan.deviations)
    compared = plan.deviations[0].compared_month
    with conn.cursor(row_factory=dict_row) as cur:
        accepted = cur.execute(COMPARED_ACCEPTED, {"domain": parsed.domain.name, "month": compared}).fetchone()
    if accepted and accepted["deviations"]:
        detail += (
            f"\nNote: {compared:%Y-%m} itself was loaded with {accepted['deviations']} deviation(s) accepted (by "
            f"{accepted['accepted_by']} at {accepted['loaded_at']}): if that load was the mistake, this file may be "
            "its correction."
        )
    raise AnomalyRefused(
        f"{parsed.path}: {len(plan.deviations)} control figure(s) are far from "
        + ("the years it replaces" if parsed.domain.is_ledger else "the month it is compared with")
        + "; "
        "nothing was loaded",
        detail=detail,
        hint="Check the file (units 元 / 万元, a missing sheet, re-keyed ids, an incomplete ledger). If the figures "
        "are right, load this file again with --accept-deviations (an inbox month: with --period YYYYMM): "
        "the acceptance and who gave it go into the load ledger. The bounds are customer.mdm_settings.gate_* "
        "(a DBA may change them).",
    )


# --- applying -------------------------------------------------------------------------------------

LOCK = "SELECT customer._lock_source_table(%s::regclass, 'etl')"


def lock_target(conn: psycopg.Connection, domain: Domain) -> None:
    """Serialise loads into one table: the ETL's transaction-level advisory lock (customer._lock_class('source'), table oid),
    waited for at most customer.mdm_settings.lock_timeout_seconds (55P03 after that)."""
    conn.execute(LOCK, (domain.table.as_string(conn),))


APPLY = """
SELECT load_id, rows_deleted, rows_inserted, customers_added, plans_added, aliases_learned, customers_renamed,
       plans_renamed
FROM business.apply_staged_load(p_domain => %(domain)s, p_months => %(months)s, p_file => %(file)s,
                                p_accepted => %(accepted)s)
"""


def os_user() -> str | None:
    """The OS user running the command, for the load ledger."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def apply_load(
    conn: psycopg.Connection,
    parsed: ParsedFile,
    plan: LoadPlan,
    *,
    source: str,
    accepted: list[Deviation] | None = None,
) -> LoadResult:
    """Write the staged file through business.apply_staged_load, in the caller's transaction. The
    caller holds the table's lock (`lock_target`) and has staged and planned the file."""
    domain = parsed.domain
    months = list(plan.rows_to_delete)
    file = {
        "source": source,
        "path": str(parsed.path.resolve()),
        "sha256": parsed.sha256,
        "bytes": parsed.bytes,
        "os_user": os_user(),
    }
    with conn.cursor(row_factory=dict_row) as cur:
        counts = cur.execute(
            APPLY,
            {
                "domain": domain.name,
                "months": months,
                "file": json.dumps(file),
                "accepted": json.dumps([d.as_json() for d in accepted]) if accepted else None,
            },
        ).fetchone()
    return LoadResult(domain=domain.name, path=parsed.path, months=months, **counts)
