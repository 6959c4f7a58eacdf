-- customer._check_snapshot_month(p_period_end date) RETURNS date
--
-- Private; one job: which month customer.refresh_monthly_snapshot builds, refusing one it cannot:
-- p_period_end (a month end), or when NULL the last period the sync applied. Returns that month end.
-- It locks the sync state row (FOR UPDATE) until the transaction ends: the trigger on 规模明细 writes
-- that row when a load changes an applied month, so a load waits for the refresh and the refresh
-- for a load; the month checked here cannot become out of date before the refresh commits.
-- Errors: 22023 before the first synced period; 55000 contracts not synced through the month, no
-- 规模明细 loaded for it, or a source correction of a month up to it pending.
CREATE OR REPLACE FUNCTION customer._check_snapshot_month(p_period_end date)
RETURNS date
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_state customer.contract_sync_state%ROWTYPE;
    v_end date;
BEGIN
    SELECT * INTO v_state FROM customer.contract_sync_state FOR UPDATE;
    IF v_state.last_applied_period IS NULL THEN
        RAISE EXCEPTION 'Contracts have not been synced yet: there is nothing to snapshot'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Load the AUM detail and sync first: customer-mdm close (or customer-mdm sync), in SQL '
                         'SELECT * FROM customer.run_monthly_close().';
    END IF;
    v_end := coalesce(p_period_end, v_state.last_applied_period);
    IF v_end > v_state.last_applied_period THEN
        IF NOT EXISTS (SELECT 1 FROM business."规模明细" AS d WHERE d."月度" = date_trunc('month', v_end)::date) THEN
            RAISE EXCEPTION 'No AUM detail (规模明细) is loaded for %: there is nothing to snapshot', to_char(v_end, 'YYYY-MM')
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = format('Load the month first (etl --domain annuity_performance --period %s --execute), '
                                    'then run customer-mdm close.', to_char(v_end, 'YYYYMM'));
        END IF;
        RAISE EXCEPTION 'Contracts are synced through % only, not through %',
                to_char(v_state.last_applied_period, 'YYYY-MM'), to_char(v_end, 'YYYY-MM')
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Sync first: customer-mdm close (or customer-mdm sync), in SQL '
                         'SELECT * FROM customer.run_monthly_close().';
    END IF;
    IF v_state.dirty_from_month IS NOT NULL AND v_state.dirty_from_month <= v_end THEN
        RAISE EXCEPTION 'A source correction from % is pending: the contracts for % are out of date',
                to_char(v_state.dirty_from_month, 'YYYY-MM'), to_char(v_end, 'YYYY-MM')
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Sync first; it replays the corrected months: customer-mdm close (or customer-mdm sync), '
                         'in SQL SELECT * FROM customer.run_monthly_close().';
    END IF;
    IF v_end < v_state.first_applied_period THEN
        RAISE EXCEPTION 'Contract history starts at %, after %',
                to_char(v_state.first_applied_period, 'YYYY-MM'), to_char(v_end, 'YYYY-MM')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pick a period from the first synced one on, or load and sync the earlier months.';
    END IF;
    RETURN v_end;
END
$$;

COMMENT ON FUNCTION customer._check_snapshot_month(date) IS
    'Private to the refresh: the month to build (NULL: the last synced), refused when not synced or out of date.';
REVOKE ALL ON FUNCTION customer._check_snapshot_month(date) FROM PUBLIC;
