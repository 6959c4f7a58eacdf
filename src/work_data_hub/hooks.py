"""Post-ETL hooks: an ordered registry per domain and a runner.

Every domain's hook is the monthly close (customer.run_monthly_close): the sync, then every
snapshot month that is missing, stale or outside the synced range. Which months to refresh is
decided in SQL (customer.refresh_snapshots), the same for the CLI, the hooks and pg_cron. A hook
that fails is reported with its error and recorded in the run log; every hook that depends on it
is skipped. Each hook runs in its own transaction, so the loaded data stays whatever happens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg

from work_data_hub.customer_mdm.close import describe_close, run_monthly_close
from work_data_hub.customer_mdm.operations import failures_recorded
from work_data_hub.db.connect import connect
from work_data_hub.errors import WdhError, database_errors


def _monthly_close(conn: psycopg.Connection) -> list[str]:
    with failures_recorded(conn, "run_monthly_close"):
        steps = run_monthly_close(conn, dry_run=False)
    conn.commit()
    return describe_close(steps)


@dataclass(frozen=True)
class Hook:
    name: str
    run: Callable[[psycopg.Connection], list[str]]
    depends_on: tuple[str, ...] = ()


REGISTRY: dict[str, list[Hook]] = {
    "annuity_performance": [Hook("monthly_close", _monthly_close)],
    "annual_award": [Hook("monthly_close", _monthly_close)],
    "annual_loss": [Hook("monthly_close", _monthly_close)],
}


@dataclass
class HookOutcome:
    name: str
    status: str  # "ok", "failed" or "skipped"
    lines: list[str] = field(default_factory=list)
    error: WdhError | None = None


def run_hooks(domain: str, connect_to: Callable[[], psycopg.Connection] = connect) -> list[HookOutcome]:
    """Run the domain's hooks in order, once per command; a failure skips the hooks that depend on it."""
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
                outcomes.append(HookOutcome(hook.name, "ok", hook.run(conn)))
        except WdhError as exc:
            not_ok.add(hook.name)
            outcomes.append(HookOutcome(hook.name, "failed", error=exc))
    return outcomes
