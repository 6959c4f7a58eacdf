"""DATABASE_URL resolution, its errors, password masking, and the CLI's top level."""

from __future__ import annotations

import re

import pytest

from helpers import run_cli
from work_data_hub.db.settings import database_url, mask_url, read_env_file
from work_data_hub.errors import ConfigError


def test_help_lists_command_groups(tmp_path):
    result = run_cli("--help", cwd=tmp_path)
    assert result.returncode == 0
    listed = re.findall(r"^\W*([a-z][a-z-]*)\s{2,}\S", result.stdout.split("Commands")[1], re.M)
    assert {"db", "etl", "customer-mdm"} <= set(listed), result.stdout


@pytest.mark.parametrize("command", [["db", "migrate"], ["db", "status"]])
def test_missing_database_url(tmp_path, command):
    result = run_cli(*command, cwd=tmp_path)
    assert result.returncode == 1
    assert "DATABASE_URL not found" in result.stderr
    assert ".wdh_env" in result.stderr
    assert "Traceback" not in result.stderr


def test_env_file_is_read(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (tmp_path / ".wdh_env").write_text(
        "# local database\nexport DATABASE_URL='postgresql://u:p@h:1/db'\nOTHER=1\n", encoding="utf-8"
    )
    assert database_url(tmp_path) == "postgresql://u:p@h:1/db"


def test_environment_wins_over_env_file(tmp_path, monkeypatch):
    (tmp_path / ".wdh_env").write_text("DATABASE_URL=postgresql://file/db\n", encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", "postgresql://env/db")
    assert database_url(tmp_path) == "postgresql://env/db"


def test_env_file_without_the_key(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (tmp_path / ".wdh_env").write_text("OTHER=1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="DATABASE_URL not found"):
        database_url(tmp_path)


def test_malformed_env_file_names_the_line(tmp_path):
    path = tmp_path / ".wdh_env"
    path.write_text("DATABASE_URL=postgresql://x/db\nnot a setting\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line 2"):
        read_env_file(path)


def test_mask_url():
    assert mask_url("postgresql://wdh:s3cret@127.0.0.1:5432/db") == "postgresql://wdh:****@127.0.0.1:5432/db"
    assert mask_url("postgresql://wdh@127.0.0.1/db") == "postgresql://wdh@127.0.0.1/db"


def test_unreachable_database_masks_password(tmp_path):
    url = "postgresql://wdh:VerySecret123@127.0.0.1:1/work_data_hub"
    result = run_cli("db", "migrate", cwd=tmp_path, database_url=url)
    assert result.returncode == 1
    assert "Cannot connect to the database at postgresql://wdh:****@127.0.0.1:1/work_data_hub" in result.stderr
    assert "Hint:" in result.stderr
    assert "VerySecret123" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_cli_migrate_reports_nothing_to_do(db_url, tmp_path):
    result = run_cli("db", "migrate", cwd=tmp_path, database_url=db_url)
    assert result.returncode == 0, result.stderr
    assert "No migrations to apply" in result.stdout


def test_cli_status(db_url, tmp_path):
    result = run_cli("db", "status", cwd=tmp_path, database_url=db_url)
    assert result.returncode == 0, result.stderr
    assert f"Local cluster: none in {tmp_path} (`db init` creates one in {tmp_path / '.wdh'})" in result.stdout
    assert "Pending migrations: 0" in result.stdout


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://hashy:Ab#Secret99@127.0.0.1:5432/db",
        "postgresql://hashy:Ab/Secret99@127.0.0.1:5432/db",
        "postgresql://hashy:Ab?Secret99@127.0.0.1:5432/db",
    ],
)
def test_a_url_with_unencoded_special_characters_is_refused_without_echoing_it(tmp_path, url):
    for args in (["db", "status"], ["db", "migrate"], ["etl", "history"]):
        result = run_cli(*args, cwd=tmp_path, database_url=url)
        assert result.returncode == 1, result.stdout
        assert "DATABASE_URL is not a valid URL" in result.stderr and "%23" in result.stderr
        assert "Secret99" not in result.stdout + result.stderr and "Traceback" not in result.stderr


def test_mask_url_forms():
    assert mask_url("host=h passwd=Secret99 dbname=x") == "host=h passwd=**** dbname=x"
    assert mask_url("host=h password='a b' dbname=x") == "host=h password=**** dbname=x"
    assert mask_url("postgresql://h/db?user=u&password=zz") == "postgresql://h/db?user=u&password=****"
    assert mask_url("postgresql://u:Ab#Se@h:1/db") == "postgresql://u:****@h:1/db"


def test_env_file_with_a_bom_or_in_gbk_is_read(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    env = tmp_path / ".wdh_env"
    env.write_bytes("\ufeffDATABASE_URL=postgresql://u@h/db\n".encode("utf-8"))
    assert database_url(tmp_path) == "postgresql://u@h/db"
    env.write_bytes("# 本地数据库\nDATABASE_URL=postgresql://u@h/db2\n".encode("gbk"))
    assert database_url(tmp_path) == "postgresql://u@h/db2"
