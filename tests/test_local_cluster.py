"""`db init`, `db start`, `db stop`, `db status` on a real local cluster in a scratch folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import psycopg
import pytest

from helpers import run_cli
from work_data_hub.db.settings import read_env_file
from work_data_hub.tooling import local


@pytest.fixture
def project_dir():
    """A folder the postgres OS user can traverse (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="wdh-project-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        cluster = local.cluster_here(path)
        if cluster.exists():
            local.stop(cluster)
        shutil.rmtree(path, ignore_errors=True)


def test_init_creates_migrates_and_is_repeatable(project_dir):
    first = run_cli("db", "init", cwd=project_dir)
    assert first.returncode == 0, first.stderr
    assert "Created a PostgreSQL cluster" in first.stdout
    assert "Applied " in first.stdout and "migration(s)" in first.stdout
    url = read_env_file(project_dir / ".wdh_env")["DATABASE_URL"]
    password = local.cluster_here(project_dir).config()["password"]
    assert password not in first.stdout + first.stderr
    with psycopg.connect(url) as conn:
        assert conn.execute('SELECT count(*) FROM mapping."产品线"').fetchone() == (12,)
    # Only the server's folder goes to the server's OS user: .wdh/ and the password stay the caller's.
    state = project_dir / ".wdh"
    (state / "uv").mkdir()  # where the quickstart installs the uv the caller then runs
    server_owned = {p.relative_to(state).parts[0] for p in state.rglob("*") if p.stat().st_uid != os.geteuid()}
    assert server_owned <= {"server"}
    assert state.stat().st_uid == (state / "cluster.json").stat().st_uid == os.geteuid()
    assert local.cluster_here(project_dir).data_dir == state / "server" / "pgdata"

    again = run_cli("db", "init", cwd=project_dir)
    assert again.returncode == 0, again.stderr
    assert "already exists" in again.stdout
    assert "already running" in again.stdout
    assert "No migrations to apply" in again.stdout
    assert (state / "uv").stat().st_uid == os.geteuid()

    migrate = run_cli("db", "migrate", cwd=project_dir)
    assert "No migrations to apply" in migrate.stdout

    status = run_cli("db", "status", cwd=project_dir)
    assert "running" in status.stdout and "Pending migrations: 0" in status.stdout

    stopped = run_cli("db", "stop", cwd=project_dir)
    assert stopped.returncode == 0 and "Stopped" in stopped.stdout
    unreachable = run_cli("db", "migrate", cwd=project_dir)
    assert unreachable.returncode == 1
    assert "Cannot connect" in unreachable.stderr and "db start" in unreachable.stderr
    assert password not in unreachable.stderr

    started = run_cli("db", "start", cwd=project_dir)
    assert started.returncode == 0 and "Started" in started.stdout
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_init_keeps_an_existing_env_file(project_dir):
    (project_dir / ".wdh_env").write_text("DATABASE_URL=postgresql://elsewhere/db\n", encoding="utf-8")
    result = run_cli("db", "init", cwd=project_dir)
    assert result.returncode == 0, result.stderr
    assert "left unchanged" in result.stdout
    assert read_env_file(project_dir / ".wdh_env")["DATABASE_URL"] == "postgresql://elsewhere/db"


def test_start_without_a_cluster(project_dir):
    result = run_cli("db", "start", cwd=project_dir)
    assert result.returncode == 1
    assert "No local cluster" in result.stderr and "db init" in result.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the cluster to the postgres user")
def test_init_in_a_folder_the_server_user_cannot_reach():
    private = Path(tempfile.mkdtemp(prefix="wdh-private-"))  # 0700, owned by root
    cluster = local.cluster_here(private)
    try:
        result = run_cli("db", "init", cwd=private)
        assert result.returncode == 0, result.stderr
        assert "cannot traverse this folder" in result.stdout
        assert not str(cluster.data_dir).startswith(str(private))
        url = read_env_file(private / ".wdh_env")["DATABASE_URL"]
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT count(*) FROM customer.mdm_settings").fetchone() == (1,)
        assert run_cli("db", "stop", cwd=private).returncode == 0
    finally:
        home = cluster.data_dir.parent if cluster.config_file.is_file() else None
        shutil.rmtree(private, ignore_errors=True)
        if home and home != cluster.root:
            shutil.rmtree(home, ignore_errors=True)


def test_a_server_older_than_its_binaries_is_restarted(project_dir):
    """An apt upgrade under a running server leaves it unable to load plpgsql.so; db start and db init
    notice that the binaries' version differs from the server's and restart it; db status only says so."""
    assert run_cli("db", "init", cwd=project_dir).returncode == 0
    bindir = local.find_bindir()
    upgraded = project_dir / "upgraded-bin"
    upgraded.mkdir()
    for name in ("initdb", "postgres", "pg_config"):
        (upgraded / name).symlink_to(bindir / name)
    pg_ctl = upgraded / "pg_ctl"
    pg_ctl.write_text(
        f'#!/bin/sh\n[ "$1" = "--version" ] && echo "pg_ctl (PostgreSQL) 99.1" && exit 0\n'
        f'exec {bindir / "pg_ctl"} "$@"\n',
        encoding="utf-8",
    )
    pg_ctl.chmod(0o755)
    upgrade = {"WDH_PG_BINDIR": str(upgraded)}
    cluster = local.cluster_here(project_dir)
    pid_before = (cluster.data_dir / "postmaster.pid").read_text().split()[0]
    status = run_cli("db", "status", cwd=project_dir, env=upgrade)
    assert status.returncode == 0 and "older than the binaries on disk (99.1): `db start` restarts it" in status.stdout
    assert (cluster.data_dir / "postmaster.pid").read_text().split()[0] == pid_before  # status reads only
    for command in (["db", "start"], ["db", "init"]):
        result = run_cli(*command, cwd=project_dir, env=upgrade)
        assert result.returncode == 0, result.stderr
        assert f"Local server restarted: it ran PostgreSQL {local.binaries_version()}" in result.stdout, result.stdout
        assert "the binaries are now 99.1" in result.stdout
    assert (cluster.data_dir / "postmaster.pid").read_text().split()[0] != pid_before
    same = run_cli("db", "start", cwd=project_dir)
    assert same.returncode == 0 and "already running" in same.stdout


def test_db_commands_find_the_project_cluster_from_a_subfolder(project_dir):
    assert run_cli("db", "init", cwd=project_dir).returncode == 0
    sub = project_dir / "reports" / "2026"
    sub.mkdir(parents=True)
    status = run_cli("db", "status", cwd=sub)
    assert status.returncode == 0 and f"Local cluster: {local.cluster_here(project_dir).data_dir}" in status.stdout
    init = run_cli("db", "init", cwd=sub)
    assert init.returncode == 0 and "Using the project's local cluster" in init.stdout
    assert not (sub / ".wdh").exists() and not (sub / ".wdh_env").exists()
    assert "Stopped the local server" in run_cli("db", "stop", cwd=sub).stdout


def test_the_cluster_keeps_its_port_and_refuses_a_taken_one(project_dir):
    import socket

    port = local.free_port(56100)
    first = run_cli("db", "init", "--port", str(port), cwd=project_dir)
    assert first.returncode == 0, first.stderr
    assert f"port {port}" in first.stdout
    assert run_cli("db", "stop", cwd=project_dir).returncode == 0
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:  # another clone's server, say
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        taken = run_cli("db", "start", cwd=project_dir)
        assert taken.returncode == 1 and "Traceback" not in taken.stderr
        assert f"its port {port} is taken by another process" in taken.stderr and "db stop" in taken.stderr
        other = tempfile.mkdtemp(prefix="wdh-project-")
        try:
            busy = run_cli("db", "init", "--port", str(port), cwd=Path(other))
            assert busy.returncode == 1 and f"Port {port} is taken" in busy.stderr
        finally:
            shutil.rmtree(other, ignore_errors=True)
    assert run_cli("db", "start", cwd=project_dir).returncode == 0
