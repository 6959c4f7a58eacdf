-- business._staged_load_deviations(p_domain text, p_months date[], p_figures jsonb)
-- RETURNS TABLE (deviation text, subject text, compared_month date, baseline numeric, value numeric,
--                allowed text)
--
-- One job: the anomaly gate. Compares the control figures of the staged file
-- (business._staged_control_figures) with what is loaded, against the thresholds in
-- customer.mdm_settings (gate_*), and returns one row per figure outside them:
--   annuity_performance, compared with the month the file replaces, or for a new month with the
--   latest loaded month before it (the first month ever is compared with nothing):
--     total_aum         the file's AUM ÷ the compared month's, outside [gate_total_aum_min_ratio,
--                       gate_total_aum_max_ratio] (a month in 万元 instead of 元: ×0.0001);
--     line_aum          per product line the compared month holds AUM in, the same ratio outside
--                       [gate_line_aum_min_ratio, gate_line_aum_max_ratio] (a line left out: ×0);
--     unseen_ids        the share of the file's rows under ids the master has never held, above
--                       gate_max_unseen_share (re-keyed or mangled ids);
--     replacement_rows, replacement_aum
--                       a replacement keeps less than gate_min_replacement_ratio of the rows or AUM
--                       of the month it replaces;
--   annual_award, annual_loss, for each year the file replaces that holds rows:
--     ledger_year_rows  the file's rows of the year ÷ the loaded rows, below
--                       gate_min_replacement_ratio (a ledger holding only December).
-- p_figures: the file's control figures (business._staged_control_figures, computed once by the
-- caller, which records them with the load).
-- Neither side is compared while it holds fewer than gate_min_rows rows, nor a ledger year with
-- fewer than gate_min_ledger_rows loaded rows (a handful of rows moves by any ratio). p_months: the months the load replaces (first of month). Writes nothing.
-- Errors: none of its own.
CREATE OR REPLACE FUNCTION business._staged_load_deviations(p_domain text, p_months date[], p_figures jsonb)
RETURNS TABLE (deviation text, subject text, compared_month date, baseline numeric, value numeric, allowed text)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_settings customer.mdm_settings%ROWTYPE;
    v_file jsonb := p_figures;
    v_month date;
    v_replacing boolean;
    v_rows numeric;
    v_aum numeric;
    v_table regclass;
BEGIN
    SELECT * INTO v_settings FROM customer.mdm_settings;
    IF p_domain <> 'annuity_performance' THEN
        v_table := CASE p_domain WHEN 'annual_award' THEN 'customer."当年中标"' ELSE 'customer."当年流失"' END;
        -- Each year the file replaces against the rows loaded for it, in one statement.
        RETURN QUERY EXECUTE format($q$
            SELECT 'ledger_year_rows'::text, y.year::text, y.first_month, y.loaded::numeric, y.filed,
                   format('at least %%s of the rows it replaces', $2::float8)
            FROM (SELECT extract(year FROM t."上报月份")::int AS year, date_trunc('year', min(t."上报月份"))::date AS first_month,
                         count(*) AS loaded,
                         coalesce(($4 -> 'years' ->> extract(year FROM t."上报月份")::int::text)::numeric, 0) AS filed
                  FROM %s AS t WHERE t."上报月份" = ANY($1) GROUP BY 1, 4) AS y
            WHERE y.loaded >= $3 AND y.filed < y.loaded * $2
            ORDER BY y.year$q$, v_table)
        USING p_months, v_settings.gate_min_replacement_ratio, v_settings.gate_min_ledger_rows, v_file;
        RETURN;
    END IF;

    v_month := (SELECT max(m) FROM unnest(p_months) AS m);
    v_replacing := EXISTS (SELECT 1 FROM business."规模明细" AS d WHERE d."月度" = v_month);
    IF NOT v_replacing THEN
        v_month := (SELECT max(d."月度") FROM business."规模明细" AS d WHERE d."月度" < v_month);
        IF v_month IS NULL THEN
            v_month := (SELECT min(d."月度") FROM business."规模明细" AS d);
        END IF;
    END IF;
    IF v_month IS NULL THEN
        RETURN;  -- the first month ever: nothing to compare with
    END IF;
    SELECT count(*), coalesce(sum(d."期末资产规模"), 0) INTO v_rows, v_aum
    FROM business."规模明细" AS d WHERE d."月度" = v_month;
    IF v_rows < v_settings.gate_min_rows OR (v_file ->> 'rows')::numeric < v_settings.gate_min_rows
       AND NOT v_replacing THEN
        RETURN;  -- too few rows for a ratio to mean anything (a replacement by a small file is still compared)
    END IF;

    IF v_aum > 0 AND ((v_file ->> 'aum')::numeric < v_aum * v_settings.gate_total_aum_min_ratio
                      OR (v_file ->> 'aum')::numeric > v_aum * v_settings.gate_total_aum_max_ratio) THEN
        RETURN QUERY SELECT 'total_aum', 'AUM (期末资产规模)', v_month, v_aum, (v_file ->> 'aum')::numeric,
                            format('×%s – ×%s', v_settings.gate_total_aum_min_ratio::float8,
                                   v_settings.gate_total_aum_max_ratio::float8);
    END IF;
    RETURN QUERY
    SELECT 'line_aum', l.line, v_month, l.aum, f.aum,
           format('×%s – ×%s', v_settings.gate_line_aum_min_ratio::float8, v_settings.gate_line_aum_max_ratio::float8)
    FROM (SELECT coalesce(d."产品线代码", '?') AS line, sum(d."期末资产规模") AS aum
          FROM business."规模明细" AS d WHERE d."月度" = v_month GROUP BY 1) AS l
    CROSS JOIN LATERAL (SELECT coalesce((v_file -> 'lines' -> l.line ->> 'aum')::numeric, 0) AS aum) AS f
    WHERE l.aum > 0
      AND (f.aum < l.aum * v_settings.gate_line_aum_min_ratio OR f.aum > l.aum * v_settings.gate_line_aum_max_ratio)
    ORDER BY l.line;
    IF (v_file ->> 'rows')::numeric > 0
       AND (v_file ->> 'unseen_rows')::numeric / (v_file ->> 'rows')::numeric > v_settings.gate_max_unseen_share THEN
        RETURN QUERY SELECT 'unseen_ids', 'rows under ids the master has never held', v_month, v_rows,
                            (v_file ->> 'unseen_rows')::numeric,
                            format('at most %s of the file''s %s rows', v_settings.gate_max_unseen_share::float8,
                                   v_file ->> 'rows');
    END IF;
    IF v_replacing THEN
        IF (v_file ->> 'rows')::numeric < v_rows * v_settings.gate_min_replacement_ratio THEN
            RETURN QUERY SELECT 'replacement_rows', 'rows', v_month, v_rows, (v_file ->> 'rows')::numeric,
                                format('at least %s of the rows it replaces', v_settings.gate_min_replacement_ratio::float8);
        END IF;
        IF v_aum > 0 AND (v_file ->> 'aum')::numeric < v_aum * v_settings.gate_min_replacement_ratio THEN
            RETURN QUERY SELECT 'replacement_aum', 'AUM (期末资产规模)', v_month, v_aum, (v_file ->> 'aum')::numeric,
                                format('at least %s of the AUM it replaces', v_settings.gate_min_replacement_ratio::float8);
        END IF;
    END IF;
END
$$;

COMMENT ON FUNCTION business._staged_load_deviations(text, date[], jsonb) IS
    'Private: the anomaly gate: the staged file''s control figures outside customer.mdm_settings'' '
    'gate_* bounds against the month it replaces or the latest loaded month; one row per deviation.';
REVOKE ALL ON FUNCTION business._staged_load_deviations(text, date[], jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION business._staged_load_deviations(text, date[], jsonb) TO wdh_operator;
