"""The command-line interface: `python -m work_data_hub.cli …` or `work-data-hub …`."""

from __future__ import annotations

import logging
import sys

import psycopg
import typer

from work_data_hub.cli.customer_mdm import customer_mdm_app
from work_data_hub.cli.db import db_app
from work_data_hub.cli.etl import etl_app
from work_data_hub.cli.output import report_error, report_interrupt
from work_data_hub.errors import WdhError, translate

app = typer.Typer(
    name="work-data-hub",
    help="Customer master data for the annuity business: contract history and monthly snapshots.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(db_app, name="db")
app.add_typer(customer_mdm_app, name="customer-mdm")
app.add_typer(etl_app, name="etl")


def main() -> None:
    """Run the CLI. Expected failures print their message and a hint to stderr and exit 1; so do
    usage errors (a missing or malformed option), which Typer itself would end with exit code 2.
    Ctrl-C exits 130 with a word on what happened to the running transaction."""
    # psycopg logs an 'error ignored' warning when a COPY dies with its connection; the error
    # itself is reported below.
    logging.getLogger("psycopg").setLevel(logging.CRITICAL)
    try:
        app()
    except WdhError as exc:
        report_error(exc)
        sys.exit(1)
    except psycopg.Error as exc:  # last resort: a query outside the translating helper
        report_error(translate(exc))
        sys.exit(1)
    except KeyboardInterrupt:
        report_interrupt()
        sys.exit(130)
    except SystemExit as exc:
        if exc.code == 2:
            sys.exit(1)
        if exc.code == 130:  # Typer turns Ctrl-C into a silent exit 130
            report_interrupt()
        raise
