-- customer._lock_source_tables(p_caller text) RETURNS void
--
-- Private; one job: keep every load out until the transaction ends: take the ETL's
-- transaction-level advisory locks (customer._lock_class('source'), oid of the table) of business."规模明细",
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
BEGIN
    PERFORM customer._lock_source_table(t::regclass, p_caller)
    FROM unnest(ARRAY['business."规模明细"', 'customer."当年中标"', 'customer."当年流失"']) AS t;
END
$$;

COMMENT ON FUNCTION customer._lock_source_tables(text) IS
    'Private: take the ETL''s advisory locks of the three source tables (waiting at most lock_timeout_seconds).';
REVOKE ALL ON FUNCTION customer._lock_source_tables(text) FROM PUBLIC;
