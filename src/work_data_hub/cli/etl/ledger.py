"""`etl history` (the load ledger) and `etl withdraw` (take back a month loaded by mistake)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated

import typer

from work_data_hub.cli.etl.hooks import run_post_hooks
from work_data_hub.cli.etl.options import DomainName
from work_data_hub.cli.options import JsonOutput, WideOutput
from work_data_hub.cli.output import to_json
from work_data_hub.cli.tables import loads_table, show
from work_data_hub.db.connect import connect
from work_data_hub.errors import InvalidInput
from work_data_hub.etl.apply import os_user
from work_data_hub.etl.service import load_history
from work_data_hub.etl.withdraw import withdraw_month
from work_data_hub.periods import parse_period


def history_command(
    domain: Annotated[
        DomainName | None,
        typer.Option(help="Only this domain: annuity_performance, annual_award or annual_loss.", show_default=False),
    ] = None,
    limit: Annotated[int, typer.Option(help="How many of the latest loads.", min=1)] = 20,
    as_json: JsonOutput = False,
    wide: WideOutput = False,
) -> None:
    """The load ledger (business.etl_load_log): every file loaded, newest first."""
    with connect() as conn:
        loads = load_history(conn, domain=domain.value if domain else None, limit=limit)
    if as_json:
        typer.echo(to_json([asdict(r) for r in loads]))
        return
    if not loads:
        typer.echo("No loads recorded yet.")
        return
    show(loads_table(loads), piped=230, wide=wide)


def _withdrawn_before(earlier, pending: bool, month: date, *, execute: bool, post_hooks: bool) -> None:
    """A month with no rows whose latest ledger entry is its withdrawal: a rerun (after a kill, say).
    Say so, and finish the job: the close, when it is pending (unless --no-post-hooks)."""
    typer.echo(
        f"{month:%Y-%m} was withdrawn already (load ledger #{earlier.load_id}, {earlier.loaded_at:%Y-%m-%d %H:%M} "
        f"by {earlier.loaded_by}): business.规模明细 holds no rows of it."
    )
    if not pending:
        typer.echo("The close is up to date: nothing to do.")
        return
    if not execute or not post_hooks:
        typer.echo(
            "The monthly close is pending: "
            + ("--execute runs it, or " if not execute else "")
            + "`customer-mdm close` brings the history and snapshots up to date."
        )
        return
    typer.echo("The monthly close is pending (the withdrawal's close did not run): running it.")
    if not run_post_hooks():
        raise typer.Exit(1)


def withdraw_command(
    domain: Annotated[
        DomainName,
        typer.Option(
            help="annuity_performance: a 规模明细 month (ledgers are replaced by loading the corrected workbook).",
            show_default=False,
        ),
    ],
    period: Annotated[str, typer.Option(help="The month to withdraw (YYYYMM).", show_default=False)],
    execute: Annotated[
        bool, typer.Option("--execute", help="Withdraw it and run the post-ETL hooks. Without it: show what would go.")
    ] = False,
    post_hooks: Annotated[
        bool,
        typer.Option(
            "--post-hooks/--no-post-hooks", help="Run the post-ETL hooks (the monthly close) after withdrawing."
        ),
    ] = True,
    allow_gap: Annotated[
        bool,
        typer.Option("--allow-gap", help="Withdraw a month between loaded months (it leaves a hole in the source)."),
    ] = False,
) -> None:
    """Take back a 规模明细 month loaded by mistake: its rows, and the customers, plans and aliases only it brought.

    The load ledger records the withdrawal: the inbox does not load that file again unless it changes (or --force)."""
    if domain.value != "annuity_performance":
        raise InvalidInput(
            f"etl withdraw takes back a 规模明细 month; {domain.value} is a ledger",
            hint="Correct a ledger by loading the corrected workbook: it replaces the year's rows.",
        )
    month = parse_period(period).replace(day=1)
    with connect() as conn:
        outcome = withdraw_month(conn, month=month, execute=execute, allow_gap=allow_gap, os_user=os_user())
    if outcome.withdrawal is None:
        _withdrawn_before(outcome.earlier, outcome.close_pending, month, execute=execute, post_hooks=post_hooks)
        return
    w = outcome.withdrawal
    verb = "Withdrew" if execute else "Would withdraw"
    typer.echo(
        f"{verb} {month:%Y-%m} from business.规模明细: {w.rows_deleted:,} row(s); customers only it brought: "
        f"{w.customers_removed:,}, plans: {w.plans_removed:,}, aliases: {w.aliases_removed:,}"
    )
    if not execute:
        typer.echo("Preview only: nothing was written. Add --execute to withdraw.")
        return
    typer.echo(
        f"  Recorded in the load ledger (load #{w.load_id}): the inbox does not load that file again "
        "unless it changes (--force loads it)."
    )
    if not post_hooks:
        typer.echo(
            "Post-ETL hooks not run (--no-post-hooks): `customer-mdm close` brings the history and "
            "snapshots up to date."
        )
        return
    if not run_post_hooks():
        raise typer.Exit(1)
