-- customer.run_monthly_close(p_dry_run boolean DEFAULT false)
-- RETURNS TABLE (step text, period_end date, inserted bigint, updated bigint, deleted bigint, lapsed bigint)
--
-- One job: the monthly close, one path for the CLI (customer-mdm close), the post-ETL hooks and pg_cron:
-- under one lock, in one transaction,
--   1. customer.sync_contract_status(): every unapplied period, replaying corrections first;
--   2. customer.refresh_snapshots(): every applied period's snapshot built and current, none
--      outside the applied range.
-- Result: one row per step and period: step 'sync' (inserted / updated / lapsed versions; deleted
--         repeats lapsed, the name SPEC §11 gave it) for each period the sync applied or replayed, step 'snapshot' (rows inserted /
--         updated / deleted across both fact tables; lapsed NULL) for each month the refresh touched. An
--         up-to-date database returns no rows. With nothing loaded and nothing synced, the sync is
--         skipped; when every source row was withdrawn, the sync removes the history and the
--         refresh every snapshot month.
-- Errors: those of the sync (55000 a month missing between loaded months, 23503 missing
--         customers or product lines, …) and of the refresh; 55P03 lock timeout. A failed
--         close writes nothing: its caller records the failure (record_failed_run; the pg_cron
--         job goes through _run_scheduled_close, which records it itself).
-- Locking: customer._lock_mdm for the whole close (the steps take it again: it is re-entrant).
-- Dry run: both steps run for real inside a block that is rolled back at its end, so the
--          snapshot counts see the history the sync would write. A dry run may advance the
--          contract_id sequence; it never rewinds it (setval would hand a concurrent writer's ids
--          out again). The run log records the close (and its steps when not a dry run).
CREATE OR REPLACE FUNCTION customer.run_monthly_close(p_dry_run boolean DEFAULT false)
RETURNS TABLE (step text, period_end date, inserted bigint, updated bigint, deleted bigint, lapsed bigint)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_started timestamptz := clock_timestamp();
    v_before customer.contract_sync_state%ROWTYPE;
    v_steps customer.close_step_result[] := '{}'::customer.close_step_result[];
BEGIN
    IF p_dry_run IS NULL THEN
        RAISE EXCEPTION 'p_dry_run must be true or false, not NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM customer._require_deployed('run_monthly_close');
    PERFORM customer._lock_mdm('run_monthly_close');
    PERFORM customer._settle_interrupted_runs();
    SELECT * INTO v_before FROM customer.contract_sync_state;

    BEGIN  -- every write happens in here; a dry run rolls this block back
        IF EXISTS (SELECT 1 FROM business."规模明细") OR v_before.last_applied_period IS NOT NULL THEN
            -- A no-op sync returns one row for its target: only periods applied or replayed count.
            SELECT v_steps || coalesce(array_agg(ROW('sync', s.period_end, s.inserted, s.updated, s.lapsed)
                                                 ::customer.close_step_result ORDER BY s.period_end), '{}')
            INTO v_steps
            FROM customer.sync_contract_status() AS s
            WHERE v_before.last_applied_period IS NULL OR s.period_end > v_before.last_applied_period
               OR v_before.dirty_from_month IS NOT NULL;
        END IF;
        SELECT v_steps || coalesce(array_agg(ROW('snapshot', r.period_end, r.inserted, r.updated, r.deleted)
                                             ::customer.close_step_result ORDER BY r.period_end), '{}')
        INTO v_steps
        FROM customer.refresh_snapshots() AS r;

        IF p_dry_run THEN
            RAISE EXCEPTION 'dry run' USING ERRCODE = 'WD0DR';
        END IF;
    EXCEPTION WHEN SQLSTATE 'WD0DR' THEN
        NULL;  -- its writes are gone; a sequence it drew from stays advanced (a dry run never calls setval)
    END;

    INSERT INTO customer.mdm_run_log (function_name, period_start, period_end, dry_run, counts, started_at)
    SELECT 'run_monthly_close', min(t.period_end), max(t.period_end), p_dry_run,
           -- The sync's versions and the snapshots' fact rows are counted apart: they are not the same thing.
           jsonb_build_object('periods_synced', count(*) FILTER (WHERE t.step = 'sync'),
                              'versions_inserted', coalesce(sum(t.inserted) FILTER (WHERE t.step = 'sync'), 0),
                              'versions_updated', coalesce(sum(t.updated) FILTER (WHERE t.step = 'sync'), 0),
                              'versions_lapsed', coalesce(sum(t.deleted) FILTER (WHERE t.step = 'sync'), 0),
                              'snapshot_months', count(*) FILTER (WHERE t.step = 'snapshot'),
                              'facts_inserted', coalesce(sum(t.inserted) FILTER (WHERE t.step = 'snapshot'), 0),
                              'facts_updated', coalesce(sum(t.updated) FILTER (WHERE t.step = 'snapshot'), 0),
                              'facts_deleted', coalesce(sum(t.deleted) FILTER (WHERE t.step = 'snapshot'), 0),
                              -- The scheduled job: flagged by _run_scheduled_close, which pg_cron runs as the
                              -- job's user, the owner; a login that sets the flag itself is not the owner.
                              'scheduled', coalesce(current_setting('work_data_hub.scheduled', true), '') = 'on'
                                           AND session_user = (SELECT pg_get_userbyid(n.nspowner)
                                                               FROM pg_namespace AS n WHERE n.nspname = 'customer')),
           v_started
    FROM unnest(v_steps) AS t;

    IF NOT p_dry_run THEN  -- what the close wrote is read right after: plans must know it
        PERFORM customer._analyse_written(ARRAY['customer.customer_plan_contract', 'customer.contract_month_summary',
                                                'customer.fct_customer_plan_monthly',
                                                'customer.fct_customer_product_line_monthly',
                                                'customer.snapshot_delta', 'customer.snapshot_edition',
                                                'customer.snapshot_month_state']::regclass[]);
    END IF;

    RETURN QUERY SELECT t.step, t.period_end, t.inserted, t.updated, t.deleted,
                        CASE WHEN t.step = 'sync' THEN t.deleted END
                 FROM unnest(v_steps) WITH ORDINALITY AS t (step, period_end, inserted, updated, deleted, n)
                 ORDER BY t.n;
END
$$;

COMMENT ON FUNCTION customer.run_monthly_close(boolean) IS
    'The monthly close: sync_contract_status, then refresh_snapshots, under one lock. One row per step '
    '(sync / snapshot) and period; none when up to date. Dry run rolls back, counts exact.';

REVOKE ALL ON FUNCTION customer.run_monthly_close(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.run_monthly_close(boolean) TO wdh_operator;
