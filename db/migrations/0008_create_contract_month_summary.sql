-- Per contract and month sums that the contract sync derives from business."规模明细" when it
-- applies a month, so that later periods read one small row per contract and month instead of
-- re-aggregating twelve months of source rows. Owned by customer.sync_contract_status: it holds
-- exactly the applied months and is rewound with the history.
-- depends: 0007_create_roles_and_grants

CREATE TABLE customer.contract_month_summary (
    month              date NOT NULL CHECK (month = date_trunc('month', month)::date),
    company_id         text NOT NULL,
    plan_code          text NOT NULL,
    product_line_code  text NOT NULL,
    aum                numeric NOT NULL,
    contribution       numeric NOT NULL,
    is_strategic       boolean NOT NULL,
    PRIMARY KEY (month, company_id, plan_code, product_line_code)
);
COMMENT ON TABLE customer.contract_month_summary IS
    'Derived by sync_contract_status for every applied month: SUM(期末资产规模), SUM(供款) and whether '
    'the contract was strategic that month (rank or threshold within its branch and product line, with '
    'the settings in force when the month was applied). Rewound with the contract history.';

GRANT SELECT ON customer.contract_month_summary TO wdh_operator;
