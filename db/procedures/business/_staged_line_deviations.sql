-- business._staged_line_deviations(p_month date, p_compared_aum numeric, p_figures jsonb)
-- RETURNS TABLE (deviation text, subject text, compared_month date, baseline numeric, value numeric,
--                allowed text, refused boolean)
--
-- Private to the anomaly gate (business._staged_load_deviations); one job: per product line, the
-- staged file's AUM (p_figures -> 'lines') ÷ compared month p_month's (whose whole AUM is
-- p_compared_aum) outside [gate_line_aum_min_ratio, gate_line_aum_max_ratio]: one line_aum row
-- each, refused only for a line holding at least gate_min_line_share of either side's AUM and held
-- by the compared month (a tiny line that vanishes, or a line new in the file, is reported).
CREATE OR REPLACE FUNCTION business._staged_line_deviations(p_month date, p_compared_aum numeric, p_figures jsonb)
RETURNS TABLE (deviation text, subject text, compared_month date, baseline numeric, value numeric, allowed text,
               refused boolean)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_settings customer.mdm_settings%ROWTYPE;
BEGIN
    SELECT * INTO v_settings FROM customer.mdm_settings;
    RETURN QUERY
    SELECT 'line_aum', l.line || coalesce(' ' || p."产品线", ''), p_month, l.compared, l.filed,
           format('×%s – ×%s (gate_line_aum_min_ratio, gate_line_aum_max_ratio) for a line holding at least %s '
                  'of either side''s AUM (gate_min_line_share)', v_settings.gate_line_aum_min_ratio::float8,
                  v_settings.gate_line_aum_max_ratio::float8, v_settings.gate_min_line_share::float8),
           l.compared > 0 AND (l.compared >= p_compared_aum * v_settings.gate_min_line_share
                               OR l.filed >= coalesce((p_figures ->> 'aum')::numeric, 0) * v_settings.gate_min_line_share)
    FROM (SELECT coalesce(c.line, f.key) AS line, coalesce(c.aum, 0) AS compared,
                 coalesce((f.value ->> 'aum')::numeric, 0) AS filed
          FROM (SELECT d."产品线代码" AS line, sum(d."期末资产规模") AS aum
                FROM business."规模明细" AS d WHERE d."月度" = p_month AND d."产品线代码" IS NOT NULL GROUP BY 1) AS c
          FULL JOIN (SELECT e.key, e.value FROM jsonb_each(coalesce(p_figures -> 'lines', '{}')) AS e
                     WHERE e.key <> '?') AS f ON f.key = c.line) AS l
    LEFT JOIN mapping."产品线" AS p ON p."产品线代码" = l.line
    WHERE (l.compared > 0 OR l.filed > 0)
      AND (l.filed < l.compared * v_settings.gate_line_aum_min_ratio
           OR l.filed > l.compared * v_settings.gate_line_aum_max_ratio)
    ORDER BY 7 DESC, l.line;
END
$$;

COMMENT ON FUNCTION business._staged_line_deviations(date, numeric, jsonb) IS
    'Private to the anomaly gate: product lines whose AUM in the staged file is out of ratio with the compared month.';
REVOKE ALL ON FUNCTION business._staged_line_deviations(date, numeric, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION business._staged_line_deviations(date, numeric, jsonb) TO wdh_operator;
