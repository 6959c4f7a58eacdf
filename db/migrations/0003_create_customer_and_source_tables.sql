-- Customers, the monthly AUM detail (规模明细) and the award / loss ledgers.
-- depends: 0002_create_mapping_tables

CREATE TABLE customer."年金客户" (
    company_id      text PRIMARY KEY,
    "客户名称"      text NOT NULL,
    "客户简称"      text,
    "年金客户类型"  text,
    tags            jsonb NOT NULL DEFAULT '[]'::jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE customer."年金客户" IS 'Annuity customers, keyed by company_id.';

-- No foreign keys here on purpose: the ETL loads the file as the business exports it, and the
-- contract sync rejects rows whose customer or product line is unknown (SQLSTATE 23503).
CREATE TABLE business."规模明细" (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    "月度"              date NOT NULL,
    "业务类型"          text,
    "计划类型"          text,
    "计划代码"          text NOT NULL,
    "计划名称"          text,
    "组合类型"          text,
    "组合代码"          text,
    "组合名称"          text,
    "客户名称"          text,
    "期初资产规模"      numeric(18,4),
    "期末资产规模"      numeric(18,4),
    "供款"              numeric(18,4),
    "流失_含待遇支付"   numeric(18,4),
    "流失"              numeric(18,4),
    "待遇支付"          numeric(18,4),
    "投资收益"          numeric(18,4),
    "当期收益率"        numeric(10,6),
    "机构代码"          text,
    "机构名称"          text,
    "产品线代码"        text,
    "年金账户号"        text,
    "年金账户名"        text,
    company_id          text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT "规模明细_月度_first_of_month" CHECK ("月度" = date_trunc('month', "月度")::date)
);
COMMENT ON TABLE business."规模明细" IS
    'Monthly AUM detail, one row per plan, portfolio and branch. 月度 is always the first day of the month. '
    'Rows without company_id never form a contract.';

-- The monthly queries: one month (or a 12-month window) of contract rows.
CREATE INDEX "规模明细_月度_contract_idx"
    ON business."规模明细" ("月度", company_id, "计划代码", "产品线代码");
-- Per-contract look-ups across months (prior December, history of one customer).
CREATE INDEX "规模明细_contract_月度_idx"
    ON business."规模明细" (company_id, "计划代码", "产品线代码", "月度");

CREATE TABLE customer."当年中标" (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    "上报月份"        date NOT NULL CHECK ("上报月份" = date_trunc('month', "上报月份")::date),
    "业务类型"        text,
    "产品线代码"      text,
    "上报客户名称"    text,
    "客户名称"        text,
    "年金计划号"      text,
    company_id        text,
    "机构代码"        text,
    "机构名称"        text,
    "中标日期"        date,
    "计划规模"        numeric(18,4),
    "年缴规模"        numeric(18,4),
    "计划类型"        text,
    "考核有效"        boolean,
    "备注"            text,
    created_at        timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE customer."当年中标" IS 'Award ledger: customers won this year, reported by month. 年缴规模 is in 亿元.';
COMMENT ON COLUMN customer."当年中标"."年缴规模" IS 'Annual contribution, 亿元.';
CREATE INDEX "当年中标_company_product_line_idx"
    ON customer."当年中标" (company_id, "产品线代码", "上报月份");

CREATE TABLE customer."当年流失" (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    "上报月份"        date NOT NULL CHECK ("上报月份" = date_trunc('month', "上报月份")::date),
    "业务类型"        text,
    "产品线代码"      text,
    "上报客户名称"    text,
    "客户名称"        text,
    "年金计划号"      text,
    company_id        text,
    "机构代码"        text,
    "机构名称"        text,
    "流失日期"        date,
    "计划规模"        numeric(18,4),
    "年缴规模"        numeric(18,4),
    "计划类型"        text,
    "考核有效"        boolean,
    "备注"            text,
    created_at        timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE customer."当年流失" IS 'Loss ledger: customers lost this year, reported by month. 年缴规模 is in 亿元.';
COMMENT ON COLUMN customer."当年流失"."年缴规模" IS 'Annual contribution, 亿元.';
CREATE INDEX "当年流失_company_product_line_idx"
    ON customer."当年流失" (company_id, "产品线代码", "上报月份");
