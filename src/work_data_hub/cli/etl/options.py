"""The `etl` commands' options, declared once (as the shared ones are in cli.options)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from work_data_hub.etl.domains import DOMAINS

DomainName = Enum("DomainName", {name: name for name in DOMAINS}, type=str)  # type: ignore[misc]


DomainOption = Annotated[
    DomainName | None,
    typer.Option(
        help="What the files hold: annuity_performance (规模明细), annual_award (当年中标) or annual_loss (当年流失).",
        show_default=False,
    ),
]


FileOption = Annotated[
    Path | None, typer.Option(help="Load this file instead of the inbox (.xlsx/.xls/.csv).", show_default=False)
]


PeriodOption = Annotated[
    str | None,
    typer.Option(
        help="Only this month (YYYYMM): the inbox's month folder, or the month every row of --file must hold.",
        show_default=False,
    ),
]


ExecuteOption = Annotated[
    bool, typer.Option("--execute", help="Load and run the post-ETL hooks. Without it: validate and preview only.")
]


PostHooksOption = Annotated[
    bool, typer.Option("--post-hooks/--no-post-hooks", help="Run the post-ETL hooks after loading.")
]


ForceOption = Annotated[
    bool, typer.Option("--force", help="Reload inbox files that are already loaded with the same content.")
]


AllowGapOption = Annotated[
    bool,
    typer.Option(
        "--allow-gap",
        help="Load a 规模明细 month even if it leaves unloaded months between it and the loaded ones.",
    ),
]


StrictOption = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Reject a 规模明细 file with rows that cannot form a contract (no company_id, unknown 业务类型).",
    ),
]


AllDomainsOption = Annotated[
    bool,
    typer.Option(
        "--all",
        help="Every domain from the inbox: the award and loss ledgers, then 规模明细; the hooks run once at "
        "the end (the unattended monthly load).",
    ),
]


AllowFutureOption = Annotated[
    bool,
    typer.Option(
        "--allow-future", help="Load a month after the current calendar month (refused otherwise, as a typo)."
    ),
]


AcceptDeviationsOption = Annotated[
    bool,
    typer.Option(
        "--accept-deviations",
        help="Load a file whose control figures the anomaly gate flags (the deviations it "
        "names are recorded in the load ledger, with who accepted them).",
    ),
]
