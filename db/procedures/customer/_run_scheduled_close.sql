-- customer._run_scheduled_close() RETURNS text
--
-- Private; one job: the pg_cron job's command (see schedule_mdm_jobs). Runs
-- customer.run_monthly_close() and, when it fails, records the failure in the run log (status
-- 'failed', SQLSTATE, message, application_name 'pg_cron'): PL/pgSQL has no autonomous
-- transaction, so the close runs in a sub-transaction whose failure is caught here; its work
-- rolls back, the failure row commits with the job. Returns a one-line outcome for psql callers
-- (pg_cron itself keeps only the command tag, SELECT 1, in cron.job_run_details).
-- This is the one handler in the product that catches WHEN OTHERS without re-raising: re-raising
-- would roll the failure record back with everything else. Before the close, it deletes the job's
-- own rows of cron.job_run_details older than 13 months, so that table does not grow without end.
CREATE OR REPLACE FUNCTION customer._run_scheduled_close()
RETURNS text
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_started timestamptz := clock_timestamp();
    v_synced bigint;
    v_snapshots bigint;
    v_sqlstate text;
    v_message text;
    v_detail text;
BEGIN
    PERFORM set_config('work_data_hub.scheduled', 'on', true);
    -- pg_cron keeps a row per run in cron.job_run_details, for ever: the job keeps its own last 13
    -- months (pg_cron lets a job's user delete its rows; a server that does not is left as it is).
    BEGIN
        EXECUTE format('DELETE FROM %1$I.job_run_details AS d USING %1$I.job AS j '
                       'WHERE j.jobid = d.jobid AND j.jobname = $1 AND d.end_time < now() - interval ''13 months''',
                       'cron') USING 'wdh_monthly_close';
    EXCEPTION WHEN insufficient_privilege OR undefined_table OR invalid_schema_name THEN
        NULL;  -- nothing to prune here, or not ours to prune: the close runs all the same
    END;
    PERFORM set_config('application_name', 'pg_cron', true);  -- the run log names the scheduler
    BEGIN
        SELECT count(*) FILTER (WHERE c.step = 'sync'), count(*) FILTER (WHERE c.step = 'snapshot')
        INTO v_synced, v_snapshots
        FROM customer.run_monthly_close() AS c;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_sqlstate = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT, v_detail = PG_EXCEPTION_DETAIL;
        INSERT INTO customer.mdm_run_log (function_name, dry_run, started_at, status, sqlstate, message,
                                          application_name, counts)
        VALUES ('run_monthly_close', false, v_started, 'failed', v_sqlstate,
                v_message || coalesce(' (' || nullif(v_detail, '') || ')', ''), 'pg_cron',
                jsonb_build_object('scheduled', true));
        RETURN format('monthly close failed: SQLSTATE %s: %s', v_sqlstate, v_message);
    END;
    RETURN format('monthly close: %s period(s) synced, %s snapshot month(s) refreshed', v_synced, v_snapshots);
END
$$;

COMMENT ON FUNCTION customer._run_scheduled_close() IS
    'Private: the pg_cron job command; runs run_monthly_close and records a failure in the run log.';

REVOKE ALL ON FUNCTION customer._run_scheduled_close() FROM PUBLIC;
