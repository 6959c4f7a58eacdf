"""The command-line interface: `python -m work_data_hub.cli …` or `work-data-hub …`.

Nothing is imported here but what main needs: Ctrl-C while the program is still loading (half a
second of imports) ends quietly, before anything began, instead of in a traceback."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from work_data_hub.cli.app import run
    except KeyboardInterrupt:
        sys.exit(130)
    run()
