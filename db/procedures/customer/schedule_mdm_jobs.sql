-- customer.schedule_mdm_jobs(p_sync_schedule text DEFAULT '0 3 6 * *',
--                            p_snapshot_schedule text DEFAULT '30 3 6 * *')
-- RETURNS TABLE (job_name text, jobid bigint, schedule text, command text)
--
-- Registers (or, run again, replaces) the two pg_cron jobs of the product in this database:
--   wdh_contract_status_sync      SELECT * FROM customer.sync_contract_status()
--   wdh_monthly_snapshot_refresh  SELECT * FROM customer.refresh_monthly_snapshot(NULL)
-- Defaults: the 6th of every month at 03:00 and 03:30 (server time); pg_cron 1.4 takes standard
-- five-field cron expressions with minute granularity. The jobs share the advisory lock, so they
-- never overlap; the refresh of the NULL period builds the last synced month.
-- Result: the registered jobs as cron.job holds them.
-- Errors: 55000 pg_cron is not installed in this database (the hint says how to install it);
--         22023 an empty schedule; pg_cron's own error for an invalid cron expression.
-- Jobs run as this function's owner (SECURITY DEFINER), whoever schedules them.
CREATE OR REPLACE FUNCTION customer.schedule_mdm_jobs(
    p_sync_schedule text DEFAULT '0 3 6 * *',
    p_snapshot_schedule text DEFAULT '30 3 6 * *')
RETURNS TABLE (job_name text, jobid bigint, schedule text, command text)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_jobs constant text[] := ARRAY['wdh_contract_status_sync', 'wdh_monthly_snapshot_refresh'];
    v_commands constant text[] := ARRAY['SELECT * FROM customer.sync_contract_status()',
                                        'SELECT * FROM customer.refresh_monthly_snapshot(NULL)'];
    v_schedules text[] := ARRAY[p_sync_schedule, p_snapshot_schedule];
BEGIN
    PERFORM customer._require_pg_cron();
    IF EXISTS (SELECT 1 FROM unnest(v_schedules) AS s WHERE coalesce(btrim(s), '') = '') THEN
        RAISE EXCEPTION 'Schedules must not be empty'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass five-field cron expressions, e.g. ''0 3 6 * *'' (the 6th of each month at 03:00).';
    END IF;
    -- pg_cron's objects exist only where it is installed, hence dynamic SQL.
    FOR i IN 1 .. cardinality(v_jobs) LOOP
        -- cron.schedule(job_name, …) replaces a job of the same name: running this again is safe.
        EXECUTE format('SELECT %I.schedule($1, $2, $3)', 'cron') USING v_jobs[i], v_schedules[i], v_commands[i];
    END LOOP;
    FOR job_name, jobid, schedule, command IN EXECUTE format(
        'SELECT j.jobname::text, j.jobid, j.schedule::text, j.command::text FROM %I.job AS j '
        'WHERE j.jobname = ANY($1) ORDER BY j.jobname', 'cron')
        USING v_jobs
    LOOP
        RETURN NEXT;
    END LOOP;
END
$$;

COMMENT ON FUNCTION customer.schedule_mdm_jobs(text, text) IS
    'Register or replace the pg_cron jobs wdh_contract_status_sync and wdh_monthly_snapshot_refresh '
    '(defaults: 6th of each month, 03:00 and 03:30). 55000 with a hint when pg_cron is not installed.';

REVOKE ALL ON FUNCTION customer.schedule_mdm_jobs(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.schedule_mdm_jobs(text, text) TO wdh_operator;
