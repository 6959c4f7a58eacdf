-- customer.begin_run(p_function_name text, p_period_end date DEFAULT NULL) RETURNS bigint
--
-- One job: register a CLI run of the sync, a refresh or the close in the run log before its work begins,
-- so that a kill, a lost connection or a server restart leaves a trace: the row (status running)
-- is committed by the caller at once, and the calling session takes the session advisory lock
-- (customer._lock_class('run'), run_id) that it holds until its connection ends. The work's own
-- transaction then ends it (customer.end_run); a row whose lock is gone is interrupted
-- (customer._run_state), and this call first records every such row as interrupted
-- (customer._settle_interrupted_runs). Dry runs are not registered (they write nothing).
-- Result: the run_id. Errors: 22023 an unknown function name.
CREATE OR REPLACE FUNCTION customer.begin_run(p_function_name text, p_period_end date DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_run_id bigint;
BEGIN
    IF p_function_name IS NULL OR p_function_name NOT IN ('sync_contract_status', 'refresh_monthly_snapshot',
                                                          'refresh_snapshots', 'run_monthly_close') THEN
        RAISE EXCEPTION 'Cannot register a run of %', coalesce(p_function_name, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Name sync_contract_status, refresh_monthly_snapshot, refresh_snapshots or run_monthly_close.';
    END IF;
    PERFORM customer._settle_interrupted_runs();
    INSERT INTO customer.mdm_run_log (function_name, period_start, period_end, dry_run, started_at, status)
    VALUES (p_function_name, p_period_end, p_period_end, false, clock_timestamp(), 'running')
    RETURNING run_id INTO v_run_id;
    PERFORM pg_advisory_lock(customer._lock_class('run'), (v_run_id % 2147483647)::integer);
    RETURN v_run_id;
END
$$;

COMMENT ON FUNCTION customer.begin_run(text, date) IS
    'Register a CLI run as running in the run log (commit it at once); the session holds advisory lock '
    '(744, run_id) until it ends. Settles interrupted runs first. Returns the run_id.';
REVOKE ALL ON FUNCTION customer.begin_run(text, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.begin_run(text, date) TO wdh_operator;
