"""`customer-mdm` commands for who a customer is: provisional identities, merges and aliases."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from work_data_hub.cli.options import JsonOutput, WideOutput
from work_data_hub.cli.output import to_json
from work_data_hub.cli.tables import (
    aliases_table,
    identities_table,
    show,
)
from work_data_hub.customer_mdm import actions
from work_data_hub.customer_mdm.identity import list_aliases, provisional_identities
from work_data_hub.db.connect import connect
from work_data_hub.errors import InvalidInput


def identities_command(
    as_json: JsonOutput = False,
    wide: WideOutput = False,
) -> None:
    """Provisional customers (IN… ids the loader gave to names it could not resolve) and candidate matches."""
    with connect() as conn:
        found = provisional_identities(conn)
    if as_json:
        typer.echo(to_json([asdict(p) for p in found]))
        return
    if not found:
        typer.echo("No provisional customers: every loaded row's customer is known.")
        return
    show(identities_table(found), piped=180, wide=wide)
    typer.echo("Fold one into the real customer: customer-mdm merge --from IN… --into COMPANY_ID [--dry-run]")


def merge_command(
    from_id: Annotated[str, typer.Option("--from", help="The customer to fold in (a provisional IN… id).")],
    into_id: Annotated[str, typer.Option("--into", help="The real company_id: an existing customer or a new id.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would move; change nothing.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Allow merging a customer that is not provisional.")] = False,
) -> None:
    """Fold one customer into another: source, ledger, plan and alias rows move; history replays at the next close."""
    with connect() as conn:
        moved = actions.merge(conn, from_id=from_id, into_id=into_id, dry_run=dry_run, force=force)
    typer.echo(f"{'Dry run: would merge' if dry_run else '✓ Merged'} {from_id} into {into_id}:")
    for row in moved:
        typer.echo(f"  {row.table_name}{'' if row.action == 'moved' else f' ({row.action})'}: {row.rows_moved:,}")
    if any(row.action == "created" for row in moved):
        typer.echo(
            f"  Note: {into_id.strip()} was not a customer: it {'would be' if dry_run else 'was'} created with "
            f"the merged customer's name. Check the id if that is not what you meant."
        )
    if dry_run:
        typer.echo("Dry run: no changes were made.")
    else:
        typer.echo(
            "Run customer-mdm close to replay the history and rebuild the snapshots it touches "
            "(the monthly close and the post-ETL hooks also do)."
        )


def alias_add_command(
    name: Annotated[str, typer.Option("--name", help="The customer name as the files write it.")],
    company_id: Annotated[str, typer.Option("--company-id", help="The customer it belongs to.")],
    plan: Annotated[str | None, typer.Option("--plan", help="Only within this plan (计划代码).")] = None,
) -> None:
    """Say which customer a name belongs to; loads then resolve rows without company_id by it first."""
    with connect() as conn:
        written = actions.add_alias(conn, name=name, company_id=company_id, plan_code=plan)
    where = f" in plan {written.plan_code}" if written.plan_code else ""
    typer.echo(f"✓ Rows named '{written.alias}'{where} now resolve to {written.company_id} (override alias)")
    if written.replaced:
        typer.echo(f"  It replaces the override to {', '.join(written.replaced)}.")
    if written.provisional_id:
        typer.echo(
            f"  Rows already loaded under this name carry the provisional id {written.provisional_id}: "
            f"customer-mdm merge --from {written.provisional_id} --into {written.company_id}"
        )


def alias_list_command(
    source: Annotated[str | None, typer.Option(help="Only 'learned' or 'override' aliases.")] = None,
    as_json: JsonOutput = False,
    wide: WideOutput = False,
) -> None:
    """The aliases the loader learned and the stewards told, ambiguous ones marked."""
    if source not in (None, "learned", "override"):
        raise InvalidInput(f"--source must be learned or override, not {source!r}")
    with connect() as conn:
        aliases = list_aliases(conn, source=source)
    if as_json:
        typer.echo(to_json([asdict(a) for a in aliases]))
        return
    if not aliases:
        typer.echo(
            f"No {source} aliases." if source else "No aliases yet: loads learn them from rows that carry a company_id."
        )
        return
    show(aliases_table(aliases), piped=160, wide=wide)
