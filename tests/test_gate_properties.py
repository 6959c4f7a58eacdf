"""The anomaly gate, proved by properties over months nobody designed: no ordinary month trips it,
and every damaged month is refused (by the loader's checks or by the gate).

Ordinary months come from wide ranges: 20–300 customers, one to five product lines in any mix,
tiny lines, one to eight branches, customers joining (up to 15 % of AUM) and leaving (up to 10 %,
never 80 % of a line that holds 5 % of the business), lines appearing and tiny lines vanishing,
the market moving the whole book by ×0.7–×1.4, a few rows that cannot form a contract, a first
month after a gap of up to six months. Damaged months are ordinary months with one thing done to
them: a branch or a product line dropped, the file cut at any byte, the amounts in 万元 (or ×10⁴),
ids re-keyed, rows repeated, or the month before filed again under this month.

The suite draws a few examples of each (the default profile); the benchmark profile draws 2,000:

    WDH_HYPOTHESIS_PROFILE=benchmark uv run pytest -p no:randomly -n 0 tests/test_gate_properties.py
"""

from __future__ import annotations

import os
import random
from dataclasses import replace
from datetime import date
from decimal import Decimal

import psycopg
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gate_harness import LINE_NAMES, Row, csv_bytes, verdict
from helpers import scratch_database

settings.register_profile(
    "default", max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
settings.register_profile(
    "benchmark",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.load_profile(os.environ.get("WDH_HYPOTHESIS_PROFILE", "default"))

BRANCHES = [
    "北京分公司",
    "上海分公司",
    "广东分公司",
    "江苏分公司",
    "浙江分公司",
    "四川分公司",
    "湖北分公司",
    "山东分公司",
]
START = date(2025, 1, 1)
CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def gate_conn(pg_server, template_url):
    with scratch_database(pg_server, "wdh_gate") as url, psycopg.connect(url) as conn:
        yield conn


def _month(index: int) -> date:
    return date(START.year + index // 12, index % 12 + 1, 1)


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 2))).quantize(CENT)


@st.composite
def populations(draw, min_customers: int = 20) -> tuple[random.Random, list[Row]]:
    """A month of a book drawn from wide ranges (its mix of lines and branches, tiny lines)."""
    rnd = random.Random(draw(st.integers(0, 2**32 - 1)))
    customers = draw(st.integers(min_customers, 300))
    lines = draw(st.lists(st.sampled_from(sorted(LINE_NAMES)), min_size=1, max_size=5, unique=True))
    weights = [draw(st.floats(0.05, 1.0)) for _ in lines]
    branches = BRANCHES[: draw(st.integers(1, len(BRANCHES)))]
    rows = []
    for c in range(customers):
        company = f"6{c:08d}"
        for k in range(rnd.choice((1, 1, 1, 2, 3))):
            aum = 10 ** rnd.uniform(5, 9.5)
            rows.append(
                Row(
                    company,
                    f"P{c:05d}{k}",
                    rnd.choices(lines, weights)[0],
                    rnd.choice(branches),
                    _money(aum),
                    _money(aum * rnd.uniform(0, 0.02)) if rnd.random() < 0.9 else CENT * 0,
                )
            )
    if draw(st.booleans()):  # a tiny line: one contract of 10,000 元
        tiny = next((line for line in sorted(LINE_NAMES) if line not in lines), lines[0])
        rows.append(Row("699999999", "PTINY", tiny, branches[0], Decimal("10000.00"), Decimal("100.00")))
    return rnd, rows


def _share(rows: list[Row], keep) -> float:
    total = sum(r.aum for r in rows)
    return float(sum(r.aum for r in rows if keep(r)) / total) if total else 0.0


def _line_aum(rows: list[Row]) -> dict[str, Decimal]:
    lines: dict[str, Decimal] = {}
    for r in rows:
        lines[r.line] = lines.get(r.line, 0) + r.aum
    return lines


def next_month(rnd: random.Random, rows: list[Row], *, gap: int, market: float, leave: float, join: float) -> list[Row]:
    """An ordinary month after `rows`: every contract moved by the market and its own returns (never
    to the cent the same), contracts leaving up to `leave` of the AUM and a tenth of the contracts
    (never 80 % of a line holding 5 % of the book), new customers up to `join` of the AUM and a
    tenth of the rows (some in lines new to the book), a few rows without company_id or customer
    name."""
    total = sum(r.aum for r in rows)
    lines = _line_aum(rows)
    left: set[tuple] = set()
    gone = Decimal(0)
    line_gone: dict[str, Decimal] = {}
    for r in rnd.sample(rows, len(rows)):
        material = lines[r.line] >= total * Decimal("0.05")
        if gone + r.aum > total * Decimal(str(leave)) or len(left) >= max(1, len(rows) // 10):
            continue
        if material and line_gone.get(r.line, 0) + r.aum > lines[r.line] * Decimal("0.8"):
            continue
        left.add(r.key)
        gone += r.aum
        line_gone[r.line] = line_gone.get(r.line, 0) + r.aum
    out = []
    for r in rows:
        if r.key in left:
            continue
        moved = _money(float(r.aum) * market * rnd.uniform(0.97, 1.03))
        if moved == r.aum:
            moved += CENT
        out.append(replace(r, aum=moved, contribution=_money(float(r.contribution) * rnd.uniform(0.5, 1.5))))
    budget = float(total) * join
    new_rows = max(0, min(int(len(rows) * 0.1), rnd.randrange(0, 12)))
    for n in range(new_rows):
        aum = min(10 ** rnd.uniform(5, 9), budget / max(1, new_rows))
        line = rnd.choice(sorted(LINE_NAMES)) if rnd.random() < 0.3 else rnd.choice(sorted(lines))
        out.append(Row(f"7{n:08d}", f"PN{n:04d}", line, rnd.choice(BRANCHES), _money(aum), _money(aum * 0.01)))
    for n in range(rnd.choice((0, 0, 1, 2))):  # rows nothing resolves: tiny
        out.append(Row("", f"PX{n}", rnd.choice(sorted(lines)), BRANCHES[0], Decimal("500.00"), Decimal("0.00")))
    rnd.shuffle(out)
    return out


def _vanished(base: list[Row], rows: list[Row]) -> float:
    """The share of `base`'s AUM in contracts `rows` does not hold: what a damage takes away."""
    held = {r.key for r in rows}
    return _share(base, lambda r: r.key not in held)


def _seen(rows: list[Row]) -> set[str]:
    return {r.company for r in rows if r.company}


@st.composite
def ordinary_months(draw):
    rnd, base = draw(populations())
    gap = draw(st.integers(1, 6))
    month = _month(12 + gap)
    nxt = next_month(
        rnd,
        base,
        gap=gap,
        market=draw(st.floats(0.7, 1.4)),
        leave=draw(st.floats(0, 0.1)),
        join=draw(st.floats(0, 0.15)),
    )
    return base, month, nxt


@given(ordinary_months())
def test_no_ordinary_month_trips_the_gate(gate_conn, tmp_path_factory, drawn):
    base, month, rows = drawn
    found = verdict(
        gate_conn, tmp_path_factory.mktemp("o"), (_month(12), base), _seen(base), month, csv_bytes(month, rows)
    )
    assert found.refused_by is None, found


@given(populations())
def test_a_first_month_ever_passes(gate_conn, tmp_path_factory, drawn):
    _, rows = drawn
    month = _month(12)
    assert (
        verdict(gate_conn, tmp_path_factory.mktemp("f"), None, set(), month, csv_bytes(month, rows)).refused_by is None
    )


DAMAGES = (
    "branch dropped",
    "line dropped",
    "cut at a byte",
    "万元",
    "×10⁴",
    "re-keyed",
    "rows repeated",
    "month refiled",
)


@st.composite
def damaged_months(draw):
    # The gate compares nothing with a month of fewer than gate_min_rows (50) rows: a ratio of a
    # handful of rows means nothing. Damage is judged against books that hold more.
    rnd, base = draw(populations(min_customers=40))
    assume(len(base) >= 50)
    month = _month(13)
    rows = next_month(rnd, base, gap=1, market=draw(st.floats(0.9, 1.1)), leave=draw(st.floats(0, 0.1)), join=0.05)
    damage = draw(st.sampled_from(DAMAGES))
    data = None
    if damage == "branch dropped":
        branch = max(BRANCHES, key=lambda b: _share(rows, lambda r: r.branch == b))
        rows = [r for r in rows if r.branch != branch]
        assume(_vanished(base, rows) >= 0.25)  # a branch of the book's last month, not one of new customers
    elif damage == "line dropped":
        lines = _line_aum(base)
        line = draw(st.sampled_from(sorted(lines)))
        assume(lines[line] >= sum(lines.values()) * Decimal("0.05"))
        rows = [r for r in rows if r.line != line]
    elif damage == "cut at a byte":
        whole = csv_bytes(month, rows)
        header_end = whole.index(b"\n") + 1
        cut = draw(st.integers(header_end + 1, len(whole) - 1))
        if whole[cut - 1 : cut] in (
            b"\n",
            b"\r",
        ):  # cut at a line end: a whole file of fewer rows, told by its AUM only
            kept = whole[:cut].count(b"\n") - 1 + whole[:cut].endswith(b"\r")  # complete data rows
            assume(_vanished(base, rows[:kept]) >= 0.25)
        data = whole[:cut]
    elif damage in ("万元", "×10⁴"):
        factor = Decimal("0.0001") if damage == "万元" else Decimal(10000)
        rows = [
            replace(r, aum=(r.aum * factor).quantize(CENT), contribution=(r.contribution * factor).quantize(CENT))
            for r in rows
        ]
        assume(sum(r.aum for r in rows) < Decimal(10) ** 13)  # NUMERIC(18,4) refuses larger, which is a refusal too
    elif damage == "re-keyed":
        share = draw(st.floats(0.3, 1.0))
        companies = sorted({r.company for r in rows if r.company})
        rnd.shuffle(companies)
        rekeyed, held = set(), 0.0
        for c in companies:
            if held >= share:
                break
            rekeyed.add(c)
            held = _share(rows, lambda r: r.company in rekeyed)
        assume(held >= 0.3)
        rows = [replace(r, company="9" + r.company[1:]) if r.company in rekeyed else r for r in rows]
    elif damage == "rows repeated":
        rows = rows + rnd.sample(rows, draw(st.integers(1, max(1, len(rows) // 10))))
    elif damage == "month refiled":
        rows = list(base)
    return base, month, rows, damage, data


@given(damaged_months())
def test_every_damaged_month_is_refused(gate_conn, tmp_path_factory, drawn):
    base, month, rows, damage, data = drawn
    found = verdict(
        gate_conn, tmp_path_factory.mktemp("d"), (_month(12), base), _seen(base), month, data or csv_bytes(month, rows)
    )
    assert found.refused_by is not None, f"{damage}: loaded; {found}"


def test_every_month_of_a_third_generator_loads_through_the_gate(db_url, tmp_path):
    """A population drawn differently (see gate_harness.third_generator), loaded month by month as
    a user would: no month is refused."""
    from gate_harness import third_generator
    from work_data_hub.etl.domains import ANNUITY_PERFORMANCE
    from work_data_hub.etl.service import FileClaim, LoadOptions, load_file

    with psycopg.connect(db_url) as conn:
        for month, rows in third_generator():
            path = tmp_path / f"{month:%Y年%m月}规模明细.csv"
            path.write_bytes(csv_bytes(month, rows))
            outcome = load_file(
                conn, ANNUITY_PERFORMANCE, path, LoadOptions(execute=True), FileClaim(month, "its month folder")
            )
            assert outcome.result is not None, month
            assert [d.deviation for d in outcome.plan.gate_notes if d.deviation != "line_aum"] == []
        assert conn.execute('SELECT count(DISTINCT "月度") FROM business."规模明细"').fetchone() == (24,)
