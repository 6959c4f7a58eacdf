"""Post-ETL hooks: an ordered registry per domain and a runner.

A hook that fails is reported with its error; every hook that depends on it is skipped. Each hook
runs in its own transaction, so what a hook did before a later one failed stays done, and so does
the loaded data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import psycopg

from work_data_hub.customer_mdm.snapshot import refresh_monthly_snapshot
from work_data_hub.customer_mdm.sync import sync_contract_status
from work_data_hub.db.connect import connect
from work_data_hub.errors import WdhError, database_errors
from work_data_hub.periods import format_period, format_span, month_end


def _contract_status_sync(conn: psycopg.Connection, months: list[date]) -> list[str]:
    rows = sync_contract_status(conn, dry_run=False, period_end=None)
    conn.commit()
    span = format_span(rows[0].period_end, rows[-1].period_end)
    return [f"{len(rows)} period(s) {span}: inserted {sum(r.inserted for r in rows)}, "
            f"updated {sum(r.updated for r in rows)}, lapsed {sum(r.lapsed for r in rows)}"]


def _stale_snapshots(conn: psycopg.Connection) -> set[date]:
    """Built snapshot months whose inputs changed since they were built (see snapshot_month_state)."""
    return {m for (m,) in conn.execute(
        "SELECT snapshot_month FROM customer.snapshot_month_state WHERE stale_since IS NOT NULL")}


def _refresh(conn: psycopg.Connection, periods: list[date]) -> list[str]:
    lines = []
    for period in periods:
        result = refresh_monthly_snapshot(conn, period_end=period, dry_run=False)
        conn.commit()
        lines.append(f"{format_period(period)}: product-line rows {result.product_line_rows}, "
                     f"plan rows {result.plan_rows} (inserted {result.inserted}, updated {result.updated}, "
                     f"deleted {result.deleted})")
    return lines or ["no snapshot to refresh"]


def _snapshot_refresh(conn: psycopg.Connection, months: list[date]) -> list[str]:
    """Each loaded month, and every built snapshot the sync's replay made stale."""
    return _refresh(conn, sorted({month_end(m) for m in months} | _stale_snapshots(conn)))


def _ledger_snapshot_refresh(conn: psycopg.Connection, months: list[date]) -> list[str]:
    """The built snapshots that read the replaced ledger months (each month to its December)."""
    return _refresh(conn, sorted(_stale_snapshots(conn)))


@dataclass(frozen=True)
class Hook:
    name: str
    run: Callable[[psycopg.Connection, list[date]], list[str]]
    depends_on: tuple[str, ...] = ()


REGISTRY: dict[str, list[Hook]] = {
    "annuity_performance": [
        Hook("contract_status_sync", _contract_status_sync),
        Hook("snapshot_refresh", _snapshot_refresh, depends_on=("contract_status_sync",)),
    ],
    "annual_award": [Hook("snapshot_refresh", _ledger_snapshot_refresh)],
    "annual_loss": [Hook("snapshot_refresh", _ledger_snapshot_refresh)],
}


@dataclass
class HookOutcome:
    name: str
    status: str  # "ok", "failed" or "skipped"
    lines: list[str] = field(default_factory=list)
    error: WdhError | None = None


def run_hooks(domain: str, months: list[date],
              connect_to: Callable[[], psycopg.Connection] = connect) -> list[HookOutcome]:
    """Run the domain's hooks once for the months one command loaded, in order; a failure skips
    the hooks that depend on it."""
    outcomes: list[HookOutcome] = []
    not_ok: set[str] = set()
    for hook in REGISTRY[domain]:
        blocked = [d for d in hook.depends_on if d in not_ok]
        if blocked:
            not_ok.add(hook.name)
            outcomes.append(HookOutcome(hook.name, "skipped", [f"skipped: {', '.join(blocked)} did not succeed"]))
            continue
        try:
            with database_errors(), connect_to() as conn:
                outcomes.append(HookOutcome(hook.name, "ok", hook.run(conn, months)))
        except WdhError as exc:
            not_ok.add(hook.name)
            outcomes.append(HookOutcome(hook.name, "failed", error=exc))
    return outcomes
