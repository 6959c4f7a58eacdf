-- Contract history: one row per version of a (company_id, plan_code, product_line_code) contract
-- (SCD Type 2, half-open validity [valid_from, valid_to)).
-- depends: 0003_create_customer_and_source_tables

CREATE TABLE customer.customer_plan_contract (
    contract_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id         text NOT NULL REFERENCES customer."年金客户" (company_id),
    plan_code          text NOT NULL,
    product_line_code  text NOT NULL REFERENCES mapping."产品线" ("产品线代码"),
    product_line_name  text,
    customer_name      text,
    plan_name          text,
    is_strategic       boolean NOT NULL,
    is_existing        boolean NOT NULL,
    status_year        integer NOT NULL,
    contract_status    text NOT NULL CHECK (contract_status IN ('正常', '停缴')),
    valid_from         date NOT NULL,
    valid_to           date NOT NULL DEFAULT '9999-12-31',
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT customer_plan_contract_key_valid_from_key
        UNIQUE (company_id, plan_code, product_line_code, valid_from),
    CONSTRAINT customer_plan_contract_valid_range_check CHECK (valid_from < valid_to)
);
COMMENT ON TABLE customer.customer_plan_contract IS
    'SCD2 history of customer x plan x product-line contracts. A version is in effect on day d iff '
    'valid_from <= d < valid_to; the current version has valid_to = 9999-12-31. Written only by '
    'customer.sync_contract_status, which never lets versions of a key overlap (closing a version at '
    'E opens its successor at E).';

-- At most one current version per key.
CREATE UNIQUE INDEX customer_plan_contract_current_key
    ON customer.customer_plan_contract (company_id, plan_code, product_line_code)
    WHERE valid_to = '9999-12-31';
