"""`customer-mdm`: the commands by job, each module one job (the fastapi-cli way). The
registrations below are the command list, in the order `--help` shows it."""

from __future__ import annotations

import typer

from work_data_hub.cli.mdm import identity, ops, reports, runs, why

customer_mdm_app = typer.Typer(
    help="Customer master data: contract history and monthly snapshots.", no_args_is_help=True
)
alias_app = typer.Typer(
    help="Override aliases: which customer a name belongs to, for rows without company_id.", no_args_is_help=True
)

customer_mdm_app.command("sync")(runs.sync_command)
customer_mdm_app.command("snapshot")(runs.snapshot_command)
customer_mdm_app.command("close")(runs.close_command)
customer_mdm_app.command("summary")(reports.summary_command)
customer_mdm_app.command("report")(reports.report_command)
customer_mdm_app.command("explain")(why.explain_command)
customer_mdm_app.command("history")(why.history_command)
customer_mdm_app.command("export")(reports.export_command)
customer_mdm_app.command("restatements")(reports.restatements_command)
customer_mdm_app.command("status")(ops.status_command)
customer_mdm_app.command("runs")(runs.runs_command)
customer_mdm_app.command("schedule")(ops.schedule_command)
customer_mdm_app.command("identities")(identity.identities_command)
customer_mdm_app.command("merge")(identity.merge_command)
customer_mdm_app.add_typer(alias_app, name="alias")
alias_app.command("add")(identity.alias_add_command)
alias_app.command("list")(identity.alias_list_command)
