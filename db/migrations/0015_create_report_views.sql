-- The monthly report's figures, in SQL for the report and for BI alike (the report only renders):
--  * customer.v_product_line_month: per snapshot month and product line (and a total row per
--    month, product_line_code NULL) the customers and their statuses from the product-line fact,
--    the contracts 正常 / 停缴 from the plan fact, and the AUM.
--  * customer.product_line_changes, customer.contract_movements and customer.contract_branches
--    (procedures) read it and the contract history.
--  * wdh_reader may write the report: besides the view and those functions, it reads where the
--    data stands (customer.contract_sync_state, customer.snapshot_month_state), for the report's
--    header.
-- depends: 0014_customer_identity

CREATE VIEW customer.v_product_line_month AS
WITH customers AS (
    SELECT f.snapshot_month, f.product_line_code, max(f.product_line_name) AS product_line_name,
           count(*) AS customers,
           count(*) FILTER (WHERE f.is_strategic) AS strategic,
           count(*) FILTER (WHERE f.is_existing) AS existing,
           count(*) FILTER (WHERE f.is_new) AS new,
           count(*) FILTER (WHERE f.is_winning_this_year) AS won,
           count(*) FILTER (WHERE f.is_churned_this_year) AS lost,
           sum(f.aum_balance) AS aum_balance
    FROM customer.fct_customer_product_line_monthly AS f
    GROUP BY f.snapshot_month, f.product_line_code
), contracts AS (
    SELECT p.snapshot_month, p.product_line_code,
           count(*) FILTER (WHERE p.contract_status = '正常') AS contracts_normal,
           count(*) FILTER (WHERE p.contract_status = '停缴') AS contracts_stopped
    FROM customer.fct_customer_plan_monthly AS p
    GROUP BY p.snapshot_month, p.product_line_code
), totals AS (  -- a customer counts once whatever its product lines; a flag when any line has it
    SELECT f.snapshot_month, count(*) AS customers, count(*) FILTER (WHERE f.is_strategic) AS strategic,
           count(*) FILTER (WHERE f.is_existing) AS existing, count(*) FILTER (WHERE f.is_new) AS new,
           count(*) FILTER (WHERE f.is_won) AS won, count(*) FILTER (WHERE f.is_lost) AS lost,
           sum(f.aum_balance) AS aum_balance
    FROM (SELECT c.snapshot_month, c.company_id, bool_or(c.is_strategic) AS is_strategic,
                 bool_or(c.is_existing) AS is_existing, bool_or(c.is_new) AS is_new,
                 bool_or(c.is_winning_this_year) AS is_won, bool_or(c.is_churned_this_year) AS is_lost,
                 sum(c.aum_balance) AS aum_balance
          FROM customer.fct_customer_product_line_monthly AS c
          GROUP BY c.snapshot_month, c.company_id) AS f
    GROUP BY f.snapshot_month
)
SELECT c.snapshot_month, to_char(c.snapshot_month, 'YYYYMM') AS period, c.product_line_code, c.product_line_name,
       c.customers, c.strategic, c.existing, c.new, c.won, c.lost,
       k.contracts_normal, k.contracts_stopped, c.aum_balance, round(c.aum_balance / 100000000, 4) AS aum_balance_yi
FROM customers AS c
-- Every product-line row comes from at least one plan row of its month: an inner join, which
-- carries a filter on snapshot_month to both sides.
JOIN contracts AS k ON k.snapshot_month = c.snapshot_month AND k.product_line_code = c.product_line_code
UNION ALL
SELECT t.snapshot_month, to_char(t.snapshot_month, 'YYYYMM'), NULL, '全部',
       t.customers, t.strategic, t.existing, t.new, t.won, t.lost,
       k.contracts_normal, k.contracts_stopped, t.aum_balance, round(t.aum_balance / 100000000, 4)
FROM totals AS t
CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE p.contract_status = '正常') AS contracts_normal,
                           count(*) FILTER (WHERE p.contract_status = '停缴') AS contracts_stopped
                    FROM customer.fct_customer_plan_monthly AS p
                    WHERE p.snapshot_month = t.snapshot_month) AS k;
COMMENT ON VIEW customer.v_product_line_month IS
    'Per snapshot month (month-end date, period YYYYMM) and product line: customers, strategic, existing, '
    'new, won, lost (product-line fact), contracts 正常 / 停缴 (plan fact), AUM and AUM in 亿元; one more '
    'row per month with product_line_code NULL (全部) counts each customer once.';

GRANT SELECT ON customer.v_product_line_month TO wdh_reader, wdh_operator;
GRANT SELECT ON customer.contract_sync_state, customer.snapshot_month_state TO wdh_reader;
