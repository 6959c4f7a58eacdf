"""What a superuser sets up once, before the product's owner migrates a server it did not create.

`db bootstrap --owner ROLE` (or the SQL it prints with --sql, for a DBA who runs it by hand):
- the roles wdh_operator and wdh_reader (NOLOGIN; roles are cluster-wide), granted to the owner
  WITH ADMIN OPTION, so that the owner grants them to logins and its migrations grant on them;
- CREATE on the database and on schema public (yoyo's bookkeeping tables live there) for the owner;
- the extensions the product needs: pg_trgm (the candidate matches of `customer-mdm identities`),
  and pg_cron where the server preloads it in this database (cron.database_name), with USAGE on
  schema cron for the owner (`customer-mdm schedule`).
Every statement is idempotent. After it, `db migrate` runs as the owner, a role without SUPERUSER
or CREATEROLE.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql
from psycopg.rows import namedtuple_row

from work_data_hub.db.connect import connect
from work_data_hub.errors import PermissionDenied, WdhError, database_errors

ROLES = ("wdh_operator", "wdh_reader")

SERVER = """
SELECT current_user AS login, current_database() AS database, r.rolsuper OR r.rolcreaterole AS may,
       EXISTS (SELECT 1 FROM pg_catalog.pg_roles AS o WHERE o.rolname = %(owner)s) AS owner_exists,
       CASE WHEN r.rolsuper OR pg_has_role(current_user, 'pg_read_all_settings', 'USAGE')  -- else it is refused
            THEN coalesce(current_setting('shared_preload_libraries', true), '') ~ '(^|[ ,])pg_cron($|[ ,])'
            ELSE false END AS cron_loaded,
       CASE WHEN r.rolsuper OR pg_has_role(current_user, 'pg_read_all_settings', 'USAGE')
            THEN coalesce(current_setting('cron.database_name', true), 'postgres') = current_database()
            ELSE false END AS cron_here,
       EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = 'pg_cron') AS cron_available,
       r.rolsuper OR pg_has_role(current_user, 'pg_read_all_settings', 'USAGE') AS can_read_settings
FROM pg_catalog.pg_roles AS r WHERE r.rolname = current_user
"""


@dataclass(frozen=True)
class Bootstrap:
    owner: str
    database: str
    statements: list[str]
    pg_cron: bool  # whether pg_cron is set up (the server preloads it for this database)
    cron_unknown: bool = False  # the login may not read the settings that say whether pg_cron is preloaded


def bootstrap_statements(owner: str, database: str, *, pg_cron: bool) -> list[str]:
    """The SQL, in order; every statement idempotent."""
    owner_id = sql.Identifier(owner).as_string()
    statements = [
        "DO $$\nBEGIN\n"
        + "".join(
            f"    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = '{role}') THEN\n"
            f"        CREATE ROLE {role} NOLOGIN;\n    END IF;\n"
            for role in ROLES
        )
        + "END\n$$;",
        *(f"GRANT {role} TO {owner_id} WITH ADMIN OPTION;" for role in ROLES),
        f"GRANT CREATE, CONNECT ON DATABASE {sql.Identifier(database).as_string()} TO {owner_id};",
        f"GRANT USAGE, CREATE ON SCHEMA public TO {owner_id};",
        "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;",
    ]
    if pg_cron:
        statements += ["CREATE EXTENSION IF NOT EXISTS pg_cron;", f"GRANT USAGE ON SCHEMA cron TO {owner_id};"]
    return statements


def plan_bootstrap(url: str, owner: str) -> Bootstrap:
    """Read the server (as the connecting login) and say what the bootstrap runs; writes nothing."""
    with connect(url) as conn, database_errors():
        server = conn.cursor(row_factory=namedtuple_row).execute(SERVER, {"owner": owner}).fetchone()
    user, database, may, owner_exists = server.login, server.database, server.may, server.owner_exists
    cron_loaded, cron_here, cron_available = server.cron_loaded, server.cron_here, server.cron_available
    can_read = server.can_read_settings
    if not owner_exists:
        raise WdhError(
            f"The owner role {owner} does not exist on this server",
            hint=f"Create it first (CREATE ROLE {sql.Identifier(owner).as_string()} LOGIN PASSWORD '…';), "
            "or name the role that is to own the product's schemas with --owner.",
        )
    del user, may
    pg_cron = bool(cron_loaded and cron_here and cron_available)
    return Bootstrap(
        owner=owner,
        database=database,
        pg_cron=pg_cron,
        statements=bootstrap_statements(owner, database, pg_cron=pg_cron),
        cron_unknown=bool(cron_available and not can_read),
    )


def run_bootstrap(url: str, owner: str) -> Bootstrap:
    """Run the bootstrap as the connecting login, a superuser, in one transaction."""
    with connect(url) as conn, database_errors():
        server = conn.cursor(row_factory=namedtuple_row).execute(SERVER, {"owner": owner}).fetchone()
    user, may = server.login, server.may
    if not may:
        raise PermissionDenied(
            f"db bootstrap creates roles and extensions: the login {user} is neither a superuser nor may it "
            "create roles",
            hint="Run it with a superuser's DATABASE_URL (e.g. postgres), or give the DBA the SQL that "
            "`db bootstrap --owner ROLE --sql` prints.",
            sqlstate="42501",
        )
    plan = plan_bootstrap(url, owner)
    with (
        connect(url) as conn,
        database_errors(
            prefix="db bootstrap failed: ",
            hint="Nothing of the bootstrap was applied; fix the cause and run "
            "it again (every statement is idempotent).",
        ),
    ):
        for statement in plan.statements:
            conn.execute(statement)
        conn.commit()
    return plan
