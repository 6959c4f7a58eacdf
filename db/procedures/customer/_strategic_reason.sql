-- customer._strategic_reason(p_by_rank boolean, p_by_threshold boolean, p_top_n integer,
--                            p_threshold numeric) RETURNS text
--
-- One job: the short reason (the report's words) why a (contract, branch) group of a month makes
-- the contract strategic, from customer._contract_month_groups' by_rank and by_threshold and the
-- settings they were computed with:
--   '进入分公司 × 产品线前 N'   its rank in its branch and product line is within the top N;
--   '规模达 X 亿门槛'           its AUM reaches the threshold (X in 亿元), whatever its rank;
--   NULL                        neither: the group does not make the contract strategic.
-- Read by customer.explain_contract and customer.contract_movements (became_strategic).
-- SQL-standard body, IMMUTABLE, no SET clause: inlined by the planner.
CREATE OR REPLACE FUNCTION customer._strategic_reason(
    p_by_rank boolean, p_by_threshold boolean, p_top_n integer, p_threshold numeric)
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
RETURN CASE
    WHEN p_by_rank THEN format('进入分公司 × 产品线前 %s', p_top_n)
    WHEN p_by_threshold THEN format('规模达 %s 亿门槛', trim_scale(round(p_threshold / 100000000, 4)))
END;

COMMENT ON FUNCTION customer._strategic_reason(boolean, boolean, integer, numeric) IS
    'Private: the short reason a group makes its contract strategic (进入分公司 × 产品线前 N, 规模达 X 亿门槛), '
    'or NULL.';
REVOKE ALL ON FUNCTION customer._strategic_reason(boolean, boolean, integer, numeric) FROM PUBLIC;
