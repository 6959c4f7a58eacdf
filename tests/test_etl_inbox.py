"""The inbox and the load ledger: the seed's `etl --domain D --execute` reads the deliveries as the
business files them, loads only new or changed files, and records every load."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import psycopg
import pytest

from files import HEADERS, deliver, perf_row
from helpers import REPO, run_cli
from source import table_fingerprint
from work_data_hub.sample_data import generate_inbox, settled, write_xlsx

SEED = ("etl", "--domain", "annuity_performance", "--execute")


@pytest.fixture
def project(tmp_path, db_url) -> Path:
    """A folder holding .wdh_env and data/inbox, as `db init` and the business leave it."""
    (tmp_path / ".wdh_env").write_text(f"DATABASE_URL={db_url}\n", encoding="utf-8")
    (tmp_path / "data" / "inbox").mkdir(parents=True)
    return tmp_path


def cli(project: Path, *args: str):
    return run_cli(*args, cwd=project)


def loads(conn) -> list[tuple]:
    return conn.execute(
        "SELECT domain, months, rows_loaded, rows_replaced, path FROM business.etl_load_log ORDER BY load_id"
    ).fetchall()


def test_seed_command_loads_every_month_once_with_hooks_once(project, conn):
    inbox = project / "data" / "inbox"
    for month in ("202501", "202502", "202503"):
        deliver(inbox, month, [perf_row(month), perf_row(month, company="C2", plan="P2")])
    result = cli(project, *SEED)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("new ") == 3 and out.count("✓ Loaded 2 rows") == 3
    assert out.count("Post-ETL hooks:") == 1
    assert "✓ monthly_close: sync: 3 period(s) 202501–202503" in out
    assert [(m, n) for _, m, n, _, _ in loads(conn)] == [
        ([m], 2) for m in (date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1))
    ]
    assert conn.execute("SELECT count(DISTINCT snapshot_month) FROM customer.fct_customer_plan_monthly").fetchone() == (
        3,
    )

    # A second run over the unchanged inbox changes nothing.
    before = table_fingerprint(conn)
    again = cli(project, *SEED)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("  loaded ") == 3 and "Nothing new to load" in again.stdout
    assert "Post-ETL hooks" not in again.stdout
    assert table_fingerprint(conn) == before

    # A corrected February arrives as V2: that month only is reloaded, and history replays.
    deliver(inbox, "202502", [perf_row("202502", aum=0), perf_row("202502", company="C2", plan="P2")], version="V2")
    third = cli(project, *SEED)
    assert third.returncode == 0, third.stderr
    assert "202502  changed" in third.stdout and third.stdout.count("✓ Loaded") == 1
    assert "superseded by version V2" in third.stdout
    last = loads(conn)[-1]
    assert last[1] == [date(2025, 2, 1)] and last[3] == 2 and "/V2/" in last[4]
    assert conn.execute(
        "SELECT contract_status FROM customer.fct_customer_plan_monthly "
        "WHERE snapshot_month = '2025-02-28' AND company_id = 'C1'"
    ).fetchone() == ("停缴",)


def test_preview_lists_every_file_with_its_state_and_writes_nothing(project, conn):
    inbox = project / "data" / "inbox"
    deliver(inbox, "202501", [perf_row("202501")])
    assert cli(project, *SEED).returncode == 0
    deliver(inbox, "202502", [perf_row("202502")])
    deliver(inbox, "202501", [perf_row("202501", aum=7)], version="V2")
    before = table_fingerprint(conn)
    result = cli(project, "etl", "--domain", "annuity_performance")
    assert result.returncode == 0, result.stderr
    assert "202501  changed" in result.stdout and "202502  new" in result.stdout
    assert "2025-01: insert 1 rows, delete 1 rows" in result.stdout
    assert "2025-02: insert 1 rows, delete 0 rows" in result.stdout
    assert "Preview only" in result.stdout
    assert table_fingerprint(conn) == before


def test_force_reloads_and_period_restricts(project, conn):
    inbox = project / "data" / "inbox"
    for month in ("202501", "202502"):
        deliver(inbox, month, [perf_row(month)])
    assert cli(project, *SEED).returncode == 0
    result = cli(project, *SEED, "--force", "--period", "202502")
    assert result.returncode == 0, result.stderr
    assert "202501" not in result.stdout.split("Post-ETL")[0].replace("2025-01", "")
    assert result.stdout.count("✓ Loaded 1 rows") == 1 and "replaced 1 rows of 2025-02" in result.stdout
    assert len(loads(conn)) == 3


def test_lock_files_replies_hidden_files_and_loose_files_are_not_candidates(project, conn):
    inbox = project / "data" / "inbox"
    real = deliver(inbox, "202501", [perf_row("202501")])
    (real.parent / f"~${real.name}").write_bytes(b"\x00lock")
    deliver(inbox, "202501", [perf_row("202501", aum=1)], name="2025年1月规模及收入数据(回复).xlsx")
    deliver(inbox, "202501", [perf_row("202501", aum=2)], name=".2025年1月规模明细.xlsx")
    write_xlsx(inbox / "规模明细_loose.xlsx", "规模明细", HEADERS, [perf_row("202503")])
    result = cli(project, *SEED)
    assert result.returncode == 0, result.stderr
    assert "1 file(s)" in result.stdout and "not in a month folder" in result.stdout
    assert conn.execute('SELECT "期末资产规模" FROM business."规模明细"').fetchall() == [(100,)]


def test_two_candidates_for_one_month_are_refused_naming_both(project, conn):
    inbox = project / "data" / "inbox"
    deliver(inbox, "202501", [perf_row("202501")])
    deliver(inbox, "202501", [perf_row("202501")], name="2025年1月规模明细.xlsx")
    before = table_fingerprint(conn)
    result = cli(project, *SEED)
    assert result.returncode == 1
    assert "Two annuity_performance files for 2025-01" in result.stderr
    assert "2025年1月规模及收入数据.xlsx" in result.stderr and "2025年1月规模明细.xlsx" in result.stderr
    assert "--file" in result.stderr and "Traceback" not in result.stderr
    assert table_fingerprint(conn) == before


def test_missing_or_empty_inbox_says_where_it_looked(project, conn, tmp_path):
    result = cli(project, "etl", "--domain", "annual_award", "--execute")
    assert result.returncode == 1 and "No annual_award delivery in" in result.stderr
    elsewhere = tmp_path / "nowhere"
    (project / ".wdh_env").write_text((project / ".wdh_env").read_text() + f"WDH_DATA_DIR={elsewhere}\n")
    result = cli(project, *SEED)
    assert result.returncode == 1 and f"The inbox {elsewhere} does not exist" in result.stderr
    assert "WDH_DATA_DIR" in result.stderr


def test_env_file_and_data_dir_found_from_a_parent_folder(project, conn):
    (project / ".wdh_env").write_text((project / ".wdh_env").read_text() + "WDH_DATA_DIR=deliveries\n")
    deliver(project / "deliveries", "202501", [perf_row("202501")])
    sub = project / "work" / "today"
    sub.mkdir(parents=True)
    result = cli(sub, *SEED)
    assert result.returncode == 0, result.stderr
    assert f"deliveries in {project / 'deliveries'}" in result.stdout
    assert conn.execute('SELECT count(*) FROM business."规模明细"').fetchone() == (1,)


def test_history_lists_the_ledger(project, conn):
    inbox = project / "data" / "inbox"
    deliver(inbox, "202501", [perf_row("202501"), perf_row("202501", company="C2")])
    assert cli(project, *SEED).returncode == 0
    result = cli(project, "etl", "history", "--json")
    assert result.returncode == 0, result.stderr
    [entry] = json.loads(result.stdout)
    assert entry["domain"] == "annuity_performance" and entry["months"] == ["2025-01-01"]
    assert entry["rows_loaded"] == 2 and entry["rows_replaced"] == 0 and len(entry["sha256"]) == 64
    assert entry["path"].endswith("2025年1月规模及收入数据.xlsx") and entry["loaded_by"]
    table = cli(project, "etl", "history", "--domain", "annual_award")
    assert table.returncode == 0 and "No loads recorded yet" in table.stdout


def test_sample_inbox_loads_like_the_quickstart(project, conn):
    inbox = project / "data" / "inbox"
    written = generate_inbox(inbox, customers=15, months=3, start=date(2025, 11, 1), seed=3)
    assert any("/V2/" in name for name in written) and any("台账登记" in name for name in written)
    registered = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "generate_sample_data.py"), "--register-branches"],
        cwd=project,  # DATABASE_URL from its .wdh_env
        env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        capture_output=True,
        text=True,
    )
    assert registered.returncode == 0, registered.stderr
    for domain in ("annual_award", "annual_loss", "annuity_performance"):
        result = cli(project, "etl", "--domain", domain, "--execute")
        assert result.returncode == 0, result.stderr
        # The happy path warns of nothing: the sample's branches are in its mapping.
        assert "not in mapping.组织架构" not in result.stdout, result.stdout
        assert "⚠" not in result.stdout, result.stdout
    v2 = next(n for name, n in written.items() if "/V2/" in name)
    corrected = conn.execute('SELECT count(*) FROM business."规模明细" WHERE "月度" = \'2025-12-01\'').fetchone()[0]
    assert corrected == v2
    awards = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE \"业务类型\" IN ('企年受托', '企年投资', "
        "'职年受托', '职年投资', '其他')), count(*) FILTER (WHERE \"上报客户名称\" IS NULL) "
        'FROM customer."当年中标"'
    ).fetchone()
    assert awards[0] == awards[1] and awards[2] == 0
    assert conn.execute("SELECT count(DISTINCT snapshot_month) FROM customer.fct_customer_plan_monthly").fetchone() == (
        3,
    )
    with psycopg.connect(conn.info.dsn) as other:
        assert other.execute("SELECT count(*) FROM business.etl_load_log").fetchone() == (5,)


def test_a_refused_file_stops_the_run_after_the_committed_ones(project, conn):
    inbox = project / "data" / "inbox"
    deliver(inbox, "202501", [perf_row("202501")])
    deliver(inbox, "202502", [perf_row("202502"), perf_row("202503")])  # a stray row of another month
    deliver(inbox, "202503", [perf_row("202503")])
    result = cli(project, *SEED)
    assert result.returncode == 1
    assert "1 row(s) are not of 2025-02 (its month folder)" in result.stderr
    assert "nothing of this file was loaded. Committed before it: 1 file(s)" in result.stderr
    assert "✓ monthly_close: sync: 1 period(s) 202501" in result.stdout  # the hooks ran for what was committed
    assert conn.execute('SELECT DISTINCT "月度" FROM business."规模明细"').fetchall() == [(date(2025, 1, 1),)]
    assert [m for _, m, *_ in loads(conn)] == [[date(2025, 1, 1)]]


def test_a_file_correction_is_kept_and_a_restored_ledger_reloads(project, conn):
    inbox = project / "data" / "inbox"
    deliver(inbox, "202501", [perf_row("202501"), perf_row("202501", company="C2")])
    assert cli(project, *SEED).returncode == 0
    fixed = project / "fixed.xlsx"
    write_xlsx(fixed, "规模明细", HEADERS, [perf_row("202501")])
    assert cli(project, "etl", "--domain", "annuity_performance", "--file", str(fixed), "--execute").returncode == 0
    again = cli(project, *SEED)
    assert again.returncode == 0 and "202501  kept" in again.stdout and "--force reloads this file" in again.stdout
    assert conn.execute('SELECT count(*) FROM business."规模明细"').fetchone() == (1,)  # the correction stays

    from files import ledger_book

    book = inbox / "202501" / "收集数据" / "台账登记.xlsx"
    rows = [
        ["202501", "受托", "甲", "P1", "C1", "", "2025-01-10", "", "是"],
        ["202501", "受托", "乙", "P2", "C2", "", "2025-01-11", "", "是"],
    ]
    ledger_book(book, {"企年受托中标(空白)": rows})
    original = book.read_bytes()
    assert cli(project, "etl", "--domain", "annual_award", "--execute").returncode == 0
    ledger_book(book, {"企年受托中标(空白)": rows[:1]})  # edited in place
    assert cli(project, "etl", "--domain", "annual_award", "--execute").returncode == 0
    book.write_bytes(original)  # and restored
    settled(book.parent)
    restored = cli(project, "etl", "--domain", "annual_award", "--execute")
    assert "changed" in restored.stdout and "✓ Loaded 2 rows" in restored.stdout
    assert conn.execute('SELECT count(*) FROM customer."当年中标"').fetchone() == (2,)


def test_only_the_newest_ledger_workbook_is_a_candidate_and_odd_folder_names_are_understood(project, conn):
    from files import ledger_book

    inbox = project / "data" / "inbox"
    row = ["202501", "受托", "甲", "P1", "C1", "", "2025-01-10", "", "是"]
    ledger_book(inbox / "202501" / "台账登记.xlsx", {"企年受托中标(空白)": [row]})
    ledger_book(inbox / "202502" / "台账登记.xlsx", {"企年受托中标(空白)": [row, ["202502"] + row[1:]]})
    result = cli(project, "etl", "--domain", "annual_award", "--execute")
    assert result.returncode == 0 and "superseded by the newer ledger delivery 202502/台账登记.xlsx" in result.stdout
    assert result.stdout.count("✓ Loaded") == 1
    deliver(inbox, "202501", [perf_row("202501")])
    deliver(inbox, "202501", [perf_row("202501", aum=5)], version="V2(更正)")
    deliver(inbox, "2025年2月", [perf_row("202502")], name="2025年2月规模及收入数据.xlsx")
    out = cli(project, *SEED)
    assert out.returncode == 0, out.stderr
    assert "superseded by version V2" in out.stdout and "202502  new" in out.stdout
    assert conn.execute('SELECT "月度", "期末资产规模" FROM business."规模明细" ORDER BY 1').fetchall() == [
        (date(2025, 1, 1), 5),
        (date(2025, 2, 1), 100),
    ]


def test_an_interrupted_close_is_finished_by_the_next_run(project, conn):
    deliver(project / "data" / "inbox", "202501", [perf_row("202501")])
    assert cli(project, *SEED, "--no-post-hooks").returncode == 0
    again = cli(project, *SEED)
    assert "Nothing new to load" in again.stdout and "running the post-ETL hooks" in again.stdout
    assert "✓ monthly_close: sync: 1 period(s) 202501" in again.stdout
    assert "Post-ETL hooks" not in cli(project, *SEED).stdout  # now nothing is behind


def test_a_month_deleted_by_hand_is_loaded_again_from_the_inbox(project, conn):
    inbox = project / "data" / "inbox"
    for month in ("202501", "202502", "202503"):
        deliver(inbox, month, [perf_row(month)])
    assert cli(project, *SEED).returncode == 0
    conn.execute('DELETE FROM business."规模明细" WHERE "月度" = \'2025-02-01\'')
    result = cli(project, *SEED)
    assert result.returncode == 0, result.stderr
    assert "202502  missing" in result.stdout and "its rows were deleted since" in result.stdout
    assert conn.execute('SELECT count(*) FROM business."规模明细"').fetchone() == (3,)
    assert "✓ monthly_close: sync" in result.stdout


class _Heard:
    """The events a run reports, as (kind, file name) pairs."""

    def __init__(self):
        self.heard = []

    def listed(self, job, state):
        self.heard.append((f"listed {state.state.value}", job.path.name))

    def unreadable(self, job, error):
        self.heard.append(("unreadable", job.path.name))

    def loaded(self, job, outcome):
        self.heard.append(("loaded" if outcome.result else "planned", job.path.name))

    def rejected(self, job, error):
        self.heard.append(("rejected", job.path.name))


def test_a_run_over_the_inbox_is_one_service_call_that_reports_and_stops_where_the_cli_says(db_url, conn, tmp_path):
    """etl.service.load_inbox: a preview goes past a refused file and names it; an execute stops at
    it (LoadStopped) with the loads committed before it, which are in the database and the rest not."""
    from work_data_hub.db.connect import connect
    from work_data_hub.etl.domains import DOMAINS
    from work_data_hub.etl.inbox import discover
    from work_data_hub.etl.service import Job, LoadOptions, LoadStopped, load_inbox

    spec = DOMAINS["annuity_performance"]
    deliver(tmp_path, "202501", [perf_row("202501", company=f"C{i}") for i in range(3)])
    bad = deliver(tmp_path, "202502", [perf_row("202501", company="C1")])  # rows of another month
    jobs = [Job(c.path, c) for c in discover(tmp_path, spec).candidates]
    before = table_fingerprint(conn)
    with connect(db_url) as c:
        events = _Heard()
        run = load_inbox(c, spec, jobs, LoadOptions(), events)
    assert [kind for kind, _ in events.heard] == ["listed new", "listed new", "planned", "rejected"]
    assert run.results == [] and [p for p, _ in run.rejected] == [bad]
    assert table_fingerprint(conn) == before
    with connect(db_url) as c, pytest.raises(LoadStopped) as stopped:
        load_inbox(c, spec, jobs, LoadOptions(execute=True), _Heard())
    assert stopped.value.path == bad and not stopped.value.interrupted
    assert [r.months for r in stopped.value.run.results] == [[date(2025, 1, 1)]]
    assert conn.execute('SELECT count(*), min("月度"), max("月度") FROM business."规模明细"').fetchone() == (
        3,
        date(2025, 1, 1),
        date(2025, 1, 1),
    )


def test_the_readme_commands_find_the_inbox_reports_and_cluster_from_a_subfolder(db_url, tmp_path):
    """Run from src/ of a clone (no .wdh_env yet: DATABASE_URL in the environment), the inbox,
    reports/ and .wdh/ are the clone's, as .wdh_env is found from there."""
    from work_data_hub.tooling import local

    clone = tmp_path / "clone"
    (clone / "src").mkdir(parents=True)
    (clone / "pyproject.toml").write_text('[project]\nname = "work-data-hub"\n', encoding="utf-8")
    deliver(clone / "data" / "inbox", "202501", [perf_row("202501")])
    src = clone / "src"
    loaded = run_cli(*SEED, cwd=src, database_url=db_url)
    assert loaded.returncode == 0, loaded.stderr
    assert f"deliveries in {clone / 'data' / 'inbox'}: 1 file(s)" in loaded.stdout
    report = run_cli("customer-mdm", "report", "--period", "202501", cwd=src, database_url=db_url)
    assert report.returncode == 0, report.stderr
    assert report.stdout.strip() == str(clone / "reports" / "customer_mdm_202501.html")
    assert local.cluster_here(src).root == clone / ".wdh"
    status = run_cli("db", "status", cwd=src, database_url=db_url)
    assert status.returncode == 0 and str(clone / ".wdh") in status.stdout + status.stderr
