"""Options every command group shares, declared once (the fastapi-cli way): commands take them as
annotated parameters."""

from __future__ import annotations

from typing import Annotated

import typer

from work_data_hub.errors import InvalidInput

# Machine-readable output: the rows the command would print, as JSON (dates ISO, decimals exact).
JsonOutput = Annotated[
    bool, typer.Option("--json", help="Print the command's rows as JSON (for scripts) instead of text.")
]


def require_named(option: str, value: str | None) -> None:
    """An option a user left blank is refused here, in the CLI's words, not the SQL's."""
    if value is not None and not value.strip():
        example = {"--company": "--company C001", "--plan": "--plan P0001", "--product-line": "--product-line PL202"}
        raise InvalidInput(f"{option} is empty", hint=f"Name it, e.g. {example[option]}.")


# Tables fit the terminal ($COLUMNS), leaving out their least important columns: --wide shows all.
WideOutput = Annotated[bool, typer.Option("--wide", help="Show every column of the table, however wide.")]


# Long work shows its progress on stderr (a bar on a terminal, a line a step otherwise): --quiet hides it.
QuietOutput = Annotated[bool, typer.Option("--quiet", "-q", help="Show no progress of long work.")]


# The language of pages and of the sentences people read (zh, en); else WDH_LANG; pages default to
# zh, the CLI's own lines stay English.
LangOption = Annotated[
    str | None, typer.Option("--lang", metavar="zh|en", help="Language of the words: zh or en (default: WDH_LANG).")
]
