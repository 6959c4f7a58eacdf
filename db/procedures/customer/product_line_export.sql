-- customer.product_line_export(p_period_end date)
-- RETURNS TABLE (the columns of customer.v_customer_product_line_status, then aum_share numeric)
--
-- One job: the export's product-line sheet: the month's rows of the BI view
-- customer.v_customer_product_line_status, each with its share of its product line's AUM (0–1),
-- by product line and company_id. The month as it is, or as it stood at the transaction's as-of
-- moment (customer.set_snapshot_as_of). No row when the month's snapshot is not built.
-- Errors: 22023 p_period_end NULL or not a month end.
CREATE OR REPLACE FUNCTION customer.product_line_export(p_period_end date)
RETURNS TABLE (snapshot_month date, period text, company_id text, customer_name text, product_line_code text,
               product_line_name text, product_category text, business_category text, is_strategic boolean,
               is_existing boolean, is_new boolean, is_winning_this_year boolean, is_churned_this_year boolean,
               aum_balance numeric, aum_balance_yi numeric, plan_count integer, aum_share numeric)
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
    SELECT v.snapshot_month, v.period, v.company_id, v.customer_name, v.product_line_code, v.product_line_name,
           v.product_category::text, v.business_category::text, v.is_strategic, v.is_existing, v.is_new,
           v.is_winning_this_year, v.is_churned_this_year, v.aum_balance::numeric, v.aum_balance_yi, v.plan_count,
           v.aum_balance / nullif(sum(v.aum_balance) OVER (PARTITION BY v.product_line_code), 0)
    FROM customer.v_customer_product_line_status AS v
    WHERE v.snapshot_month = v_end
    ORDER BY v.product_line_code, v.company_id;
END
$$;

COMMENT ON FUNCTION customer.product_line_export(date) IS
    'Export: the month''s product-line rows (the BI view) with each one''s share of its product line''s AUM.';
REVOKE ALL ON FUNCTION customer.product_line_export(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.product_line_export(date) TO wdh_reader, wdh_operator;
