"""How the commands show long work's progress (work_data_hub.progress): a bar on a terminal, one line
per step otherwise, both on stderr (stdout stays the command's answer); nothing with --quiet, and
nothing for work of one step (a routine month's close)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

from work_data_hub import progress

WHAT = {"sync": "contract history", "snapshot": "snapshots", "file": "files", "report": "report", "export": "export"}


@contextlib.contextmanager
def shown(*, quiet: bool) -> Iterator[None]:
    """Show the progress the work inside reports."""
    if quiet:
        with progress.listening(None):
            yield
        return
    if not sys.stderr.isatty():
        with progress.listening(_line):
            yield
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[label]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        tasks: dict[str, int] = {}

        def update(step: progress.Step) -> None:
            if step.total < 2:
                return
            if step.what not in tasks:
                tasks[step.what] = bar.add_task(WHAT.get(step.what, step.what), total=step.total, label="")
            bar.update(tasks[step.what], completed=step.done, total=step.total, label=step.label)

        with progress.listening(update):
            yield


def _line(step: progress.Step) -> None:
    if step.total >= 2:
        print(f"… {WHAT.get(step.what, step.what)} {step.done}/{step.total}: {step.label}", file=sys.stderr, flush=True)
