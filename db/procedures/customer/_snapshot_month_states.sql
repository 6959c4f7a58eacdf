-- customer._snapshot_month_states()
-- RETURNS TABLE (snapshot_month date, state text, refreshed_at timestamptz, stale_since timestamptz,
--                stale_reason text, pending_from date)
--
-- One job: where every snapshot month stands, for every caller that asks (customer.mdm_status and
-- so `status`, the hooks and the health check; refresh_snapshots, which rebuilds or removes exactly
-- these; the report's notice). One row per month that is synced or has a snapshot, oldest first:
--   state 'outside'  a snapshot month (customer._snapshot_months) outside the applied range: the
--                    next refresh removes it;
--         'missing'  a synced month without a snapshot;
--         'stale'    built, and a later change made it so (snapshot_month_state.stale_since and its
--                    reason), or a source correction of it or an earlier month is pending
--                    (customer._pending_correction: the history it was built from is replayed by
--                    the next close; stale_since is when the correction was recorded);
--         'current'  built and up to date.
-- refreshed_at: when it was last built (NULL: missing, or fact rows without a state row).
-- pending_from: the pending correction's month when that is why the month is stale (so that a page
-- may word the reason in its own language).
-- STABLE; SECURITY DEFINER because customer._snapshot_months reads both fact tables for readers.
CREATE OR REPLACE FUNCTION customer._snapshot_month_states()
RETURNS TABLE (snapshot_month date, state text, refreshed_at timestamptz, stale_since timestamptz,
               stale_reason text, pending_from date)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
        WITH sync AS (
            SELECT s.first_applied_period AS first, s.last_applied_period AS last, s.updated_at,
                   customer._pending_correction() AS pending
            FROM customer.contract_sync_state AS s
        ), months AS (
            SELECT (g + interval '1 month - 1 day')::date AS month
            FROM sync AS y, generate_series(date_trunc('month', y.first), y.last, interval '1 month') AS g
            UNION
            SELECT m.month FROM customer._snapshot_months() AS m
        )
        SELECT m.month,
               CASE WHEN y.last IS NULL OR m.month NOT BETWEEN y.first AND y.last THEN 'outside'
                    WHEN t.snapshot_month IS NULL THEN 'missing'
                    WHEN t.stale_since IS NOT NULL OR m.month >= y.pending THEN 'stale'
                    ELSE 'current' END,
               t.refreshed_at,
               CASE WHEN m.month BETWEEN y.first AND y.last AND t.snapshot_month IS NOT NULL
                    THEN coalesce(t.stale_since, CASE WHEN m.month >= y.pending THEN y.updated_at END) END,
               CASE WHEN m.month BETWEEN y.first AND y.last AND t.snapshot_month IS NOT NULL
                    THEN coalesce(t.stale_reason,
                                  CASE WHEN m.month >= y.pending
                                       THEN format('source data changed from %s; the contract history is not replayed yet',
                                                   to_char(y.pending, 'YYYY-MM')) END) END,
               CASE WHEN m.month BETWEEN y.first AND y.last AND t.snapshot_month IS NOT NULL
                         AND t.stale_since IS NULL AND m.month >= y.pending THEN y.pending END
        FROM months AS m
        CROSS JOIN sync AS y
        LEFT JOIN customer.snapshot_month_state AS t ON t.snapshot_month = m.month
        ORDER BY m.month;
END
$$;

COMMENT ON FUNCTION customer._snapshot_month_states() IS
    'Where every snapshot month stands: outside the applied range, missing, stale (with since when and why, a '
    'pending source correction included) or current.';
REVOKE ALL ON FUNCTION customer._snapshot_month_states() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer._snapshot_month_states() TO wdh_operator, wdh_reader;
