-- customer._mark_snapshots_stale(p_from date, p_to date, p_reason text) RETURNS bigint
--
-- Private; one job: mark the built snapshot months from p_from to p_to (month ends; p_to NULL: on
-- to the last) stale in customer.snapshot_month_state, because their inputs changed (p_reason). A
-- month already stale keeps the time and reason of its first mark. Returns the months marked.
CREATE OR REPLACE FUNCTION customer._mark_snapshots_stale(p_from date, p_to date, p_reason text)
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_marked bigint;
BEGIN
    UPDATE customer.snapshot_month_state AS s
    SET stale_since = coalesce(s.stale_since, now()), stale_reason = coalesce(s.stale_reason, p_reason)
    WHERE s.snapshot_month >= p_from AND (p_to IS NULL OR s.snapshot_month <= p_to);
    GET DIAGNOSTICS v_marked = ROW_COUNT;
    RETURN v_marked;
END
$$;

COMMENT ON FUNCTION customer._mark_snapshots_stale(date, date, text) IS
    'Private: mark built snapshot months from p_from to p_to (NULL: the last) stale, with the reason.';
REVOKE ALL ON FUNCTION customer._mark_snapshots_stale(date, date, text) FROM PUBLIC;
