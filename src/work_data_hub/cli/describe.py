"""How the commands say what the sync, the close and the refreshes did: lines a person reads,
shared by `customer-mdm` and the post-ETL hooks of `etl`."""

from __future__ import annotations

from datetime import date

from work_data_hub.customer_mdm.close import CloseStep
from work_data_hub.customer_mdm.sync import HistoryChange
from work_data_hub.periods import format_period, format_span
from work_data_hub.texts import elided


def describe_close(steps: list[CloseStep]) -> list[str]:
    """The close's rows as lines a person reads: one for the sync, one for the snapshots."""
    lines = []
    synced = [s for s in steps if s.step == "sync"]
    snapshots = [s for s in steps if s.step == "snapshot"]
    if synced:
        lines.append(
            f"sync: {len(synced)} period(s) {format_span(synced[0].period_end, synced[-1].period_end)}: "
            f"inserted {sum(s.inserted for s in synced)}, updated {sum(s.updated for s in synced)}, "
            f"lapsed {sum(s.lapsed or 0 for s in synced)}"
        )
    if snapshots:
        lines.append(
            f"snapshots: {len(snapshots)} month(s) "
            f"{format_span(snapshots[0].period_end, snapshots[-1].period_end)}: "
            f"inserted {sum(s.inserted for s in snapshots)}, updated {sum(s.updated for s in snapshots)}, "
            f"deleted {sum(s.deleted for s in snapshots)}"
        )
    return lines or ["nothing to do: the contract history and every snapshot month are up to date"]


def describe_replay(replay_from: date, change: HistoryChange, *, why: str) -> str:
    """What a replay did to the history, net: `why` it was rewound (the source changed, a rebuild)."""
    return (
        f"Replayed: history was rewound to before {replay_from:%Y-%m} ({why}) and replayed; net change of "
        f"the history: {change.added} version(s) added, {change.removed} removed, {change.current} current"
    )


def month_list(months: list) -> str:
    """Every month when few; else the first and last six around an ellipsis, with the count."""
    return elided([format_period(m) for m in months], head=6, tail=6) + (
        f" ({len(months)} in all)" if len(months) > 12 else ""
    )


def moment_text(moment) -> str:
    """A logged moment to the minute (a run whose start was never recorded says so)."""
    return f"{moment:%Y-%m-%d %H:%M}" if moment is not None else "(time not recorded)"
