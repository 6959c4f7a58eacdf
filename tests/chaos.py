"""The chaos trial of issue 28, shared by the suite (tests/test_chaos.py, a few faults) and the
DBA's trial (scripts/chaos_trial.py, as many as asked): on a server installed as docs/DBA.md says
(scram logins, a superuser bootstraps, a plain owner migrates from an older level, an operator
login does the work), a script of every writing command is run once cleanly and once with
faults: each command killed (SIGKILL of the CLI), its server sessions terminated, or the server
crashed (immediate stop, then a start: crash recovery), after a random delay (seeded), then run
again as a user would. Both databases must end with the same content, no lock held, no run left
running, no leftover file, and every message a sentence (no traceback)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg
from psycopg import sql

from work_data_hub.db.deploy import migrations_dir
from work_data_hub.sample_data import generate_inbox
from work_data_hub.tooling import local

REPO = Path(__file__).resolve().parents[1]
OLD_LEVEL = "0019_explain_customers"  # `db migrate` starts from here
OWNER, OPERATOR = "chaos_owner", "chaos_operator"
PASSWORDS = {OWNER: "owner pw", OPERATOR: "operator pw"}
FAULTS = ("kill", "terminate", "crash")
START = date(2025, 7, 1)
MONTHS = 6


@dataclass
class Server:
    cluster: local.LocalCluster
    superuser: str  # postgresql://wdh:…@127.0.0.1:PORT (no database)

    def url(self, database: str, login: str | None = None) -> str:
        if login is None:
            return f"{self.superuser}/{database}"
        host = self.superuser.split("@", 1)[1]
        return f"postgresql://{login}:{PASSWORDS[login].replace(' ', '%20')}@{host}/{database}"

    def crash(self) -> None:
        """An immediate stop (no checkpoint: as a power cut leaves the files), then a start."""
        pg_ctl = str(local.find_bindir() / "pg_ctl")
        subprocess.run(
            local.as_server_user([pg_ctl, "stop", "-m", "immediate", "-w", "-D", str(self.cluster.data_dir)]),
            capture_output=True,
            check=False,
        )
        local.start(self.cluster)


def start_server(root: Path, port: int) -> Server:
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    cluster = local.cluster_here(root)
    local.initdb(cluster, local.free_port(port))
    local.start(cluster)
    server = Server(cluster, cluster.url().rsplit("/", 1)[0])
    with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
        for login, password in PASSWORDS.items():
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} NOSUPERUSER NOCREATEROLE NOCREATEDB").format(
                    sql.Identifier(login), sql.Literal(password)
                )
            )
    return server


def stop_server(server: Server) -> None:
    local.stop(server.cluster)
    shutil.rmtree(server.cluster.root.parent, ignore_errors=True)


@dataclass
class Step:
    name: str
    argv: list[str]
    login: str | None  # None: the superuser
    done_when: str = ""  # a rerun that says this has finished the job (e.g. "already merged")


@dataclass
class Outcome:
    step: str
    fault: str | None
    delay: float
    attempts: list[tuple[int, str]] = field(default_factory=list)  # (exit code, stderr) of each run


def steps(inbox: Path, reports: Path, merge: tuple[str, str]) -> list[Step]:
    latest = f"{START.year + (START.month + MONTHS - 2) // 12}{(START.month + MONTHS - 2) % 12 + 1:02d}"
    latest_file = next(p for p in inbox.glob(f"{latest}/**/V1/*.xlsx") if not p.name.startswith("~$"))
    prune = "import os, psycopg; psycopg.connect(os.environ['DATABASE_URL']).execute('SELECT * FROM customer.prune_snapshot_editions(now())').connection.commit()"  # noqa: E501
    return [
        Step("bootstrap", ["db", "bootstrap", "--owner", OWNER], None),
        Step("migrate", ["db", "migrate"], OWNER),
        Step("grant", ["-c", f"GRANT wdh_operator TO {OPERATOR}"], OWNER),
        Step("award", ["etl", "--domain", "annual_award", "--execute"], OPERATOR),
        Step("loss", ["etl", "--domain", "annual_loss", "--execute"], OPERATOR),
        Step("load", ["etl", "--domain", "annuity_performance", "--execute"], OPERATOR),
        Step(
            "merge",
            ["customer-mdm", "merge", "--from", merge[0], "--into", merge[1], "--force"],
            OPERATOR,
            done_when="was already merged into",
        ),  # fmt: skip
        Step("close", ["customer-mdm", "close"], OPERATOR),
        Step(
            "withdraw",
            ["etl", "withdraw", "--domain", "annuity_performance", "--period", latest, "--execute"],
            OPERATOR,
        ),  # fmt: skip
        Step("reload", ["etl", "--domain", "annuity_performance", "--file", str(latest_file), "--execute"], OPERATOR),
        Step("prune", ["-py", prune], OWNER),
        Step("report", ["customer-mdm", "report", "--period", latest, "--out", f"{reports}/"], OPERATOR),
        Step("export", ["customer-mdm", "export", "--period", latest, "--out", f"{reports}/"], OPERATOR),
    ]


def _command(step: Step, url: str) -> list[str]:
    if step.argv[0] == "-c":  # one SQL statement, as a DBA types it
        return [
            sys.executable,
            "-c",
            f"import psycopg; psycopg.connect({url!r}, autocommit=True).execute({step.argv[1]!r})",
        ]
    if step.argv[0] == "-py":
        return [sys.executable, "-c", step.argv[1]]
    return [sys.executable, "-m", "work_data_hub.cli", *step.argv]


def prepare(server: Server, database: str, inbox: Path) -> None:
    """A new database at an older level: created by the DBA, bootstrapped later by the script."""
    with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    if not inbox.exists():
        generate_inbox(inbox, customers=30, months=MONTHS, start=START, seed=28)


def migrate_to_old_level(server: Server, database: str) -> None:
    """The owner's migrations up to OLD_LEVEL, as an earlier release left them (after the bootstrap)."""
    from yoyo import get_backend, read_migrations

    from work_data_hub.db.deploy import apply_migration, yoyo_url

    backend = get_backend(yoyo_url(server.url(database, OWNER)))
    try:
        migrations = read_migrations(str(migrations_dir()))
        wanted = [m for m in migrations if m.id <= OLD_LEVEL]
        with backend.lock():
            for migration in backend.to_apply(migrations.__class__(wanted)):
                apply_migration(server.url(database, OWNER), migration)
    finally:
        backend.connection.close()  # that level's procedures are not at hand: `db migrate` deploys this package's


def run_script(
    server: Server, database: str, inbox: Path, reports: Path, *, rng: random.Random | None, durations: dict
) -> list[Outcome]:
    """Run every step; with `rng`, fault each once at a random moment of its work (from its first
    session, within its clean run's time), then rerun it until it finishes (at most four runs)."""
    outcomes = []
    merge = None
    for step in steps(inbox, reports, ("", "")):
        if step.name == "migrate":
            migrate_to_old_level(server, database)
        if step.name == "merge":
            merge = _merge_pair(server, database)
            step = next(s for s in steps(inbox, reports, merge) if s.name == "merge")
        fault = rng.choice(FAULTS) if rng else None
        delay = rng.uniform(0, 1.1 * durations.get(step.name, 0.5)) if rng else 0.0
        outcome = Outcome(step.name, fault, delay)
        for attempt in range(4):
            code, err, working = _run(server, database, step, inbox, fault if attempt == 0 else None, delay)
            if rng is None:
                durations[step.name] = working  # from its first session to its end
            outcome.attempts.append((code, err))
            if code == 0 or (step.done_when and step.done_when in err):
                break
        outcomes.append(outcome)
    return outcomes


def _merge_pair(server: Server, database: str) -> tuple[str, str]:
    with psycopg.connect(server.url(database)) as conn:
        first = conn.execute('SELECT min(company_id) FROM customer."年金客户"').fetchone()[0]
    return first, "600999999"


def _run(
    server: Server, database: str, step: Step, inbox: Path, fault: str | None, delay: float
) -> tuple[int, str, float]:
    url = server.url(database, step.login)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "PG"))}
    env.update({"DATABASE_URL": url, "WDH_DATA_DIR": str(inbox), "WDH_COMMIT_CHECK_SECONDS": "20"})
    process = subprocess.Popen(
        _command(step, url), cwd=inbox.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    first = _first_session(server, database, process)
    if fault and first is not None:
        try:  # the delay counts from the command's first session: its work, not Python's start-up
            process.wait(delay)
        except subprocess.TimeoutExpired:
            if fault == "kill":
                os.killpg(process.pid, signal.SIGKILL)
            elif fault == "terminate":
                with psycopg.connect(server.url("postgres"), autocommit=True) as admin:
                    admin.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
                        (database,),
                    )
            else:
                server.crash()
    out, err = process.communicate(timeout=300)
    if fault == "crash" and not local.is_running(server.cluster):
        local.start(server.cluster)
    return process.returncode, err, (time.monotonic() - first) if first is not None else 0.0


def _first_session(server: Server, database: str, process: subprocess.Popen) -> float | None:
    """When the command's first session reached the database (monotonic), or None: it ended first."""
    with psycopg.connect(server.url("postgres"), autocommit=True) as admin:
        while process.poll() is None:
            if admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'",
                (database,),
            ).fetchone()[0]:
                return time.monotonic()
            time.sleep(0.005)
    return None


VOLATILE = {"load_ids", "merge_ids", "built_in"}  # ids a killed transaction drew, and transaction ids


def content(server: Server, database: str) -> dict[str, str]:
    """md5 of every product table's rows, without what differs between two equal runs: identity
    ids, timestamps, transaction ids (the run log and the deployment stamp are left out whole)."""
    result = {}
    with psycopg.connect(server.url(database)) as conn:
        tables = conn.execute(
            "SELECT c.oid::regclass::text, string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) "
            "FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace "
            "JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
            "WHERE n.nspname IN ('mapping', 'business', 'customer') AND c.relkind = 'r' "
            "  AND c.relname NOT IN ('mdm_run_log', 'mdm_deployment') AND a.attidentity = '' "
            "  AND a.atttypid NOT IN ('timestamptz'::regtype, 'timestamp'::regtype, 'xid8'::regtype) "
            "  AND NOT a.attname = ANY (%s) "
            "GROUP BY 1 ORDER BY 1",
            (list(VOLATILE),),
        ).fetchall()
        for table, columns in tables:
            result[table] = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) "
                f"FROM (SELECT {columns} FROM {table}) AS r"
            ).fetchone()
    return result


def leftovers(server: Server, database: str, reports: Path) -> list[str]:
    """What must not be left: locks, yoyo's lock row, runs marked running, partial files."""
    found = []
    with psycopg.connect(server.url(database)) as conn:
        locks = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()"
        ).fetchone()[0]
        if locks:
            found.append(f"{locks} advisory lock(s) held")
        if conn.execute("SELECT count(*) FROM public.yoyo_lock").fetchone()[0]:
            found.append("a yoyo_lock row")
        running = conn.execute("SELECT last_run_status, deployment_problem FROM customer.mdm_status()").fetchone()
        if running[0] == "running" or running[1]:
            found.append(f"status: {running}")
    found += [p.name for p in reports.glob(".*.partial")] if reports.exists() else []
    return found
