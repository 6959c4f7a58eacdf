"""Options every command group shares, declared once (the fastapi-cli way): commands take them as
annotated parameters."""

from __future__ import annotations

from typing import Annotated

import typer

# Machine-readable output: the rows the command would print, as JSON (dates ISO, decimals exact).
JsonOutput = Annotated[
    bool, typer.Option("--json", help="Print the command's rows as JSON (for scripts) instead of text.")
]
