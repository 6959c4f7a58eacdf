-- business._staged_continuity(p_month date)
-- RETURNS TABLE (compared_aum numeric, vanished_aum numeric, unchanged_aum numeric)
--
-- Private to the anomaly gate (business._staged_load_deviations); one job: the staged file
-- (pg_temp.wdh_etl_stage) against month p_month of business."规模明细", per contract (company ×
-- 计划代码 × 产品线代码) of the month holding AUM > 0: compared_aum their AUM, vanished_aum the AUM
-- of those the file does not hold, unchanged_aum the AUM of those whose AUM the file repeats to
-- the cent. Reads the temporary stage: dynamic SQL.
CREATE OR REPLACE FUNCTION business._staged_continuity(p_month date)
RETURNS TABLE (compared_aum numeric, vanished_aum numeric, unchanged_aum numeric)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_stage (company_id text, "计划代码" text, "产品线代码" text, '
            '"期末资产规模" numeric)';
    EXECUTE $q$
        SELECT coalesce(sum(c.aum), 0), coalesce(sum(c.aum) FILTER (WHERE f.aum IS NULL), 0),
               coalesce(sum(c.aum) FILTER (WHERE f.aum = c.aum), 0)
        FROM (SELECT d.company_id, d."计划代码", d."产品线代码", sum(d."期末资产规模") AS aum
              FROM business."规模明细" AS d
              WHERE d."月度" = $1 AND d.company_id IS NOT NULL AND d."产品线代码" IS NOT NULL
              GROUP BY 1, 2, 3 HAVING sum(d."期末资产规模") > 0) AS c
        LEFT JOIN (SELECT s.company_id, s."计划代码", s."产品线代码", coalesce(sum(s."期末资产规模"), 0) AS aum
                   FROM pg_temp.wdh_etl_stage AS s
                   WHERE s.company_id IS NOT NULL AND s."产品线代码" IS NOT NULL
                   GROUP BY 1, 2, 3) AS f
          ON f.company_id = c.company_id AND f."计划代码" = c."计划代码" AND f."产品线代码" = c."产品线代码"$q$
    INTO compared_aum, vanished_aum, unchanged_aum USING p_month;
    RETURN NEXT;
END
$$;

COMMENT ON FUNCTION business._staged_continuity(date) IS
    'Private to the anomaly gate: a month''s contracts holding AUM against the staged file: their AUM, the AUM '
    'absent from the file, the AUM it repeats to the cent.';
REVOKE ALL ON FUNCTION business._staged_continuity(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION business._staged_continuity(date) TO wdh_operator;
