-- customer.request_contract_rebuild(p_from_period date)
-- RETURNS TABLE (dirty_from_month date, last_applied_period date)
--
-- One job: force the next customer.sync_contract_status to rewind contract history to just before the
-- month of p_from_period (a month-end date) and replay, as a source correction in that month
-- would. Returns the resulting state.
--
-- Errors: 22023 p_from_period NULL or not a month-end date; 55000 nothing to rebuild from there
-- (contracts not synced yet, or that month not applied yet: the sync applies it anyway);
-- 55P03 lock timeout.
-- Locking: customer._lock_mdm.
CREATE OR REPLACE FUNCTION customer.request_contract_rebuild(p_from_period date)
RETURNS TABLE (dirty_from_month date, last_applied_period date)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_month date := date_trunc('month', customer._period_end(p_from_period, 'p_from_period'))::date;
    v_last date;
BEGIN
    IF p_from_period IS NULL THEN
        RAISE EXCEPTION 'p_from_period must not be NULL'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass the month-end date of the first period to rebuild, e.g. 2025-01-31.';
    END IF;
    PERFORM customer._lock_mdm('request_contract_rebuild');
    SELECT s.last_applied_period INTO v_last FROM customer.contract_sync_state AS s FOR UPDATE;
    IF v_last IS NULL OR v_month > v_last THEN
        RAISE EXCEPTION 'Nothing to rebuild from %: contract history is %', to_char(v_month, 'YYYYMM'),
                CASE WHEN v_last IS NULL THEN 'not synced yet' ELSE 'applied through ' || to_char(v_last, 'YYYYMM') END
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Pick a synced period to rebuild from, or run customer-mdm sync to apply new months.';
    END IF;
    UPDATE customer.contract_sync_state AS s
    SET dirty_from_month = least(s.dirty_from_month, v_month), updated_at = now();
    INSERT INTO customer.mdm_run_log (function_name, period_start, dry_run, started_at)
    VALUES ('request_contract_rebuild', p_from_period, false, clock_timestamp());
    RETURN QUERY SELECT s.dirty_from_month, s.last_applied_period FROM customer.contract_sync_state AS s;
END
$$;

COMMENT ON FUNCTION customer.request_contract_rebuild(date) IS
    'Make the next sync_contract_status rewind history to just before the month of p_from_period '
    '(month-end date) and replay it.';

REVOKE ALL ON FUNCTION customer.request_contract_rebuild(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.request_contract_rebuild(date) TO wdh_operator;
