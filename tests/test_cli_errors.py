"""Every command, run against a database it cannot use, ends in a message and a hint, never a
traceback: a reader login, a database that was never migrated, a server that is not there, and a
server that drops the connection while the command waits."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

import psycopg
import pytest

from helpers import REPO, run_cli, run_cli_all, scratch_database
from source import table_fingerprint, wait_until_blocked
from work_data_hub.sample_data import PERFORMANCE_HEADERS, generate, performance_rows, population, write_csv


def commands(tmp) -> list[list[str]]:
    csv = tmp / "规模明细_202401.csv"
    contracts = population(3, 1, 1)
    write_csv(csv, PERFORMANCE_HEADERS, performance_rows(contracts, date(2024, 1, 1), 0, 1))
    return [
        ["db", "migrate"],
        ["db", "status"],
        ["etl", "--domain", "annuity_performance", "--file", str(csv), "--execute"],
        ["etl", "history"],
        ["customer-mdm", "sync"],
        ["customer-mdm", "snapshot", "--period", "202401"],
        ["customer-mdm", "snapshot", "--all"],
        ["customer-mdm", "close", "--dry-run"],
        ["customer-mdm", "summary"],
        ["customer-mdm", "report", "--period", "202401", "--out", str(tmp / "r.html")],
        ["customer-mdm", "export", "--period", "202401", "--out", str(tmp / "r.xlsx")],
        ["customer-mdm", "status"],
        ["customer-mdm", "runs"],
        ["customer-mdm", "schedule"],
        ["customer-mdm", "identities"],
        ["customer-mdm", "merge", "--from", "IN0000000000000000", "--into", "1"],
        ["customer-mdm", "alias", "add", "--name", "某公司", "--company-id", "1"],
        ["customer-mdm", "alias", "list"],
    ]


def run_all(argvs: list[list[str]], url: str, cwd) -> list[tuple[list[str], subprocess.CompletedProcess]]:
    return list(zip(argvs, run_cli_all(argvs, database_url=url, cwd=cwd)))


def assert_clean(results) -> None:
    for argv, result in results:
        shown = " ".join(argv)
        assert "Traceback" not in result.stderr, f"{shown}:\n{result.stderr}"
        assert result.returncode in (0, 1), f"{shown}: exit {result.returncode}\n{result.stderr}"
        if result.returncode:
            assert result.stderr.startswith("Error: ") and "Hint: " in result.stderr, f"{shown}:\n{result.stderr}"


@pytest.fixture
def empty_url(pg_server):
    with scratch_database(pg_server, "wdh_unmigrated", template=None) as url:
        yield url


def test_every_command_as_a_reader_login(db_url, conn, tmp_path):
    conn.execute("DROP ROLE IF EXISTS cli_reader")
    conn.execute("CREATE ROLE cli_reader LOGIN IN ROLE wdh_reader")
    before = table_fingerprint(conn)
    try:
        results = run_all(commands(tmp_path), db_url.replace("postgres@", "cli_reader@", 1), tmp_path)
    finally:
        conn.execute("DROP OWNED BY cli_reader")
        conn.execute("DROP ROLE cli_reader")
    assert_clean(results)
    outcome = {
        " ".join(argv[:3] if argv[0] == "etl" else argv[:2] if argv[1] != "alias" else argv[:3]): r
        for argv, r in results
    }
    # A reader reads: these succeed on an empty database; the writes are refused naming the role they
    # need; summary, report and export say there is nothing synced yet.
    for read in (
        "db status",
        "etl history",
        "customer-mdm status",
        "customer-mdm runs",
        "customer-mdm identities",
        "customer-mdm alias list",
    ):
        assert outcome[read].returncode == 0, (read, outcome[read].stderr)
    for write in (
        "etl --domain annuity_performance",
        "customer-mdm sync",
        "customer-mdm snapshot",
        "customer-mdm close",
        "customer-mdm schedule",
        "customer-mdm merge",
        "customer-mdm alias add",
    ):
        assert outcome[write].returncode == 1 and "wdh_operator" in outcome[write].stderr, (
            write,
            outcome[write].stderr,
        )
    assert outcome["db migrate"].returncode == 1
    for empty in ("customer-mdm summary", "customer-mdm report", "customer-mdm export"):
        assert outcome[empty].returncode == 1 and "wdh_operator" not in outcome[empty].stderr, (empty, outcome[empty])
    assert table_fingerprint(conn) == before


def test_every_command_on_an_unmigrated_database(empty_url, tmp_path):
    results = run_all([c for c in commands(tmp_path) if c != ["db", "migrate"]], empty_url, tmp_path)
    assert_clean(results)
    with psycopg.connect(empty_url) as conn:  # nothing was created in it
        assert conn.execute(
            "SELECT count(*) FROM pg_class WHERE relnamespace NOT IN "
            "('pg_catalog'::regnamespace, 'information_schema'::regnamespace, "
            "'pg_toast'::regnamespace)"
        ).fetchone() == (0,)
    assert all("not migrated" in r.stderr or "db migrate" in r.stderr for _, r in results if r.returncode)


def test_commands_without_a_server(tmp_path):
    """Every command connects through the one helper; one of each group stands for the rest."""
    every = commands(tmp_path)
    results = run_all([every[i] for i in (0, 2, 4, 9, 10, 16)], "postgresql://postgres@127.0.0.1:9/nowhere", tmp_path)
    assert_clean(results)
    assert all(r.returncode == 1 and "Cannot connect to the database" in r.stderr for _, r in results)


@pytest.mark.parametrize(
    "argv", [["customer-mdm", "close"], ["etl", "--domain", "annuity_performance", "--file", "{csv}", "--execute"]]
)
def test_a_connection_dropped_mid_command(db_url, conn, tmp_path, argv):
    """The server ends the command's session (a restart, an administrator) while it waits for a lock."""
    generate(tmp_path, customers=5, months=1, start=date(2024, 1, 1), seed=1, fmt="csv")
    csv = tmp_path / "规模明细_202401.csv"
    argv = [a.replace("{csv}", str(csv)) for a in argv]
    before = table_fingerprint(conn)
    with psycopg.connect(db_url) as holder:  # holds both locks the commands need
        holder.execute(
            "SELECT pg_advisory_xact_lock(customer._lock_class('mdm'), 1), pg_advisory_xact_lock("
            "customer._lock_class('source'), 'business.\"规模明细\"'::regclass::oid::integer)"
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "work_data_hub.cli", *argv],
            cwd=REPO,
            env={**os.environ, "DATABASE_URL": db_url},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for pid in wait_until_blocked(conn):
            conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        out, err = process.communicate(timeout=60)
    assert_clean([(argv, subprocess.CompletedProcess(argv, process.returncode, out, err))])
    assert process.returncode == 1 and "connection" in err.lower()
    assert table_fingerprint(conn) == before  # nothing of the command was committed


def test_version_and_short_help():
    from importlib.metadata import version

    shown = run_cli("--version")
    assert shown.returncode == 0 and shown.stdout.strip() == f"work-data-hub {version('work-data-hub')}"
    for args in (["-h"], ["customer-mdm", "-h"], ["etl", "withdraw", "-h"]):
        result = run_cli(*args)
        assert result.returncode == 0 and "Usage:" in result.stdout, (args, result.stderr)
