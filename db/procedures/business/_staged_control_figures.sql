-- business._staged_control_figures(p_domain text) RETURNS jsonb
--
-- One job: the control figures of the file staged in pg_temp.wdh_etl_stage (after its keys were
-- made canonical and its identities resolved), before anything is written:
--   annuity_performance: rows, customers, contracts (company × plan × product line), aum
--     (SUM 期末资产规模), contributions (SUM 供款), unformed_rows and unformed_aum (rows that cannot
--     form a contract: no company_id, or a 业务类型 no spelling names), unseen_rows (rows under a company_id the master
--     has never held), provisional_rows (rows given a provisional IN… id), unresolved_rows (rows
--     left without any company_id), and lines: per 产品线代码 (or '?' when 业务类型 maps to none)
--     its rows, aum and contributions;
--   annual_award, annual_loss: rows, customers, unseen_rows, provisional_rows, unresolved_rows and
--     years: rows per year of 上报月份.
-- Recorded in business.etl_load_log.control_figures; compared by business.staged_load_deviations.
-- Errors: 22023 an unknown domain.
CREATE OR REPLACE FUNCTION business._staged_control_figures(p_domain text)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_figures jsonb;
    v_parts jsonb;
BEGIN
    PERFORM business._domain_target(p_domain);  -- 22023 for an unknown domain
    -- The stage is the caller's temporary table (it does not exist when this function is created):
    -- the columns read here, for plpgsql_check.
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_stage (source_row integer, company_id text, id_source text, '
            '"计划代码" text, "计划名称" text, "客户名称" text, "产品线代码" text, "期末资产规模" numeric, "供款" numeric, '
            '"月度" date, "上报月份" date)';
    -- Grouped per customer first: hashed, where count(DISTINCT) would sort every row.
    EXECUTE $q$
        SELECT jsonb_build_object(
                   'rows', coalesce(sum(g.rows), 0),
                   'customers', count(g.company_id),
                   'unseen_rows', coalesce(sum(g.rows) FILTER (WHERE g.company_id IS NOT NULL AND g.unseen), 0),
                   'provisional_rows', coalesce(sum(g.provisional), 0),
                   'unresolved_rows', coalesce(sum(g.rows) FILTER (WHERE g.company_id IS NULL), 0))
        FROM (SELECT s.company_id, count(*) AS rows, count(*) FILTER (WHERE s.id_source = 'provisional') AS provisional,
                     bool_and(c.company_id IS NULL) AS unseen
              FROM pg_temp.wdh_etl_stage AS s
              LEFT JOIN customer."年金客户" AS c ON c.company_id = s.company_id
              GROUP BY s.company_id) AS g$q$ INTO v_figures;
    IF p_domain = 'annuity_performance' THEN
        EXECUTE $q$
            SELECT jsonb_build_object(
                       'contracts', (SELECT count(*) FROM (SELECT DISTINCT s.company_id, s."计划代码", s."产品线代码"
                                                           FROM pg_temp.wdh_etl_stage AS s
                                                           WHERE s.company_id IS NOT NULL
                                                             AND s."产品线代码" IS NOT NULL) AS k),
                       'aum', coalesce(sum(l.aum), 0),
                       'contributions', coalesce(sum(l.contributions), 0),
                       'unformed_rows', coalesce(sum(l.unformed_rows), 0),
                       'unformed_aum', coalesce(sum(l.unformed_aum), 0),
                       'lines', coalesce(jsonb_object_agg(l.line, jsonb_build_object(
                           'rows', l.rows, 'aum', l.aum, 'contributions', l.contributions)), '{}'::jsonb))
            FROM (SELECT coalesce(s."产品线代码", '?') AS line, count(*) AS rows,
                         coalesce(sum(s."期末资产规模"), 0) AS aum, coalesce(sum(s."供款"), 0) AS contributions,
                         count(*) FILTER (WHERE s.company_id IS NULL OR s."产品线代码" IS NULL) AS unformed_rows,
                         coalesce(sum(s."期末资产规模") FILTER (WHERE s.company_id IS NULL OR s."产品线代码" IS NULL), 0)
                             AS unformed_aum
                  FROM pg_temp.wdh_etl_stage AS s GROUP BY 1) AS l$q$ INTO v_parts;
        v_figures := v_figures || v_parts;
    ELSE
        EXECUTE $q$
            SELECT coalesce(jsonb_object_agg(y.year, y.rows), '{}'::jsonb)
            FROM (SELECT extract(year FROM s."上报月份")::int::text AS year, count(*) AS rows
                  FROM pg_temp.wdh_etl_stage AS s GROUP BY 1) AS y$q$ INTO v_parts;
        v_figures := v_figures || jsonb_build_object('years', v_parts);
    END IF;
    RETURN v_figures;
END
$$;

COMMENT ON FUNCTION business._staged_control_figures(text) IS
    'Private: the staged file''s control figures (rows, customers, contracts, AUM, contributions, per '
    'product line or year, never-seen, provisional and unresolved rows) as jsonb.';
REVOKE ALL ON FUNCTION business._staged_control_figures(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION business._staged_control_figures(text) TO wdh_operator;
