"""`db` commands: create, start, stop and inspect the local cluster; migrate any database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from work_data_hub.db.connect import connect
from work_data_hub.db.deploy import deployment_problem, migrate, pending_migrations
from work_data_hub.db.settings import ENV_FILE, database_url, mask_url
from work_data_hub.errors import PermissionDenied, WdhError
from work_data_hub.tooling import local

db_app = typer.Typer(help="Database lifecycle: local cluster, migrations and procedures.", no_args_is_help=True)


def _print_migrate(url: str) -> None:
    result = migrate(url)
    if result.broken_lock:
        typer.echo(f"Broke the stale migration lock a killed db migrate had left ({result.broken_lock}).")
    if result.applied:
        typer.echo(f"Applied {len(result.applied)} migration(s): {', '.join(result.applied)}")
    else:
        typer.echo("No migrations to apply: the database is up to date.")
    typer.echo(f"Deployed {len(result.procedures)} procedure file(s).")
    for what, rows in result.repaired:
        typer.echo(f"Repaired keys stored before they were made canonical: {what}: {rows:,}")
    if result.repaired:
        typer.echo("Run `customer-mdm close` to replay the contract history over the repaired keys.")


@db_app.command("migrate")
def migrate_command() -> None:
    """Apply pending migrations, then redeploy every procedure (idempotent)."""
    url = database_url()
    typer.echo(f"Migrating {mask_url(url)}")
    _print_migrate(url)


@db_app.command("bootstrap")
def bootstrap_command(
    owner: Annotated[
        str,
        typer.Option(
            help="The role that is to own the product's schemas and run `db migrate` "
            "(a login without SUPERUSER or CREATEROLE).",
            show_default=False,
        ),
    ],
    print_sql: Annotated[
        bool, typer.Option("--sql", help="Print the SQL for a DBA to run by hand; change nothing.")
    ] = False,
) -> None:
    """Once per server and database, as a superuser: the roles wdh_operator and wdh_reader for the owner, and the extensions.

    Idempotent. Then `db migrate` runs as the owner (docs/DBA.md, "Installing on an existing server")."""
    from work_data_hub.db.bootstrap import plan_bootstrap, run_bootstrap

    url = database_url()
    if print_sql:
        plan = plan_bootstrap(url, owner)
        typer.echo(f"-- db bootstrap --owner {owner}: run as a superuser in database {plan.database}; idempotent.")
        if plan.cron_unknown:
            typer.echo(
                "-- This login may not read shared_preload_libraries: whether pg_cron is preloaded for this "
                "database is unknown."
            )
        elif not plan.pg_cron:
            typer.echo("-- pg_cron is not preloaded for this database: not set up.")
        typer.echo("\n".join(plan.statements))
        if plan.cron_unknown:
            owner_id = plan.statements[1].split(" TO ", 1)[1].split(" WITH", 1)[0]
            typer.echo(
                "-- If the server preloads pg_cron for this database (cron.database_name), also:\n"
                f"-- CREATE EXTENSION IF NOT EXISTS pg_cron;\n-- GRANT USAGE ON SCHEMA cron TO {owner_id};"
            )
        return
    plan = run_bootstrap(url, owner)
    typer.echo(
        f"Bootstrapped database {plan.database} for the owner {owner}: roles wdh_operator and wdh_reader "
        f"(granted to {owner} WITH ADMIN OPTION), CREATE on the database and schema public, pg_trgm"
        + (
            ", pg_cron (USAGE on schema cron)"
            if plan.pg_cron
            else " (pg_cron: not preloaded for this database, not set up)"
        )
        + "."
    )
    typer.echo(f"Next: `db migrate` with DATABASE_URL naming {owner}.")


@db_app.command("init")
def init_command(
    port: Annotated[
        int | None,
        typer.Option(
            help="The TCP port the local cluster keeps (default: the first free one from 54329).",
            min=1024,
            max=65535,
            show_default=False,
        ),
    ] = None,
) -> None:
    """Create and start a local PostgreSQL cluster under .wdh/, write .wdh_env and migrate."""
    cluster = local.cluster_here()
    cwd = cluster.root.parent  # the project folder: here, or the parent whose .wdh/ holds the cluster
    if cwd != Path.cwd().resolve():
        typer.echo(f"Using the project's local cluster in {cluster.root} (a parent of this folder)")
    if cluster.exists():
        typer.echo(
            f"Local cluster already exists in {cluster.data_dir}"
            + (
                f" (it keeps its port {cluster.config()['port']}; --port {port} is for a new cluster)"
                if port is not None and port != cluster.config()["port"]
                else ""
            )
        )
    else:
        bindir = local.find_bindir()
        local.initdb(cluster, port)
        typer.echo(
            f"Created a PostgreSQL cluster in {cluster.data_dir} (port {cluster.config()['port']}, binaries {bindir})"
        )
        if cluster.root not in cluster.data_dir.parents:
            typer.echo(
                f"  (the '{local.SERVER_USER}' OS user cannot traverse this folder, so the data "
                f"directory lives in its home; {cluster.config_file} points to it)"
            )
    _echo_start(local.start(cluster))
    if local.create_database(cluster):
        typer.echo(f"Created database {local.DATABASE}")
    url = cluster.url()
    outcome = local.write_env_file(cwd, url)
    if outcome == "written":
        typer.echo(f"Wrote DATABASE_URL to {ENV_FILE}: {mask_url(url)}")
    elif outcome == "unchanged":
        typer.echo(f"{ENV_FILE} already points at the local database")
    else:
        typer.echo(
            f"{ENV_FILE} already sets another DATABASE_URL and was left unchanged; "
            f"the local database is {mask_url(url)} (its password is in {cluster.config_file})"
        )
    from work_data_hub.db.bootstrap import run_bootstrap

    run_bootstrap(url, local.SUPERUSER)  # what a DBA runs once on a company's server, here for the local owner
    _print_migrate(url)


def _echo_start(outcome: local.StartOutcome) -> None:
    if outcome.action is local.StartAction.STARTED:
        typer.echo("Started the local server")
    elif outcome.action is local.StartAction.RUNNING:
        typer.echo("Local server already running")
    else:
        typer.echo(
            f"Local server restarted: it ran PostgreSQL {outcome.running_version}, the binaries are now "
            f"{outcome.binaries_version}"
        )


@db_app.command("start")
def start_command() -> None:
    """Start the local server (and restart it when it is older than the binaries on disk)."""
    _echo_start(local.start(local.cluster_here()))


@db_app.command("stop")
def stop_command() -> None:
    """Stop the local server."""
    cluster = local.cluster_here()
    if not cluster.exists():
        raise WdhError(f"No local cluster in {cluster.root}", hint="Nothing to stop; `db init` creates one.")
    typer.echo("Stopped the local server" if local.stop(cluster) else "Local server was not running")


@db_app.command("status")
def status_command() -> None:
    """Show the local cluster, the configured database and pending migrations."""
    cluster = local.cluster_here()
    if cluster.exists():
        running = local.is_running(cluster)
        typer.echo(
            f"Local cluster: {cluster.data_dir} (port {cluster.config()['port']}, "
            f"{'running' if running else 'stopped'})"
        )
        versions = local.outdated(cluster) if running else None
        if versions is not None:  # status only reads: `db start` restarts it
            typer.echo(
                f"Local server runs PostgreSQL {versions[0]}, older than the binaries on disk ({versions[1]}): "
                "`db start` restarts it"
            )
    else:
        typer.echo(f"Local cluster: none in {cluster.root.parent} (`db init` creates one in {cluster.root})")
    url = database_url()
    typer.echo(f"Database: {mask_url(url)}")
    with connect(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    typer.echo(f"Server: PostgreSQL {version}, reachable")
    try:
        pending = pending_migrations(url)
    except PermissionDenied as exc:  # yoyo's table: a login without rights to it cannot tell
        typer.echo(f"Pending migrations: unknown ({exc.message}); the login that migrates can tell")
    else:
        typer.echo(f"Pending migrations: {len(pending)}" + (f" ({', '.join(pending)})" if pending else ""))
    try:
        with connect(url) as conn:
            problem = deployment_problem(conn)
    except WdhError as exc:
        problem = exc.message
    typer.echo(f"Procedures: {problem}" if problem else "Procedures: deployed by this package, up to date")
