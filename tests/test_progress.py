"""Progress of long work: the database reports a month at a time only when the session asks
(wdh.progress), and the CLI shows it on stderr (a line a step when not a terminal), never for one
step, never with --quiet."""

from __future__ import annotations

import psycopg

from files import deliver, perf_row
from helpers import run_cli
from source import add_row


def _three_months(conn) -> None:
    for when in ("2025-01", "2025-02", "2025-03"):
        add_row(conn, when, "C1", "P1", aum=100, contribution=5)


def test_the_database_reports_progress_only_when_the_session_asks(db_url, conn):
    _three_months(conn)
    heard: list[str] = []
    with psycopg.connect(db_url) as dba:
        dba.add_notice_handler(lambda diag: heard.append(diag.message_primary))
        dba.execute("SELECT * FROM customer.run_monthly_close(p_dry_run => true)").fetchall()
        assert [n for n in heard if n.startswith("wdh-progress")] == []  # a DBA's plain SELECT stays silent
        dba.execute("SET wdh.progress = 'on'")
        dba.execute("SELECT * FROM customer.run_monthly_close(p_dry_run => true)").fetchall()
    steps = [n for n in heard if n.startswith("wdh-progress")]
    assert steps[0] == 'wdh-progress {"step" : "sync", "done" : 1, "total" : 3, "month" : "2025-01-01"}'
    assert len(steps) == 6  # three months synced, three snapshots built


def test_a_close_of_several_months_shows_a_line_a_month_and_quiet_shows_none(db_url, conn):
    _three_months(conn)
    quiet = run_cli("customer-mdm", "close", "--dry-run", "--quiet", database_url=db_url)
    assert quiet.returncode == 0 and "…" not in quiet.stderr
    shown = run_cli("customer-mdm", "close", database_url=db_url)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stderr.splitlines()
    assert lines[:3] == [f"… contract history {i}/3: 2025-0{i}" for i in (1, 2, 3)]
    assert lines[3:] == [f"… snapshots {i}/3: 2025-0{i}" for i in (1, 2, 3)]
    assert "…" not in shown.stdout  # stdout stays the command's answer
    add_row(conn, "2025-04", "C1", "P1", aum=100, contribution=5)
    routine = run_cli("customer-mdm", "close", database_url=db_url)  # one month: nothing to follow
    assert routine.returncode == 0 and routine.stderr == ""


def test_an_inbox_run_of_several_files_and_a_large_months_report_show_their_steps(db_url, tmp_path, monkeypatch):
    (tmp_path / ".wdh_env").write_text(f"DATABASE_URL={db_url}\n", encoding="utf-8")
    (tmp_path / ".wdh_env").chmod(0o600)
    inbox = tmp_path / "data" / "inbox"
    for month in ("202501", "202502"):
        deliver(inbox, month, [perf_row(month)])
    loaded = run_cli("etl", "--domain", "annuity_performance", "--execute", cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    assert "… files 1/2: 2025年1月规模及收入数据.xlsx" in loaded.stderr
    assert "… files 2/2: 2025年2月规模及收入数据.xlsx" in loaded.stderr
    assert "… contract history 1/2: 2025-01" in loaded.stderr  # the hooks' close
    from work_data_hub.customer_mdm import report

    monkeypatch.setattr(report, "LARGE_MONTH", 1)  # one contract counts as large here
    written = run_cli("customer-mdm", "report", "--period", "202502", "--out", str(tmp_path), cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    assert "… report 1/6: changes" in written.stderr and "… report 6/6: restatements" in written.stderr
    exported = run_cli("customer-mdm", "export", "--period", "202502", "--out", str(tmp_path), "-q", cwd=tmp_path)
    assert exported.returncode == 0 and exported.stderr == ""
