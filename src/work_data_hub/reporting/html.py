"""The month's report as one self-contained HTML page: styles and SVG charts inline, no script,
no font or image to fetch, readable on a phone and printable. Renders a MonthReport; every figure
on the page is one the database returned (work_data_hub.customer_mdm.report)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from work_data_hub.customer_mdm.explain import CURRENT, CustomerPage
from work_data_hub.customer_mdm.report import MonthReport
from work_data_hub.periods import format_period, month_end, month_span
from work_data_hub.reporting import messages
from work_data_hub.reporting.charts import Series, Span, bar_chart, lanes_chart, line_chart
from work_data_hub.reporting.files import write_whole

MEASURES = [
    ("customers", "客户数"),
    ("strategic", "战略客户"),
    ("existing", "存量客户"),
    ("new", "新客户 (本年)"),
    ("won", "中标 (本年)"),
    ("lost", "流失 (本年)"),
    ("contracts_normal", "正常合同"),
    ("contracts_stopped", "停缴合同"),
    ("aum_yi", "规模 (亿元)"),
]
MOVEMENTS = [
    ("new", "新增合同", "本月存续、上月未存续"),
    ("lapsed", "失效合同", "连续 12 个月无规模明细，不再存续"),
    ("stopped", "正常 → 停缴", "本月无规模，或近 12 个月无供款"),
    ("resumed", "停缴 → 正常", "重新有规模且有供款"),
    ("became_strategic", "成为战略客户", "进入所在机构与产品线的前列，或规模达到门槛"),
    ("lost_strategic", "不再是战略客户", "新年度从上年 12 月重新认定"),
]


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


def _wan(value) -> str:
    """An amount in yuan, written in 万元 to 2 places."""
    return "—" if value is None else f"{value / 10000:,.2f}"


def _restated(total, key: str) -> str:
    """One figure of a restated product line: 'after' alone when unchanged, else 'before → after'
    (AUM in yuan to the cent, so that no change is too small to show)."""
    before, after = (None if side is None else side.get(key) for side in (total.before, total.after))

    def text(value) -> str:
        if value is None:
            return "—"
        return f"{Decimal(str(value)):,.2f}" if key == "aum_balance" else _count(int(value))

    return text(after) if before == after else f"{text(before)} → {text(after)}"


def _month(value) -> str:
    return "" if value is None else f"{value:%Y-%m}"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        count=_count,
        yi=_yi,
        change=_change,
        figure=_figure,
        trend=_trend,
        period=format_period,
        wan=_wan,
        month=_month,
        basename=lambda path: Path(path or "").name,
        restated=_restated,
        reason=lambda text: messages.reason(text, "zh"),  # the month's report is in Chinese
    )
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
            lines.setdefault(f"{r.product_line_code} {r.product_line_name or ''}".strip(), {})[r.snapshot_month] = (
                r.aum_balance_yi
            )

    def total(field: str) -> list:
        return [getattr(totals[m], field) if m in totals else None for m in months]

    return [
        (
            "客户与合同状态",
            line_chart(
                "客户数、战略客户与各状态合同数",
                labels,
                [
                    Series("客户数", total("customers")),
                    Series("战略客户", total("strategic")),
                    Series("正常合同", total("contracts_normal")),
                    Series("停缴合同", total("contracts_stopped")),
                ],
            ),
        ),
        (
            "新客户 · 中标 · 流失 (本年累计)",
            bar_chart(
                "新客户、中标、流失客户数（本年累计）",
                labels,
                [Series("新客户", total("new")), Series("中标", total("won")), Series("流失", total("lost"))],
            ),
        ),
        (
            "各产品线规模 (亿元)",
            line_chart(
                "各产品线月末规模（亿元）",
                labels,
                [Series(name, [by_month.get(m) for m in months]) for name, by_month in sorted(lines.items())],
                decimals=2,
                unit=" 亿元",
            ),
        ),
    ]


def render_html(report: MonthReport, *, generated_at: datetime) -> str:
    """The page of `report`."""
    lines: dict[str | None, dict] = {}
    for c in report.changes:
        line = lines.setdefault(
            c.product_line_code, {"code": c.product_line_code, "name": c.product_line_name, "measures": {}}
        )
        line["measures"][c.measure] = c
    movements = [
        (code, label, explain, [m for m in report.movements if m.movement == code])
        for code, label, explain in MOVEMENTS
    ]
    total = lines.get(None, {"measures": {}})["measures"]
    first_month = (report.standing.synced_from or report.standing.period_end).replace(
        day=1
    ) == report.standing.period_end.replace(day=1)
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            report=report,
            standing=report.standing,
            period=format_period(report.standing.period_end),
            first_month=first_month,
            generated_at=generated_at,
            measures=MEASURES,
            lines=list(lines.values()),
            total=total,
            movements=movements,
            moved=lambda m: messages.moved(m.movement, m.facts, "zh") or m.reason,
            charts=_charts(report),
        )
    )


def write_html(report: MonthReport, out: Path, *, generated_at: datetime) -> Path:
    """Render `report` into `out` (its folder created), written whole or not at all."""
    page = render_html(report, generated_at=generated_at)
    return write_whole(out, lambda path: path.write_text(page, encoding="utf-8"))


def _customer_charts(page: CustomerPage) -> tuple[str | None, str | None]:
    """The AUM per product line (万元) and the versions' lanes, over the customer's own months: from
    its first version or snapshot month to the last synced month (five years at most, the latest)."""
    seen = [e.starts for e in page.timeline if e.kind in ("version", "month") and e.starts is not None]
    if not seen:
        return None, None
    months = [month_end(m) for m in month_span(min(seen), page.synced_through)]
    if len(months) > 60:  # a lane of more months is too fine to read
        months = months[-60:]
    labels = [format_period(m) for m in months]
    index = {m: i for i, m in enumerate(months)}
    lines: dict[str, dict] = {}
    for e in page.timeline:
        if e.kind == "month" and e.starts in index:
            name = f"{e.product_line_code} {e.product_line_name or ''}".strip()
            lines.setdefault(name, {})[e.starts] = e.aum_balance / 10000
    aum = (
        line_chart(
            "各产品线月末规模（万元）",
            labels,
            [Series(name, [values.get(m) for m in months]) for name, values in sorted(lines.items())],
            decimals=2,
            unit=" 万元",
        )
        if lines
        else None
    )
    lanes: dict[tuple[str, str], list[Span]] = {}
    for v in (e for e in page.timeline if e.kind == "version"):
        if v.starts > months[-1] or (v.ends != CURRENT and v.ends <= months[0]):
            continue
        first = index.get(v.starts, 0)  # opened by that month (valid_from is its last day)
        last = index[months[-1]] + 1 if v.ends == CURRENT or v.ends > months[-1] else index[v.ends]
        title = (
            f"{v.plan_code} {v.product_line_code}: {v.contract_status}, {'战略' if v.is_strategic else '非战略'}, "
            f"{'存量' if v.is_existing else '非存量'}, {v.starts} – {'当前' if v.ends == CURRENT else v.ends}"
        )
        lanes.setdefault((v.plan_code, v.product_line_code), []).append(
            Span(first, max(last, first + 1) if v.ends == CURRENT else last, v.contract_status, v.is_strategic, title)
        )
    chart = (
        lanes_chart(
            "合同版本时间线",
            labels,
            [(f"{plan} · {line}", spans) for (plan, line), spans in sorted(lanes.items())],
        )
        if lanes
        else None
    )
    return aum, chart


def render_customer_html(page: CustomerPage, *, generated_at: datetime, lang: str = "zh") -> str:
    """The customer page of `page`, its explanations worded in `lang` (reporting.messages)."""
    aum_chart, lanes = _customer_charts(page)
    versions = [e for e in page.timeline if e.kind == "version"]
    month = [e for e in page.timeline if e.kind == "month" and e.starts == page.period_end]
    outcomes = [{r.rule: r.outcome for r in c.rules} for c in page.explanations]
    pending = [r for c in page.explanations[:1] for r in c.rules if r.rule == "pending_correction"]
    return (
        _environment()
        .get_template("customer.html.j2")
        .render(
            page=page,
            period=format_period(page.period_end),
            generated_at=generated_at,
            current=CURRENT,
            versions=versions,
            aum_chart=aum_chart,
            lanes_chart=lanes,
            rule_label=lambda rule: messages.rule_label(rule, lang),
            outcome_label=lambda r: messages.outcome_label(r.outcome, lang, rule=r.rule, facts=r.facts),
            worded=lambda r: messages.explain(r.rule, r.facts, lang) or r.detail,
            told=lambda e: messages.timeline(e.kind, e.facts, lang) or e.detail or "",
            pending=pending,
            total_aum=sum((e.aum_balance for e in month), Decimal(0)) if month else None,
            normal=sum(o.get("contract_status") == "正常" for o in outcomes),
            stopped=sum(o.get("contract_status") == "停缴" for o in outcomes),
            strategic=sum(o.get("is_strategic") == "true" for o in outcomes),
            merges=[e for e in page.timeline if e.kind in ("merge_in", "merge_out")],
            aliases=[e for e in page.timeline if e.kind == "alias"],
            loads=[e for e in page.timeline if e.kind == "load"],
        )
    )


def write_customer_html(page: CustomerPage, out: Path, *, generated_at: datetime, lang: str = "zh") -> Path:
    """Render the customer page into `out` (its folder created), written whole or not at all."""
    html = render_customer_html(page, generated_at=generated_at, lang=lang)
    return write_whole(out, lambda path: path.write_text(html, encoding="utf-8"))
