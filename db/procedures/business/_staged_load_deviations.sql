-- business._staged_load_deviations(p_domain text, p_months date[], p_figures jsonb)
-- RETURNS TABLE (deviation text, subject text, compared_month date, baseline numeric, value numeric,
--                allowed text, refused boolean)
--
-- One job: the anomaly gate. Judges the file staged in pg_temp.wdh_etl_stage by what an ordinary
-- month never does, against the thresholds of customer.mdm_settings, and returns one row per finding
-- (refused: the file is refused unless the operator accepts it; else only reported).
--   annuity_performance, against the compared month: the month the file replaces, or for a new
--   month the latest loaded month before it (else the earliest after it); the first month ever is
--   compared with nothing:
--     unformed     the file's AUM in rows that cannot form a contract (no company_id, a 业务类型 no
--                  spelling in mapping.业务类型别名 names) over the file's AUM, above
--                  gate_max_unformed_share (also for the first month ever, of at least
--                  gate_min_rows rows);
--     vanished     the compared month's AUM in contracts the file does not hold over its AUM, above
--                  gate_max_vanished_share (a partial, truncated or one-branch file);
--     unchanged    the AUM of the month before the file's in contracts whose AUM the file repeats to
--                  the cent, above gate_max_unchanged_share (a month's rows under another month): for
--                  a new month the compared month, for a replacement the month before the one it
--                  replaces (which it is expected to repeat);
--     total_aum    the file's AUM ÷ the compared month's outside [gate_total_aum_min_ratio,
--                  gate_total_aum_max_ratio] (万元 for 元: ×0.0001);
--     line_aum     per product line, the same ratio outside [gate_line_aum_min_ratio,
--                  gate_line_aum_max_ratio]; refused only for a line holding at least
--                  gate_min_line_share of either side's AUM and held by the compared month (a tiny
--                  line that vanishes, or a line new in the file, is reported);
--     unseen_ids   the share of the file's rows under ids the master has never held, above
--                  gate_max_unseen_share (re-keyed or mangled ids);
--     replacement_rows, replacement_aum
--                  a replacement keeps less than gate_min_replacement_ratio of the rows or AUM of
--                  the month it replaces.
--   Nothing comparative while the compared month holds fewer than gate_min_rows rows (a small file
--   after a large month is compared).
--   annual_award, annual_loss, for each year the file replaces that holds at least
--   gate_min_ledger_rows loaded rows:
--     ledger_year_rows  the file's rows of the year ÷ the loaded rows, below
--                       gate_min_replacement_ratio (a ledger holding only December).
-- Each subject is in business words (a product line as its code and name) and `allowed` names the
-- setting that bounds it. p_figures: the file's control figures (business._staged_control_figures,
-- computed once by the caller, which records them with the load). p_months: the months the load
-- replaces (first of month). Writes nothing.
-- Errors: none of its own.
CREATE OR REPLACE FUNCTION business._staged_load_deviations(p_domain text, p_months date[], p_figures jsonb)
RETURNS TABLE (deviation text, subject text, compared_month date, baseline numeric, value numeric, allowed text,
               refused boolean)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_settings customer.mdm_settings%ROWTYPE;
    v_file jsonb := p_figures;
    v_file_aum numeric := coalesce((p_figures ->> 'aum')::numeric, 0);
    v_month date;
    v_replacing boolean;
    v_rows numeric;
    v_aum numeric;
    v_contract_aum numeric;
    v_vanished numeric;
    v_unchanged numeric;
    v_before date;
    v_before_aum numeric := 0;
    v_table regclass;
BEGIN
    SELECT * INTO v_settings FROM customer.mdm_settings;
    IF p_domain <> 'annuity_performance' THEN
        v_table := CASE p_domain WHEN 'annual_award' THEN 'customer."当年中标"' ELSE 'customer."当年流失"' END;
        -- Each year the file replaces against the rows loaded for it, in one statement.
        RETURN QUERY EXECUTE format($q$
            SELECT 'ledger_year_rows'::text, y.year::text, y.first_month, y.loaded::numeric, y.filed,
                   format('at least %%s of the rows it replaces (gate_min_replacement_ratio)', $2::float8), true
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
        v_month := coalesce((SELECT max(d."月度") FROM business."规模明细" AS d WHERE d."月度" < v_month),
                            (SELECT min(d."月度") FROM business."规模明细" AS d));
    END IF;
    SELECT count(*), coalesce(sum(d."期末资产规模"), 0) INTO v_rows, v_aum
    FROM business."规模明细" AS d WHERE d."月度" = v_month;
    -- A handful of rows means nothing: the compared month's (a small file after a large month is
    -- compared), or for the first month ever the file's own.
    IF (v_month IS NOT NULL AND v_rows < v_settings.gate_min_rows)
       OR (v_month IS NULL AND (v_file ->> 'rows')::numeric < v_settings.gate_min_rows) THEN
        RETURN;
    END IF;
    IF v_file_aum > 0 AND coalesce((v_file ->> 'unformed_aum')::numeric, 0) > v_file_aum * v_settings.gate_max_unformed_share THEN
        RETURN QUERY SELECT 'unformed', 'AUM in rows that cannot form a contract',
                            coalesce(v_month, (SELECT max(m) FROM unnest(p_months) AS m)), v_file_aum,
                            (v_file ->> 'unformed_aum')::numeric,
                            format('at most %s of the file''s AUM (gate_max_unformed_share)',
                                   v_settings.gate_max_unformed_share::float8), true;
    END IF;
    IF v_month IS NULL THEN
        RETURN;  -- the first month ever: nothing to compare with
    END IF;

    -- Continuity, per contract: the compared month's contracts holding AUM, against the file's.
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
    INTO v_contract_aum, v_vanished, v_unchanged USING v_month;
    IF v_contract_aum > 0 AND v_vanished > v_contract_aum * v_settings.gate_max_vanished_share THEN
        RETURN QUERY SELECT 'vanished', 'AUM of contracts absent from the file', v_month, v_contract_aum, v_vanished,
                            format('at most %s of the compared month''s AUM (gate_max_vanished_share)',
                                   v_settings.gate_max_vanished_share::float8), true;
    END IF;
    IF v_replacing THEN
        -- A replacement is expected to repeat the month it replaces; not the month before it.
        v_before := (SELECT max(d."月度") FROM business."规模明细" AS d WHERE d."月度" < v_month);
        v_unchanged := 0;
        IF v_before IS NOT NULL THEN
            EXECUTE $q$
                SELECT coalesce(sum(c.aum), 0), coalesce(sum(c.aum) FILTER (WHERE f.aum = c.aum), 0)
                FROM (SELECT d.company_id, d."计划代码", d."产品线代码", sum(d."期末资产规模") AS aum
                      FROM business."规模明细" AS d
                      WHERE d."月度" = $1 AND d.company_id IS NOT NULL AND d."产品线代码" IS NOT NULL
                      GROUP BY 1, 2, 3 HAVING sum(d."期末资产规模") > 0) AS c
                JOIN (SELECT s.company_id, s."计划代码", s."产品线代码", coalesce(sum(s."期末资产规模"), 0) AS aum
                      FROM pg_temp.wdh_etl_stage AS s
                      WHERE s.company_id IS NOT NULL AND s."产品线代码" IS NOT NULL
                      GROUP BY 1, 2, 3) AS f
                  ON f.company_id = c.company_id AND f."计划代码" = c."计划代码" AND f."产品线代码" = c."产品线代码"$q$
            INTO v_before_aum, v_unchanged USING v_before;
        END IF;
    ELSE
        v_before := v_month;
        v_before_aum := v_contract_aum;
    END IF;
    IF v_before_aum > 0 AND v_unchanged > v_before_aum * v_settings.gate_max_unchanged_share THEN
        RETURN QUERY SELECT 'unchanged', 'AUM of contracts repeated to the cent', v_before, v_before_aum, v_unchanged,
                            format('at most %s of the AUM of %s (gate_max_unchanged_share)',
                                   v_settings.gate_max_unchanged_share::float8, to_char(v_before, 'YYYY-MM')), true;
    END IF;

    IF v_aum > 0 AND (v_file_aum < v_aum * v_settings.gate_total_aum_min_ratio
                      OR v_file_aum > v_aum * v_settings.gate_total_aum_max_ratio) THEN
        RETURN QUERY SELECT 'total_aum', 'AUM (期末资产规模)', v_month, v_aum, v_file_aum,
                            format('×%s – ×%s (gate_total_aum_min_ratio, gate_total_aum_max_ratio)',
                                   v_settings.gate_total_aum_min_ratio::float8,
                                   v_settings.gate_total_aum_max_ratio::float8), true;
    END IF;
    RETURN QUERY
    SELECT 'line_aum', l.line || coalesce(' ' || p."产品线", ''), v_month, l.compared, l.filed,
           format('×%s – ×%s (gate_line_aum_min_ratio, gate_line_aum_max_ratio) for a line holding at least %s '
                  'of either side''s AUM (gate_min_line_share)', v_settings.gate_line_aum_min_ratio::float8,
                  v_settings.gate_line_aum_max_ratio::float8, v_settings.gate_min_line_share::float8),
           l.compared > 0 AND (l.compared >= v_aum * v_settings.gate_min_line_share
                               OR l.filed >= v_file_aum * v_settings.gate_min_line_share)
    FROM (SELECT coalesce(c.line, f.key) AS line, coalesce(c.aum, 0) AS compared,
                 coalesce((f.value ->> 'aum')::numeric, 0) AS filed
          FROM (SELECT d."产品线代码" AS line, sum(d."期末资产规模") AS aum
                FROM business."规模明细" AS d WHERE d."月度" = v_month AND d."产品线代码" IS NOT NULL GROUP BY 1) AS c
          FULL JOIN (SELECT e.key, e.value FROM jsonb_each(coalesce(v_file -> 'lines', '{}')) AS e
                     WHERE e.key <> '?') AS f ON f.key = c.line) AS l
    LEFT JOIN mapping."产品线" AS p ON p."产品线代码" = l.line
    WHERE (l.compared > 0 OR l.filed > 0)
      AND (l.filed < l.compared * v_settings.gate_line_aum_min_ratio
           OR l.filed > l.compared * v_settings.gate_line_aum_max_ratio)
    ORDER BY 7 DESC, l.line;
    IF (v_file ->> 'rows')::numeric > 0
       AND (v_file ->> 'unseen_rows')::numeric / (v_file ->> 'rows')::numeric > v_settings.gate_max_unseen_share THEN
        RETURN QUERY SELECT 'unseen_ids', 'rows under ids the master has never held', v_month,
                            (v_file ->> 'rows')::numeric, (v_file ->> 'unseen_rows')::numeric,
                            format('at most %s of the file''s rows (gate_max_unseen_share)',
                                   v_settings.gate_max_unseen_share::float8), true;
    END IF;
    IF v_replacing THEN
        IF (v_file ->> 'rows')::numeric < v_rows * v_settings.gate_min_replacement_ratio THEN
            RETURN QUERY SELECT 'replacement_rows', 'rows', v_month, v_rows, (v_file ->> 'rows')::numeric,
                                format('at least %s of the rows it replaces (gate_min_replacement_ratio)',
                                       v_settings.gate_min_replacement_ratio::float8), true;
        END IF;
        IF v_aum > 0 AND v_file_aum < v_aum * v_settings.gate_min_replacement_ratio THEN
            RETURN QUERY SELECT 'replacement_aum', 'AUM (期末资产规模)', v_month, v_aum, v_file_aum,
                                format('at least %s of the AUM it replaces (gate_min_replacement_ratio)',
                                       v_settings.gate_min_replacement_ratio::float8), true;
        END IF;
    END IF;
END
$$;

COMMENT ON FUNCTION business._staged_load_deviations(text, date[], jsonb) IS
    'Private: the anomaly gate: the staged file against the month it replaces or the latest loaded '
    'month (vanished, unchanged and unformed AUM, total and material product lines, never-seen ids, '
    'replacements), one row per finding, refused or only reported.';
REVOKE ALL ON FUNCTION business._staged_load_deviations(text, date[], jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION business._staged_load_deviations(text, date[], jsonb) TO wdh_operator;
