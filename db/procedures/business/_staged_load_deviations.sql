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
--     line_aum     per product line, the same ratio (business._staged_line_deviations);
--     unseen_ids   the share of the file's rows under ids the master has never held, above
--                  gate_max_unseen_share (re-keyed or mangled ids);
--     replacement_rows, replacement_aum
--                  a replacement keeps less than gate_min_replacement_ratio of the rows or AUM of
--                  the month it replaces.
--   Nothing comparative while the compared month holds fewer than gate_min_rows rows (a small file
--   after a large month is compared).
--   annual_award, annual_loss: business._staged_ledger_deviations (ledger_year_rows).
-- Each subject is in business words (a product line as its code and name) and `allowed` names the
-- setting that bounds it. p_figures: the file's control figures (business._staged_control_figures,
-- computed once by the caller, which records them with the load). p_months: the months the load
-- replaces (first of month). Writes nothing.
-- Per contract sums: business._staged_continuity. Errors: none of its own.
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
BEGIN
    SELECT * INTO v_settings FROM customer.mdm_settings;
    IF p_domain <> 'annuity_performance' THEN
        RETURN QUERY SELECT * FROM business._staged_ledger_deviations(p_domain, p_months, p_figures);
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
    SELECT c.compared_aum, c.vanished_aum, c.unchanged_aum INTO v_contract_aum, v_vanished, v_unchanged
    FROM business._staged_continuity(v_month) AS c;
    IF v_contract_aum > 0 AND v_vanished > v_contract_aum * v_settings.gate_max_vanished_share THEN
        RETURN QUERY SELECT 'vanished', 'AUM of contracts absent from the file', v_month, v_contract_aum, v_vanished,
                            format('at most %s of the compared month''s AUM (gate_max_vanished_share)',
                                   v_settings.gate_max_vanished_share::float8), true;
    END IF;
    IF v_replacing THEN
        -- A replacement is expected to repeat the month it replaces; not the month before it.
        v_before := (SELECT max(d."月度") FROM business."规模明细" AS d WHERE d."月度" < v_month);
        v_unchanged := 0;
        IF v_before IS NOT NULL THEN  -- the contracts the file holds of the month before, and those it repeats
            SELECT c.compared_aum - c.vanished_aum, c.unchanged_aum INTO v_before_aum, v_unchanged
            FROM business._staged_continuity(v_before) AS c;
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
    RETURN QUERY SELECT * FROM business._staged_line_deviations(v_month, v_aum, p_figures);
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
