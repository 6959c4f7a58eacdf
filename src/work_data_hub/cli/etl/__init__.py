"""`etl`: load the deliveries of the inbox (or one --file); `etl history` shows the load ledger and
`etl withdraw` takes back a month. The registrations below are the command list."""

from __future__ import annotations

import typer

from work_data_hub.cli.etl import ledger, load

etl_app = typer.Typer(
    help="Load the monthly deliveries: 规模明细 (annuity_performance), 当年中标 (annual_award) "
    "and 当年流失 (annual_loss)."
)
etl_app.callback(invoke_without_command=True)(load.etl_command)
etl_app.command("history")(ledger.history_command)
etl_app.command("withdraw")(ledger.withdraw_command)
