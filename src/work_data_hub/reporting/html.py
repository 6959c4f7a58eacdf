"""The month's report as one self-contained HTML page: styles and SVG charts inline, no script,
no font or image to fetch, readable on a phone and printable. Renders a MonthReport; every figure
on the page is one the database returned (work_data_hub.customer_mdm.report)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from work_data_hub.customer_mdm.report import MonthReport
from work_data_hub.periods import format_period, month_end, month_span
from work_data_hub.reporting.charts import Series, bar_chart, line_chart
from work_data_hub.reporting.files import write_whole

MEASURES = [("customers", "客户数"), ("strategic", "战略客户"), ("existing", "存量客户"),
            ("new", "新客户 (本年)"), ("won", "中标 (本年)"), ("lost", "流失 (本年)"),
            ("contracts_normal", "正常合同"), ("contracts_stopped", "停缴合同"), ("aum_yi", "规模 (亿元)")]
MOVEMENTS = [("new", "新增合同", "本月存续、上月未存续"),
             ("lapsed", "失效合同", "连续 12 个月无规模明细，不再存续"),
             ("stopped", "正常 → 停缴", "本月无规模，或近 12 个月无供款"),
             ("resumed", "停缴 → 正常", "重新有规模且有供款"),
             ("became_strategic", "成为战略客户", "进入所在机构与产品线的前列，或规模达到门槛"),
             ("lost_strategic", "不再是战略客户", "新年度从上年 12 月重新认定")]


def _count(value) -> str:
    return "—" if value is None else f"{value:,}"


def _yi(value) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _change(value, measure: str = "") -> str:
    """+3, −2, 0, +1.25, —: the sign always shown (a minus sign, not a hyphen); 亿元 to 2 places."""
    if value is None:
        return "—"
    text = f"{abs(value):,.2f}" if measure in ("aum_yi", "yi") else f"{abs(value):,.0f}"
    return ("+" if value > 0 else "−" if value < 0 else "") + text


def _trend(value) -> str:
    """The CSS class of a change: up, down or none."""
    return "" if not value else "up" if value > 0 else "down"


def _figure(value, measure: str) -> str:
    return _yi(value) if measure == "aum_yi" else _count(None if value is None else int(value))


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(Path(__file__).parent), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(count=_count, yi=_yi, change=_change, figure=_figure, trend=_trend, period=format_period)
    return env


def _charts(report: MonthReport) -> list[tuple[str, str]]:
    end = report.standing.period_end
    first = end.year * 12 + end.month - report.months  # months since year 0 of the first month, 0-based
    months = [month_end(m) for m in month_span(date(first // 12, first % 12 + 1, 1), end)]
    labels = [format_period(m) for m in months]
    totals = {r.snapshot_month: r for r in report.trend if r.product_line_code is None}
    lines: dict[str, dict[date, Decimal]] = {}
    for r in report.trend:
        if r.product_line_code is not None:
            lines.setdefault(f"{r.product_line_code} {r.product_line_name or ''}".strip(), {})[r.snapshot_month] = \
                r.aum_balance_yi

    def total(field: str) -> list:
        return [getattr(totals[m], field) if m in totals else None for m in months]

    return [
        ("客户与合同状态", line_chart("Customers, strategic customers and contracts by status", labels, [
            Series("客户数", total("customers")), Series("战略客户", total("strategic")),
            Series("正常合同", total("contracts_normal")), Series("停缴合同", total("contracts_stopped"))])),
        ("新客户 · 中标 · 流失 (本年累计)", bar_chart("New, won and lost customers, year to date", labels, [
            Series("新客户", total("new")), Series("中标", total("won")), Series("流失", total("lost"))])),
        ("各产品线规模 (亿元)", line_chart("AUM per product line (亿元)", labels, [
            Series(name, [by_month.get(m) for m in months]) for name, by_month in sorted(lines.items())],
            decimals=2)),
    ]


def render_html(report: MonthReport, *, generated_at: datetime) -> str:
    """The page of `report`."""
    lines: dict[str | None, dict] = {}
    for c in report.changes:
        line = lines.setdefault(c.product_line_code, {"code": c.product_line_code, "name": c.product_line_name,
                                                     "measures": {}})
        line["measures"][c.measure] = c
    movements = [(code, label, explain, [m for m in report.movements if m.movement == code])
                 for code, label, explain in MOVEMENTS]
    total = lines.get(None, {"measures": {}})["measures"]
    first_month = (report.standing.synced_from or report.standing.period_end).replace(day=1) \
        == report.standing.period_end.replace(day=1)
    return _environment().get_template("report.html.j2").render(
        report=report, standing=report.standing, period=format_period(report.standing.period_end),
        first_month=first_month,
        generated_at=generated_at, measures=MEASURES, lines=list(lines.values()), total=total,
        movements=movements, charts=_charts(report))


def write_html(report: MonthReport, out: Path, *, generated_at: datetime) -> Path:
    """Render `report` into `out` (its folder created), written whole or not at all."""
    page = render_html(report, generated_at=generated_at)
    return write_whole(out, lambda path: path.write_text(page, encoding="utf-8"))
