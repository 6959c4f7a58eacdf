-- customer._lock_mdm(p_caller text) RETURNS void
--
-- One job: serialise contract sync and snapshot refresh: take the transaction-level advisory lock
-- (classid customer._lock_class('mdm'), 742; objid 1) that both share, waiting at most customer.mdm_settings.lock_timeout_seconds.
-- Released at the end of the caller's transaction, never by hand.
--
-- Errors: 55P03 (lock_not_available) when another run holds the lock longer than the timeout.
CREATE OR REPLACE FUNCTION customer._lock_mdm(p_caller text)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_timeout numeric;
    v_previous text := current_setting('lock_timeout');
BEGIN
    SELECT s.lock_timeout_seconds INTO v_timeout FROM customer.mdm_settings AS s;
    PERFORM set_config('lock_timeout', (round(coalesce(v_timeout, 60) * 1000))::bigint::text, true);
    BEGIN
        PERFORM pg_advisory_xact_lock(customer._lock_class('mdm'), 1);
    EXCEPTION WHEN lock_not_available THEN
        PERFORM set_config('lock_timeout', v_previous, true);
        RAISE EXCEPTION '% waited % s for another contract sync or snapshot refresh and gave up',
                p_caller, coalesce(v_timeout, 60)
            USING ERRCODE = 'lock_not_available',
                  DETAIL = format('The work_data_hub advisory lock (%s, 1) is held by another transaction.',
                                  customer._lock_class('mdm')),
                  HINT = 'Wait for the running sync or refresh to finish (see pg_locks / pg_stat_activity) '
                         'and run again, or raise customer.mdm_settings.lock_timeout_seconds.';
    END;
    PERFORM set_config('lock_timeout', v_previous, true);
END
$$;

COMMENT ON FUNCTION customer._lock_mdm(text) IS
    'Private: take the advisory lock shared by sync_contract_status and refresh_monthly_snapshot, '
    'waiting at most mdm_settings.lock_timeout_seconds; 55P03 with a hint on timeout.';

REVOKE ALL ON FUNCTION customer._lock_mdm(text) FROM PUBLIC;
