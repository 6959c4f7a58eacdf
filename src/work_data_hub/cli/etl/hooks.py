"""The post-ETL hooks as `etl` runs them: once for everything a command loaded or withdrew."""

from __future__ import annotations

import sys

import typer

from work_data_hub.cli.describe import describe_close, describe_replay
from work_data_hub.cli.output import report_interrupt
from work_data_hub.customer_mdm.operations import close_pending
from work_data_hub.db.connect import connect
from work_data_hub.hooks import HookStatus, run_hooks


def pending_close() -> bool:
    """Whether the close is due, asked on a connection of its own (none stays open during the hooks)."""
    with connect() as conn:
        return close_pending(conn)


def run_post_hooks() -> bool:
    """The post-ETL hooks, once for everything this command loaded; False when one failed."""
    typer.echo("Post-ETL hooks:")
    ok = True
    try:
        outcomes = run_hooks()
    except KeyboardInterrupt:
        report_interrupt(
            "interrupted during the post-ETL hooks: the loaded files are committed; the monthly close was rolled back",
            "run `customer-mdm close` (or the same etl command again, without --force) to bring the contract history "
            "and snapshots up to date.",
        )
        raise typer.Exit(130) from None
    for outcome in outcomes:
        if outcome.status is HookStatus.OK:
            lines = describe_close(outcome.close.steps)
            if outcome.close.change is not None:
                lines.append(describe_replay(outcome.close.replay_from, outcome.close.change, why="the source changed"))
            typer.echo(f"  ✓ {outcome.name}: {lines[0]}")
            for line in lines[1:]:
                typer.echo(f"    {line}")
        else:
            ok = False
            typer.echo(f"  ✗ {outcome.name} failed: {outcome.error.message}")
            print(f"Error: hook {outcome.name} failed: {outcome.error.message}", file=sys.stderr)
            if outcome.error.hint:
                print(f"Hint: {outcome.error.hint}", file=sys.stderr)
    if not ok:
        typer.echo("The loaded data stays; fix the cause and run `customer-mdm close`.")
    return ok
