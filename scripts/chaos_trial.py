"""The DBA's chaos trial (issue 28): on a new server installed as docs/DBA.md says (scram logins, a
superuser's `db bootstrap`, a plain owner's `db migrate` from an older level, an operator login
doing the month's work), every writing command is killed (SIGKILL), cut off (its sessions
terminated) or crashed (the server stopped immediately, then started: crash recovery) at a random
moment of its work, then run again. After each trial every table's content must equal a clean
run's, no lock may be held, no run left running and no file left half-written; every message
the commands printed is listed, for a person to read.

    uv run python scripts/chaos_trial.py [--faults 20] [--seed 1] [--port 56100]

Prints one line per fault (seed, command, fault, delay into its work, the runs it took and what
each said) and exits 1 when a trial did not converge.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import chaos  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faults", type=int, default=20, help="faults in all (13 commands per trial)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=56100)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="wdh-chaos-trial-"))
    server = chaos.start_server(root / "server", args.port)
    failed = 0
    try:
        inbox, durations = root / "inbox", {}
        chaos.prepare(server, "trial_clean", inbox)
        chaos.run_script(server, "trial_clean", inbox, root / "reports_clean", rng=None, durations=durations)
        clean = chaos.content(server, "trial_clean")
        done, trial = 0, 0
        while done < args.faults:
            seed = args.seed + trial
            name = f"trial_{trial}"
            chaos.prepare(server, name, inbox)
            started = time.monotonic()
            outcomes = chaos.run_script(server, name, inbox, root / f"reports_{trial}", rng=random.Random(seed),
                                        durations=durations)  # fmt: skip
            for o in outcomes[: args.faults - done]:
                said = " / ".join((err.strip().splitlines() or ["(nothing)"])[0][:90] for _, err in o.attempts)
                print(f"seed {seed:3}  {o.step:9} {o.fault:9} +{o.delay:4.2f}s  runs {len(o.attempts)}  {said}")
            done += len(outcomes)
            left = chaos.leftovers(server, name, root / f"reports_{trial}")
            content = chaos.content(server, name)
            differing = sorted(t for t in clean if clean[t] != content.get(t))
            tracebacks = [o.step for o in outcomes for _, err in o.attempts if "Traceback" in err]
            unfinished = [
                o.step for o in outcomes if o.attempts[-1][0] != 0 and "already merged" not in o.attempts[-1][1]
            ]
            ok = not (left or differing or tracebacks or unfinished)
            failed += not ok
            print(
                f"trial {trial} (seed {seed}): {'converged' if ok else 'DID NOT CONVERGE'} in "
                f"{time.monotonic() - started:.1f} s"
                + (f"; left: {left}" if left else "")
                + (f"; differing tables: {differing}" if differing else "")
                + (f"; tracebacks: {tracebacks}" if tracebacks else "")
                + (f"; unfinished: {unfinished}" if unfinished else "")
            )
            trial += 1
    finally:
        chaos.stop_server(server)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
