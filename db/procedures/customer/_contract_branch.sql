-- customer._contract_branch(p_company_id text, p_plan_code text, p_product_line_code text, p_month date)
-- RETURNS TABLE (branch_code text, branch_name text)
--
-- Private; one job: the branch (机构) of one contract from its 规模明细 rows of month p_month (the
-- first of the month; the callers pass the contract's latest month with rows, last_seen): the
-- 机构代码 holding the largest SUM(期末资产规模), ties to the lower code; a NULL 机构代码 counts as
-- G00 (customer._branch_code), as in the strategic ranking. branch_name from mapping."组织架构", else the 机构名称 of those
-- rows. No row when the contract has no row that month. One probe of the index (company_id,
-- 计划代码, 产品线代码, 月度). A SQL-standard body without SET clauses: inlined into its callers
-- (customer.contract_branches, customer.contract_movements).
CREATE OR REPLACE FUNCTION customer._contract_branch(
    p_company_id text, p_plan_code text, p_product_line_code text, p_month date)
RETURNS TABLE (branch_code text, branch_name text)
LANGUAGE sql
STABLE
BEGIN ATOMIC
    SELECT b.branch_code, coalesce(o."机构名称", b.row_name)
    FROM (SELECT customer._branch_code(d."机构代码") AS branch_code, max(d."机构名称") AS row_name,
                 sum(d."期末资产规模") AS aum
          FROM business."规模明细" AS d
          WHERE d.company_id = p_company_id AND d."计划代码" = p_plan_code
            AND d."产品线代码" = p_product_line_code AND d."月度" = p_month
          GROUP BY 1) AS b
    LEFT JOIN mapping."组织架构" AS o ON o."机构代码" = b.branch_code
    ORDER BY b.aum DESC NULLS LAST, b.branch_code COLLATE "C"
    LIMIT 1;
END;

COMMENT ON FUNCTION customer._contract_branch(text, text, text, date) IS
    'Private to the report: the branch of one contract from its rows of one month (largest AUM).';
REVOKE ALL ON FUNCTION customer._contract_branch(text, text, text, date) FROM PUBLIC;
