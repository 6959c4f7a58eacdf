-- customer.refresh_snapshots(p_dry_run boolean DEFAULT false)
-- RETURNS TABLE (period_end date, product_line_rows bigint, plan_rows bigint,
--                inserted bigint, updated bigint, deleted bigint)
--
-- One job: bring every snapshot month in line with the contract history, whatever happened before (an
-- interrupted hook, a correction replayed by the sync, ledger rows changed, months withdrawn):
--   * which months: customer._snapshot_month_states, as status reports them;
--   * a snapshot month outside the applied range (before the first or after the last synced
--     period) is removed: its rows in both fact tables and its snapshot_month_state row
--     (returned with its deleted count and zero rows);
--   * every applied period without a snapshot, or whose snapshot is stale, is rebuilt by
--     customer._refresh_snapshot_month, exactly as refresh_monthly_snapshot would.
-- Afterwards every applied period has a snapshot equal to a fresh refresh_monthly_snapshot, no
-- month is stale and none lies outside the applied range. This is the refresh policy; the
-- monthly close, the post-ETL hooks and pg_cron all use it.
--
-- Result: one row per month touched, oldest first; an up-to-date database returns no rows and
--         changes no table (the run log records the call).
-- Errors: 55000 a source correction is pending (the sync replays it first: run_monthly_close);
--         55P03 lock timeout.
-- Locking: customer._lock_mdm, shared with the sync; then the sync state row FOR SHARE, so a load
--          whose trigger is recording a correction finishes first (and is then seen).
-- Dry run: the same code path, rolled back at the end; counts exact. The run log records it.
CREATE OR REPLACE FUNCTION customer.refresh_snapshots(p_dry_run boolean DEFAULT false)
RETURNS TABLE (period_end date, product_line_rows bigint, plan_rows bigint,
               inserted bigint, updated bigint, deleted bigint)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_started timestamptz := clock_timestamp();
    v_state customer.contract_sync_state%ROWTYPE;
    v_month date;
    v_months date[];  -- the months to rebuild, for the progress reports
    v_plan_deleted bigint;
    v_line_deleted bigint;
    v_touched customer.snapshot_refresh_result[] := '{}'::customer.snapshot_refresh_result[];
    v_row customer.snapshot_refresh_result;
BEGIN
    IF p_dry_run IS NULL THEN
        RAISE EXCEPTION 'p_dry_run must be true or false, not NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM customer._lock_mdm('refresh_snapshots');
    SELECT * INTO v_state FROM customer.contract_sync_state FOR SHARE;
    IF customer._pending_correction() IS NOT NULL THEN
        RAISE EXCEPTION 'A source correction from % is pending: the contract history is out of date',
                to_char(customer._pending_correction(), 'YYYY-MM')
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Run the monthly close, which syncs first: customer-mdm close, in SQL '
                         'SELECT * FROM customer.run_monthly_close().';
    END IF;

    BEGIN  -- every write happens in here; a dry run rolls this block back
        -- Snapshot months outside the applied range go, with their state.
        FOR v_month IN
            SELECT m.snapshot_month FROM customer._snapshot_month_states() AS m WHERE m.state = 'outside' ORDER BY 1
        LOOP
            PERFORM set_config('wdh.edition_reason',
                               CASE WHEN v_state.last_applied_period IS NULL
                                    THEN 'removed: no month is synced any more (every month was withdrawn)'
                                    ELSE format('removed: outside the synced range %s–%s (withdrawn or rewound)',
                                                to_char(v_state.first_applied_period, 'YYYYMM'),
                                                to_char(v_state.last_applied_period, 'YYYYMM')) END, true);
            DELETE FROM customer.fct_customer_plan_monthly AS f WHERE f.snapshot_month = v_month;
            GET DIAGNOSTICS v_plan_deleted = ROW_COUNT;
            DELETE FROM customer.fct_customer_product_line_monthly AS f WHERE f.snapshot_month = v_month;
            GET DIAGNOSTICS v_line_deleted = ROW_COUNT;
            DELETE FROM customer.snapshot_month_state AS s WHERE s.snapshot_month = v_month;
            v_touched := v_touched || ROW(v_month, 0, 0, 0, 0, v_plan_deleted + v_line_deleted)::customer.snapshot_refresh_result;
        END LOOP;
        PERFORM set_config('wdh.edition_reason', '', true);

        -- Applied periods without a snapshot, or with a stale one, are rebuilt.
        IF v_state.last_applied_period IS NOT NULL THEN
            v_months := ARRAY(SELECT m.snapshot_month FROM customer._snapshot_month_states() AS m
                              WHERE m.state IN ('missing', 'stale') ORDER BY 1);
            FOREACH v_month IN ARRAY v_months LOOP
                SELECT r.* INTO v_row FROM customer._refresh_snapshot_month(v_month) AS r;
                v_touched := v_touched || v_row;
                PERFORM customer._progress('snapshot', v_month, v_months);
            END LOOP;
        END IF;

        IF p_dry_run THEN
            RAISE EXCEPTION 'dry run' USING ERRCODE = 'WD0DR';
        END IF;
    EXCEPTION WHEN SQLSTATE 'WD0DR' THEN
        NULL;  -- the dry run's writes are undone; what it touched stays in v_touched
    END;

    INSERT INTO customer.mdm_run_log (function_name, period_start, period_end, dry_run, counts, started_at)
    SELECT 'refresh_snapshots', min(t.period_end), max(t.period_end), p_dry_run,
           jsonb_build_object('months', count(*), 'inserted', coalesce(sum(t.inserted), 0),
                              'updated', coalesce(sum(t.updated), 0), 'deleted', coalesce(sum(t.deleted), 0)),
           v_started
    FROM unnest(v_touched) AS t;

    RETURN QUERY SELECT t.* FROM unnest(v_touched) AS t ORDER BY t.period_end;
END
$$;

COMMENT ON FUNCTION customer.refresh_snapshots(boolean) IS
    'Rebuild every applied period whose snapshot is missing or stale and remove snapshot months outside '
    'the applied range; one row per month touched (none when up to date). Dry run rolls back, counts exact.';

REVOKE ALL ON FUNCTION customer.refresh_snapshots(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.refresh_snapshots(boolean) TO wdh_operator;
