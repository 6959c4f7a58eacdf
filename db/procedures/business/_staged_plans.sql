-- business._staged_plans(p_domain text)
-- RETURNS TABLE (plan_code text, plan_name text, plan_type text, known boolean)
--
-- One job: every plan of the staged file (pg_temp.wdh_etl_stage): its code (规模明细: 计划代码; a
-- ledger: 年金计划号), the name and 计划类型 of its first row (a ledger carries no plan name), and
-- whether mapping."年金计划" knows it. The preview lists the unknown ones; business.apply_staged_load
-- adds them and gives a known plan a name or type it lacks: one rule for both.
CREATE OR REPLACE FUNCTION business._staged_plans(p_domain text)
RETURNS TABLE (plan_code text, plan_name text, plan_type text, known boolean)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- One row per plan of the file (a few hundred): the loop names the result columns for plpgsql_check.
    FOR plan_code, plan_name, plan_type, known IN EXECUTE format($q$
        SELECT DISTINCT ON (s.%1$I) s.%1$I, %2$s,
               CASE WHEN s."计划类型" IN ('集合计划', '单一计划') THEN s."计划类型" END,
               EXISTS (SELECT 1 FROM mapping."年金计划" AS p WHERE p."年金计划号" = s.%1$I)
        FROM pg_temp.wdh_etl_stage AS s
        WHERE s.%1$I IS NOT NULL
        ORDER BY s.%1$I, s.source_row$q$,
        CASE WHEN p_domain = 'annuity_performance' THEN '计划代码' ELSE '年金计划号' END,
        CASE WHEN p_domain = 'annuity_performance' THEN 's."计划名称"' ELSE 'NULL::text' END)
    LOOP
        RETURN NEXT;
    END LOOP;
END
$$;

COMMENT ON FUNCTION business._staged_plans(text) IS
    'Private: the staged file''s plans: code, first name and type, and whether 年金计划 knows it.';
REVOKE ALL ON FUNCTION business._staged_plans(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION business._staged_plans(text) TO wdh_operator;
