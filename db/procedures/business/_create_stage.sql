-- business._create_stage(p_table regclass, p_columns text[], p_stage_only text[])
-- RETURNS void
--
-- One job: create the loader's staging table, pg_temp.wdh_etl_stage (dropped at the end of the
-- transaction), in the one shape every SQL reader of it expects: source_row integer (the file's
-- row number), then p_columns with the types of p_table's columns of those names (the target the
-- file loads into; the columns the domain reads, and 产品线代码 / 机构代码, derived here when the
-- file has none), then p_stage_only as text (read for resolution, never stored: 客户名称 of a
-- ledger, 年金账户号, …), then branch_unknown boolean (the branch name 组织架构 does not know).
-- The loader COPYs the file's rows into it; business._canonicalise_staged_keys,
-- customer.resolve_staged_identities, the gate and business.apply_staged_load read it.
-- Errors: 42703 a column of p_columns that p_table does not have; 42P07 a stage exists already in
-- this transaction (one file per transaction).
CREATE OR REPLACE FUNCTION business._create_stage(p_table regclass, p_columns text[], p_stage_only text[])
RETURNS void
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_missing text;
BEGIN
    SELECT string_agg(c, ', ') INTO v_missing
    FROM unnest(p_columns) AS c
    WHERE NOT EXISTS (SELECT 1 FROM pg_attribute AS a
                      WHERE a.attrelid = p_table AND a.attname = c AND a.attnum > 0 AND NOT a.attisdropped);
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION '% has no column %', p_table, v_missing
            USING ERRCODE = 'undefined_column', HINT = 'The domain''s column map names a column the target lacks.';
    END IF;
    EXECUTE format('CREATE TEMP TABLE wdh_etl_stage ON COMMIT DROP AS '
                   'SELECT 0::integer AS source_row, %s%s, false AS branch_unknown FROM %s WITH NO DATA',
                   (SELECT string_agg(format('%I', c), ', ' ORDER BY o) FROM unnest(p_columns) WITH ORDINALITY AS u (c, o)),
                   (SELECT coalesce(string_agg(format(', NULL::text AS %I', c), '' ORDER BY o), '')
                    FROM unnest(p_stage_only) WITH ORDINALITY AS u (c, o)),
                   p_table);
END
$$;

COMMENT ON FUNCTION business._create_stage(regclass, text[], text[]) IS
    'Private to the loader: create pg_temp.wdh_etl_stage, the staging table of one file, in the shape its readers expect.';
REVOKE ALL ON FUNCTION business._create_stage(regclass, text[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION business._create_stage(regclass, text[], text[]) TO wdh_operator;
