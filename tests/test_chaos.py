"""The chaos test (issue 28): every writing command of a month's work, from `db bootstrap` and a
`db migrate` from an older level to the report and the export, killed, cut off or crashed at a
random moment and then run again, ends where a clean run ends: the same content in every table,
no lock held, no run left running, no leftover file, and no traceback. The seed replays a trial:
WDH_CHAOS_SEED=N uv run pytest tests/test_chaos.py; scripts/chaos_trial.py runs longer ones."""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path

import pytest

import chaos

SEED = int(os.environ.get("WDH_CHAOS_SEED", "2812"))


@pytest.fixture(scope="module")
def server():
    root = Path(tempfile.mkdtemp(prefix="wdh-chaos-")) / "server"
    started = chaos.start_server(root, 55900)
    try:
        yield started
    finally:
        chaos.stop_server(started)


def test_every_writing_command_faulted_at_random_converges_to_a_clean_run(server, tmp_path):
    inbox = tmp_path / "inbox"
    durations: dict[str, float] = {}
    runs = {}
    for name, rng in (("chaos_clean", None), ("chaos_faulted", random.Random(SEED))):
        chaos.prepare(server, name, inbox)
        reports = tmp_path / f"reports_{name}"
        outcomes = chaos.run_script(server, name, inbox, reports, rng=rng, durations=durations)
        replay = f"(seed {SEED}: WDH_CHAOS_SEED={SEED} uv run pytest tests/test_chaos.py)"
        for o in outcomes:
            code, err = o.attempts[-1]
            assert code == 0 or "already merged" in err, f"{name} {o.step} {o.fault}@{o.delay:.2f}s {replay}: {err}"
            for _, said in o.attempts:
                assert "Traceback" not in said, f"{name} {o.step} {o.fault}@{o.delay:.2f}s {replay}: {said}"
        assert chaos.leftovers(server, name, reports) == [], replay
        assert sorted(p.suffix for p in reports.iterdir()) == [".html", ".xlsx"], replay
        runs[name] = (chaos.content(server, name), outcomes)
    clean, faulted = runs["chaos_clean"][0], runs["chaos_faulted"][0]
    faults = [(o.step, o.fault, round(o.delay, 2), len(o.attempts)) for o in runs["chaos_faulted"][1]]
    differing = {t: (clean[t], faulted.get(t)) for t in clean if clean[t] != faulted.get(t)}
    assert differing == {}, f"seed {SEED}, faults {faults}"
