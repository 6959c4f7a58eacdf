-- customer._contract_month_groups(p_month date, p_top_n integer, p_threshold numeric)
-- RETURNS TABLE (company_id text, plan_code text, product_line_code text, branch text, aum_units bigint,
--                contribution_units bigint, rank bigint, by_rank boolean, by_threshold boolean)
--
-- One job: the strategic rule's groups of month p_month (the first of the month), ranked: every
-- contract's 规模明细 rows of the month (company_id and 产品线代码 present) grouped by branch
-- (机构代码; NULL or empty counts as G00), with
--   aum_units, contribution_units  the group's SUM(期末资产规模) and SUM(供款) in whole units of
--                                  0.0001 (the columns' scale), as bigint: exact, and a tenth of the
--                                  memory of numeric sums (see customer._derive_contract_month);
--   rank           among the groups with AUM above zero of its (branch, product line): AUM
--                  descending, then company_id, then plan_code, compared bytewise (COLLATE "C");
--                  NULL for a group without AUM above zero, which takes no part;
--   by_rank        AUM above zero and rank <= p_top_n;
--   by_threshold   AUM above zero and AUM >= p_threshold (inclusive).
-- A contract is strategic in the month iff one of its groups is by_rank or by_threshold.
-- The one copy of the rule: customer._derive_contract_month sums these groups per contract for the
-- sync, and customer.explain_contract and customer.contract_movements read them to say which group
-- ranked where. SQL-standard body, STABLE, no SET clause, not STRICT: the planner inlines it into
-- the caller's statement, so the sync's plan is the one it had when this was written inline, and a
-- caller's filter on branch and product line (the partition) reaches the scan of 规模明细.
CREATE OR REPLACE FUNCTION customer._contract_month_groups(p_month date, p_top_n integer, p_threshold numeric)
RETURNS TABLE (company_id text, plan_code text, product_line_code text, branch text, aum_units bigint,
               contribution_units bigint, rank bigint, by_rank boolean, by_threshold boolean)
LANGUAGE sql
STABLE
PARALLEL SAFE
BEGIN ATOMIC
    SELECT r.company_id, r.plan_code, r.product_line_code, r.branch, r.aum_units, r.contribution_units,
           CASE WHEN r.aum_units > 0 THEN r.position END,
           r.aum_units > 0 AND r.position <= p_top_n,
           -- The threshold in the same units, rounded up: a whole number of units reaches it iff it
           -- reaches this (capped where no bigint can reach it). Computed once (an InitPlan).
           r.aum_units > 0
               AND r.aum_units >= (SELECT least(ceil(p_threshold * 10000), 9223372036854775807)::bigint)
    FROM (
        SELECT b.company_id, b.plan_code, b.product_line_code, b.branch, b.aum_units, b.contribution_units,
               row_number() OVER (PARTITION BY b.branch, b.product_line_code, b.aum_units > 0
                                  ORDER BY b.aum_units DESC, b.company_id COLLATE "C", b.plan_code COLLATE "C")
                   AS position
        FROM (
            SELECT d.company_id, d."计划代码" AS plan_code, d."产品线代码" AS product_line_code,
                   customer._branch_code(d."机构代码") AS branch,
                   coalesce(sum((d."期末资产规模" * 10000)::bigint), 0)::bigint AS aum_units,
                   coalesce(sum((d."供款" * 10000)::bigint), 0)::bigint AS contribution_units
            FROM business."规模明细" AS d
            WHERE d."月度" = p_month AND d.company_id IS NOT NULL AND d."产品线代码" IS NOT NULL
            GROUP BY 1, 2, 3, 4
        ) AS b
    ) AS r;
END;

COMMENT ON FUNCTION customer._contract_month_groups(date, integer, numeric) IS
    'Private: the strategic rule''s (contract, branch) groups of one month with their AUM, rank in branch × '
    'product line, and whether the rank or the threshold makes them strategic. Shared by the sync and explain.';
REVOKE ALL ON FUNCTION customer._contract_month_groups(date, integer, numeric) FROM PUBLIC;
