"""`customer-mdm` commands that answer why: a contract's rules in a month (`explain`) and a
customer's timeline (`history`)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from work_data_hub.cli.options import JsonOutput, LangOption, WideOutput, require_named
from work_data_hub.cli.output import to_json
from work_data_hub.cli.tables import (
    show,
    timeline_table,
)
from work_data_hub.customer_mdm.explain import (
    canonical,
    customer_timeline,
    explain_contract,
    merged_into,
)
from work_data_hub.db.connect import connect
from work_data_hub.errors import InvalidInput
from work_data_hub.periods import format_period, parse_period
from work_data_hub.reporting import messages


def explain_command(
    company: Annotated[str, typer.Option("--company", help="The customer's company_id.")],
    plan: Annotated[str, typer.Option("--plan", help="The plan code (计划代码).")],
    product_line: Annotated[str, typer.Option("--product-line", help="The product line code (产品线代码).")],
    period: Annotated[str, typer.Option(help="The month (YYYYMM).")],
    as_json: JsonOutput = False,
    lang: LangOption = None,
) -> None:
    """Why a contract stands as it does in a month: each rule with the figures it used (docs/RULES.md)."""
    for option, value in (("--company", company), ("--plan", plan), ("--product-line", product_line)):
        require_named(option, value)
    period_end = parse_period(period)
    with connect() as conn:
        rules = explain_contract(
            conn, company_id=company, plan_code=plan, product_line_code=product_line, period_end=period_end
        )
    if as_json:
        typer.echo(to_json([asdict(r) for r in rules]))
        return
    lang = messages.language(lang, default="en")
    for r in rules:
        words = messages.explain(r.rule, r.facts, lang) or r.detail
        if r.rule == "contract":
            typer.echo(
                messages.say("explain.heading", lang, contract=r.outcome, period=format_period(period_end), words=words)
            )
            continue
        outcome = messages.outcome_label(r.outcome, lang, rule=r.rule, facts=r.facts)
        typer.echo(
            messages.say("explain.line", lang, label=messages.rule_label(r.rule, lang), outcome=outcome, words=words)
        )


def history_command(
    company: Annotated[str, typer.Option("--company", help="The customer's company_id.")],
    plan: Annotated[
        str | None, typer.Option("--plan", help="Only this plan's versions and the months of its product lines.")
    ] = None,
    as_json: JsonOutput = False,
    wide: WideOutput = False,
) -> None:
    """A customer's timeline, oldest first: contract versions, snapshot months, merges, aliases, loads."""
    require_named("--company", company)
    require_named("--plan", plan)
    with connect() as conn:
        timeline = customer_timeline(conn, company_id=company)
        company = canonical(conn, company) or company
        plan = canonical(conn, plan) if plan is not None else None
        gone = merged_into(conn, company)
    if gone is None and plan is not None and not any(e.plan_code == plan for e in timeline):
        plans = sorted({e.plan_code for e in timeline if e.kind == "version"})
        raise InvalidInput(
            f"Customer {company} has no contract in plan {plan}",
            hint=f"Its plans: {', '.join(plans)}." if plans else "It has no contract.",
        )
    if plan is not None:
        timeline = [
            e
            for e in timeline
            if e.plan_code == plan
            or e.kind in ("customer", "merge_in", "merge_out")
            or (e.kind in ("alias", "load") and e.plan_code is None)
        ]
    if as_json:
        typer.echo(to_json([asdict(e) for e in timeline]))
        return
    customer = next((e for e in timeline if e.kind == "customer"), None)
    if gone is not None:
        typer.echo(
            f"{company} is no longer a customer: it {gone.sentence()} (customer-mdm history --company {gone.holder})."
        )
    elif customer is not None:
        typer.echo(f"{company} {customer.reference}" + (f": {customer.detail}" if customer.detail else ""))
    shown = [e for e in timeline if e.kind != "customer" and e.kind != ("month" if plan else "plan_month")]
    if not shown:
        typer.echo("Nothing else is known of it: no contract, snapshot month, merge, alias or load.")
        return
    title = f"Timeline of {company}" + (f", plan {plan} (its own AUM)" if plan else "")
    show(timeline_table(shown, title), piped=200, wide=wide)
