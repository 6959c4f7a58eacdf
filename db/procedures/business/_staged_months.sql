-- business._staged_months(p_domain text) RETURNS TABLE (month date)
--
-- One job: the months a load of the staged file (pg_temp.wdh_etl_stage) replaces: a 规模明细 file
-- (annuity_performance) its month (月度); a ledger (annual_award, annual_loss), for each year it
-- covers, January through the latest month it carries (上报月份: a corrected ledger removes what it
-- no longer lists). First of month each, oldest first. The plan shows them and
-- business.apply_staged_load deletes them before it inserts.
CREATE OR REPLACE FUNCTION business._staged_months(p_domain text)
RETURNS TABLE (month date)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_ledger boolean := p_domain <> 'annuity_performance';
BEGIN
    FOR month IN EXECUTE format($q$
        SELECT m::date
        FROM (SELECT date_trunc('year', s.%1$I) AS first, max(s.%1$I) AS last
              FROM pg_temp.wdh_etl_stage AS s GROUP BY 1) AS y,
             generate_series(CASE WHEN $1 THEN y.first ELSE y.last END, y.last, interval '1 month') AS m
        ORDER BY 1$q$, CASE WHEN v_ledger THEN '上报月份' ELSE '月度' END)
    USING v_ledger LOOP
        RETURN NEXT;
    END LOOP;
END
$$;

COMMENT ON FUNCTION business._staged_months(text) IS
    'Private to the loader: the months a load of the staged file replaces (a ledger: January to its latest month).';
REVOKE ALL ON FUNCTION business._staged_months(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION business._staged_months(text) TO wdh_operator;
