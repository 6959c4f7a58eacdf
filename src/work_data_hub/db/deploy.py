"""Apply pending yoyo migrations, then redeploy every procedure file in one transaction.

Migrations own state (tables, seeds, grants, DROP FUNCTION on a signature change); procedure
files own behaviour and are idempotent, so they are redeployed after every migrate whether or not
a migration applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg.conninfo import conninfo_to_dict
from yoyo import get_backend, read_migrations

from work_data_hub.db.connect import connect
from work_data_hub.errors import WdhError, translate


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
            return "postgresql+psycopg://" + url[len(prefix):]
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


def pending_migrations(url: str) -> list[str]:
    backend = get_backend(yoyo_url(url))
    try:
        return [m.id for m in backend.to_apply(read_migrations(str(migrations_dir())))]
    finally:
        backend.connection.close()


def migrate(url: str) -> MigrateResult:
    """Apply pending migrations, then redeploy all procedures. Safe to run any number of times."""
    connect(url).close()  # a clear error when the database is unreachable
    backend = get_backend(yoyo_url(url))
    try:
        migrations = read_migrations(str(migrations_dir()))
        with backend.lock():
            to_apply = backend.to_apply(migrations)
            try:
                backend.apply_migrations(to_apply)
            except psycopg.Error as exc:
                err = translate(exc)
                raise WdhError(
                    f"Migration failed: {err.message}", detail=err.detail,
                    hint="Nothing of the failing migration was applied; fix it and run `db migrate` again.",
                    sqlstate=err.sqlstate,
                ) from None
        applied = [m.id for m in to_apply]
    finally:
        backend.connection.close()
    return MigrateResult(applied=applied, procedures=deploy_procedures(url))


def deploy_procedures(url: str) -> list[str]:
    """Execute every procedure file in one transaction; all or nothing."""
    root = sql_root() / "procedures"
    deployed: list[str] = []
    with connect(url) as conn:
        for path in procedure_files():
            name = path.relative_to(root).as_posix()
            try:
                conn.execute(path.read_text(encoding="utf-8"))
            except psycopg.Error as exc:
                err = translate(exc)
                raise WdhError(
                    f"Deploying {name} failed: {err.message}", detail=err.detail,
                    hint="No procedure was changed; fix the file and run `db migrate` again.",
                    sqlstate=err.sqlstate,
                ) from None
            deployed.append(name)
    return deployed
