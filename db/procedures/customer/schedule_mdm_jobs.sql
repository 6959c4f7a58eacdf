-- customer.schedule_mdm_jobs(p_schedule text DEFAULT '0 3 6 * *')
-- RETURNS TABLE (job_name text, jobid bigint, schedule text, command text)
--
-- One job: register (or, run again, replace) the product's pg_cron job in this database:
--   wdh_monthly_close  SELECT customer._run_scheduled_close()
-- which runs customer.run_monthly_close() (the sync, then refresh_snapshots: the same path as
-- the CLI's `customer-mdm close` and the post-ETL hooks) and records a failure in the run log.
-- The two jobs of the first release (wdh_contract_status_sync, wdh_monthly_snapshot_refresh)
-- are removed. Default: the 6th of every month at 03:00 (server time); pg_cron 1.4 takes
-- standard five-field cron expressions with minute granularity.
-- Result: the registered job as cron.job holds it.
-- Errors: 55000 pg_cron is not installed in this database (the hint says how to install it);
--         22023 an empty schedule; pg_cron's own error for an invalid cron expression.
-- The job runs as this function's owner (SECURITY DEFINER), whoever schedules it.
CREATE OR REPLACE FUNCTION customer.schedule_mdm_jobs(p_schedule text DEFAULT '0 3 6 * *')
RETURNS TABLE (job_name text, jobid bigint, schedule text, command text)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    c_job constant text := 'wdh_monthly_close';
    c_command constant text := 'SELECT customer._run_scheduled_close()';
    v_old text;
BEGIN
    PERFORM customer._require_pg_cron();
    IF coalesce(btrim(p_schedule), '') = '' THEN
        RAISE EXCEPTION 'The schedule must not be empty'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass a five-field cron expression, e.g. ''0 3 6 * *'' (the 6th of each month at 03:00).';
    END IF;
    -- pg_cron's objects exist only where it is installed, hence dynamic SQL.
    FOR v_old IN EXECUTE format('SELECT j.jobname::text FROM %I.job AS j WHERE j.jobname = ANY($1)', 'cron')
        USING ARRAY['wdh_contract_status_sync', 'wdh_monthly_snapshot_refresh']
    LOOP
        EXECUTE format('SELECT %I.unschedule($1)', 'cron') USING v_old;
    END LOOP;
    -- cron.schedule(job_name, …) replaces a job of the same name: running this again is safe.
    EXECUTE format('SELECT %I.schedule($1, $2, $3)', 'cron') USING c_job, p_schedule, c_command;
    FOR job_name, jobid, schedule, command IN EXECUTE format(
        'SELECT j.jobname::text, j.jobid, j.schedule::text, j.command::text FROM %I.job AS j WHERE j.jobname = $1',
        'cron') USING c_job
    LOOP
        RETURN NEXT;
    END LOOP;
END
$$;

COMMENT ON FUNCTION customer.schedule_mdm_jobs(text) IS
    'Register or replace the pg_cron job wdh_monthly_close (the monthly close; default the 6th of each '
    'month, 03:00). 55000 with a hint when pg_cron is not installed.';

REVOKE ALL ON FUNCTION customer.schedule_mdm_jobs(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.schedule_mdm_jobs(text) TO wdh_operator;
