"""Installing on a server the project did not create, as docs/DBA.md says: a superuser bootstraps
once, then an owner without SUPERUSER or CREATEROLE migrates, over TCP with a password
(scram-sha-256), and logins granted only wdh_operator or wdh_reader do their jobs."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from conftest import run_cli
from test_etl import HEADERS, perf_row
from work_data_hub.db import local
from work_data_hub.sample_data import write_xlsx


@pytest.fixture(scope="module")
def company_server():
    """A server with password authentication, as a company runs it: its superuser's URL."""
    path = Path(tempfile.mkdtemp(prefix="wdh-company-"))
    path.chmod(0o755)
    cluster = local.cluster_here(path)
    try:
        local.initdb(cluster)
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
            False, False)
        assert conn.execute("SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'customer'").fetchone() == (
            "mdm_owner",)
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
