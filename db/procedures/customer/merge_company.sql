-- customer.merge_company(p_from text, p_into text, p_dry_run boolean DEFAULT false,
--                        p_force boolean DEFAULT false)
-- RETURNS TABLE (table_name text, rows_moved bigint, action text)
--
-- One job: fold customer p_from (typically a provisional IN… id) into p_into, in one transaction,
-- so that history and snapshots end as if the rows had always carried p_into:
--   * p_into is an existing customer, or a new id, created with p_from's name (not provisional);
--   * source rows (business."规模明细"), ledger rows (当年中标, 当年流失) and plans
--     (mapping."年金计划".company_id) are re-pointed to p_into; their change triggers mark the
--     earliest affected month, so the next sync rewinds to before it and replays, and the snapshots
--     of the months it touches are marked stale (run_monthly_close does both);
--   * p_from's contract versions are removed now (the replay would remove them: they all start in
--     or after that month), so that p_from can go;
--   * aliases of p_from are re-pointed, and p_from's normalised name becomes an override alias of
--     p_into within each plan of the moved rows (and by the name alone when no other company is
--     known by it), so later loads resolve the name to p_into and an ambiguous name stays so;
--   * ids in canonical form (customer.canonical_key); a file that still carries p_from later is
--     mapped to p_into by the loader (customer._merged_into);
--   * p_from is removed from customer."年金客户"; customer.company_merge_log records who, when and
--     the rows moved per table.
-- Result: one row per table touched and what was done there (action): 'moved' (rows re-pointed to
-- p_into), 'removed' (p_from's versions and p_from itself), 'created' (a new p_into); rows_moved
-- counts them. customer.company_merge_log keeps the same counts, keyed "table" or "table (action)".
-- Errors: 22023 an argument NULL or blank, p_from = p_into, or a new p_into that looks like a
--         provisional id; P0002 p_from does not exist (the message says when it was merged already); 55000 p_from is not provisional and p_force
--         is false (merging two real customers rewrites both histories: pass p_force);
--         55P03 a sync, refresh or load holds its lock longer than lock_timeout_seconds.
-- Locking: customer._lock_mdm, then customer._lock_source_tables (the ETL's locks), so no load
--          runs meanwhile. Helpers: customer._lock_source_tables, customer._merge_aliases.
-- Dry run: the same code path, rolled back at the end; the result says what would move. It may
-- advance the merge log's sequence and never rewinds it (no setval).
CREATE OR REPLACE FUNCTION customer.merge_company(
    p_from text, p_into text, p_dry_run boolean DEFAULT false, p_force boolean DEFAULT false)
RETURNS TABLE (table_name text, rows_moved bigint, action text)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_from customer."年金客户"%ROWTYPE;
    v_from_id text;
    v_into_id text;
    v_moved_plans text[] := '{}'::text[];
    v_merged_into text;
    v_holder text;
    v_merged_at timestamptz;
    v_into_exists boolean;
    v_moves customer.merge_move[] := ARRAY[]::customer.merge_move[];  -- (table_name, rows_moved, action)
    v_rows bigint;
BEGIN
    PERFORM customer._require_deployed('merge_company');
    IF p_dry_run IS NULL OR p_force IS NULL THEN
        RAISE EXCEPTION 'p_dry_run and p_force must be true or false, not NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Canonical ids, but a p_from stored before keys were canonical (customer.repair_canonical_keys).
    v_from_id := CASE WHEN EXISTS (SELECT 1 FROM customer."年金客户" AS c WHERE c.company_id = p_from) THEN p_from
                      ELSE customer.canonical_key(p_from) END;
    v_into_id := customer.canonical_key(p_into);
    IF nullif(v_from_id, '') IS NULL OR nullif(v_into_id, '') IS NULL THEN
        RAISE EXCEPTION 'merge_company needs both ids: p_from % and p_into %',
                coalesce(quote_literal(p_from), 'NULL'), coalesce(quote_literal(p_into), 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'customer-mdm identities lists the provisional ids and their candidate matches.';
    END IF;
    IF v_from_id = v_into_id THEN
        RAISE EXCEPTION 'Cannot merge customer % into itself', v_from_id
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass the id the rows should carry as p_into (--into).';
    END IF;

    PERFORM customer._lock_mdm('merge_company');
    PERFORM customer._lock_source_tables('merge_company');  -- no load runs meanwhile

    SELECT * INTO v_from FROM customer."年金客户" AS c WHERE c.company_id = v_from_id FOR UPDATE;
    IF NOT FOUND THEN
        SELECT m.first_into, m.holder, m.merged_at INTO v_merged_into, v_holder, v_merged_at
        FROM customer._merged_into(v_from_id) AS m;
        IF FOUND THEN
            RAISE EXCEPTION 'Customer % was already merged into % at %', v_from_id,
                    v_merged_into || CASE WHEN v_holder <> v_merged_into
                                          THEN format(', which is now part of %s', v_holder) ELSE '' END,
                    to_char(v_merged_at, 'YYYY-MM-DD HH24:MI:SS')
                USING ERRCODE = 'no_data_found',
                      HINT = format('Nothing to do: its rows carry %s now (customer.company_merge_log has the merge).',
                                    v_holder);
        END IF;
        RAISE EXCEPTION 'Customer % does not exist', v_from_id
            USING ERRCODE = 'no_data_found',
                  HINT = 'customer-mdm identities lists the provisional ids; check the id for typos.';
    END IF;
    IF NOT v_from.is_provisional AND NOT p_force THEN
        RAISE EXCEPTION 'Customer % (%) is not provisional: merging it rewrites the history of two real customers',
                v_from_id, v_from."客户名称"
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('If %s really is %s under another id, merge again with --force (p_force => true).',
                                v_from_id, v_into_id);
    END IF;
    v_into_exists := EXISTS (SELECT 1 FROM customer."年金客户" AS c WHERE c.company_id = v_into_id);
    IF NOT v_into_exists AND v_into_id ~* '^IN[0-9A-F]{16}$' THEN
        RAISE EXCEPTION 'Customer % does not exist, and a new customer cannot take a provisional id', v_into_id
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Merge into the real company_id (an existing customer, or a new id that is created).';
    END IF;

    BEGIN  -- every write happens in here; a dry run rolls this block back
        IF NOT v_into_exists THEN
            INSERT INTO customer."年金客户" (company_id, "客户名称", "客户简称", "年金客户类型", tags)
            VALUES (v_into_id, v_from."客户名称", v_from."客户简称", v_from."年金客户类型", v_from.tags);
            v_moves := v_moves || ROW('customer.年金客户', 1, 'created')::customer.merge_move;
        END IF;

        SELECT array_agg(DISTINCT d."计划代码") INTO v_moved_plans FROM business."规模明细" AS d
        WHERE d.company_id = v_from_id;
        UPDATE business."规模明细" AS d SET company_id = v_into_id WHERE d.company_id = v_from_id;
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        v_moves := v_moves || ROW('business.规模明细', v_rows, 'moved')::customer.merge_move;
        UPDATE customer."当年中标" AS w SET company_id = v_into_id WHERE w.company_id = v_from_id;
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        v_moves := v_moves || ROW('customer.当年中标', v_rows, 'moved')::customer.merge_move;
        UPDATE customer."当年流失" AS l SET company_id = v_into_id WHERE l.company_id = v_from_id;
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        v_moves := v_moves || ROW('customer.当年流失', v_rows, 'moved')::customer.merge_move;
        UPDATE mapping."年金计划" AS p SET company_id = v_into_id, updated_at = now() WHERE p.company_id = v_from_id;
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        v_moves := v_moves || ROW('mapping.年金计划', v_rows, 'moved')::customer.merge_move;

        v_rows := customer._merge_aliases(v_from_id, v_into_id, v_from."客户名称", v_moved_plans);
        v_moves := v_moves || ROW('customer.company_alias', v_rows, 'moved')::customer.merge_move;

        DELETE FROM customer.customer_plan_contract AS c WHERE c.company_id = v_from_id;
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        v_moves := v_moves || ROW('customer.customer_plan_contract', v_rows, 'removed')::customer.merge_move;
        DELETE FROM customer."年金客户" AS c WHERE c.company_id = v_from_id;
        v_moves := v_moves || ROW('customer.年金客户', 1, 'removed')::customer.merge_move;

        INSERT INTO customer.company_merge_log (from_id, from_name, from_was_provisional, into_id, into_created, rows_moved)
        VALUES (v_from_id, v_from."客户名称", v_from.is_provisional, v_into_id, NOT v_into_exists,
                (SELECT jsonb_object_agg(m.table_name || CASE WHEN m.action = 'moved' THEN '' ELSE format(' (%s)', m.action) END,
                                         m.rows_moved)
                 FROM unnest(v_moves) AS m));

        IF p_dry_run THEN
            RAISE EXCEPTION 'dry run' USING ERRCODE = 'WD0DR';
        END IF;
    EXCEPTION WHEN SQLSTATE 'WD0DR' THEN
        NULL;  -- its writes are gone; a sequence it drew from stays advanced (a dry run never calls setval)
    END;

    RETURN QUERY
    SELECT m.table_name, m.rows_moved, m.action FROM unnest(v_moves) AS m ORDER BY m.table_name, m.action;
END
$$;

COMMENT ON FUNCTION customer.merge_company(text, text, boolean, boolean) IS
    'Fold customer p_from (a provisional id) into p_into: re-point source, ledger, plan and alias rows, '
    'teach the name, remove p_from; the next sync replays history. Rows moved per table.';
REVOKE ALL ON FUNCTION customer.merge_company(text, text, boolean, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.merge_company(text, text, boolean, boolean) TO wdh_operator;
