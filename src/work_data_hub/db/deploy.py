"""Apply pending yoyo migrations, then redeploy every procedure file in one transaction.

Migrations own state (tables, seeds, grants, DROP FUNCTION on a signature change); procedure
files own behaviour and are idempotent, so they are redeployed after every migrate whether or not
a migration applied. The deploy stamps customer.mdm_deployment with the digest of the files and
the last migration applied, in its own transaction: a migrate killed between the two is seen
(customer.mdm_status, `db status`) and the writers refuse until `db migrate` runs again.

`db migrate` holds a session advisory lock for its whole run (it dies with the connection), so a
killed migrate never blocks the next; yoyo's own lock row, which a kill leaves behind, is broken
by the next migrate (which holds the advisory lock, so no migrate of this package is running).
"""

from __future__ import annotations

import functools
import hashlib
import time
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from urllib.parse import quote

from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import namedtuple_row

from work_data_hub.db.connect import connect
from work_data_hub.errors import NotMigrated, PermissionDenied, WdhError, database_errors, translate

MIGRATE_LOCK = (745, 0)  # customer._lock_class('migrate'): taken before that function exists
MIGRATE_WAIT_SECONDS = 60


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


def procedures_digest(root: Path | None = None) -> str:
    """sha256 of every procedure file's path and text, in deploy order: what the stamp records."""
    return _digest(root or sql_root() / "procedures")


@functools.lru_cache(maxsize=8)  # the package's files do not change under a running command
def _digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.sql"), key=lambda p: p.relative_to(root).as_posix()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def package_version() -> str:
    try:
        return metadata.version("work-data-hub")
    except metadata.PackageNotFoundError:
        return "source"


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
    broken_lock: str | None = None  # the stale yoyo lock a killed migrate had left, broken


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
SELECT current_user AS login, current_database() AS database,
       to_regclass('public.yoyo_lock') IS NULL OR has_table_privilege('public.yoyo_lock', 'INSERT') AS may,
       to_regclass('public.yoyo_lock') IS NOT NULL
       OR (has_schema_privilege('public', 'CREATE') AND has_database_privilege(current_database(), 'CREATE'))
       AS may_start
"""


def migrate(url: str) -> MigrateResult:
    """Apply pending migrations, then redeploy all procedures. Safe to run any number of times."""
    with connect(url) as conn, database_errors():  # a clear error when the database is unreachable
        can = conn.cursor(row_factory=namedtuple_row).execute(CAN_MIGRATE).fetchone()
    user, database, may, may_start = can.login, can.database, can.may, can.may_start
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

    with connect(url, autocommit=True) as guard, database_errors():
        _take_migrate_lock(guard)
        broken = _break_stale_yoyo_lock(guard)
        backend = get_backend(yoyo_url(url))
        try:
            migrations = read_migrations(str(migrations_dir()))
            with backend.lock():
                to_apply = backend.to_apply(migrations)
                applied = []
                for migration in to_apply:  # one at a time, so that a failure names its migration
                    with database_errors(special=_migration_failed(migration.id)):
                        apply_migration(url, migration)
                    applied.append(migration.id)
        finally:
            backend.connection.close()
        procedures = deploy_procedures(url)
        repaired = repair_keys(url)
    return MigrateResult(applied=applied, procedures=procedures, repaired=repaired, broken_lock=broken)


MARK = """
INSERT INTO public._yoyo_migration (migration_hash, migration_id, applied_at_utc)
VALUES (%(hash)s, %(id)s, now() AT TIME ZONE 'UTC')
"""
LOG = """
INSERT INTO public._yoyo_log (id, migration_hash, migration_id, operation, username, hostname, created_at_utc)
VALUES (%(log_id)s, %(hash)s, %(id)s, 'apply', %(user)s, %(host)s, now() AT TIME ZONE 'UTC')
"""


def apply_migration(url: str, migration) -> None:
    """Apply one migration and record it in yoyo's tables in one transaction. (yoyo itself commits
    the migration on one connection and records it on another: a kill between the two leaves the
    migration applied and unrecorded, and every later `db migrate` fails on it.)"""
    import getpass
    import socket
    import uuid

    with connect(url) as conn:
        conn.execute(Path(migration.path).read_text(encoding="utf-8"))
        params = {"hash": migration.hash, "id": migration.id, "log_id": str(uuid.uuid1())}
        conn.execute(MARK, params)
        conn.execute(LOG, {**params, "user": getpass.getuser(), "host": socket.getfqdn()})


def _take_migrate_lock(guard) -> None:
    """The session lock of `db migrate`, waiting at most MIGRATE_WAIT_SECONDS for another migrate."""
    deadline = time.monotonic() + MIGRATE_WAIT_SECONDS
    while not guard.execute("SELECT pg_try_advisory_lock(%s, %s)", MIGRATE_LOCK).fetchone()[0]:
        if time.monotonic() > deadline:
            holder = (
                guard.cursor(row_factory=namedtuple_row)
                .execute(
                    "SELECT l.pid, a.backend_start AS since FROM pg_locks AS l LEFT JOIN pg_stat_activity AS a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND l.classid = %s AND l.objid = %s AND l.granted",
                    MIGRATE_LOCK,
                )
                .fetchone()
            )
            raise WdhError(
                f"Another db migrate is running (server process {holder.pid if holder else '?'}"
                + (f", since {holder.since:%Y-%m-%d %H:%M:%S}" if holder and holder.since else "")
                + f"); waited {MIGRATE_WAIT_SECONDS} s. Nothing was migrated",
                hint="Wait for it to finish and run `db migrate` again (a killed migrate releases its lock with its "
                "connection: pg_terminate_backend(pid) ends one that hangs).",
                sqlstate="55P03",
            )
        time.sleep(0.5)


def _break_stale_yoyo_lock(guard) -> str | None:
    """yoyo's lock row, left by a killed migrate: stale, since this session holds the migrate lock."""
    if guard.execute("SELECT to_regclass('public.yoyo_lock')").fetchone()[0] is None:
        return None
    rows = guard.execute("DELETE FROM public.yoyo_lock RETURNING pid, ctime").fetchall()
    if not rows:
        return None
    pid, since = rows[0]
    return f"process {pid} on the migrating machine" + (f", since {since:%Y-%m-%d %H:%M:%S} UTC" if since else "")


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


STAMP = """
INSERT INTO customer.mdm_deployment AS d (procedures_digest, migration_id, package_version)
SELECT %(digest)s, coalesce(max(m.migration_id), ''), %(version)s FROM public._yoyo_migration AS m
ON CONFLICT (singleton) DO UPDATE
SET procedures_digest = EXCLUDED.procedures_digest, migration_id = EXCLUDED.migration_id,
    package_version = EXCLUDED.package_version, deployed_at = now(), deployed_by = session_user
"""


def deploy_procedures(url: str) -> list[str]:
    """Execute every procedure file and stamp the deploy, in one transaction; all or nothing."""
    root = sql_root() / "procedures"
    deployed: list[str] = []
    with connect(url) as conn:
        for path in procedure_files():
            name = path.relative_to(root).as_posix()
            with database_errors(
                prefix=f"Deploying {name} failed: ",
                hint="No procedure was changed; run `db migrate` again (fix the file first when the error is in it).",
            ):
                conn.execute(path.read_text(encoding="utf-8"))
            deployed.append(name)
        with database_errors(prefix="Stamping the deploy failed: ", hint="No procedure was changed."):
            if conn.execute("SELECT to_regclass('customer.mdm_deployment')").fetchone()[0] is not None:
                conn.execute(STAMP, {"digest": procedures_digest(root), "version": package_version()})
    return deployed


DEPLOYED = "SELECT procedures_digest, migration_id, package_version, deployed_at FROM customer.mdm_deployment"


def deployment_problem(conn) -> str | None:
    """What is wrong with the procedures deployed, for this package: None when they are its own."""
    with database_errors():
        problem = conn.execute("SELECT customer._deployment_problem()").fetchone()[0]
        stamp = conn.cursor(row_factory=namedtuple_row).execute(DEPLOYED).fetchone()
    if problem:
        return problem
    if stamp is None or stamp.procedures_digest != procedures_digest():
        return (
            f"the procedures deployed (package {stamp.package_version}, {stamp.deployed_at:%Y-%m-%d %H:%M}) are not "
            "this package's "
            if stamp
            else f"the procedures deployed are not stamped ({package_version()}): run db migrate with this package"
        )
    return None


def require_current_procedures(conn, what: str) -> None:
    """Refuse `what` (a load, a close, a merge) with old procedures: `db migrate` first."""
    problem = deployment_problem(conn)
    if problem:
        raise NotMigrated(
            f"{what} refused: {problem}",
            hint="Run `db migrate` (as the owner), then the command again. Nothing was changed.",
            sqlstate="55000",
        )
