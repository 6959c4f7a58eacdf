-- BI views over the snapshot fact tables, for the read-only role.
-- depends: 0008_create_contract_month_summary

CREATE VIEW customer.v_customer_product_line_status AS
SELECT f.snapshot_month,
       to_char(f.snapshot_month, 'YYYYMM') AS period,
       f.company_id,
       f.customer_name,
       f.product_line_code,
       f.product_line_name,
       pl."产品类别" AS product_category,
       pl."业务大类" AS business_category,
       f.is_strategic,
       f.is_existing,
       f.is_new,
       f.is_winning_this_year,
       f.is_churned_this_year,
       f.aum_balance,
       round(f.aum_balance / 100000000, 4) AS aum_balance_yi,
       f.plan_count
FROM customer.fct_customer_product_line_monthly AS f
LEFT JOIN mapping."产品线" AS pl ON pl."产品线代码" = f.product_line_code;
COMMENT ON VIEW customer.v_customer_product_line_status IS
    'Customer status by product line and month (month-end snapshot_month, period YYYYMM), with the '
    'product line''s category and AUM in 亿元.';

CREATE VIEW customer.v_plan_status AS
SELECT f.snapshot_month,
       to_char(f.snapshot_month, 'YYYYMM') AS period,
       f.company_id,
       f.customer_name,
       f.plan_code,
       f.plan_name,
       p."计划类型" AS plan_type,
       f.product_line_code,
       f.product_line_name,
       f.contract_status,
       f.is_churned_this_year,
       f.aum_balance,
       round(f.aum_balance / 100000000, 4) AS aum_balance_yi
FROM customer.fct_customer_plan_monthly AS f
LEFT JOIN mapping."年金计划" AS p ON p."年金计划号" = f.plan_code;
COMMENT ON VIEW customer.v_plan_status IS
    'Plan (contract) status by month (month-end snapshot_month, period YYYYMM), with the plan type and '
    'AUM in 亿元.';

GRANT SELECT ON customer.v_customer_product_line_status, customer.v_plan_status TO wdh_reader, wdh_operator;
