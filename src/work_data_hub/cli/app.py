"""The Typer application and its runner; work_data_hub.cli.main loads it."""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer
import typer.core

from work_data_hub.cli import terminal
from work_data_hub.cli.db import db_app
from work_data_hub.cli.etl import etl_app
from work_data_hub.cli.mdm import customer_mdm_app
from work_data_hub.cli.output import MonitoringExit, report_error, report_interrupt
from work_data_hub.errors import WdhError, database_errors

# Typer 0.29's help shows a flag's type as "<bool>", as if it took a value, and a value's as its
# Python type ("<str>", or every choice, wrapped over lines): a flag shows nothing, a value its
# metavar or its name (PERIOD, DOMAIN), and the help text says the rest.
typer.core.TyperOption.display_type_rich = lambda self, ctx: (
    None if self.is_flag else (self.metavar or self.name.upper())
)

app = typer.Typer(
    name="work-data-hub",
    help="Customer master data for the annuity business: contract history and monthly snapshots.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},  # every command's contexts inherit it
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"work-data-hub {version('work-data-hub')}")
        raise typer.Exit()


@app.callback()
def _root(
    show_version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Customer master data for the annuity business: contract history and monthly snapshots."""


app.add_typer(db_app, name="db")
app.add_typer(customer_mdm_app, name="customer-mdm")
app.add_typer(etl_app, name="etl")


def run() -> None:
    """Run the CLI. Expected failures print their message and a hint to stderr and exit 1; so do
    usage errors (a missing or malformed option), which Typer itself would end with exit code 2.
    Ctrl-C exits 130 with a word on what happened to the running transaction."""
    # psycopg logs an 'error ignored' warning when a COPY dies with its connection; the error
    # itself is reported below.
    logging.getLogger("psycopg").setLevel(logging.CRITICAL)
    terminal.prepare()
    try:
        with database_errors():  # the last resort: a query the commands ran outside it
            app()
    except WdhError as exc:
        report_error(exc)
        sys.exit(1)
    except KeyboardInterrupt:
        report_interrupt()
        sys.exit(130)
    except SystemExit as exc:
        if exc.code == 2 and not isinstance(exc, MonitoringExit):
            sys.exit(1)
        if exc.code == 130:  # Typer turns Ctrl-C into a silent exit 130
            report_interrupt()
        raise
