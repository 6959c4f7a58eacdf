-- customer._lock_source_tables(p_caller text) RETURNS void
--
-- Private; one job: keep every load out until the transaction ends: take the ETL's
-- transaction-level advisory locks (743, oid of the table) of business."规模明细",
-- customer."当年中标" and customer."当年流失", waiting at most customer.mdm_settings.
-- lock_timeout_seconds (the session's lock_timeout is restored after). p_caller names the caller in
-- the error.
-- Errors: 55P03 a load held a lock longer than that.
CREATE OR REPLACE FUNCTION customer._lock_source_tables(p_caller text)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_timeout numeric;
    v_previous text;
BEGIN
    SELECT s.lock_timeout_seconds INTO v_timeout FROM customer.mdm_settings AS s;
    v_previous := current_setting('lock_timeout');
    PERFORM set_config('lock_timeout', (round(coalesce(v_timeout, 60) * 1000))::bigint::text, true);
    BEGIN
        PERFORM pg_advisory_xact_lock(743, t::regclass::oid::integer)
        FROM unnest(ARRAY['business."规模明细"', 'customer."当年中标"', 'customer."当年流失"']) AS t;
    EXCEPTION WHEN lock_not_available THEN
        RAISE EXCEPTION '% waited % s for a load into the source tables and gave up', p_caller, coalesce(v_timeout, 60)
            USING ERRCODE = 'lock_not_available',
                  DETAIL = 'The ETL''s advisory locks (743, oid of 规模明细 / 当年中标 / 当年流失) are held.',
                  HINT = 'Wait for the running load to finish and try again.';
    END;
    PERFORM set_config('lock_timeout', v_previous, true);
END
$$;

COMMENT ON FUNCTION customer._lock_source_tables(text) IS
    'Private: take the ETL''s advisory locks of the three source tables (waiting at most lock_timeout_seconds).';
REVOKE ALL ON FUNCTION customer._lock_source_tables(text) FROM PUBLIC;
