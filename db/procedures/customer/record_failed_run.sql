-- customer.record_failed_run(p_function_name text, p_sqlstate text, p_message text,
--                            p_started_at timestamptz, p_dry_run boolean DEFAULT false,
--                            p_period_end date DEFAULT NULL) RETURNS bigint
--
-- One job: record a failed call of the sync, a snapshot refresh or the close in the run log, for callers
-- outside the database: a failed call rolls back with its own run log row, so the CLI and the
-- post-ETL hooks call this in a new transaction after the failure. The status is 'refused' for
-- bad input (SQLSTATE class 22, data exception: a malformed period, a bad argument), which
-- monitoring does not count as a failure, else 'failed'.
-- Result: the run_id of the row.
-- Errors: 22023 an unknown function name, or a missing SQLSTATE or message.
CREATE OR REPLACE FUNCTION customer.record_failed_run(
    p_function_name text,
    p_sqlstate text,
    p_message text,
    p_started_at timestamptz,
    p_dry_run boolean DEFAULT false,
    p_period_end date DEFAULT NULL)
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
        RAISE EXCEPTION 'Cannot record a failure of %', coalesce(p_function_name, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Name sync_contract_status, refresh_monthly_snapshot, refresh_snapshots or run_monthly_close.';
    END IF;
    IF coalesce(p_sqlstate, '') !~ '^[0-9A-Z]{5}$' OR coalesce(p_message, '') = '' THEN
        RAISE EXCEPTION 'A failed run needs its SQLSTATE and message'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass the error''s five-character SQLSTATE and its primary message.';
    END IF;
    INSERT INTO customer.mdm_run_log (function_name, period_start, period_end, dry_run, started_at,
                                      status, sqlstate, message)
    VALUES (p_function_name, p_period_end, p_period_end, coalesce(p_dry_run, false),
            coalesce(p_started_at, clock_timestamp()),
            CASE WHEN p_sqlstate LIKE '22%' THEN 'refused' ELSE 'failed' END, p_sqlstate, p_message)
    RETURNING run_id INTO v_run_id;
    RETURN v_run_id;
END
$$;

COMMENT ON FUNCTION customer.record_failed_run(text, text, text, timestamptz, boolean, date) IS
    'Record a failed call of sync_contract_status, refresh_monthly_snapshot, refresh_snapshots or '
    'run_monthly_close in the run log (status refused for SQLSTATE class 22, else failed); returns its run_id.';

REVOKE ALL ON FUNCTION customer.record_failed_run(text, text, text, timestamptz, boolean, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.record_failed_run(text, text, text, timestamptz, boolean, date) TO wdh_operator;
