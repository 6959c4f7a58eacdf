"""Post-ETL hooks: what runs after a load, and the runner.

Whatever was loaded, the hook is the monthly close (customer.run_monthly_close, through
work_data_hub.customer_mdm.runs, as `customer-mdm close` runs it): the sync, then every snapshot
month that is missing, stale or outside the synced range. Which months to refresh is decided in
SQL, the same for the CLI, the hooks and pg_cron. The close runs in its own transaction, so the
loaded data stays whatever happens; a failure is recorded in the run log and returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import psycopg

from work_data_hub.customer_mdm import runs
from work_data_hub.db.connect import connect
from work_data_hub.errors import WdhError, database_errors


class HookStatus(Enum):
    OK = "ok"
    FAILED = "failed"


@dataclass(frozen=True)
class HookOutcome:
    name: str
    status: HookStatus
    close: runs.CloseOutcome | None = None  # OK: what the close did
    error: WdhError | None = None  # FAILED: why


HOOK = "monthly_close"  # every domain's one hook


def run_hooks(connect_to: Callable[[], psycopg.Connection] = connect) -> list[HookOutcome]:
    """Run the post-ETL hooks once for what a command loaded, each in its own transaction."""
    try:
        with database_errors(), connect_to() as conn:
            return [HookOutcome(HOOK, HookStatus.OK, close=runs.close(conn, dry_run=False))]
    except WdhError as exc:
        return [HookOutcome(HOOK, HookStatus.FAILED, error=exc)]
