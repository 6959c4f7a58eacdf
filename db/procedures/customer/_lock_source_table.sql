-- customer._lock_source_table(p_table regclass, p_caller text) RETURNS void
--
-- One job: the ETL's lock of one source table (business."规模明细", customer."当年中标" or
-- customer."当年流失"), shared by every load (business.apply_staged_load's caller takes it before
-- it stages) and by customer._lock_source_tables (merge_company): a transaction-level advisory
-- lock (customer._lock_class('source'), 743; the table's oid), waited for at most customer.mdm_settings.lock_timeout_seconds.
-- Errors: 55P03 when another load holds it longer than that (the message names the table).
-- Locking: released at the end of the caller's transaction, never by hand.
CREATE OR REPLACE FUNCTION customer._lock_source_table(p_table regclass, p_caller text)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_timeout numeric;
    v_previous text := current_setting('lock_timeout');
    v_name text;
BEGIN
    SELECT s.lock_timeout_seconds INTO v_timeout FROM customer.mdm_settings AS s;
    PERFORM set_config('lock_timeout', (round(coalesce(v_timeout, 60) * 1000))::bigint::text, true);
    BEGIN
        PERFORM pg_advisory_xact_lock(customer._lock_class('source'), p_table::oid::integer);
    EXCEPTION WHEN lock_not_available THEN
        SELECT n.nspname || '.' || c.relname INTO v_name
        FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
        WHERE c.oid = p_table;
        PERFORM set_config('lock_timeout', v_previous, true);
        RAISE EXCEPTION 'Another load into % held its lock for more than % s; gave up waiting', v_name,
                coalesce(v_timeout, 60)
            USING ERRCODE = 'lock_not_available',
                  DETAIL = format('%s waited for the advisory lock (%s, oid of %s); see pg_locks / pg_stat_activity.',
                                  p_caller, customer._lock_class('source'), v_name),
                  HINT = 'Wait for the other load to finish and run the command again (files it loaded are then '
                         'reported as already loaded), or raise customer.mdm_settings.lock_timeout_seconds.';
    END;
    PERFORM set_config('lock_timeout', v_previous, true);
END
$$;

COMMENT ON FUNCTION customer._lock_source_table(regclass, text) IS
    'Private: the ETL''s advisory lock (customer._lock_class(''source''), table oid) of one source table, waiting at most '
    'lock_timeout_seconds; 55P03 naming the table on timeout.';
REVOKE ALL ON FUNCTION customer._lock_source_table(regclass, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer._lock_source_table(regclass, text) TO wdh_operator;
