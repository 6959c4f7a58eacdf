-- business.withdraw_month(p_month date, p_dry_run boolean DEFAULT false, p_allow_gap boolean DEFAULT false,
--                         p_os_user text DEFAULT NULL)
-- RETURNS TABLE (load_id bigint, rows_deleted bigint, customers_removed bigint, plans_removed bigint,
--                aliases_removed bigint)
--
-- One job: take back a 规模明细 month loaded by mistake, in one transaction:
--   * the month's rows go from business."规模明细" (its change trigger marks the month, so the next
--     close rewinds the contract history to before it and replays, and refreshes the snapshots);
--   * customers that loads of the month added and nothing names any more go, with their versions,
--     snapshot rows and aliases (business._remove_month_customers); plans that loads of the month
--     added and that no row names any more go from mapping."年金计划";
--   * learned aliases seen in that month only (first_month = last_month = the month) go, unless a
--     ledger row of that month (which stays) teaches the same alias; overrides always stay;
--   * customers and plans the month's loads renamed (etl_load_log.renames) take their name from
--     before the month's first rename back, unless renamed again since;
--   * business.etl_load_log records the withdrawal (action 'withdrawal', with the sha256 and path
--     of the month's latest load), so that an inbox run does not load that content again (it
--     does when the file changes, or with --force).
-- p_month: any day of the month. p_allow_gap: withdraw a month between two loaded months (it
-- leaves a hole in the source, which the sync then reports). p_os_user: the OS user, for the load
-- ledger (as a load records it).
-- Result: the ledger row's id (NULL on a dry run) and the counts.
-- Errors: 22023 p_month or a flag NULL; P0002 the month holds no rows; 55000 the month lies
--         between loaded months and p_allow_gap is false; 55P03 a sync, refresh or load holds its
--         lock longer than lock_timeout_seconds.
-- Locking: customer._lock_mdm, then the ETL's lock of 规模明细 (customer._lock_source_table).
-- Dry run: the same code path, rolled back at the end; the counts say what would go. It may
-- advance the load ledger's sequence and never rewinds it (no setval: a load drawing an id
-- meanwhile would collide with the next one).
CREATE OR REPLACE FUNCTION business.withdraw_month(
    p_month date, p_dry_run boolean DEFAULT false, p_allow_gap boolean DEFAULT false, p_os_user text DEFAULT NULL)
RETURNS TABLE (load_id bigint, rows_deleted bigint, customers_removed bigint, plans_removed bigint,
               aliases_removed bigint)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER  -- an operator withdraws; removing a customer also removes its versions and snapshot rows
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_month date := date_trunc('month', p_month)::date;
    v_first date;
    v_last date;
    v_load business.etl_load_log%ROWTYPE;
    v_customers text[];
    v_plans text[];
    v_load_id bigint;
    v_rows bigint := 0;
    v_customers_removed bigint := 0;
    v_plans_removed bigint := 0;
    v_aliases bigint := 0;
    v_learned bigint;
BEGIN
    IF p_month IS NULL OR p_dry_run IS NULL OR p_allow_gap IS NULL THEN
        RAISE EXCEPTION 'withdraw_month needs a month, and p_dry_run and p_allow_gap true or false'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Pass the month to withdraw, e.g. date ''2025-03-01''.';
    END IF;
    PERFORM customer._require_deployed('withdraw_month');
    PERFORM customer._lock_mdm('withdraw_month');
    PERFORM customer._lock_source_table('business."规模明细"'::regclass, 'withdraw_month');

    IF NOT EXISTS (SELECT 1 FROM business."规模明细" AS d WHERE d."月度" = v_month) THEN
        RAISE EXCEPTION 'business.规模明细 holds no rows of %', to_char(v_month, 'YYYY-MM')
            USING ERRCODE = 'no_data_found',
                  HINT = 'etl history lists what was loaded; customer-mdm status shows the source months.';
    END IF;
    SELECT min(d."月度"), max(d."月度") INTO v_first, v_last FROM business."规模明细" AS d;
    IF NOT p_allow_gap AND EXISTS (SELECT 1 FROM business._month_holes(p_remove => v_month) AS h WHERE h.made) THEN
        RAISE EXCEPTION 'Withdrawing % would leave a hole between the loaded months % and %',
                to_char(v_month, 'YYYY-MM'), to_char(v_first, 'YYYY-MM'), to_char(v_last, 'YYYY-MM')
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Load the corrected month instead (it replaces this one), or pass --allow-gap '
                         '(p_allow_gap => true) if the hole is intended.';
    END IF;

    SELECT * INTO v_load FROM business.etl_load_log AS l
    WHERE l.domain = 'annuity_performance' AND l.action = 'load' AND v_month = ANY(l.months)
    ORDER BY l.load_id DESC LIMIT 1;
    SELECT coalesce(array_agg(DISTINCT c), '{}'), coalesce((SELECT array_agg(DISTINCT p) FROM business.etl_load_log AS l2,
                                                                   unnest(l2.plans_added) AS p
                                                            WHERE l2.domain = 'annuity_performance'
                                                              AND l2.action = 'load' AND v_month = ANY(l2.months)), '{}')
    INTO v_customers, v_plans
    FROM business.etl_load_log AS l, unnest(l.customers_added) AS c
    WHERE l.domain = 'annuity_performance' AND l.action = 'load' AND v_month = ANY(l.months);

    BEGIN  -- every write happens in here; a dry run rolls this block back
        DELETE FROM business."规模明细" AS d WHERE d."月度" = v_month;
        GET DIAGNOSTICS v_rows = ROW_COUNT;

        SELECT r.customers_removed, r.aliases_removed INTO v_customers_removed, v_aliases
        FROM business._remove_month_customers(v_month, v_customers) AS r;

        DELETE FROM mapping."年金计划" AS p
        WHERE p."年金计划号" = ANY(v_plans)
          AND NOT EXISTS (SELECT 1 FROM business."规模明细" AS d WHERE d."计划代码" = p."年金计划号")
          AND NOT EXISTS (SELECT 1 FROM customer."当年中标" AS w WHERE w."年金计划号" = p."年金计划号")
          AND NOT EXISTS (SELECT 1 FROM customer."当年流失" AS x WHERE x."年金计划号" = p."年金计划号");
        GET DIAGNOSTICS v_plans_removed = ROW_COUNT;

        -- Learned from this month only, unless a ledger row of the month (which stays loaded) teaches
        -- the same alias: the customer's, under that name (and plan, for a plan_name alias).
        DELETE FROM customer.company_alias AS a
        WHERE a.source = 'learned' AND a.first_month = v_month AND a.last_month = v_month
          AND NOT EXISTS (
              SELECT 1
              FROM (SELECT w.company_id, w."年金计划号", w."客户名称", w."上报客户名称" FROM customer."当年中标" AS w
                    WHERE w."上报月份" = v_month
                    UNION ALL
                    SELECT x.company_id, x."年金计划号", x."客户名称", x."上报客户名称" FROM customer."当年流失" AS x
                    WHERE x."上报月份" = v_month) AS l
              WHERE l.company_id = a.company_id AND a.kind IN ('name', 'plan_name')
                AND a.alias IN (customer.normalise_name(l."客户名称"), customer.normalise_name(l."上报客户名称"))
                AND (a.kind = 'name' OR l."年金计划号" = a.plan_code));
        GET DIAGNOSTICS v_learned = ROW_COUNT;
        v_aliases := v_aliases + v_learned;

        -- Names the month's loads gave back to what they were before it (the first rename's old name).
        -- Not when renamed again since (the current name is not the month's last new name).
        WITH renamed AS (
            SELECT r ->> 'kind' AS kind, r ->> 'key' AS key,
                   (array_agg(r ->> 'old_name' ORDER BY l.load_id))[1] AS old_name,
                   (array_agg(r ->> 'new_name' ORDER BY l.load_id DESC))[1] AS new_name
            FROM business.etl_load_log AS l, jsonb_array_elements(coalesce(l.renames, '[]')) AS r
            WHERE l.domain = 'annuity_performance' AND l.action = 'load' AND v_month = ANY(l.months)
            GROUP BY 1, 2),
        customers AS (
            UPDATE customer."年金客户" AS c SET "客户名称" = n.old_name, updated_at = now()
            FROM renamed AS n WHERE n.kind = 'customer' AND c.company_id = n.key AND c."客户名称" = n.new_name
            RETURNING 1)
        UPDATE mapping."年金计划" AS p SET "计划全称" = n.old_name, updated_at = now()
        FROM renamed AS n WHERE n.kind = 'plan' AND p."年金计划号" = n.key AND p."计划全称" = n.new_name;

        INSERT INTO business.etl_load_log AS l (domain, source, path, sha256, bytes, months, rows_loaded,
                                                rows_replaced, action, os_user)
        VALUES ('annuity_performance', coalesce(v_load.source, 'file'),
                coalesce(v_load.path, '(rows not loaded by the ETL)'),
                coalesce(v_load.sha256, encode(sha256(''::bytea), 'hex')), coalesce(v_load.bytes, 0),
                ARRAY[v_month], 0, v_rows, 'withdrawal', p_os_user)
        RETURNING l.load_id INTO v_load_id;

        IF p_dry_run THEN
            RAISE EXCEPTION 'dry run' USING ERRCODE = 'WD0DR';
        END IF;
    EXCEPTION WHEN SQLSTATE 'WD0DR' THEN
        v_load_id := NULL;  -- its writes are gone; a sequence it drew from stays advanced (never setval)
    END;
    IF NOT p_dry_run THEN
        PERFORM customer._analyse_written(ARRAY['business."规模明细"']::regclass[]);
    END IF;
    RETURN QUERY SELECT v_load_id, v_rows, v_customers_removed, v_plans_removed, v_aliases;
END
$$;

COMMENT ON FUNCTION business.withdraw_month(date, boolean, boolean, text) IS
    'Withdraw a 规模明细 month loaded by mistake: its rows, the customers, plans and aliases only it '
    'brought; recorded in the load ledger (the inbox does not load that content again). Counts.';
REVOKE ALL ON FUNCTION business.withdraw_month(date, boolean, boolean, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION business.withdraw_month(date, boolean, boolean, text) TO wdh_operator;
