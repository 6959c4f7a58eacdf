-- customer._analyse_written(p_tables regclass[]) RETURNS integer
--
-- Private; one job: leave the tables a writer changed analysed, so that what reads them right
-- after (restatements, report --as-of, the customer page) is planned with statistics that know
-- the rows just written, not whatever autoanalyze last saw. A table is analysed when this
-- transaction inserted, updated or deleted at least 2 % of its estimated rows (or any row of a
-- table never analysed; only tables of the product's schemas); a transaction that changed little leaves it to autoanalyze. ANALYZE runs
-- inside the caller's transaction: its statistics commit, or roll back, with the writes. Called at
-- the end of customer.run_monthly_close, business.withdraw_month and business.apply_staged_load.
-- Result: the number of tables analysed.
CREATE OR REPLACE FUNCTION customer._analyse_written(p_tables regclass[])
RETURNS integer
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_table regclass;
    v_analysed integer := 0;
BEGIN
    FOR v_table IN
        SELECT t.t FROM unnest(p_tables) AS t (t) JOIN pg_class AS c ON c.oid = t.t
        WHERE c.relnamespace IN ('customer'::regnamespace, 'business'::regnamespace, 'mapping'::regnamespace)
          AND pg_stat_get_xact_tuples_inserted(c.oid) + pg_stat_get_xact_tuples_updated(c.oid)
              + pg_stat_get_xact_tuples_deleted(c.oid) >= greatest(1, 0.02 * c.reltuples)
    LOOP
        EXECUTE format('ANALYZE %s', v_table);
        v_analysed := v_analysed + 1;
    END LOOP;
    RETURN v_analysed;
END
$$;

COMMENT ON FUNCTION customer._analyse_written(regclass[]) IS
    'Private: ANALYZE each of the tables that this transaction changed by at least 2 % of its rows.';
REVOKE ALL ON FUNCTION customer._analyse_written(regclass[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer._analyse_written(regclass[]) TO wdh_operator;  -- the loader's apply_staged_load
