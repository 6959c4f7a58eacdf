-- customer.prune_snapshot_editions(p_before timestamptz, p_dry_run boolean DEFAULT false)
-- RETURNS TABLE (editions bigint, rows_deleted bigint)
--
-- One job: drop the kept rows of the snapshot editions built before p_before (their deltas in
-- customer.snapshot_delta), on record: each such edition keeps its row in customer.snapshot_edition
-- with pruned_at and pruned_by, and the call is in the run log (customer.v_mdm_runs,
-- 'prune_snapshot_editions'). Afterwards the months can be told as they stood at any moment from
-- p_before on; earlier moments are refused (customer.set_snapshot_as_of: 55000), and
-- customer.snapshot_restatements lists the pruned editions without their rows. The current fact
-- tables are not touched. For the table owner (a DBA): neither role may call it.
-- Result: editions pruned now, delta rows deleted. Dry run: the same counts, nothing changed but
-- the run log's row (dry_run true).
-- Errors: 22023 p_before NULL or in the future; 22023 p_dry_run NULL.
CREATE OR REPLACE FUNCTION customer.prune_snapshot_editions(p_before timestamptz, p_dry_run boolean DEFAULT false)
RETURNS TABLE (editions bigint, rows_deleted bigint)
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_started timestamptz := clock_timestamp();
    v_editions bigint;
    v_rows bigint;
BEGIN
    IF p_before IS NULL OR p_before > now() THEN
        RAISE EXCEPTION 'p_before must be a moment in the past, got %', coalesce(p_before::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'e.g. SELECT * FROM customer.prune_snapshot_editions(now() - interval ''2 years'');';
    END IF;
    IF p_dry_run IS NULL THEN
        RAISE EXCEPTION 'p_dry_run must be true or false, not NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    BEGIN  -- every write happens in here; a dry run rolls this block back
        WITH pruned AS (
            UPDATE customer.snapshot_edition AS e SET pruned_at = now(), pruned_by = session_user
            WHERE e.built_at < p_before AND e.edition > 1 AND e.pruned_at IS NULL
            RETURNING e.snapshot_month, e.edition
        ), deleted AS (
            DELETE FROM customer.snapshot_delta AS d USING pruned AS p
            WHERE d.snapshot_month = p.snapshot_month AND d.edition = p.edition
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM pruned), (SELECT count(*) FROM deleted) INTO v_editions, v_rows;
        IF p_dry_run THEN
            RAISE EXCEPTION 'dry run' USING ERRCODE = 'WD0DR';
        END IF;
    EXCEPTION WHEN SQLSTATE 'WD0DR' THEN
        NULL;
    END;
    INSERT INTO customer.mdm_run_log (function_name, dry_run, counts, started_at)
    VALUES ('prune_snapshot_editions', p_dry_run,
            jsonb_build_object('before', p_before, 'editions', v_editions, 'rows_deleted', v_rows), v_started);
    editions := v_editions;
    rows_deleted := v_rows;
    RETURN NEXT;
END
$$;

COMMENT ON FUNCTION customer.prune_snapshot_editions(timestamptz, boolean) IS
    'DBA: drop the kept rows of snapshot editions built before a moment, on record (pruned_at, pruned_by, '
    'the run log).';
REVOKE ALL ON FUNCTION customer.prune_snapshot_editions(timestamptz, boolean) FROM PUBLIC;
