"""The sentences people read, in each language: one catalogue, keyed by what is said, with a
template per language (zh, en) that names the facts it uses. The SQL returns facts
(customer.explain_contract's `facts`); the pages and the CLI word them here. Pages default to zh,
the CLI's own lines stay English (`--lang` or WDH_LANG chooses). Money: a contract's figures in
万元, and to the 元 where a figure would otherwise round away (a contribution of 50 元)."""

from __future__ import annotations

import os
from decimal import Decimal

LANGUAGES = ("zh", "en")

# key: {language: template}. Keys "explain.<rule>.<case>" word a row of explain_contract.
MESSAGES: dict[str, dict[str, str]] = {
    "explain.line": {"zh": "  {label}：{outcome}。{words}", "en": "  {label}: {outcome}. {words}"},
    "explain.heading": {"zh": "合同 {contract}（{period}）：{words}", "en": "Contract {contract} at {period}: {words}"},
    "explain.contract.contract": {
        "zh": "{customer_name}；计划 {plan_name}；产品线 {product_line_name}{provisional}",
        "en": "{customer_name}; plan {plan_name}; product line {product_line_name}{provisional}",
    },
    "explain.provisional": {
        "zh": "。该客户为临时客户：导入时无法识别其名称而自动创建，数据管理员可将其合并到正式客户（customer-mdm identities）。",
        "en": ". The customer is provisional: the loader created it for a name it could not resolve; a data "
        "steward may merge it into the real customer (customer-mdm identities).",
    },
    "explain.pending_correction.pending": {
        "zh": "{from} 或之后月份的已导入数据在本月应用后发生了变化：下列数字为上次应用时的结果（合同历史仍为此）。"
        "下一次月结（customer-mdm close）将自 {from} 起重放合同历史。",
        "en": "Loaded rows of {from} or later changed after this month was applied: the figures below are those "
        "last applied, as the history still has them. The next close (customer-mdm close) replays the "
        "history from {from}.",
    },
    "explain.in_force.not_yet": {
        "zh": "{window_from} 至 {month} 的十二个月内没有该合同的规模明细行。其首个版本更晚生效（{first_version}）。",
        "en": "No 规模明细 row of the contract in the twelve months {window_from} … {month}. Its first version "
        "opens later, at {first_version}.",
    },
    "explain.in_force.lapsed": {
        "zh": "{window_from} 至 {month} 的十二个月内没有该合同的规模明细行。合同于 {lapsed_at} 失效，即最后一行（{last_row}）之后十二个月。",
        "en": "No 规模明细 row of the contract in the twelve months {window_from} … {month}. It lapsed at "
        "{lapsed_at}, twelve months after its last row ({last_row}).",
    },
    "explain.in_force.in_force": {
        "zh": "最近一行规模明细在 {last_seen}，在 {window_from} 至 {month} 的十二个月之内。",
        "en": "Latest 规模明细 row in {last_seen}, within the twelve months {window_from} … {month}.",
    },
    "explain.aum.pending": {
        "zh": "{month} 的期末资产规模合计 {aum}，为上次应用时的数字（其后数据有变，下一次月结重新计算）。",
        "en": "SUM(期末资产规模) of {month}, {aum}, as last applied (the rows changed since; the next close "
        "recomputes it).",
    },
    "explain.aum.no_rows": {
        "zh": "{month} 没有规模明细行：规模为 0。",
        "en": "No 规模明细 row in {month}: AUM 0.",
    },
    "explain.aum.rows": {
        "zh": "{month} 该合同 {rows} 行规模明细（各组合、各机构）的期末资产规模合计：{aum}。",
        "en": "SUM(期末资产规模) of the contract's {rows} row(s) of {month} (every portfolio and branch): {aum}.",
    },
    "explain.contribution_12m.months": {
        "zh": "{window_from} 至 {month} 十二个月的供款合计 {total}；有供款的月份：{months}。",
        "en": "SUM(供款) over the twelve months {window_from} … {month}, {total}: months with 供款: {months}.",
    },
    "explain.contribution_12m.none": {
        "zh": "{window_from} 至 {month} 十二个月的供款合计 {total}：没有任何月份有供款。",
        "en": "SUM(供款) over the twelve months {window_from} … {month}, {total}: no month had any.",
    },
    "explain.contract_status.status": {
        "zh": "{clause}：{month} 的规模为 {aum}，十二个月供款合计 {contribution_12m}；两者都大于零为正常。",
        "en": "{clause}: AUM of {month} is {aum} and 供款 over the twelve months sum to {contribution_12m}; "
        "正常 needs both above zero.",
    },
    "explain.is_strategic.pending_strategic": {
        "zh": "自 {since} 起为战略合同（上次应用时的结果；一旦成为战略，当年保持到 12 月）；下一次月结重放变化的数据后再显示排名。",
        "en": "Strategic since {since}, as last applied (once strategic, it stays so to December); the ranks are "
        "shown again once the next close has replayed the changed rows.",
    },
    "explain.is_strategic.pending_not": {
        "zh": "{december} 至 {month} 没有任何月份为战略合同（上次应用时的结果）；下一次月结重放变化的数据后再显示排名。",
        "en": "Not strategic in any month from {december} to {month}, as last applied; the ranks are shown again "
        "once the next close has replayed the changed rows.",
    },
    "explain.is_strategic.ratchet": {
        "zh": "自 {since} 起为战略合同（一旦成为战略，当年保持到 12 月；每年 1 月自上年 12 月重新起算）：{reason}"
        "——{month} 其在 {branch_name} × {product_line_name} 中排名第 {rank}（前 {top_n} 名为战略），规模 {aum}；"
        "规模门槛 {threshold}（排名与门槛满足其一即为战略）。",
        "en": "Strategic since {since} (once strategic, it stays so to December; each January starts from the "
        "December before): {reason} — in {month} it ranked {rank} in {branch_name} × {product_line_name} "
        "(top {top_n}) with AUM {aum}; threshold {threshold}.",
    },
    "explain.is_strategic.ratchet_settings": {
        "zh": "自 {since} 起为战略合同：{month} 其在 {branch_name} 的排名第 {rank}，规模 {aum}；按现行设置（前 {top_n} 名，门槛 {threshold}）"
        "不会是战略合同；该月按当时的设置应用（重建会按现行设置）。",
        "en": "Strategic since {since}: in {month} it ranked {rank} in {branch_name} with AUM {aum}: with "
        "today's settings (top {top_n}, threshold {threshold}) that would not be strategic; the month was "
        "applied with the settings then in force (a rebuild applies today's).",
    },
    "explain.is_strategic.not_no_group": {
        "zh": "{december} 至 {month} 没有任何月份为战略合同：{month} 没有规模大于零的分组（机构 × 产品线中前 {top_n} 名，或规模不低于 {threshold}，为战略合同）。",
        "en": "Not strategic in any month from {december} to {month}: in {month} it has no group with AUM above "
        "zero (top {top_n} of its branch and product line, or AUM of at least {threshold}, makes a contract "
        "strategic).",
    },
    "explain.is_strategic.not_ranked": {
        "zh": "{december} 至 {month} 没有任何月份为战略合同：{month} 其在 {branch_name} × {product_line_name} 中排名第 {rank}"
        "（需前 {top_n} 名），规模 {aum}（门槛 {threshold}）。",
        "en": "Not strategic in any month from {december} to {month}: in {month} it ranked {rank} in "
        "{branch_name} × {product_line_name} (top {top_n} needed) with AUM {aum} (threshold {threshold}).",
    },
    "explain.strategic_reason.rank": {"zh": "排名进入前 {top_n}", "en": "ranked in the top {top_n}"},
    "explain.strategic_reason.threshold": {"zh": "规模达到门槛 {threshold}", "en": "AUM at least {threshold}"},
    "explain.strategic_reason.both": {
        "zh": "排名进入前 {top_n}，且规模达到门槛 {threshold}",
        "en": "ranked in the top {top_n} and AUM at least {threshold}",
    },
    "explain.is_existing.no_december": {
        "zh": "上年 12 月（{december}）没有规模明细行：存量客户要求当时规模大于零。",
        "en": "No 规模明细 row in {december}, December of the prior year: existing needs AUM above zero then.",
    },
    "explain.is_existing.december": {
        "zh": "上年 12 月（{december}）的规模：{aum}{above}。",
        "en": "AUM in {december}, December of the prior year: {aum}{above}.",
    },
    "explain.above_zero": {"zh": "（大于零）", "en": " (above zero)"},
    "explain.not_above_zero": {"zh": "（存量要求大于零）", "en": " (existing needs it above zero)"},
    "explain.status_year.year": {
        "zh": "所在年份 {year}：每年 1 月每条合同重新出版本（年度切换）。",
        "en": "The month's year, {year}: every January re-versions each contract (the annual cutover).",
    },
    "explain.version.none": {
        "zh": "{period_end} 没有生效的合同版本。",
        "en": "No version of the contract is in effect at {period_end}.",
    },
    "explain.version.version": {
        "zh": "合同编号 {contract_id}：{status}，{strategic}，{existing}，状态年份 {status_year}（自 {valid_from} 起，至 {valid_to}）。",
        "en": "contract_id {contract_id}: {status}, {strategic}, {existing}, status_year {status_year} (valid_from "
        "{valid_from}, valid_to {valid_to}).",
    },
    "explain.previous_version.first": {
        "zh": "这是该合同的第一个版本：于 {valid_from} 生效。",
        "en": "This is the contract's first version: it came into force at {valid_from}.",
    },
    "explain.previous_version.lapsed": {
        "zh": "合同编号 {contract_id}：{status}，{strategic}，{existing}，状态年份 {status_year}。于 {lapsed_at} 失效；{changed_at} 重新生效。",
        "en": "contract_id {contract_id}: {status}, {strategic}, {existing}, status_year {status_year}. It lapsed at "
        "{lapsed_at}; the contract came back into force at {changed_at}.",
    },
    "explain.previous_version.changed": {
        "zh": "合同编号 {contract_id}：{status}，{strategic}，{existing}，状态年份 {status_year}。{changed_at} 起变化：{changes}。",
        "en": "contract_id {contract_id}: {status}, {strategic}, {existing}, status_year {status_year}. Changed at "
        "{changed_at}: {changes}.",
    },
    "timeline.customer.customer": {
        "zh": "临时客户：导入时无法识别其名称而自动创建，数据管理员可将其合并到正式客户（customer-mdm identities）",
        "en": "provisional: created by the loader for a name it could not resolve; a data steward may merge it "
        "into the real customer (customer-mdm identities)",
    },
    "timeline.version.opened": {"zh": "新开：合同生效", "en": "opened: the contract came into force"},
    "timeline.version.back": {
        "zh": "于 {lapsed_at} 失效后重新生效",
        "en": "back in force after lapsing at {lapsed_at}",
    },
    "timeline.version.changed": {"zh": "{changes}", "en": "{changes}"},
    "timeline.lapse.lapse": {
        "zh": "失效：自 {last_row}（十二个月前）起没有规模明细行",
        "en": "lapsed: no 规模明细 row since {last_row}, twelve months before",
    },
    "timeline.month.month": {"zh": "{plans} 个计划", "en": "{plans} plan(s)"},
    "timeline.merge.merge": {
        "zh": "{from}{from_name} 由 {by} 于 {at} 合并到 {into}；移动的行：{moved}",
        "en": "{from}{from_name} merged into {into} by {by} at {at}; rows moved: {moved}",
    },
    "timeline.alias.alias": {"zh": "{kind}别名，{source}", "en": "{kind} alias, {source}"},
    "timeline.load.load": {
        "zh": "导入 #{load_id}（{domain}，{by}）：本客户 {rows} 行，{months}",
        "en": "load #{load_id} ({domain}, by {by}): {rows} row(s) of this customer in {months}",
    },
    "domain.annuity_performance": {"zh": "规模明细", "en": "annuity_performance"},
    "domain.annual_award": {"zh": "当年中标", "en": "annual_award"},
    "domain.annual_loss": {"zh": "当年流失", "en": "annual_loss"},
    "alias_kind.name": {"zh": "名称", "en": "name"},
    "alias_kind.plan_name": {"zh": "计划内名称", "en": "plan_name"},
    "alias_kind.account": {"zh": "账户", "en": "account"},
    "alias_source.learned": {"zh": "自动学习", "en": "learned"},
    "alias_source.override": {"zh": "人工指定", "en": "override"},
    "column.snapshot_month": {"zh": "月末日期", "en": "snapshot_month"},
    "column.period": {"zh": "月份", "en": "period"},
    "column.company_id": {"zh": "客户编号", "en": "company_id"},
    "column.customer_name": {"zh": "客户名称", "en": "customer_name"},
    "column.product_line_code": {"zh": "产品线代码", "en": "product_line_code"},
    "column.product_line_name": {"zh": "产品线", "en": "product_line_name"},
    "column.product_category": {"zh": "产品大类", "en": "product_category"},
    "column.business_category": {"zh": "业务大类", "en": "business_category"},
    "column.is_strategic": {"zh": "战略客户", "en": "is_strategic"},
    "column.is_existing": {"zh": "存量客户", "en": "is_existing"},
    "column.is_new": {"zh": "新客户", "en": "is_new"},
    "column.is_winning_this_year": {"zh": "当年中标", "en": "is_winning_this_year"},
    "column.is_churned_this_year": {"zh": "当年流失（台账）", "en": "is_churned_this_year"},
    "column.aum_balance": {"zh": "期末规模（元）", "en": "aum_balance"},
    "column.aum_balance_yi": {"zh": "期末规模（亿元）", "en": "aum_balance_yi"},
    "column.plan_count": {"zh": "计划数", "en": "plan_count"},
    "column.aum_share": {"zh": "占产品线规模", "en": "aum_share"},
    "column.plan_code": {"zh": "计划代码", "en": "plan_code"},
    "column.plan_name": {"zh": "计划名称", "en": "plan_name"},
    "column.plan_type": {"zh": "计划类型", "en": "plan_type"},
    "column.contract_status": {"zh": "合同状态", "en": "contract_status"},
    "column.movement": {"zh": "变动", "en": "movement"},
    "column.branch_code": {"zh": "机构代码", "en": "branch_code"},
    "column.branch_name": {"zh": "机构", "en": "branch_name"},
    "column.previous_aum_balance": {"zh": "上月规模（元）", "en": "previous_aum_balance"},
    "column.reason": {"zh": "原因", "en": "reason"},
    "column.previous_aum_balance_yi": {"zh": "上月规模（亿元）", "en": "previous_aum_balance_yi"},
    "movement.new": {"zh": "新增合同", "en": "new"},
    "movement.lapsed": {"zh": "合同失效", "en": "lapsed"},
    "movement.stopped": {"zh": "转为停缴", "en": "stopped"},
    "movement.resumed": {"zh": "恢复正常", "en": "resumed"},
    "movement.became_strategic": {"zh": "成为战略", "en": "became_strategic"},
    "movement.lost_strategic": {"zh": "不再战略", "en": "lost_strategic"},
    "sheet.product_lines": {"zh": "产品线粒度", "en": "product lines"},
    "sheet.plans": {"zh": "计划粒度", "en": "plans"},
    "sheet.movements": {"zh": "本月变动", "en": "movements"},
    "sheet.notes": {"zh": "说明", "en": "notes"},
    "notes.title": {"zh": "年金客户月度导出 {period}", "en": "Customer master data, month {period}"},
    "notes.edition": {"zh": "版本：第 {edition} 版，生成于 {built_at}", "en": "Edition {edition}, built {built_at}"},
    "notes.as_of": {
        "zh": "截至 {as_of} 的数据（本月变动取自当前的合同历史）",
        "en": "As it stood at {as_of} (the movements are the contract history as it is now)",
    },
    "notes.units": {
        "zh": "金额：期末规模与上月规模为元（到分），（亿元）列为亿元（4 位小数）；占比为小数显示为百分比。是/否为判定结果。",
        "en": "Money: the balances in 元 (to the fen), the (亿元) columns in 亿元 (4 places); shares as percentages. 是/否 are the flags.",
    },
    "notes.columns": {
        "zh": "各列（表头 → 数据库列名，供 BI 对照）",
        "en": "Columns (header → database column, for BI)",
    },
    "moved.new.first": {"zh": "首次出现", "en": "first seen"},
    "moved.new.back": {"zh": "失效后重新出现（{lapsed_at} 失效）", "en": "back after lapsing ({lapsed_at})"},
    "moved.lapsed.lapsed": {
        "zh": "12 个月无规模明细（最后一行 {last_row}）",
        "en": "no 规模明细 row for 12 months (last {last_row})",
    },
    "moved.stopped.aum": {"zh": "规模归零", "en": "AUM went to zero"},
    "moved.stopped.contribution": {"zh": "12 个月无供款", "en": "no 供款 for 12 months"},
    "moved.resumed.contribution": {"zh": "恢复供款", "en": "供款 resumed"},
    "moved.resumed.aum": {"zh": "规模恢复", "en": "AUM came back"},
    "moved.resumed.both": {"zh": "规模与供款恢复", "en": "AUM and 供款 came back"},
    "moved.became_strategic.rank": {
        "zh": "进入分公司 × 产品线前 {top_n}",
        "en": "top {top_n} of its branch × product line",
    },
    "moved.became_strategic.threshold": {
        "zh": "规模达 {threshold_yi} 亿门槛",
        "en": "AUM at the {threshold_yi} 亿 threshold",
    },
    "moved.became_strategic.settings": {"zh": "按认定当月的设置", "en": "by the settings of the month it was decided"},
    "moved.lost_strategic.lost_strategic": {
        "zh": "新年度重新认定：上年 12 月及本月均未进入前 {top_n}，也未达门槛",
        "en": "new year: not in the top {top_n} nor at the threshold, in December or this month",
    },
    "reason.first_build": {"zh": "首次生成", "en": "first build"},
    "reason.replayed_from": {
        "zh": "合同历史自 {from} 起重放：{changed} 的已导入数据有变化",
        "en": "contract history replayed from {from}: loaded rows of {changed} changed",
    },
    "reason.replayed": {"zh": "合同历史重放", "en": "contract history replayed"},
    "reason.names": {"zh": "客户或计划名称变更", "en": "names changed"},
    "reason.ledger": {"zh": "{table}台账数据有变化", "en": "{table} rows changed"},
    "reason.refresh": {"zh": "由快照刷新重建", "en": "rebuilt by a snapshot refresh"},
    "reason.removed_all": {
        "zh": "已移除：不再有已同步的月份（所有月份均已撤回）",
        "en": "removed: no month is synced any more (every month was withdrawn)",
    },
    "reason.removed_outside": {
        "zh": "已移除：不在已同步范围 {first}–{last} 内（已撤回或已回滚）",
        "en": "removed: outside the synced range {first}–{last} (withdrawn or rewound)",
    },
    "reason.withdrawal": {
        "zh": "撤回 {month}：移除仅由该月带来的客户",
        "en": "withdrawal of {month}: customers only it brought removed",
    },
    "reason.outside": {"zh": "不在已同步范围内", "en": "outside the synced range"},
    "reason.by_hand": {"zh": "{user} 在刷新之外改动了数据行", "en": "rows changed outside a refresh by {user}"},
    "reason.pending": {
        "zh": "{month} 起的源数据有变化，合同历史尚未重放",
        "en": "source data changed from {month}; the contract history is not replayed yet",
    },
    "word.none": {"zh": "无", "en": "none"},
    "word.strategic": {"zh": "战略", "en": "strategic"},
    "word.not_strategic": {"zh": "非战略", "en": "not strategic"},
    "word.existing": {"zh": "存量", "en": "existing"},
    "word.not_existing": {"zh": "非存量", "en": "not existing"},
    "word.current": {"zh": "当前", "en": "current"},
    "word.no_field": {"zh": "无字段变化", "en": "no field"},
    "word.yes": {"zh": "是", "en": "yes"},
    "word.no": {"zh": "否", "en": "no"},
    "field.contract_status": {"zh": "状态", "en": "contract_status"},
    "field.is_strategic": {"zh": "战略", "en": "is_strategic"},
    "field.is_existing": {"zh": "存量", "en": "is_existing"},
    "field.status_year": {"zh": "状态年份", "en": "status_year"},
    "unit.wan": {"zh": "{value} 万元", "en": "{value} 万元"},
    "unit.wan_and_yuan": {"zh": "{value} 万元（{yuan} 元）", "en": "{value} 万元 ({yuan} 元)"},
    "list.separator": {"zh": "、", "en": ", "},
    "rule.contract": {"zh": "合同", "en": "Contract"},
    "rule.pending_correction": {"zh": "待重算", "en": "Pending correction"},
    "rule.in_force": {"zh": "存续", "en": "In force"},
    "rule.aum": {"zh": "月末规模", "en": "AUM"},
    "rule.contribution_12m": {"zh": "12 个月供款", "en": "供款, 12 months"},
    "rule.contract_status": {"zh": "状态", "en": "Status"},
    "rule.is_strategic": {"zh": "战略", "en": "Strategic"},
    "rule.is_existing": {"zh": "存量", "en": "Existing"},
    "rule.status_year": {"zh": "状态年度", "en": "Status year"},
    "rule.version": {"zh": "生效版本", "en": "Version in effect"},
    "rule.previous_version": {"zh": "上一版本", "en": "Version before"},
    "outcome.true": {"zh": "是", "en": "yes"},
    "outcome.false": {"zh": "否", "en": "no"},
    "outcome.none": {"zh": "无", "en": "none"},
}

MONEY = ("aum", "total", "contribution_12m", "threshold", "amount")


def language(chosen: str | None = None, *, default: str = "zh") -> str:
    """The language asked for (`--lang`, else WDH_LANG), else `default`; an unknown one is refused."""
    from work_data_hub.errors import InvalidInput

    lang = (chosen or os.environ.get("WDH_LANG") or default).strip().lower()
    if lang not in LANGUAGES:
        raise InvalidInput(f"Unknown language {lang!r}", hint="Use --lang zh or --lang en (or WDH_LANG).")
    return lang


def say(key: str, lang: str, **values) -> str:
    return MESSAGES[key][lang].format(**values)


def rule_label(rule: str, lang: str) -> str:
    return MESSAGES[f"rule.{rule}"][lang] if f"rule.{rule}" in MESSAGES else rule


def outcome_label(outcome: str, lang: str, *, rule: str | None = None, facts: dict | None = None) -> str:
    """'true', 'false' and 'none' in words; an amount (aum, contribution_12m) in the page's unit from
    the facts; any other outcome (正常, a month) as it is."""
    amount = {"aum": "aum", "contribution_12m": "total"}.get(rule or "")
    if amount and facts and amount in facts:
        return money(facts[amount], lang)
    if rule in ("version", "previous_version") and outcome.endswith(" … current"):
        return outcome.replace(" … current", " … " + say("word.current", lang))
    return MESSAGES[f"outcome.{outcome}"][lang] if f"outcome.{outcome}" in MESSAGES else outcome


def money(value, lang: str) -> str:
    """An amount in 万元; to the 元 too when 万元 would round it away (under 50 元, not zero)."""
    if value is None:
        return "—"
    amount = Decimal(str(value))
    wan = f"{amount / 10**4:,.2f}"
    if amount and abs(amount) < 50:
        return say("unit.wan_and_yuan", lang, value=wan, yuan=f"{amount:,.2f}")
    return say("unit.wan", lang, value=wan)


def explain(rule: str, facts: dict | None, lang: str) -> str | None:
    """A row of customer.explain_contract worded from its facts (None: no facts, e.g. an older database)."""
    if not facts or "case" not in facts:
        return None
    v = {k: ("—" if value is None else value) for k, value in facts.items()}
    for key in MONEY:
        if key in facts:
            v[key] = money(facts[key], lang)
    sep = say("list.separator", lang)
    if rule == "contract":
        v["provisional"] = say("explain.provisional", lang) if facts.get("provisional") else ""
        v["plan_name"] = facts.get("plan_name") or ""
        v["product_line_name"] = facts.get("product_line_name") or ""
    if rule == "contribution_12m":
        v["months"] = sep.join(f"{m['month']} {money(m['amount'], lang)}" for m in facts.get("months") or [])
    if rule == "is_strategic":  # a branch and a line by name (and code), as a person knows them
        v["branch_name"] = f"{facts.get('branch_name') or ''} {facts.get('branch') or ''}".strip() or "—"
        v["product_line_name"] = facts.get("product_line_name") or facts.get("product_line") or "—"
    if rule == "is_strategic" and facts["case"] == "ratchet":
        which = (
            "both"
            if facts.get("by_rank") and facts.get("by_threshold")
            else "rank"
            if facts.get("by_rank")
            else "threshold"
        )
        v["reason"] = say(f"explain.strategic_reason.{which}", lang, top_n=v["top_n"], threshold=v["threshold"])
    if rule == "is_existing" and facts["case"] == "december":
        v["above"] = say("explain.above_zero" if (facts.get("aum") or 0) > 0 else "explain.not_above_zero", lang)
    if rule in ("version", "previous_version") and "status" in facts:
        v["strategic"] = say("word.strategic" if facts.get("strategic") else "word.not_strategic", lang)
        v["existing"] = say("word.existing" if facts.get("existing") else "word.not_existing", lang)
        v["valid_to"] = facts.get("valid_to") or say("word.current", lang)
        v["changes"] = _changes(facts.get("changes"), lang)
    return say(f"explain.{rule}.{facts['case']}", lang, **v)


def timeline(kind: str, facts: dict | None, lang: str) -> str | None:
    """A row of customer.customer_timeline worded from its facts (None: no facts, e.g. a plan month)."""
    if not facts or "case" not in facts:
        return None
    v = {k: ("—" if value is None else value) for k, value in facts.items()}
    sep = say("list.separator", lang)
    if kind == "customer" and not facts.get("provisional"):
        return None
    if kind == "version" and facts["case"] == "changed":
        v["changes"] = _changes(facts.get("changes"), lang)
    if kind in ("merge_in", "merge_out"):
        kind = "merge"
        v["from_name"] = (
            f"（{facts['from_name']}）"
            if facts.get("from_name") and lang == "zh"
            else (f" ({facts['from_name']})" if facts.get("from_name") else "")
        )
        moved = [f"{table} {rows}" for table, rows in sorted((facts.get("moved") or {}).items()) if str(rows) != "0"]
        v["moved"] = sep.join(moved) or say("word.none", lang)
    if kind == "alias":
        v["kind"] = (
            say(f"alias_kind.{facts['kind']}", lang) if f"alias_kind.{facts['kind']}" in MESSAGES else facts["kind"]
        )
        v["source"] = (
            say(f"alias_source.{facts['source']}", lang)
            if f"alias_source.{facts['source']}" in MESSAGES
            else facts["source"]
        )
    if kind == "load" and f"domain.{facts.get('domain')}" in MESSAGES:
        v["domain"] = say(f"domain.{facts['domain']}", lang)
    return say(f"timeline.{kind}.{facts['case']}", lang, **v)


# Why a snapshot month was rebuilt or is stale, as the SQL records it (snapshot_edition.reason,
# snapshot_month_state.stale_reason: the writers' fixed English forms), each form with its words.
REASONS = [
    (r"first build", "reason.first_build"),
    (
        r"contract history replayed from (?P<from>\d{4}-\d{2}): loaded rows of (?P<changed>\d{4}-\d{2}) changed",
        "reason.replayed_from",
    ),
    (r"contract history replayed", "reason.replayed"),
    (r"names changed", "reason.names"),
    (r"(?P<table>\S+) rows changed", "reason.ledger"),
    (r"rebuilt by a snapshot refresh", "reason.refresh"),
    (r"removed: no month is synced any more \(every month was withdrawn\)", "reason.removed_all"),
    (
        r"removed: outside the synced range (?P<first>\d{6})–(?P<last>\d{6}) \(withdrawn or rewound\)",
        "reason.removed_outside",
    ),
    (r"withdrawal of (?P<month>\d{4}-\d{2}): customers only it brought removed", "reason.withdrawal"),
    (r"outside the synced range", "reason.outside"),
    (r"rows changed outside a refresh by (?P<user>.+)", "reason.by_hand"),
    (r"source data changed from (?P<month>\d{4}-\d{2}); the contract history is not replayed yet", "reason.pending"),
]


def moved(movement: str, facts: dict | None, lang: str) -> str | None:
    """Why a contract moved (customer.contract_movements' facts) in `lang`; None without facts."""
    if not facts or f"moved.{movement}.{facts.get('case')}" not in MESSAGES:
        return None
    return say(f"moved.{movement}.{facts['case']}", lang, **{k: ("—" if v is None else v) for k, v in facts.items()})


def reason(text: str | None, lang: str) -> str:
    """A recorded reason in `lang` (one the catalogue does not know stays as it was recorded)."""
    import re

    for pattern, key in REASONS:
        if text and (found := re.fullmatch(pattern, text)):
            return say(key, lang, **found.groupdict())
    return text or ""


def _changes(changes: list | None, lang: str) -> str:
    """What changed between two versions ([{field, was, now}], customer._timeline_versions), in words."""
    return say("list.separator", lang).join(
        f"{say('field.' + c['field'], lang)} {_value(c['was'], lang)} → {_value(c['now'], lang)}" for c in changes or []
    ) or say("word.no_field", lang)


def _value(text: str | None, lang: str) -> str:
    return {"true": say("word.yes", lang), "false": say("word.no", lang)}.get(text or "", text or "—")
