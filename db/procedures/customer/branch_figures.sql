-- customer.branch_figures(p_period_end date)
-- RETURNS TABLE (branch_code text, branch_name text, customers bigint, contracts bigint, contracts_normal bigint,
--                contracts_stopped bigint, aum_yi numeric, aum_share_pct numeric)
--
-- One job: the monthly report's branch table: per branch (机构, customer.contract_branches) the
-- month's customers, contracts, 正常 and 停缴 contracts, AUM in 亿元 (2 places) and its share of the
-- month in percent (1 place), largest first. Reads customer.v_plan_rows (the month as it is, or as
-- it stood at the transaction's as-of moment): the figures are the month's as it stood; which
-- branch a contract belongs to comes from the history and 规模明细 as they are now, and a contract
-- they no longer hold (merged away, withdrawn) counts under '—' (机构不详), so the totals stay whole.
-- No row when the month's snapshot is not built.
-- Errors: 22023 p_period_end NULL or not a month end.
CREATE OR REPLACE FUNCTION customer.branch_figures(p_period_end date)
RETURNS TABLE (branch_code text, branch_name text, customers bigint, contracts bigint, contracts_normal bigint,
               contracts_stopped bigint, aum_yi numeric, aum_share_pct numeric)
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
    SELECT coalesce(b.branch_code, '—'), coalesce(max(b.branch_name), '机构不详'), count(DISTINCT f.company_id), count(*),
           count(*) FILTER (WHERE f.contract_status = '正常'), count(*) FILTER (WHERE f.contract_status = '停缴'),
           round(sum(f.aum_balance) / 100000000, 2),
           round(100 * sum(f.aum_balance) / nullif(sum(sum(f.aum_balance)) OVER (), 0), 1)
    FROM customer.v_plan_rows AS f
    LEFT JOIN customer.contract_branches(p_period_end => v_end) AS b
      ON b.company_id = f.company_id AND b.plan_code = f.plan_code AND b.product_line_code = f.product_line_code
    WHERE f.snapshot_month = v_end
    GROUP BY b.branch_code
    ORDER BY sum(f.aum_balance) DESC, b.branch_code;
END
$$;

COMMENT ON FUNCTION customer.branch_figures(date) IS
    'Report: per branch, the month''s customers, contracts by status, AUM in 亿元 and its share.';
REVOKE ALL ON FUNCTION customer.branch_figures(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.branch_figures(date) TO wdh_reader, wdh_operator;
