"""The CLI is thin: commands parse, call one importable function and print. No command function
over 60 lines, no transaction committed or rolled back in a command module (the service layer
owns transactions), shared options (--json) declared once (work_data_hub.cli.options), and every
table built in one module (work_data_hub.cli.tables)."""

from __future__ import annotations

import inspect

from typer.main import get_command

from helpers import REPO
from work_data_hub.cli.app import app

CLI = REPO / "src" / "work_data_hub" / "cli"


def _callbacks(command, name=""):
    if command.callback is not None:
        yield name.strip() or "(root)", command.callback
    for sub_name, sub in getattr(command, "commands", {}).items():
        yield from _callbacks(sub, f"{name} {sub_name}")


def test_no_command_function_is_longer_than_60_lines():
    long = {
        name: n
        for name, callback in _callbacks(get_command(app))
        if (n := len(inspect.getsource(inspect.unwrap(callback)).splitlines())) > 60
    }
    assert long == {}


def test_no_command_module_commits_or_rolls_back():
    found = [
        f"{path.relative_to(CLI)}:{number}"
        for path in sorted(CLI.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ".commit()" in line or ".rollback()" in line
    ]
    assert found == []


def test_the_json_option_is_declared_once():
    declared = {
        str(path.relative_to(CLI)): path.read_text(encoding="utf-8").count('"--json"') for path in CLI.rglob("*.py")
    }
    assert {name: n for name, n in declared.items() if n} == {"options.py": 1}


def test_every_table_is_built_in_the_tables_module():
    """Headers, widths and units of every table printed are decided in cli/tables.py."""
    found = [
        f"{path.relative_to(CLI)}:{number}"
        for path in sorted(CLI.rglob("*.py"))
        if path.name != "tables.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "Table(" in line or "add_column(" in line
    ]
    assert found == []


def test_no_test_file_imports_another():
    """What tests share lives in helpers.py, source.py, files.py (and the other non-test modules)."""
    found = [
        f"{path.name}: {line.strip()}"
        for path in sorted((REPO / "tests").glob("*.py"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip().startswith(("from test_", "import test_"))
    ]
    assert found == []
