"""The command-line interface: `python -m work_data_hub.cli …` or `work-data-hub …`."""

from __future__ import annotations

import sys

import typer

from work_data_hub.cli.customer_mdm import customer_mdm_app
from work_data_hub.cli.db import db_app
from work_data_hub.cli.etl import etl_command
from work_data_hub.cli.output import report_error
from work_data_hub.errors import WdhError

app = typer.Typer(
    name="work-data-hub",
    help="Customer master data for the annuity business: contract history and monthly snapshots.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(db_app, name="db")
app.add_typer(customer_mdm_app, name="customer-mdm")
app.command("etl")(etl_command)


def main() -> None:
    """Run the CLI. Expected failures print their message and a hint to stderr and exit 1; so do
    usage errors (a missing or malformed option), which Typer itself would end with exit code 2."""
    try:
        app()
    except WdhError as exc:
        report_error(exc)
        sys.exit(1)
    except SystemExit as exc:
        if exc.code == 2:
            sys.exit(1)
        raise
