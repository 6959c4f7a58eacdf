-- business._staged_ledger_deviations(p_domain text, p_months date[], p_figures jsonb)
-- RETURNS TABLE (deviation text, subject text, compared_month date, baseline numeric, value numeric,
--                allowed text, refused boolean)
--
-- Private to the anomaly gate (business._staged_load_deviations); one job: a staged ledger
-- (annual_award, annual_loss) against the rows loaded for each year it replaces (p_months), for
-- each such year holding at least gate_min_ledger_rows loaded rows: ledger_year_rows when the
-- file's rows of the year (p_figures -> 'years') ÷ the loaded rows fall below
-- gate_min_replacement_ratio (a ledger holding only December). Refused.
CREATE OR REPLACE FUNCTION business._staged_ledger_deviations(p_domain text, p_months date[], p_figures jsonb)
RETURNS TABLE (deviation text, subject text, compared_month date, baseline numeric, value numeric, allowed text,
               refused boolean)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_settings customer.mdm_settings%ROWTYPE;
    v_table regclass;
BEGIN
    SELECT * INTO v_settings FROM customer.mdm_settings;
    v_table := CASE p_domain WHEN 'annual_award' THEN 'customer."当年中标"' ELSE 'customer."当年流失"' END;
    -- Each year the file replaces against the rows loaded for it, in one statement.
    FOR deviation, subject, compared_month, baseline, value, allowed, refused IN EXECUTE format($q$
        SELECT 'ledger_year_rows'::text, y.year::text, y.first_month, y.loaded::numeric, y.filed,
               format('at least %%s of the rows it replaces (gate_min_replacement_ratio)', $2::float8), true
        FROM (SELECT extract(year FROM t."上报月份")::int AS year, date_trunc('year', min(t."上报月份"))::date AS first_month,
                     count(*) AS loaded,
                     coalesce(($4 -> 'years' ->> extract(year FROM t."上报月份")::int::text)::numeric, 0) AS filed
              FROM %s AS t WHERE t."上报月份" = ANY($1) GROUP BY 1, 4) AS y
        WHERE y.loaded >= $3 AND y.filed < y.loaded * $2
        ORDER BY y.year$q$, v_table)
    USING p_months, v_settings.gate_min_replacement_ratio, v_settings.gate_min_ledger_rows, p_figures LOOP
        RETURN NEXT;
    END LOOP;
END
$$;

COMMENT ON FUNCTION business._staged_ledger_deviations(text, date[], jsonb) IS
    'Private to the anomaly gate: a staged ledger year against the rows loaded for it (ledger_year_rows).';
REVOKE ALL ON FUNCTION business._staged_ledger_deviations(text, date[], jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION business._staged_ledger_deviations(text, date[], jsonb) TO wdh_operator;
