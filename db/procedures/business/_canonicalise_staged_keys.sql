-- business._canonicalise_staged_keys(p_columns text[])
-- RETURNS TABLE (column_name text, cells bigint, problems bigint)
--
-- One job: put the key columns p_columns of the staged file (pg_temp.wdh_etl_stage) in canonical
-- form (customer.canonical_key), before anything looks them up or stores them, and count per
-- column the cells that changed and the cells that are still not well formed
-- (customer._key_problem). The stage gains key_problem (text): the first problem of a row, as
-- '<column>: <value> <problem>', for the caller to name the cells (source_row says which row).
-- Result: one row per column of p_columns.
-- Writes only the caller's temporary table.
CREATE OR REPLACE FUNCTION business._canonicalise_staged_keys(p_columns text[])
RETURNS TABLE (column_name text, cells bigint, problems bigint)
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_irregular bigint[];
    v_column text;
    v_index integer := 0;
    -- A plain key: printable ASCII without blanks, quotes or lower-case letters. It is canonical and
    -- well formed as it is (the reader already refused ids in decimal or scientific notation).
    c_plain constant text := '^[!#-&(-`{-~]+$';
BEGIN
    ALTER TABLE pg_temp.wdh_etl_stage ADD COLUMN key_problem text;
    IF cardinality(p_columns) IS NULL OR cardinality(p_columns) = 0 THEN
        RETURN;
    END IF;
    -- One scan counts, per column, the cells that are not plain (most files have none: nothing else
    -- is done); only those cells are made canonical and checked.
    EXECUTE 'SELECT ARRAY[' || (
        SELECT string_agg(format('count(*) FILTER (WHERE s.%I !~ %L)', c, c_plain), ', ' ORDER BY o)
        FROM unnest(p_columns) WITH ORDINALITY AS u(c, o)) || ']::bigint[] FROM pg_temp.wdh_etl_stage AS s'
    INTO v_irregular;
    FOREACH v_column IN ARRAY p_columns LOOP
        v_index := v_index + 1;
        column_name := v_column;
        cells := 0;
        problems := 0;
        IF v_irregular[v_index] > 0 THEN
            EXECUTE format('SELECT count(*) FILTER (WHERE s.%1$I IS DISTINCT FROM customer.canonical_key(s.%1$I)), '
                           '       count(*) FILTER (WHERE customer._key_problem(customer.canonical_key(s.%1$I)) IS NOT NULL) '
                           'FROM pg_temp.wdh_etl_stage AS s WHERE s.%1$I !~ %2$L', v_column, c_plain)
            INTO cells, problems;
            EXECUTE format('UPDATE pg_temp.wdh_etl_stage AS s '
                           'SET %1$I = customer.canonical_key(s.%1$I), '
                           '    key_problem = coalesce(s.key_problem, '
                           '        CASE WHEN customer._key_problem(customer.canonical_key(s.%1$I)) IS NOT NULL '
                           '             THEN format(''%%s: %%s %%s'', %1$L, customer.canonical_key(s.%1$I), '
                           '                         customer._key_problem(customer.canonical_key(s.%1$I))) END) '
                           'WHERE s.%1$I !~ %2$L', v_column, c_plain);
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;

COMMENT ON FUNCTION business._canonicalise_staged_keys(text[]) IS
    'Private: the staged file''s key columns in canonical form; per column the cells changed and the '
    'cells still not well formed (marked in the stage''s key_problem).';
REVOKE ALL ON FUNCTION business._canonicalise_staged_keys(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION business._canonicalise_staged_keys(text[]) TO wdh_operator;
