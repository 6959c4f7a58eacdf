"""Per-domain column maps: which header variants feed which target column, how to parse them, and
what proves that a file belongs to the domain."""

from __future__ import annotations

from dataclasses import dataclass, field

from psycopg import sql

from work_data_hub.texts import INVISIBLE

TEXT, ID, MONTH, DATE, NUMBER, RATE, BOOL = "text", "id", "month", "date", "number", "rate", "bool"

# 业务类型's spellings (long forms, the ledgers' short forms) are rows of mapping."业务类型别名", one
# mapping in SQL for 规模明细 and both ledgers alike (etl.stage resolves them).
PLAN_TYPE_FORMS = {"集合": "集合计划", "单一": "单一计划"}


@dataclass(frozen=True)
class Column:
    target: str
    headers: tuple[str, ...]
    kind: str = TEXT
    required: bool = False  # the column must be in the file
    not_null: bool = False  # every row must hold a value (a required measure)
    forms: dict[str, str] = field(default_factory=dict)  # value variants → the canonical value
    stage_only: bool = False  # read into the staging table for resolution, not stored in the target
    key: bool = False  # an id: made canonical in SQL (customer.canonical_key) before it is looked up or stored
    unit: str = "元"  # a money column's stored unit: 元 (规模明细), 亿元 (a ledger's 计划规模 and 年缴规模)


@dataclass(frozen=True)
class Domain:
    name: str
    schema: str
    table_name: str
    sheet: str  # preferred sheet of an .xlsx
    month_column: str  # the column whose months a load replaces
    plan_column: str
    plan_name_column: str | None
    columns: tuple[Column, ...]
    sheet_keyword: str | None = None  # ledgers: every sheet whose name holds it is read
    date_column: str | None = None  # ledgers: 中标日期 / 流失日期

    @property
    def table(self) -> sql.Identifier:
        return sql.Identifier(self.schema, self.table_name)

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.table_name}"

    @property
    def is_ledger(self) -> bool:
        return self.sheet_keyword is not None

    def column(self, target: str) -> Column | None:
        return next((c for c in self.columns if c.target == target), None)


ANNUITY_PERFORMANCE = Domain(
    name="annuity_performance",
    schema="business",
    table_name="规模明细",
    sheet="规模明细",
    month_column="月度",
    plan_column="计划代码",
    plan_name_column="计划名称",
    columns=(
        Column("月度", ("月度",), MONTH, required=True, not_null=True),
        Column("业务类型", ("业务类型",), required=True),
        Column("计划类型", ("计划类型",)),
        Column("计划代码", ("计划代码", "计划号"), ID, required=True, not_null=True, key=True),
        Column("计划名称", ("计划名称",)),
        Column("组合类型", ("组合类型",)),
        Column("组合代码", ("组合代码",), key=True),
        Column("组合名称", ("组合名称",)),
        Column("客户名称", ("客户名称",)),
        Column("期初资产规模", ("期初资产规模",), NUMBER),
        Column("期末资产规模", ("期末资产规模",), NUMBER, required=True, not_null=True),
        Column("供款", ("供款",), NUMBER, required=True, not_null=True),
        Column("流失_含待遇支付", ("流失(含待遇支付)", "流失_含待遇支付"), NUMBER),
        Column("流失", ("流失",), NUMBER),
        Column("待遇支付", ("待遇支付",), NUMBER),
        Column("投资收益", ("投资收益",), NUMBER),
        Column("当期收益率", ("当期收益率",), RATE),
        Column("机构代码", ("机构代码",), key=True),
        Column("机构名称", ("机构", "机构名称")),
        Column("年金账户号", ("年金账户号",), ID, key=True),
        Column("年金账户名", ("年金账户名",)),
        # Rows without one are resolved from 客户名称 and the accounts (customer.resolve_staged_identities).
        Column("company_id", ("company_id", "公司代码"), ID, key=True),
        Column("集团企业客户号", ("集团企业客户号",), ID, stage_only=True, key=True),
    ),
)


def _ledger(name: str, table: str, keyword: str, date_column: str) -> Domain:
    return Domain(
        name=name,
        schema="customer",
        table_name=table,
        sheet=table,
        month_column="上报月份",
        plan_column="年金计划号",
        plan_name_column=None,
        sheet_keyword=keyword,
        date_column=date_column,
        columns=(
            Column("上报月份", ("上报月份", "月度"), MONTH, required=True, not_null=True),
            # 业务类型 may instead come from the sheet name (企年受托中标(空白) → 企年受托).
            Column("业务类型", ("业务类型",), required=True),
            Column("上报客户名称", ("上报客户名称", "客户全称")),
            Column("客户名称", ("客户名称",)),
            Column("年金计划号", ("年金计划号", "计划代码", "计划号"), ID, key=True),
            Column("company_id", ("company_id", "公司代码"), ID, key=True),
            Column("机构代码", ("机构代码",), key=True),
            Column("机构名称", ("机构", "机构名称")),
            Column(date_column, (date_column,), DATE),
            Column("计划规模", ("计划规模",), NUMBER, unit="亿元"),
            Column("年缴规模", ("年缴规模",), NUMBER, unit="亿元"),
            Column("计划类型", ("计划类型",), forms=PLAN_TYPE_FORMS),
            Column("考核有效", ("考核有效",), BOOL),
            Column("备注", ("备注",)),
        ),
    )


ANNUAL_AWARD = _ledger("annual_award", "当年中标", "中标", "中标日期")
ANNUAL_LOSS = _ledger("annual_loss", "当年流失", "流失", "流失日期")

DOMAINS = {d.name: d for d in (ANNUITY_PERFORMANCE, ANNUAL_AWARD, ANNUAL_LOSS)}


def normalise_header(header: str) -> str:
    """Headers compare without white space of any kind (spaces, line breaks typed with Alt+Enter,
    tabs, no-break and ideographic spaces) and with either kind of parentheses."""
    return "".join(header.replace("（", "(").replace("）", ")").translate(INVISIBLE).split())


def looks_like(headers: set[str], sheet_names: list[str]) -> list[str]:
    """The domains a file's (normalised) headers and sheet names say it belongs to."""
    found = []
    if {"期末资产规模", "供款"} <= headers:
        found.append(ANNUITY_PERFORMANCE.name)
    for ledger in (ANNUAL_AWARD, ANNUAL_LOSS):
        if ledger.date_column in headers or any(ledger.sheet_keyword in s for s in sheet_names):
            found.append(ledger.name)
    return found
