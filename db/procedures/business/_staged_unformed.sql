-- business._staged_unformed(p_domain text) RETURNS TABLE (reason text, rows bigint, aum numeric)
--
-- One job: why rows of the staged file (pg_temp.wdh_etl_stage) cannot form a contract (a ledger
-- row: cannot match one), per reason, with their rows and, for 规模明细, their SUM(期末资产规模):
--   'no company_id and no customer name'  nothing resolved an id for it;
--   'no 业务类型'                          no product line can be told;
--   '业务类型 ''X'' is no spelling in mapping.业务类型别名'  a spelling nobody declared.
-- They are loaded and never form a contract; `etl --strict` refuses the file instead, and the gate
-- holds their AUM to gate_max_unformed_share (business._staged_control_figures counts the same rows).
CREATE OR REPLACE FUNCTION business._staged_unformed(p_domain text)
RETURNS TABLE (reason text, rows bigint, aum numeric)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    FOR reason, rows, aum IN EXECUTE format($q$
        SELECT u.reason, count(*), sum(u.aum)
        FROM (SELECT CASE WHEN s.company_id IS NULL THEN 'no company_id and no customer name'
                          WHEN s."业务类型" IS NULL THEN 'no 业务类型'
                          WHEN s."产品线代码" IS NULL THEN format('业务类型 %%L is no spelling in mapping.业务类型别名',
                                                                 s."业务类型")
                     END AS reason, %s AS aum
              FROM pg_temp.wdh_etl_stage AS s) AS u
        WHERE u.reason IS NOT NULL
        GROUP BY u.reason ORDER BY u.reason$q$,
        CASE WHEN p_domain = 'annuity_performance' THEN 's."期末资产规模"' ELSE 'NULL::numeric' END) LOOP
        RETURN NEXT;
    END LOOP;
END
$$;

COMMENT ON FUNCTION business._staged_unformed(text) IS
    'Private to the loader: the staged rows that cannot form a contract, per reason, with their rows and AUM.';
REVOKE ALL ON FUNCTION business._staged_unformed(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION business._staged_unformed(text) TO wdh_operator;
