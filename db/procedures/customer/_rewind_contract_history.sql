-- customer._rewind_contract_history(p_from date) RETURNS void
--
-- Private; one job: take the contract history back to just before month p_from (the first of a
-- month), so that the sync replays it: versions opened at or after that month's end are deleted,
-- versions closed then are open again, and the month summary of p_from on is deleted. p_from NULL
-- deletes the whole history and summary (every source row withdrawn, or a correction of the first
-- applied month). The caller (customer.sync_contract_status) holds the MDM lock and updates the
-- sync state.
CREATE OR REPLACE FUNCTION customer._rewind_contract_history(p_from date)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c_open constant date := date '9999-12-31';
    v_end constant date := (p_from + interval '1 month - 1 day')::date;
BEGIN
    IF p_from IS NULL THEN
        DELETE FROM customer.customer_plan_contract;
        DELETE FROM customer.contract_month_summary;
        RETURN;
    END IF;
    DELETE FROM customer.customer_plan_contract AS c WHERE c.valid_from >= v_end;
    UPDATE customer.customer_plan_contract AS c SET valid_to = c_open, updated_at = now()
    WHERE c.valid_to >= v_end AND c.valid_to <> c_open;
    DELETE FROM customer.contract_month_summary AS m WHERE m.month >= p_from;
END
$$;

COMMENT ON FUNCTION customer._rewind_contract_history(date) IS
    'Private to the sync: remove the contract history and month summary from month p_from on (NULL: all).';
REVOKE ALL ON FUNCTION customer._rewind_contract_history(date) FROM PUBLIC;
