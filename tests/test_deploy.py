"""Installing on a server the project did not create, as docs/DBA.md says: a superuser bootstraps
once, then an owner without SUPERUSER or CREATEROLE migrates, over TCP with a password
(scram-sha-256), and logins granted only wdh_operator or wdh_reader do their jobs."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from files import HEADERS, perf_row
from helpers import run_cli, run_cli_all
from work_data_hub.sample_data import write_xlsx
from work_data_hub.tooling import local


@pytest.fixture(scope="module")
def company_server():
    """A server with password authentication, as a company runs it: its superuser's URL."""
    path = Path(tempfile.mkdtemp(prefix="wdh-company-"))
    path.chmod(0o755)
    cluster = local.cluster_here(path)
    try:
        # Its own port range: the local-cluster tests (another worker) take theirs from the default one.
        local.initdb(cluster, local.free_port(55800))
        local.start(cluster)
        yield cluster.url().rsplit("/", 1)[0]
    finally:
        local.stop(cluster)
        shutil.rmtree(path, ignore_errors=True)


def _url(server: str, user: str, password: str, database: str) -> str:
    host = server.split("@", 1)[1]
    return f"postgresql://{user}:{password}@{host}/{database}"


def test_a_dba_bootstraps_and_a_plain_owner_migrates(company_server, tmp_path):
    admin = company_server + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("CREATE ROLE mdm_owner LOGIN PASSWORD 'owner pw' NOSUPERUSER NOCREATEROLE NOCREATEDB")
        conn.execute("CREATE ROLE etl_login LOGIN PASSWORD 'etl pw'")
        conn.execute("CREATE ROLE bi_login LOGIN PASSWORD 'bi pw'")
        conn.execute("CREATE DATABASE company_mdm")  # owned by the superuser, as a DBA creates it
    owner = _url(company_server, "mdm_owner", "owner%20pw", "company_mdm")
    superuser = company_server + "/company_mdm"

    # Before the bootstrap the owner cannot migrate: the failing migration is named, and the fix.
    refused = run_cli("db", "migrate", database_url=owner)
    assert refused.returncode == 1, refused.stdout
    assert "The login mdm_owner may not create the schemas of database company_mdm" in refused.stderr
    assert "db bootstrap --owner mdm_owner" in refused.stderr and "Traceback" not in refused.stderr

    # A login that may not bootstrap is told so.
    not_superuser = run_cli("db", "bootstrap", "--owner", "mdm_owner", database_url=owner)
    assert not_superuser.returncode == 1 and "neither a superuser" in not_superuser.stderr

    printed = run_cli("db", "bootstrap", "--owner", "mdm_owner", "--sql", database_url=superuser)
    assert printed.returncode == 0, printed.stderr
    assert 'GRANT wdh_operator TO "mdm_owner" WITH ADMIN OPTION;' in printed.stdout
    assert "CREATE EXTENSION IF NOT EXISTS pg_trgm" in printed.stdout
    with psycopg.connect(superuser) as conn:
        assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'wdh\\_%'").fetchone() == (0,)  # --sql
    for _ in range(2):  # idempotent
        done = run_cli("db", "bootstrap", "--owner", "mdm_owner", database_url=superuser)
        assert done.returncode == 0, done.stderr
    assert "Bootstrapped database company_mdm for the owner mdm_owner" in done.stdout

    migrated = run_cli("db", "migrate", database_url=owner)
    assert migrated.returncode == 0, migrated.stderr
    with psycopg.connect(owner, autocommit=True) as conn:
        assert conn.execute("SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user").fetchone() == (
            False,
            False,
        )
        assert conn.execute(
            "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'customer'"
        ).fetchone() == ("mdm_owner",)
        # The owner, not a superuser, hands the roles to the logins (WITH ADMIN OPTION).
        conn.execute(sql.SQL("GRANT wdh_operator TO etl_login"))
        conn.execute(sql.SQL("GRANT wdh_reader TO bi_login"))

    operator = _url(company_server, "etl_login", "etl%20pw", "company_mdm")
    reader = _url(company_server, "bi_login", "bi%20pw", "company_mdm")
    path = tmp_path / "202501.xlsx"
    write_xlsx(path, "规模明细", HEADERS, [perf_row(), perf_row(company="", customer="无号客户", plan="P9")])
    loaded = run_cli("etl", "--domain", "annuity_performance", "--file", str(path), "--execute", database_url=operator)
    assert loaded.returncode == 0, loaded.stderr
    assert "monthly_close" in loaded.stdout
    summary = run_cli("customer-mdm", "summary", database_url=reader)
    assert summary.returncode == 0, summary.stderr
    assert "PL202" in summary.stdout
    for secret in ("owner pw", "etl pw", "bi pw"):
        assert secret not in loaded.stdout + loaded.stderr + migrated.stdout + refused.stderr


# Every command, and the least role that should run it: "reader" commands only read; "operator"
# commands write; "owner" migrates. Each runs as the operator's and the reader's login.
MATRIX = [
    (["customer-mdm", "status"], "reader"),
    (["customer-mdm", "status", "--json"], "reader"),
    (["customer-mdm", "runs"], "reader"),
    (["customer-mdm", "summary"], "reader"),
    (["customer-mdm", "report", "--period", "202502", "--out", "{tmp}/r-{who}.html"], "reader"),
    (["customer-mdm", "export", "--period", "202502", "--out", "{tmp}/e-{who}.xlsx"], "reader"),
    (["customer-mdm", "identities"], "reader"),
    (["customer-mdm", "alias", "list"], "reader"),
    (["etl", "history"], "reader"),
    (["customer-mdm", "history", "--company", "C1"], "reader"),
    (["customer-mdm", "history", "--company", "{provisional}", "--json"], "reader"),
    (
        ["customer-mdm", "explain", "--company", "C1", "--plan", "P1", "--product-line", "PL202", "--period", "202502"],
        "reader",
    ),
    (["customer-mdm", "report", "--company", "C1", "--out", "{tmp}/c-{who}.html"], "reader"),
    (["customer-mdm", "restatements", "--period", "202502"], "reader"),
    (
        ["customer-mdm", "export", "--period", "202502", "--as-of", "{now}", "--out", "{tmp}/a-{who}.xlsx"],
        "reader",
    ),
    (["etl", "--domain", "annuity_performance", "--file", "{tmp}/202503.xlsx"], "operator"),
    (
        ["etl", "--domain", "annuity_performance", "--file", "{tmp}/202503.xlsx", "--execute", "--no-post-hooks"],
        "operator",
    ),
    (["customer-mdm", "sync"], "operator"),
    (["customer-mdm", "snapshot", "--all"], "operator"),
    (["customer-mdm", "close"], "operator"),
    (["customer-mdm", "alias", "add", "--name", "某某公司", "--company-id", "C1"], "operator"),
    (["etl", "withdraw", "--domain", "annuity_performance", "--period", "202503", "--execute"], "operator"),
    (["customer-mdm", "merge", "--from", "{provisional}", "--into", "C1"], "operator"),
    (["customer-mdm", "history", "--company", "{provisional}"], "reader"),  # merged away: says into which
    (["db", "migrate"], "owner"),
]


def test_every_command_as_the_least_login_that_should_run_it(company_server, tmp_path):
    """What a role may do succeeds; what it may not is refused with exit 1, a hint naming the role
    it needs, and nothing changed."""
    from source import table_fingerprint

    admin = company_server + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("CREATE ROLE matrix_owner LOGIN PASSWORD 'o' NOSUPERUSER NOCREATEROLE NOCREATEDB")
        conn.execute("CREATE ROLE matrix_op LOGIN PASSWORD 'op'")
        conn.execute("CREATE ROLE matrix_bi LOGIN PASSWORD 'bi'")
        conn.execute("CREATE DATABASE matrix_mdm OWNER matrix_owner")
    superuser = company_server + "/matrix_mdm"
    assert run_cli("db", "bootstrap", "--owner", "matrix_owner", database_url=superuser).returncode == 0
    owner = _url(company_server, "matrix_owner", "o", "matrix_mdm")
    assert run_cli("db", "migrate", database_url=owner).returncode == 0
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute("GRANT wdh_operator TO matrix_op")
        conn.execute("GRANT wdh_reader TO matrix_bi")
    logins = {
        "operator": _url(company_server, "matrix_op", "op", "matrix_mdm"),
        "reader": _url(company_server, "matrix_bi", "bi", "matrix_mdm"),
    }
    for month in ("202501", "202502", "202503"):
        path = tmp_path / f"{month}.xlsx"
        write_xlsx(
            path, "规模明细", HEADERS, [perf_row(month), perf_row(month, company="", customer="无号客户", plan="P9")]
        )
    for month in ("202501", "202502"):
        assert (
            run_cli(
                "etl",
                "--domain",
                "annuity_performance",
                "--file",
                str(tmp_path / f"{month}.xlsx"),
                "--execute",
                database_url=logins["operator"],
            ).returncode
            == 0
        )
    with psycopg.connect(owner) as conn:
        provisional = conn.execute('SELECT company_id FROM customer."年金客户" WHERE is_provisional').fetchone()[0]

    rank = {"reader": 0, "operator": 1, "owner": 2}
    with psycopg.connect(superuser, autocommit=True) as watch:
        # Each run of commands that only read goes side by side: every login must succeed, nothing to watch.
        reads: list[tuple[str, list[str]]] = []
        for index, (argv, least) in enumerate(MATRIX):
            if least == "reader":
                reads += [
                    (
                        who,
                        [
                            a.format(tmp=tmp_path, who=who, provisional=provisional, now=datetime.now(UTC).isoformat())
                            for a in argv
                        ],
                    )
                    for who in ("reader", "operator")
                ]
                if index + 1 < len(MATRIX) and MATRIX[index + 1][1] == "reader":
                    continue
                for who in ("reader", "operator"):
                    batch = [args for w, args in reads if w == who]
                    for args, result in zip(batch, run_cli_all(batch, database_url=logins[who])):
                        assert result.returncode == 0 and "Traceback" not in result.stderr, (who, args, result.stderr)
                reads = []
                continue
            for who in ("reader", "operator"):
                args = [
                    a.format(tmp=tmp_path, who=who, provisional=provisional, now=datetime.now(UTC).isoformat())
                    for a in argv
                ]
                before = table_fingerprint(watch)
                result = run_cli(*args, database_url=logins[who])
                assert "Traceback" not in result.stderr, (who, args, result.stderr)
                if rank[who] >= rank[least]:
                    assert result.returncode == 0, (who, args, result.stderr)
                else:
                    assert result.returncode == 1, (who, args, result.stdout)
                    needed = "wdh_operator" if least == "operator" else "owner"
                    assert needed in result.stderr, (who, args, result.stderr)
                    assert table_fingerprint(watch) == before, (who, args)


def test_readers_on_a_hot_standby(company_server, tmp_path):
    """BI usually reads a streaming replica: every read command works there, read-only."""
    import os
    import subprocess
    import time

    from psycopg.conninfo import conninfo_to_dict

    admin = company_server + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("CREATE ROLE standby_bi LOGIN PASSWORD 'bi'")
        conn.execute("CREATE DATABASE standby_mdm")
    primary = company_server + "/standby_mdm"
    assert run_cli("db", "migrate", database_url=primary).returncode == 0
    for month in ("202501", "202502"):
        path = tmp_path / f"{month}.xlsx"
        write_xlsx(
            path, "规模明细", HEADERS, [perf_row(month), perf_row(month, company="", customer="无号客户", plan="P9")]
        )
        assert (
            run_cli(
                "etl", "--domain", "annuity_performance", "--file", str(path), "--execute", database_url=primary
            ).returncode
            == 0
        )
    with psycopg.connect(primary, autocommit=True) as conn:
        conn.execute("GRANT wdh_reader TO standby_bi")

    info = conninfo_to_dict(primary)
    folder = Path(tempfile.mkdtemp(prefix="wdh-standby-"))
    folder.chmod(0o755)
    data = folder / "data"
    local.give_to_server_user(folder)
    bindir = local.find_bindir()
    env = {**os.environ, "PGPASSWORD": info["password"]}
    port = local.free_port(56200)
    try:
        subprocess.run(
            local.as_server_user(
                [
                    str(bindir / "pg_basebackup"),
                    "-h",
                    info["host"],
                    "-p",
                    str(info["port"]),
                    "-U",
                    info["user"],
                    "-D",
                    str(data),
                    "-R",
                    "-X",
                    "stream",
                    "-c",
                    "fast",
                ]
            ),
            env=env,
            check=True,
            capture_output=True,
        )
        subprocess.run(
            local.as_server_user(
                [str(bindir / "pg_ctl"), "start", "-w", "-D", str(data), "-l", str(folder / "log"), "-o", f"-p {port}"]
            ),
            check=True,
            capture_output=True,
        )
        standby = _url(f"postgresql://x:y@127.0.0.1:{port}", "standby_bi", "bi", "standby_mdm")
        deadline = time.monotonic() + 30
        while True:  # the standby has replayed the grant when the reader can log in
            try:
                with psycopg.connect(standby) as conn:
                    assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        for argv in (
            ["customer-mdm", "status"],
            ["customer-mdm", "status", "--json"],
            ["customer-mdm", "runs"],
            ["customer-mdm", "summary"],
            ["customer-mdm", "identities"],
            ["customer-mdm", "alias", "list"],
            ["etl", "history"],
            ["customer-mdm", "report", "--period", "202502", "--out", str(tmp_path / "r.html")],
            ["customer-mdm", "export", "--period", "202502", "--out", str(tmp_path / "e.xlsx")],
            ["customer-mdm", "history", "--company", "C1"],
            [
                "customer-mdm",
                "explain",
                "--company",
                "C1",
                "--plan",
                "P1",
                "--product-line",
                "PL202",
                "--period",
                "202502",
            ],
            ["customer-mdm", "report", "--company", "C1", "--out", str(tmp_path / "c.html")],
            ["customer-mdm", "restatements", "--period", "202502"],
            [
                "customer-mdm",
                "report",
                "--period",
                "202502",
                "--as-of",
                datetime.now(UTC).isoformat(),
                "--out",
                str(tmp_path / "a.html"),
            ],
        ):
            result = run_cli(*argv, database_url=standby)
            assert result.returncode == 0 and "Traceback" not in result.stderr, (argv, result.stderr)
        check = run_cli("customer-mdm", "status", "--check", database_url=standby)
        assert check.returncode == 1 and check.stdout.startswith("WDH WARNING - the 2025-03 delivery"), check.stdout
        refused = run_cli("customer-mdm", "close", database_url=standby)
        assert refused.returncode == 1 and "Traceback" not in refused.stderr
    finally:
        subprocess.run(
            local.as_server_user([str(bindir / "pg_ctl"), "stop", "-m", "immediate", "-D", str(data)]),
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)
