"""Apply pending yoyo migrations, then redeploy every procedure file in one transaction.

Migrations own state (tables, seeds, grants, DROP FUNCTION on a signature change); procedure
files own behaviour and are idempotent, so they are redeployed after every migrate whether or not
a migration applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from psycopg.conninfo import conninfo_to_dict

from work_data_hub.db.connect import connect
from work_data_hub.errors import PermissionDenied, WdhError, database_errors, translate


def sql_root() -> Path:
    """The `db` folder: packaged with the wheel, else the source checkout."""
    packaged = Path(str(resources.files("work_data_hub"))) / "_db"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "db"


def migrations_dir() -> Path:
    return sql_root() / "migrations"


def procedure_files() -> list[Path]:
    """Every procedure file, in sorted order (schema folder, then file name)."""
    root = sql_root() / "procedures"
    return sorted(root.rglob("*.sql"), key=lambda p: p.relative_to(root).as_posix())


def yoyo_url(url: str) -> str:
    """yoyo needs a URL with the driver spelled out to use psycopg 3 (a key=value conninfo is
    turned into one)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if "://" not in url:
        params = conninfo_to_dict(url)
        user = quote(params.get("user", ""), safe="")
        password = params.get("password")
        auth = f"{user}:{quote(password, safe='')}@" if password else (f"{user}@" if user else "")
        host = params.get("host", "")
        port = f":{params['port']}" if params.get("port") else ""
        return f"postgresql+psycopg://{auth}{host}{port}/{quote(params.get('dbname', ''), safe='')}"
    return url


@dataclass(frozen=True)
class MigrateResult:
    applied: list[str]
    procedures: list[str]
    repaired: list[tuple[str, int]] = field(default_factory=list)  # what customer.repair_canonical_keys did


def pending_migrations(url: str) -> list[str]:
    """The migrations not applied yet, read from yoyo's table (without taking yoyo's lock, which a
    login that may not migrate would wait ten seconds for)."""
    from yoyo import read_migrations

    with connect(url) as conn, database_errors():
        applied = set()
        if conn.execute("SELECT to_regclass('public._yoyo_migration')").fetchone()[0] is not None:
            applied = {m for (m,) in conn.execute("SELECT migration_id FROM public._yoyo_migration")}
    return [m.id for m in read_migrations(str(migrations_dir())) if m.id not in applied]


CAN_MIGRATE = """
SELECT current_user, current_database(),
       to_regclass('public.yoyo_lock') IS NULL OR has_table_privilege('public.yoyo_lock', 'INSERT'),
       to_regclass('public.yoyo_lock') IS NOT NULL
       OR (has_schema_privilege('public', 'CREATE') AND has_database_privilege(current_database(), 'CREATE'))
"""


def migrate(url: str) -> MigrateResult:
    """Apply pending migrations, then redeploy all procedures. Safe to run any number of times."""
    with connect(url) as conn, database_errors():  # a clear error when the database is unreachable
        user, database, may, may_start = conn.execute(CAN_MIGRATE).fetchone()
    if not may_start:
        raise PermissionDenied(
            f"The login {user} may not create the schemas of database {database} (no CREATE on the database or "
            "on schema public); nothing was migrated",
            hint=f"A superuser runs `db bootstrap --owner {user}` once (or the DBA runs the SQL of `db bootstrap "
            f'--owner {user} --sql`); then run `db migrate` again. docs/DBA.md, "Installing on an existing '
            'server".',
            sqlstate="42501",
        )
    if not may:
        raise PermissionDenied(
            f"The login {user} may not migrate this database (it cannot write yoyo_lock)",
            hint="Run `db migrate` as the database's owner, the login that applied the migrations so far.",
            sqlstate="42501",
        )
    from yoyo import get_backend, read_migrations  # here: yoyo would slow every command's start

    backend = get_backend(yoyo_url(url))
    try:
        migrations = read_migrations(str(migrations_dir()))
        with backend.lock():
            to_apply = backend.to_apply(migrations)
            applied = []
            for migration in to_apply:  # one at a time, so that a failure names its migration
                with database_errors(special=_migration_failed(migration.id)):
                    backend.apply_migrations_only([migration])  # no post-apply hooks: procedures are redeployed below
                applied.append(migration.id)
    finally:
        backend.connection.close()
    procedures = deploy_procedures(url)
    return MigrateResult(applied=applied, procedures=procedures, repaired=repair_keys(url))


REPAIR_KEYS = "SELECT what, rows FROM customer.repair_canonical_keys()"


def repair_keys(url: str) -> list[tuple[str, int]]:
    """Once per database, after the procedures are deployed: put the keys stored before they were
    made canonical in canonical form (customer.repair_canonical_keys; nothing when done already)."""
    with (
        connect(url) as conn,
        database_errors(
            prefix="Repairing the stored keys failed: ", hint="Nothing was repaired; run `db migrate` again."
        ),
    ):
        repaired = conn.execute(REPAIR_KEYS).fetchall()
        conn.commit()
    return repaired


def _migration_failed(migration: str):
    """The error of a failed migration, naming it; a refused privilege means the server was not
    bootstrapped for this owner."""
    import psycopg

    def special(exc: psycopg.Error) -> WdhError | None:
        if not isinstance(exc, psycopg.errors.InsufficientPrivilege):
            err = translate(exc)
            return type(err)(
                f"Migration {migration} failed: {err.message}",
                detail=err.detail,
                hint="Nothing of the failing migration was applied; fix it and run `db migrate` again.",
                sqlstate=err.sqlstate,
            )
        return PermissionDenied(
            f"Migration {migration} failed: {exc.diag.message_primary or exc}",
            detail="Migrations before it are applied; nothing of this one is.",
            hint="The owner lacks what a superuser sets up once: run `db bootstrap --owner <this login>` with a "
            "superuser's DATABASE_URL (or have the DBA run the SQL of `db bootstrap --owner <login> --sql`), "
            'then `db migrate` again. docs/DBA.md, "Installing on an existing server".',
            sqlstate="42501",
        )

    return special


def deploy_procedures(url: str) -> list[str]:
    """Execute every procedure file in one transaction; all or nothing."""
    root = sql_root() / "procedures"
    deployed: list[str] = []
    with connect(url) as conn:
        for path in procedure_files():
            name = path.relative_to(root).as_posix()
            with database_errors(
                prefix=f"Deploying {name} failed: ",
                hint="No procedure was changed; fix the file and run `db migrate` again.",
            ):
                conn.execute(path.read_text(encoding="utf-8"))
            deployed.append(name)
    return deployed
