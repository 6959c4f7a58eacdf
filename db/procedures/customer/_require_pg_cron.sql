-- customer._require_pg_cron() RETURNS void
--
-- One job: raise 55000 (object_not_in_prerequisite_state) with what to do when the pg_cron extension is
-- not installed in the current database.
CREATE OR REPLACE FUNCTION customer._require_pg_cron()
RETURNS void
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_available boolean := EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = 'pg_cron');
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        RAISE EXCEPTION 'pg_cron is not installed in database %', current_database()
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = CASE WHEN v_available
                                THEN 'The pg_cron extension is available on this server but not created in this database.'
                                ELSE 'The pg_cron extension is not available on this server.' END,
                  HINT = format('Install it (Debian: apt-get install postgresql-15-cron), set shared_preload_libraries = '
                                '''pg_cron'' and cron.database_name = %L in postgresql.conf (pg_cron serves one '
                                'database per server: a job scheduled in another database stops running), restart '
                                'the server, then run CREATE EXTENSION pg_cron in this database and, as a superuser, '
                                'db bootstrap --owner <owner> again.', current_database());
    END IF;
END
$$;

COMMENT ON FUNCTION customer._require_pg_cron() IS
    'Private: 55000 with installation steps when pg_cron is not installed in this database.';

REVOKE ALL ON FUNCTION customer._require_pg_cron() FROM PUBLIC;
