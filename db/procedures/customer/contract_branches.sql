-- customer.contract_branches(p_period_end date)
-- RETURNS TABLE (company_id text, plan_code text, product_line_code text, branch_code text,
--                branch_name text)
--
-- One job: the branch (机构) each contract in force at the month p_period_end belongs to, for the
-- monthly report: customer._contract_branch of its rows in the latest month it has rows up to the
-- month (contract_month_summary.last_seen): the 机构代码 holding most of its AUM. One row per
-- contract in force (the month's contract_month_summary rows); none when the month is not synced.
-- Errors: 22023 when p_period_end is NULL or not a month end.
CREATE OR REPLACE FUNCTION customer.contract_branches(p_period_end date)
RETURNS TABLE (company_id text, plan_code text, product_line_code text, branch_code text, branch_name text)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER  -- readers of the report see branches, not the 规模明细 rows they come from
SET search_path = pg_catalog, pg_temp
SET jit = off  -- one index probe per contract: compiling costs more than it saves
AS $$
#variable_conflict use_column
DECLARE
    v_end date := customer._required_period_end(p_period_end, 'p_period_end');
BEGIN
    RETURN QUERY
    SELECT s.company_id, s.plan_code, s.product_line_code, b.branch_code, b.branch_name
    FROM customer.contract_month_summary AS s
    CROSS JOIN LATERAL customer._contract_branch(s.company_id, s.plan_code, s.product_line_code, s.last_seen) AS b
    WHERE s.month = date_trunc('month', v_end)::date;
END
$$;

COMMENT ON FUNCTION customer.contract_branches(date) IS
    'Report: the branch of each contract in force at the month (largest AUM in its latest month with rows).';
REVOKE ALL ON FUNCTION customer.contract_branches(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.contract_branches(date) TO wdh_reader, wdh_operator;
