-- customer.movement_export(p_period_end date)
-- RETURNS TABLE (the columns of customer.contract_movements, then aum_balance_yi and
--                previous_aum_balance_yi numeric)
--
-- One job: the export's movements sheet: customer.contract_movements of the month, with both
-- AUMs in 亿元 too (4 places), in its order.
-- Errors: 22023 p_period_end NULL or not a month end; 55000 the month is not synced.
CREATE OR REPLACE FUNCTION customer.movement_export(p_period_end date)
RETURNS TABLE (movement text, company_id text, customer_name text, plan_code text, plan_name text,
               product_line_code text, product_line_name text, branch_code text, branch_name text,
               aum_balance numeric, previous_aum_balance numeric, reason text, aum_balance_yi numeric,
               previous_aum_balance_yi numeric)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER  -- for the private period check; it reads only what readers may
SET search_path = pg_catalog, pg_temp
SET jit = off  -- one month's rows: compiling costs more than it saves
AS $$
#variable_conflict use_column
DECLARE
    v_end date := customer._required_period_end(p_period_end, 'p_period_end');
BEGIN
    RETURN QUERY
    SELECT m.movement, m.company_id, m.customer_name, m.plan_code, m.plan_name, m.product_line_code,
           m.product_line_name, m.branch_code, m.branch_name, m.aum_balance, m.previous_aum_balance, m.reason,
           round(m.aum_balance / 100000000, 4), round(m.previous_aum_balance / 100000000, 4)
    FROM customer.contract_movements(p_period_end => v_end) AS m;
END
$$;

COMMENT ON FUNCTION customer.movement_export(date) IS
    'Export: the month''s movements (customer.contract_movements) with both AUMs in 亿元 too.';
REVOKE ALL ON FUNCTION customer.movement_export(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.movement_export(date) TO wdh_reader, wdh_operator;
