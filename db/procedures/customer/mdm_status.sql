-- customer.mdm_status()
-- RETURNS TABLE (first_applied_period date, last_applied_period date, pending_correction_from date,
--                latest_source_month date, current_versions bigint, missing_snapshots date[],
--                stale_snapshots date[], outside_snapshots date[], source_holes date[],
--                last_run_function text, last_run_status text, last_run_at timestamptz,
--                last_run_sqlstate text, last_run_message text, last_run_by text, scheduled_job_status text,
--                scheduled_job_at timestamptz, scheduled_job_message text, close_pending boolean,
--                next_delivery_month date, next_delivery_due date, delivery_overdue boolean,
--                deployed_digest text, deployed_migration text, deployment_problem text, last_run_id bigint,
--                scheduled_job_run_id bigint, sync_behind boolean, scheduled_job_is_last_run boolean)
--
-- One job: where the product stands, in one row, for every caller that asks (`customer-mdm
-- status` and `status --check`, the post-ETL hooks' "is there work", the health check):
--   * the applied range of the contract history, a pending source correction
--     (customer._pending_correction), the latest loaded 规模明细 month and whether the sync is behind
--     it (sync_behind), the current versions;
--   * snapshot months missing, stale and outside the applied range (customer._snapshot_month_states:
--     the months the close refreshes or removes; a pending correction makes the months from it stale);
--   * source holes: months missing between the first and the last loaded month (business._month_holes);
--   * the latest real (not dry, not refused) run of the sync, a refresh or the close, whoever ran
--     it, with its state (customer.run_log: running, with its start, while its session lives;
--     interrupted once it is gone; succeeded; failed) and who: 'pg_cron' for the scheduled close
--     (recognised by customer.run_monthly_close, not by a setting a login may set), else the
--     login (session_user). A failure stays the answer until a later run succeeds; a run refused
--     for bad input (status refused) is not an answer;
--   * the scheduled close's latest run where pg_cron is installed in this database
--     (cron.job_run_details of the job wdh_monthly_close): its status, start (or end, for a job
--     that never started) and message. pg_cron says 'succeeded' whenever the job's command
--     returned, and the command catches a failed close to record it: the status is then the
--     run log's for that run ('succeeded' | 'failed'), so that one run has one state; pg_cron's
--     own 'failed' (e.g. 'connection failed', 'server restarted') stays as it says.
--     scheduled_job_run_id is then that run-log row, and scheduled_job_is_last_run says it is also
--     last_run_id (a caller reports that run once). NULL without
--     pg_cron or the job; 'unknown' with the fix when the owner may not read schema cron (pg_cron
--     installed after db bootstrap);
--   * close_pending: whether customer.run_monthly_close would do anything;
--   (customer.monitoring_check turns this row into the monitoring verdict.)
--   * the next 规模明细 month due, its due date (day delivery_due_day of the month after it,
--     customer.mdm_settings) and whether it is overdue today;
--   * the deployment stamp (customer.mdm_deployment: the digest of the procedures deployed and the
--     last migration applied when they were) and deployment_problem: NULL when the stamp names the
--     last migration applied, else what is wrong and `db migrate` (a deploy killed after the
--     migrations). Whether the stamp matches the installed package's files the caller compares
--     (the CLI's `db status`: the database cannot read the package).
-- SECURITY DEFINER: readers call it (it reads the state tables, the run log and pg_cron's tables
-- for them). Writes nothing.
CREATE OR REPLACE FUNCTION customer.mdm_status()
RETURNS TABLE (first_applied_period date, last_applied_period date, pending_correction_from date,
               latest_source_month date, current_versions bigint, missing_snapshots date[],
               stale_snapshots date[], outside_snapshots date[], source_holes date[],
               last_run_function text, last_run_status text, last_run_at timestamptz,
               last_run_sqlstate text, last_run_message text, last_run_by text, scheduled_job_status text,
               scheduled_job_at timestamptz, scheduled_job_message text, close_pending boolean,
               next_delivery_month date, next_delivery_due date, delivery_overdue boolean,
               deployed_digest text, deployed_migration text, deployment_problem text, last_run_id bigint,
               scheduled_job_run_id bigint, sync_behind boolean,
               scheduled_job_is_last_run boolean)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_state customer.contract_sync_state%ROWTYPE;
    v_due_day integer;
    v_scheduled record;
BEGIN
    SELECT * INTO v_state FROM customer.contract_sync_state;
    first_applied_period := v_state.first_applied_period;
    last_applied_period := v_state.last_applied_period;
    pending_correction_from := customer._pending_correction();
    SELECT max(d."月度") INTO latest_source_month FROM business."规模明细" AS d;
    sync_behind := latest_source_month > coalesce(v_state.last_applied_period, '-infinity');
    SELECT count(*) INTO current_versions FROM customer.customer_plan_contract AS c WHERE c.valid_to = '9999-12-31';
    SELECT coalesce(array_agg(m.snapshot_month ORDER BY m.snapshot_month) FILTER (WHERE m.state = 'missing'), '{}'),
           coalesce(array_agg(m.snapshot_month ORDER BY m.snapshot_month) FILTER (WHERE m.state = 'stale'), '{}'),
           coalesce(array_agg(m.snapshot_month ORDER BY m.snapshot_month) FILTER (WHERE m.state = 'outside'), '{}')
    INTO missing_snapshots, stale_snapshots, outside_snapshots
    FROM customer._snapshot_month_states() AS m;
    SELECT coalesce(array_agg(h.month ORDER BY h.month), '{}') INTO source_holes FROM business._month_holes() AS h;

    SELECT r.function_name, r.status, r.started_at, r.sqlstate, r.message,
           CASE WHEN (r.counts ->> 'scheduled')::boolean THEN 'pg_cron' ELSE r.db_user END, r.run_id
    INTO last_run_function, last_run_status, last_run_at, last_run_sqlstate, last_run_message, last_run_by,
         last_run_id
    FROM customer.run_log() AS r
    WHERE r.function_name IN ('sync_contract_status', 'refresh_monthly_snapshot', 'refresh_snapshots',
                              'run_monthly_close')
      AND NOT r.dry_run AND r.status <> 'refused'
    ORDER BY r.run_id DESC LIMIT 1;

    -- pg_cron's tables exist only where it is installed (and readers may not read them): dynamic SQL.
    IF to_regnamespace('cron') IS NOT NULL AND NOT has_schema_privilege('cron', 'USAGE') THEN
        -- pg_cron was installed after db bootstrap: the owner may not read its tables.
        scheduled_job_status := 'unknown';
        scheduled_job_message := format('the owner %s may not read schema cron: a superuser runs db bootstrap '
                                        '--owner %s again', current_user, current_user);
    ELSIF to_regclass('cron.job_run_details') IS NOT NULL THEN
        -- A job that could not connect has no start time: its end time says when.
        EXECUTE format('SELECT d.status, coalesce(d.start_time, d.end_time), d.return_message '
                       'FROM %1$I.job_run_details AS d JOIN %1$I.job AS j ON j.jobid = d.jobid '
                       'WHERE j.jobname = $1 ORDER BY d.runid DESC LIMIT 1', 'cron')
        INTO scheduled_job_status, scheduled_job_at, scheduled_job_message USING 'wdh_monthly_close';
        IF scheduled_job_status = 'succeeded' THEN  -- the command returned: the run log holds the outcome
            SELECT r.run_id, r.status, r.message INTO v_scheduled
            FROM customer.mdm_run_log AS r
            WHERE (r.counts ->> 'scheduled')::boolean AND r.started_at >= scheduled_job_at - interval '1 second'
            ORDER BY r.run_id DESC LIMIT 1;
            IF FOUND THEN
                scheduled_job_status := v_scheduled.status;
                scheduled_job_message := v_scheduled.message;
                scheduled_job_run_id := v_scheduled.run_id;  -- the same run as last_run when the ids agree
            END IF;
        END IF;
    END IF;

    close_pending := pending_correction_from IS NOT NULL OR sync_behind
        OR cardinality(missing_snapshots) > 0 OR cardinality(stale_snapshots) > 0
        OR cardinality(outside_snapshots) > 0;

    SELECT s.delivery_due_day INTO v_due_day FROM customer.mdm_settings AS s;
    next_delivery_month := (latest_source_month + interval '1 month')::date;
    next_delivery_due := (next_delivery_month + interval '1 month' + (v_due_day - 1) * interval '1 day')::date;
    delivery_overdue := current_date > next_delivery_due;

    SELECT d.procedures_digest, d.migration_id INTO deployed_digest, deployed_migration
    FROM customer.mdm_deployment AS d;
    deployment_problem := customer._deployment_problem();
    scheduled_job_is_last_run := coalesce(scheduled_job_run_id = last_run_id, false);  -- one run, reported once
    RETURN NEXT;
END
$$;

COMMENT ON FUNCTION customer.mdm_status() IS
    'Where the product stands, in one row: applied range, pending correction, latest source month, '
    'missing / stale / outside snapshot months, source holes, the last run and the scheduled job, '
    'close_pending, the next delivery due.';
REVOKE ALL ON FUNCTION customer.mdm_status() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.mdm_status() TO wdh_operator, wdh_reader;
