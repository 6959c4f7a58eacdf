-- Monthly periodic snapshots for BI.
-- depends: 0004_create_contract_table

CREATE TABLE customer.fct_customer_product_line_monthly (
    snapshot_month        date NOT NULL,
    company_id            text NOT NULL,
    product_line_code     text NOT NULL,
    product_line_name     text,
    customer_name         text,
    is_strategic          boolean NOT NULL,
    is_existing           boolean NOT NULL,
    is_new                boolean NOT NULL,
    is_winning_this_year  boolean NOT NULL,
    is_churned_this_year  boolean NOT NULL,
    aum_balance           numeric(20,2) NOT NULL DEFAULT 0,
    plan_count            integer NOT NULL,
    updated_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (snapshot_month, company_id, product_line_code)
);
COMMENT ON TABLE customer.fct_customer_product_line_monthly IS
    'Monthly snapshot, grain month x customer x product line. snapshot_month is the month-end date. '
    'Written only by customer.refresh_monthly_snapshot.';

CREATE TABLE customer.fct_customer_plan_monthly (
    snapshot_month        date NOT NULL,
    company_id            text NOT NULL,
    plan_code             text NOT NULL,
    product_line_code     text NOT NULL,
    customer_name         text,
    plan_name             text,
    product_line_name     text,
    is_churned_this_year  boolean NOT NULL,
    contract_status       text NOT NULL CHECK (contract_status IN ('正常', '停缴')),
    aum_balance           numeric(20,2) NOT NULL DEFAULT 0,
    updated_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (snapshot_month, company_id, plan_code, product_line_code)
);
COMMENT ON TABLE customer.fct_customer_plan_monthly IS
    'Monthly snapshot, grain month x contract. snapshot_month is the month-end date. '
    'Written only by customer.refresh_monthly_snapshot.';
