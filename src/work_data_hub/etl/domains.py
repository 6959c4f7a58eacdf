"""Per-domain column maps: which header variants feed which target column, and how to parse them."""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

TEXT, MONTH, DATE, NUMBER, RATE, BOOL = "text", "month", "date", "number", "rate", "bool"


@dataclass(frozen=True)
class Column:
    target: str
    headers: tuple[str, ...]
    kind: str = TEXT
    required: bool = False


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

    @property
    def table(self) -> sql.Identifier:
        return sql.Identifier(self.schema, self.table_name)

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
        Column("月度", ("月度",), MONTH, required=True),
        Column("业务类型", ("业务类型",), required=True),
        Column("计划类型", ("计划类型",)),
        Column("计划代码", ("计划代码", "计划号"), required=True),
        Column("计划名称", ("计划名称",)),
        Column("组合类型", ("组合类型",)),
        Column("组合代码", ("组合代码",)),
        Column("组合名称", ("组合名称",)),
        Column("客户名称", ("客户名称",)),
        Column("期初资产规模", ("期初资产规模",), NUMBER),
        Column("期末资产规模", ("期末资产规模",), NUMBER, required=True),
        Column("供款", ("供款",), NUMBER, required=True),
        Column("流失_含待遇支付", ("流失(含待遇支付)", "流失_含待遇支付"), NUMBER),
        Column("流失", ("流失",), NUMBER),
        Column("待遇支付", ("待遇支付",), NUMBER),
        Column("投资收益", ("投资收益",), NUMBER),
        Column("当期收益率", ("当期收益率",), RATE),
        Column("机构代码", ("机构代码",)),
        Column("机构名称", ("机构", "机构名称")),
        Column("年金账户号", ("年金账户号",)),
        Column("年金账户名", ("年金账户名",)),
        Column("company_id", ("company_id", "公司代码"), required=True),
    ),
)


def _ledger(name: str, table: str, date_column: str) -> Domain:
    return Domain(
        name=name,
        schema="customer",
        table_name=table,
        sheet=table,
        month_column="上报月份",
        plan_column="年金计划号",
        plan_name_column=None,
        columns=(
            Column("上报月份", ("上报月份", "月度"), MONTH, required=True),
            Column("业务类型", ("业务类型",), required=True),
            Column("上报客户名称", ("上报客户名称",)),
            Column("客户名称", ("客户名称",)),
            Column("年金计划号", ("年金计划号", "计划代码", "计划号")),
            Column("company_id", ("company_id", "公司代码"), required=True),
            Column("机构代码", ("机构代码",)),
            Column("机构名称", ("机构", "机构名称")),
            Column(date_column, (date_column,), DATE),
            Column("计划规模", ("计划规模",), NUMBER),
            Column("年缴规模", ("年缴规模",), NUMBER),
            Column("计划类型", ("计划类型",)),
            Column("考核有效", ("考核有效",), BOOL),
            Column("备注", ("备注",)),
        ),
    )


ANNUAL_AWARD = _ledger("annual_award", "当年中标", "中标日期")
ANNUAL_LOSS = _ledger("annual_loss", "当年流失", "流失日期")

DOMAINS = {d.name: d for d in (ANNUITY_PERFORMANCE, ANNUAL_AWARD, ANNUAL_LOSS)}
