"""Charts as inline SVG, drawn here from the report's figures: a line chart and a grouped bar
chart, each a viewBox that scales to the page's width, with its axis labels, a legend and a
tooltip (<title>) per point. No library and no script: the page stays one file that opens
offline, prints, and reads the same in ten years."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

WIDTH, HEIGHT = 520, 250
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 14, 58  # room for the y labels, the month labels and the legend
PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563"]


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Decimal | int | None]  # one per label; None: no figure that month (not built)


def _top(series: Sequence[Series]) -> float:
    """The top of the y axis: four round ticks above the largest value (the axis starts at 0)."""
    raw = max((float(v) for s in series for v in s.values if v is not None), default=0.0) / 4
    if raw <= 1:
        return 4.0
    magnitude = 10 ** (len(str(int(raw))) - 1)
    return 4 * next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def _number(value: float, decimals: int = 0) -> str:
    return f"{value:,.{decimals}f}" if decimals or value == int(value) else f"{value:,.2f}"


def _width(text: str) -> float:
    """Pixels of `text` in the 12px legend: a CJK character is about twice a Latin one."""
    return 6.5 * sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _legend(series: Sequence[Series]) -> list[tuple[float, int, str]]:
    """(x, row, name) of each legend entry, wrapping onto more rows as the width needs."""
    entries, x, row = [], float(LEFT), 0
    for s in series:
        if x > LEFT and x + 14 + _width(s.name) > WIDTH - RIGHT:
            x, row = float(LEFT), row + 1
        entries.append((x, row, s.name))
        x += 22 + _width(s.name)
    return entries


def _frame(labels: Sequence[str], top: float, series: Sequence[Series], title: str) -> tuple[list[str], float]:
    """The SVG's opening, grid, axis labels and legend; and the plot's height."""
    legend = _legend(series)
    rows = (legend[-1][1] + 1) if legend else 1
    height = HEIGHT + 18 * (rows - 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in range(5):
        y = TOP + plot_h - plot_h * tick / 4
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(
            f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_number(top * tick / 4)}</text>'
        )
    step = plot_w / max(len(labels), 1)
    every = max(1, -(-len(labels) // 7))  # at most 7 month labels fit side by side
    for i, label in enumerate(labels):
        if (len(labels) - 1 - i) % every == 0:  # the latest month always labelled
            x = LEFT + step * (i + 0.5)
            anchor = "end" if x + 24 > WIDTH else "middle"  # the last label stays inside the picture
            parts.append(
                f'<text class="axis" x="{min(x, WIDTH - 2.0):.1f}" y="{TOP + plot_h + 16}" '
                f'text-anchor="{anchor}">{escape(label)}</text>'
            )
    for index, (x, row, name) in enumerate(legend):
        color, y = PALETTE[index % len(PALETTE)], HEIGHT - 18 + 18 * row
        parts.append(f'<rect x="{x:.1f}" y="{y}" width="10" height="10" fill="{color}"/>')
        parts.append(f'<text class="legend" x="{x + 14:.1f}" y="{y + 9}">{escape(name)}</text>')
    return parts, plot_h


def line_chart(
    title: str, labels: Sequence[str], series: Sequence[Series], *, decimals: int = 0, unit: str = ""
) -> str:
    """One line per series over the labels (months); a gap where a value is None; `decimals` in
    the tooltips."""
    top = _top(series)
    parts, plot_h = _frame(labels, top, series, title)
    step = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    for index, s in enumerate(series):
        color = PALETTE[index % len(PALETTE)]
        runs: list[list[tuple[float, float, str, object]]] = [[]]
        for i, value in enumerate(s.values):
            if value is None:
                runs.append([])
                continue
            runs[-1].append((LEFT + step * (i + 0.5), TOP + plot_h - plot_h * float(value) / top, labels[i], value))
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in run)
                parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{points}"/>')
            for x, y, label, value in run:
                parts.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}">'
                    f"<title>{escape(s.name)} {escape(label)}: {_number(float(value), decimals)}{escape(unit)}</title>"
                    "</circle>"
                )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(title: str, labels: Sequence[str], series: Sequence[Series]) -> str:
    """Bars side by side per label, one per series."""
    top = _top(series)
    parts, plot_h = _frame(labels, top, series, title)
    step = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    bar = step * 0.8 / max(len(series), 1)
    for index, s in enumerate(series):
        color = PALETTE[index % len(PALETTE)]
        for i, value in enumerate(s.values):
            if value is None:
                continue
            height = plot_h * float(value) / top
            x = LEFT + step * i + step * 0.1 + bar * index
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - height:.1f}" width="{bar:.1f}" '
                f'height="{height:.1f}" fill="{color}"><title>{escape(s.name)} {escape(labels[i])}: '
                f"{_number(float(value))}</title></rect>"
            )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Span:
    """One version on a contract's lane: [starts, ends) in month indexes of the chart's labels."""

    starts: int
    ends: int  # exclusive
    status: str  # 正常 or 停缴
    strategic: bool
    title: str  # the tooltip


STATUS_COLORS = {"正常": "#16a34a", "停缴": "#d97706"}
LANE_HEIGHT, LANE_LABEL = 26, 150


def lanes_chart(title: str, labels: Sequence[str], lanes: Sequence[tuple[str, Sequence[Span]]]) -> str:
    """Contract versions as a timeline: one lane per contract, one bar per version over the months
    it was in effect, coloured by status, outlined dark when strategic; nothing where the contract
    was not in force. `labels` are the months; a lane is (its label, its spans)."""
    months = max(len(labels), 1)
    plot_w = WIDTH + 180 - LANE_LABEL - RIGHT
    height = TOP + LANE_HEIGHT * max(len(lanes), 1) + 52
    step = plot_w / months
    parts = [
        f'<svg class="chart lanes" viewBox="0 0 {WIDTH + 180} {height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    every = max(1, -(-months // 10))
    bottom = TOP + LANE_HEIGHT * max(len(lanes), 1)
    for i, label in enumerate(labels):
        x = LANE_LABEL + step * i
        if (months - 1 - i) % every == 0:
            parts.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{bottom}"/>')
            parts.append(
                f'<text class="axis" x="{x + step / 2:.1f}" y="{bottom + 14}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    for row, (name, spans) in enumerate(lanes):
        y = TOP + LANE_HEIGHT * row
        parts.append(f'<text class="legend" x="4" y="{y + LANE_HEIGHT / 2 + 4:.1f}">{escape(name)}</text>')
        for s in spans:
            x, w = LANE_LABEL + step * s.starts, max(step * (s.ends - s.starts), 1.5)
            stroke = ' stroke="#111827" stroke-width="2.5"' if s.strategic else ""
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 5}" width="{w:.1f}" height="{LANE_HEIGHT - 10}" rx="2" '
                f'fill="{STATUS_COLORS.get(s.status, "#9ca3af")}"{stroke}><title>{escape(s.title)}</title></rect>'
            )
    legend_y = bottom + 30
    x = float(LANE_LABEL)
    for label, fill, stroke in (
        ("正常", STATUS_COLORS["正常"], ""),
        ("停缴", STATUS_COLORS["停缴"], ""),
        ("战略 (深色边框)", "#ffffff", ' stroke="#111827" stroke-width="2.5"'),
    ):
        parts.append(f'<rect x="{x:.1f}" y="{legend_y}" width="12" height="10" fill="{fill}"{stroke}/>')
        parts.append(f'<text class="legend" x="{x + 16:.1f}" y="{legend_y + 9}">{escape(label)}</text>')
        x += 30 + _width(label)
    parts.append("</svg>")
    return "".join(parts)
