"""One PostgreSQL server per test session, a template database migrated once, and a fresh
database per test copied from the template (CREATE DATABASE … TEMPLATE)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import testing.postgresql
from psycopg import sql

from helpers import (
    CRON_DATABASE,
    HAS_PG_CRON,
    TEMPLATE,
    missing_extension,
    sample_database,
    scratch_database,
    server_url,
)
from work_data_hub.db.deploy import migrate
from work_data_hub.tooling import local


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


@pytest.fixture(scope="session")
def template_url(pg_server) -> str:
    with psycopg.connect(server_url(pg_server, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE)))
    url = server_url(pg_server, TEMPLATE)
    migrate(url)
    return url


@pytest.fixture
def db_url(pg_server, template_url) -> Iterator[str]:
    """A fresh, migrated database for one test, dropped afterwards."""
    with scratch_database(pg_server, "wdh_test") as url:
        yield url


@pytest.fixture
def conn(db_url):
    with psycopg.connect(db_url, autocommit=True) as connection:
        yield connection


@pytest.fixture
def make_db(pg_server, template_url):
    """A factory of extra fresh databases for one test (e.g. to compare against a from-scratch build)."""
    with contextlib.ExitStack() as stack:
        yield lambda: stack.enter_context(scratch_database(pg_server, "wdh_extra"))


@pytest.fixture(scope="session")
def cron_url(pg_server, template_url):
    """The server's pg_cron database, migrated, with the extension created."""
    if not HAS_PG_CRON:
        pytest.skip(missing_extension("pg_cron", "postgresql-15-cron"))
    with scratch_database(pg_server, CRON_DATABASE, name=CRON_DATABASE) as url:
        with psycopg.connect(url, autocommit=True) as c:
            c.execute("CREATE EXTENSION pg_cron")
        yield url


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


@pytest.fixture(scope="session")
def sample_url(pg_server, template_url, tmp_path_factory):
    """One database for the session: 14 months of sample deliveries loaded through the ETL
    (2025-11 … 2026-12), 2026-03 loaded twice, synced and snapshotted. Read only: a test that
    changes data copies it (scratch_database with it as the template)."""
    with sample_database(
        pg_server, f"wdh_sample_{os.getpid()}", tmp_path_factory.mktemp("sample"), reload="规模明细_202603.csv"
    ) as url:
        yield url
