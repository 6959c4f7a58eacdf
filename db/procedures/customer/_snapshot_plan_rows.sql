-- customer._snapshot_plan_rows(p_end date)
-- RETURNS TABLE (company_id text, plan_code text, product_line_code text, customer_name text,
--                plan_name text, product_line_name text, is_strategic boolean, is_existing boolean,
--                contract_status text, is_churned_this_year boolean, aum numeric, aum_balance numeric)
--
-- Private; one job: the plan-grain rows of the snapshot of month end p_end, as
-- customer._refresh_snapshot_month writes them (with is_strategic, is_existing and the exact aum,
-- from which it groups the product-line rows): one row per contract in force at the month, from
-- its version in effect at p_end; aum = the month's SUM(期末资产规模) (contract_month_summary),
-- aum_balance = aum rounded to 2 places; is_churned_this_year = a 当年流失 row with the same
-- company_id, 年金计划号 = plan_code and 产品线代码, reported from January up to the month.
-- The contracts in force are exactly the month's rows of contract_month_summary, read through its
-- primary key; each one's version in effect is the one with the latest valid_from <= p_end, one
-- probe of the unique index (company_id, plan_code, product_line_code, valid_from) through a
-- LATERAL … LIMIT 1, which PostgreSQL can only run as that probe, whatever the history's length.
-- A SQL-standard body without SET clauses: the planner inlines it into its caller's statement.
CREATE OR REPLACE FUNCTION customer._snapshot_plan_rows(p_end date)
RETURNS TABLE (company_id text, plan_code text, product_line_code text, customer_name text, plan_name text,
               product_line_name text, is_strategic boolean, is_existing boolean, contract_status text,
               is_churned_this_year boolean, aum numeric, aum_balance numeric)
LANGUAGE sql
STABLE
BEGIN ATOMIC
    SELECT c.company_id, c.plan_code, c.product_line_code, c.customer_name, c.plan_name,
           c.product_line_name, c.is_strategic, c.is_existing, c.contract_status,
           EXISTS (SELECT 1 FROM customer."当年流失" AS l
                   WHERE l.company_id = c.company_id AND l."年金计划号" = c.plan_code
                     AND l."产品线代码" = c.product_line_code
                     AND l."上报月份" BETWEEN date_trunc('year', p_end)::date AND date_trunc('month', p_end)::date),
           m.aum, round(m.aum, 2)
    FROM customer.contract_month_summary AS m
    CROSS JOIN LATERAL (
        SELECT v.* FROM customer.customer_plan_contract AS v
        WHERE v.company_id = m.company_id AND v.plan_code = m.plan_code
          AND v.product_line_code = m.product_line_code AND v.valid_from <= p_end
        ORDER BY v.valid_from DESC
        LIMIT 1
    ) AS c
    WHERE m.month = date_trunc('month', p_end)::date AND p_end < c.valid_to;
END;

COMMENT ON FUNCTION customer._snapshot_plan_rows(date) IS
    'Private to the refresh: the plan-grain snapshot rows of a month end, from the versions in effect then.';
REVOKE ALL ON FUNCTION customer._snapshot_plan_rows(date) FROM PUBLIC;
