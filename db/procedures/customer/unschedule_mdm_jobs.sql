-- customer.unschedule_mdm_jobs() RETURNS TABLE (job_name text, removed boolean)
--
-- One job: remove the pg_cron job that customer.schedule_mdm_jobs registers (wdh_monthly_close), and the
-- first release's two jobs if they are still there; the close job is reported with removed =
-- false when it was not registered, an old job only when it was removed.
-- Errors: 55000 pg_cron is not installed in this database.
CREATE OR REPLACE FUNCTION customer.unschedule_mdm_jobs()
RETURNS TABLE (job_name text, removed boolean)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_job text;
    v_exists boolean;
BEGIN
    PERFORM customer._require_pg_cron();
    -- pg_cron's objects exist only where it is installed, hence dynamic SQL.
    FOREACH v_job IN ARRAY ARRAY['wdh_monthly_close', 'wdh_contract_status_sync', 'wdh_monthly_snapshot_refresh'] LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.job AS j WHERE j.jobname = $1)', 'cron')
            INTO v_exists USING v_job;
        IF v_exists THEN
            EXECUTE format('SELECT %I.unschedule($1)', 'cron') USING v_job;
        END IF;
        IF v_exists OR v_job = 'wdh_monthly_close' THEN
            job_name := v_job;
            removed := v_exists;
            RETURN NEXT;
        END IF;
    END LOOP;
END
$$;

COMMENT ON FUNCTION customer.unschedule_mdm_jobs() IS
    'Remove the pg_cron job registered by schedule_mdm_jobs (and the first release''s two); reports which were there.';

REVOKE ALL ON FUNCTION customer.unschedule_mdm_jobs() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.unschedule_mdm_jobs() TO wdh_operator;
