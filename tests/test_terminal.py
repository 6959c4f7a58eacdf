"""Any terminal: every listing fits 80 columns (leaving out its least important columns, and
saying so; --wide shows them all), and a locale that cannot encode Chinese (LANG=C) degrades the
output instead of ending in a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg
import pytest
from rich.cells import cell_len

from helpers import REPO, run_cli


def _listings(sample_url) -> list[list[str]]:
    with psycopg.connect(sample_url) as conn:
        company = conn.execute(
            "SELECT company_id FROM customer.customer_plan_contract GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        ).fetchone()[0]
    return [
        ["customer-mdm", "summary"],
        ["customer-mdm", "runs"],
        ["customer-mdm", "status"],
        ["customer-mdm", "identities"],
        ["customer-mdm", "alias", "list"],
        ["customer-mdm", "history", "--company", company],
        ["customer-mdm", "restatements", "--period", "202603"],
        ["etl", "history"],
    ]


def test_every_listing_fits_80_columns_and_wide_shows_every_column(sample_url):
    for args in _listings(sample_url):
        narrow = run_cli(*args, database_url=sample_url, env={"COLUMNS": "80"})
        assert narrow.returncode == 0, (args, narrow.stderr)
        too_wide = [line for line in narrow.stdout.splitlines() if cell_len(line) > 80]
        assert too_wide == [], (args, too_wide)
        if args in (["customer-mdm", "runs"], ["etl", "history"]):  # too wide for 80: columns go, words stay whole
            assert "left out to fit 80 columns" in " ".join(narrow.stdout.split()), narrow.stdout
            assert ("Function" if args[-1] == "runs" else "Domain") in narrow.stdout, narrow.stdout
        if args[-1] == "status":  # lines of text, wrapped: no columns to leave out
            continue
        wide = run_cli(*args, "--wide", database_url=sample_url, env={"COLUMNS": "80"})
        assert wide.returncode == 0, (args, wide.stderr)
        assert "left out to fit" not in wide.stdout
        said = " ".join(narrow.stdout.split())
        if "left out to fit" in said:  # what was left out is named, and --wide shows it
            named = said.split("left out to fit 80 columns: ")[1].split(";")[0].split(", ")
            assert all(header in wide.stdout for header in named), (args, named)


@pytest.mark.parametrize("args", [["customer-mdm", "summary"], ["customer-mdm", "status"], ["etl", "history"]])
def test_a_locale_without_utf8_degrades_without_a_traceback(sample_url, args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHONUTF8", "PYTHONIOENC"))}
    env |= {"LANG": "C", "LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0", "DATABASE_URL": sample_url}
    result = subprocess.run(
        [sys.executable, "-m", "work_data_hub.cli", *args], cwd=REPO, env=env, capture_output=True, timeout=120
    )
    assert result.returncode == 0, result.stderr.decode("ascii", "replace")
    assert b"Traceback" not in result.stderr and b"UnicodeEncodeError" not in result.stderr
    assert all(byte < 128 for byte in result.stdout), "the output is ASCII"
    assert result.stdout.strip()


def _c_locale(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHONUTF8", "PYTHONIOENC"))}
    return env | {"LANG": "C", "LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0", "DATABASE_URL": url}


def test_under_lang_c_json_loses_nothing_and_the_inbox_reads_chinese_names(sample_url, db_url, tmp_path):
    import json

    from files import deliver, perf_row

    cli = [sys.executable, "-m", "work_data_hub.cli"]
    summary = subprocess.run(
        [*cli, "customer-mdm", "summary", "--json"],
        cwd=REPO,
        env=_c_locale(sample_url),
        capture_output=True,
        timeout=120,
    )
    assert summary.returncode == 0 and all(byte < 128 for byte in summary.stdout)
    names = {r["product_line_name"] for r in json.loads(summary.stdout)}
    assert "企年受托" in names  # escaped as \uXXXX, not replaced by '?'
    deliver(tmp_path / "inbox", "202501", [perf_row("202501")])
    preview = subprocess.run(
        [*cli, "etl", "--domain", "annuity_performance"],
        cwd=tmp_path,
        env=_c_locale(db_url) | {"WDH_DATA_DIR": str(tmp_path / "inbox")},
        capture_output=True,
        timeout=120,
    )
    assert preview.returncode == 0, preview.stderr.decode("ascii", "replace")
    assert b"new      202501/" in preview.stdout and b"not UTF-8" not in preview.stdout + preview.stderr
