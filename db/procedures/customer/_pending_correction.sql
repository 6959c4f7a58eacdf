-- customer._pending_correction() RETURNS date
--
-- One job: the source correction the next sync replays: the earliest changed month
-- (contract_sync_state.dirty_from_month, written by the triggers on 规模明细) when it is at or before
-- the last applied period; NULL when none is pending (nothing synced yet, or only months after the
-- applied range changed, which the sync applies anyway). Every caller asks here: the sync (whether
-- to rewind), refresh_snapshots (which refuses while one is pending), customer._snapshot_month_states
-- (months at or after it are stale), mdm_status, and through them status, the report and the hooks.
CREATE OR REPLACE FUNCTION customer._pending_correction()
RETURNS date
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE WHEN s.dirty_from_month <= s.last_applied_period THEN s.dirty_from_month END
FROM customer.contract_sync_state AS s
$$;

COMMENT ON FUNCTION customer._pending_correction() IS
    'The month the next sync replays from (a source correction at or before the last applied period); NULL: none.';
REVOKE ALL ON FUNCTION customer._pending_correction() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer._pending_correction() TO wdh_operator, wdh_reader;
