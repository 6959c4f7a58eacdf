-- customer.contract_branches(p_period_end date)
-- RETURNS TABLE (company_id text, plan_code text, product_line_code text, branch_code text,
--                branch_name text)
--
-- One job: the branch (机构) a contract in force at the month p_period_end belongs to, for the
-- monthly report: the 机构代码 of its 规模明细 rows in the latest month it has rows up to the month
-- (contract_month_summary.last_seen) that holds the largest SUM(期末资产规模), ties to the lower
-- code; a NULL 机构代码 counts as G00, as in the strategic ranking. branch_name from
-- mapping."组织架构", else the 机构名称 of those rows. One row per contract in force (the month's contract_month_summary rows);
-- none when the month is not synced. Each contract's rows are one probe of the index
-- (company_id, 计划代码, 产品线代码, 月度).
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
    v_end date := customer._period_end(p_period_end, 'p_period_end');
BEGIN
    IF v_end IS NULL THEN
        RAISE EXCEPTION 'p_period_end must be a month-end date, not NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    SELECT s.company_id, s.plan_code, s.product_line_code, b.branch_code, coalesce(o."机构名称", b.branch_name)
    FROM customer.contract_month_summary AS s
    CROSS JOIN LATERAL (
        SELECT coalesce(d."机构代码", 'G00') AS branch_code, max(d."机构名称") AS branch_name
        FROM business."规模明细" AS d
        WHERE d.company_id = s.company_id AND d."计划代码" = s.plan_code AND d."产品线代码" = s.product_line_code
          AND d."月度" = s.last_seen
        GROUP BY 1
        ORDER BY sum(d."期末资产规模") DESC NULLS LAST, coalesce(d."机构代码", 'G00') COLLATE "C"
        LIMIT 1) AS b
    LEFT JOIN mapping."组织架构" AS o ON o."机构代码" = b.branch_code
    WHERE s.month = date_trunc('month', v_end)::date;
END
$$;

COMMENT ON FUNCTION customer.contract_branches(date) IS
    'Report: the branch of each contract in force at the month (largest AUM in its latest month with rows).';
REVOKE ALL ON FUNCTION customer.contract_branches(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.contract_branches(date) TO wdh_reader, wdh_operator;
