-- customer.set_snapshot_as_of(p_as_of timestamptz, p_month date DEFAULT NULL) RETURNS timestamptz
--
-- One job: make this transaction read the snapshot months as they stood at p_as_of: the row views
-- customer.v_product_line_rows and customer.v_plan_rows, and every view over them (the report's
-- v_product_line_month, the BI views v_customer_product_line_status and v_plan_status), return the
-- editions in effect then (customer.snapshot_edition: the latest built at or before p_as_of, per
-- month; a month first built later has no rows). NULL: back to the rows as they are. The setting
-- (wdh.as_of) is local to the transaction. Returns p_as_of.
-- Errors: 22023 p_as_of in the future (nothing can be told of it yet); 55000 when an edition built
-- after p_as_of was pruned (customer.prune_snapshot_editions): the rows as they stood then are
-- gone; the message says when and by whom. With p_month (a month end) only that month's editions
-- count (one month is read); without it every month's (a report reads a year of them).
CREATE OR REPLACE FUNCTION customer.set_snapshot_as_of(p_as_of timestamptz, p_month date DEFAULT NULL)
RETURNS timestamptz
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_pruned record;
BEGIN
    IF p_as_of > clock_timestamp() THEN
        RAISE EXCEPTION 'The moment % is in the future: the snapshots can only be told as they stood up to now', p_as_of
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Ask for a moment in the past, or leave the moment out for the snapshots as they are.';
    END IF;
    IF p_as_of IS NOT NULL THEN
        SELECT e.snapshot_month, e.edition, e.built_at, e.pruned_at, e.pruned_by INTO v_pruned
        FROM customer.snapshot_edition AS e
        WHERE e.pruned_at IS NOT NULL AND e.built_at > p_as_of AND (p_month IS NULL OR e.snapshot_month = p_month)
        ORDER BY e.built_at DESC LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'The snapshots as they stood at % can no longer be told: editions up to % were pruned',
                    p_as_of, v_pruned.built_at
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = format('Pruned on %s by %s (customer.prune_snapshot_editions), among them edition %s of %s.',
                                      to_char(v_pruned.pruned_at, 'YYYY-MM-DD HH24:MI:SS TZ'), v_pruned.pruned_by,
                                      v_pruned.edition, to_char(v_pruned.snapshot_month, 'YYYY-MM')),
                      HINT = format('Ask for a moment after %s.', v_pruned.built_at);
        END IF;
    END IF;
    PERFORM set_config('wdh.as_of', coalesce(p_as_of::text, ''), true);
    RETURN p_as_of;
END
$$;

COMMENT ON FUNCTION customer.set_snapshot_as_of(timestamptz, date) IS
    'Make this transaction read the snapshot months (v_product_line_rows, v_plan_rows and the views over '
    'them) as they stood at p_as_of; NULL: as they are.';
REVOKE ALL ON FUNCTION customer.set_snapshot_as_of(timestamptz, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.set_snapshot_as_of(timestamptz, date) TO wdh_reader, wdh_operator;
