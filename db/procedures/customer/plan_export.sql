-- customer.plan_export(p_period_end date)
-- RETURNS TABLE (the columns of customer.v_plan_status, then aum_share numeric)
--
-- One job: the export's plan sheet: the month's rows of the BI view customer.v_plan_status, each
-- with its share of its product line's AUM (0–1), by company_id, plan and product line. The month
-- as it is, or as it stood at the transaction's as-of moment. No row when the month is not built.
-- Errors: 22023 p_period_end NULL or not a month end.
CREATE OR REPLACE FUNCTION customer.plan_export(p_period_end date)
RETURNS TABLE (snapshot_month date, period text, company_id text, customer_name text, plan_code text,
               plan_name text, plan_type text, product_line_code text, product_line_name text, contract_status text,
               is_churned_this_year boolean, aum_balance numeric, aum_balance_yi numeric, aum_share numeric)
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
    SELECT v.snapshot_month, v.period, v.company_id, v.customer_name, v.plan_code, v.plan_name, v.plan_type::text,
           v.product_line_code, v.product_line_name, v.contract_status, v.is_churned_this_year,
           v.aum_balance::numeric, v.aum_balance_yi,
           v.aum_balance / nullif(sum(v.aum_balance) OVER (PARTITION BY v.product_line_code), 0)
    FROM customer.v_plan_status AS v
    WHERE v.snapshot_month = v_end
    ORDER BY v.company_id, v.plan_code, v.product_line_code;
END
$$;

COMMENT ON FUNCTION customer.plan_export(date) IS
    'Export: the month''s plan rows (the BI view) with each one''s share of its product line''s AUM.';
REVOKE ALL ON FUNCTION customer.plan_export(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.plan_export(date) TO wdh_reader, wdh_operator;
