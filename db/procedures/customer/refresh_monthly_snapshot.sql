-- customer.refresh_monthly_snapshot(p_period_end date, p_dry_run boolean DEFAULT false)
-- RETURNS TABLE (period_end date, product_line_rows bigint, plan_rows bigint,
--                inserted bigint, updated bigint, deleted bigint)
--
-- Rebuilds one month of both snapshot fact tables from the contract versions in effect at the
-- month end E (valid_from <= E < valid_to), never from the current state:
--   customer.fct_customer_plan_monthly, one row per version in effect: names and contract_status
--     from the version; aum_balance = the contract's SUM(期末资产规模) in the month;
--     is_churned_this_year = a 当年流失 row with the same company_id, 年金计划号 = plan_code and
--     产品线代码, reported from January of the year up to the month.
--   customer.fct_customer_product_line_monthly, one row per (company_id, product_line_code) of
--     those versions: is_strategic / is_existing = BOOL_OR over its versions;
--     is_winning_this_year / is_churned_this_year = a 当年中标 / 当年流失 row with the same company_id
--     and 产品线代码 reported from January up to the month; is_new = winning and not existing;
--     aum_balance = SUM(期末资产规模) of the customer's rows in the product line that month;
--     plan_count = distinct plan codes.
-- The month's rows end equal to the computed set: rows no longer produced are deleted, changed
-- rows updated, new rows inserted; an unchanged row is not touched. The month is recorded as
-- built and not stale in customer.snapshot_month_state. Monthly sums come from
-- customer.contract_month_summary, which the sync derived from the same source rows.
--
-- p_period_end: a month-end date; NULL = the last period applied by sync_contract_status.
-- Result: period_end; product_line_rows and plan_rows (the month's row counts after the refresh);
--         inserted, updated, deleted (rows changed across both tables).
-- Errors: 22023 p_period_end not a month-end date, or before the first synced period;
--         55000 contracts not synced through the period, or a source correction of a month up
--               to it is pending: run customer.sync_contract_status first;
--         55P03 lock timeout.
-- Locking: customer._lock_mdm, shared with the sync.
-- Dry run: the same code path, rolled back at the end; counts exact. The run log records it.
CREATE OR REPLACE FUNCTION customer.refresh_monthly_snapshot(
    p_period_end date,
    p_dry_run boolean DEFAULT false)
RETURNS TABLE (period_end date, product_line_rows bigint, plan_rows bigint,
               inserted bigint, updated bigint, deleted bigint)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET work_mem = '64MB'
AS $$
#variable_conflict use_column
DECLARE
    v_started timestamptz := clock_timestamp();
    v_end date := customer._period_end(p_period_end, 'p_period_end');
    v_month date;
    v_year_start date;
    v_state customer.contract_sync_state%ROWTYPE;
    v_pl_rows bigint;
    v_plan_rows bigint;
    v_inserted bigint := 0;
    v_updated bigint := 0;
    v_deleted bigint := 0;
    v_n bigint;
BEGIN
    PERFORM customer._lock_mdm('refresh_monthly_snapshot');
    SELECT * INTO v_state FROM customer.contract_sync_state FOR UPDATE;
    IF v_state.last_applied_period IS NULL THEN
        RAISE EXCEPTION 'Contracts have not been synced yet: there is nothing to snapshot'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Run SELECT * FROM customer.sync_contract_status() (customer-mdm sync) first.';
    END IF;
    v_end := coalesce(v_end, v_state.last_applied_period);
    v_month := date_trunc('month', v_end)::date;
    v_year_start := date_trunc('year', v_end)::date;
    IF v_end > v_state.last_applied_period THEN
        RAISE EXCEPTION 'Contracts are synced through % only, not through %', v_state.last_applied_period, v_end
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('Run SELECT * FROM customer.sync_contract_status(p_period_end => %L) '
                                '(customer-mdm sync --period %s) first.', v_end, to_char(v_end, 'YYYYMM'));
    END IF;
    IF v_state.dirty_from_month IS NOT NULL AND v_state.dirty_from_month <= v_end THEN
        RAISE EXCEPTION 'A source correction from % is pending: the contracts for % are out of date',
                to_char(v_state.dirty_from_month, 'YYYY-MM'), to_char(v_end, 'YYYY-MM')
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Run SELECT * FROM customer.sync_contract_status() (customer-mdm sync) first; it replays the corrected months.';
    END IF;
    IF v_end < v_state.first_applied_period THEN
        RAISE EXCEPTION 'Contract history starts at %, after %', v_state.first_applied_period, v_end
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pick a period from the first synced one on, or load and sync the earlier months.';
    END IF;

    BEGIN  -- every write happens in here; a dry run rolls this block back
        DROP TABLE IF EXISTS pg_temp._wdh_plan_rows;
        CREATE TEMP TABLE _wdh_plan_rows ON COMMIT DROP AS
        SELECT c.company_id, c.plan_code, c.product_line_code, c.customer_name, c.plan_name,
               c.product_line_name, c.is_strategic, c.is_existing, c.contract_status,
               EXISTS (SELECT 1 FROM customer."当年流失" AS l
                       WHERE l.company_id = c.company_id AND l."年金计划号" = c.plan_code
                         AND l."产品线代码" = c.product_line_code
                         AND l."上报月份" BETWEEN v_year_start AND v_month) AS is_churned_this_year,
               coalesce(m.aum, 0) AS aum
        FROM customer.customer_plan_contract AS c
        LEFT JOIN customer.contract_month_summary AS m
               ON m.month = v_month AND m.company_id = c.company_id AND m.plan_code = c.plan_code
              AND m.product_line_code = c.product_line_code
        WHERE c.valid_from <= v_end AND v_end < c.valid_to;
        PERFORM 'PRAGMA:TABLE: pg_temp._wdh_plan_rows (company_id text, plan_code text, product_line_code text, '
                'customer_name text, plan_name text, product_line_name text, is_strategic boolean, '
                'is_existing boolean, contract_status text, is_churned_this_year boolean, aum numeric)';

        DROP TABLE IF EXISTS pg_temp._wdh_product_line_rows;
        CREATE TEMP TABLE _wdh_product_line_rows ON COMMIT DROP AS
        SELECT g.*,
               EXISTS (SELECT 1 FROM customer."当年中标" AS w
                       WHERE w.company_id = g.company_id AND w."产品线代码" = g.product_line_code
                         AND w."上报月份" BETWEEN v_year_start AND v_month) AS is_winning_this_year,
               EXISTS (SELECT 1 FROM customer."当年流失" AS l
                       WHERE l.company_id = g.company_id AND l."产品线代码" = g.product_line_code
                         AND l."上报月份" BETWEEN v_year_start AND v_month) AS is_churned_this_year
        FROM (
            SELECT p.company_id, p.product_line_code, max(p.product_line_name) AS product_line_name,
                   max(p.customer_name) AS customer_name, bool_or(p.is_strategic) AS is_strategic,
                   bool_or(p.is_existing) AS is_existing, sum(p.aum) AS aum,
                   count(DISTINCT p.plan_code) AS plan_count
            FROM pg_temp._wdh_plan_rows AS p
            GROUP BY p.company_id, p.product_line_code
        ) AS g;
        PERFORM 'PRAGMA:TABLE: pg_temp._wdh_product_line_rows (company_id text, product_line_code text, '
                'product_line_name text, customer_name text, is_strategic boolean, is_existing boolean, '
                'aum numeric, plan_count bigint, is_winning_this_year boolean, is_churned_this_year boolean)';

        -- Plan grain.
        DELETE FROM customer.fct_customer_plan_monthly AS f
        WHERE f.snapshot_month = v_end
          AND NOT EXISTS (SELECT 1 FROM pg_temp._wdh_plan_rows AS p
                          WHERE p.company_id = f.company_id AND p.plan_code = f.plan_code
                            AND p.product_line_code = f.product_line_code);
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_deleted := v_deleted + v_n;

        UPDATE customer.fct_customer_plan_monthly AS f
        SET customer_name = p.customer_name, plan_name = p.plan_name, product_line_name = p.product_line_name,
            is_churned_this_year = p.is_churned_this_year, contract_status = p.contract_status,
            aum_balance = round(p.aum, 2), updated_at = now()
        FROM pg_temp._wdh_plan_rows AS p
        WHERE f.snapshot_month = v_end AND p.company_id = f.company_id AND p.plan_code = f.plan_code
          AND p.product_line_code = f.product_line_code
          AND (f.customer_name, f.plan_name, f.product_line_name, f.is_churned_this_year,
               f.contract_status, f.aum_balance)
              IS DISTINCT FROM (p.customer_name, p.plan_name, p.product_line_name, p.is_churned_this_year,
                                p.contract_status, round(p.aum, 2));
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_updated := v_updated + v_n;

        INSERT INTO customer.fct_customer_plan_monthly (
            snapshot_month, company_id, plan_code, product_line_code, customer_name, plan_name,
            product_line_name, is_churned_this_year, contract_status, aum_balance)
        SELECT v_end, p.company_id, p.plan_code, p.product_line_code, p.customer_name, p.plan_name,
               p.product_line_name, p.is_churned_this_year, p.contract_status, round(p.aum, 2)
        FROM pg_temp._wdh_plan_rows AS p
        WHERE NOT EXISTS (SELECT 1 FROM customer.fct_customer_plan_monthly AS f
                          WHERE f.snapshot_month = v_end AND f.company_id = p.company_id
                            AND f.plan_code = p.plan_code AND f.product_line_code = p.product_line_code);
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_inserted := v_inserted + v_n;

        -- Product-line grain.
        DELETE FROM customer.fct_customer_product_line_monthly AS f
        WHERE f.snapshot_month = v_end
          AND NOT EXISTS (SELECT 1 FROM pg_temp._wdh_product_line_rows AS g
                          WHERE g.company_id = f.company_id AND g.product_line_code = f.product_line_code);
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_deleted := v_deleted + v_n;

        UPDATE customer.fct_customer_product_line_monthly AS f
        SET product_line_name = g.product_line_name, customer_name = g.customer_name,
            is_strategic = g.is_strategic, is_existing = g.is_existing,
            is_new = g.is_winning_this_year AND NOT g.is_existing,
            is_winning_this_year = g.is_winning_this_year, is_churned_this_year = g.is_churned_this_year,
            aum_balance = round(g.aum, 2), plan_count = g.plan_count, updated_at = now()
        FROM pg_temp._wdh_product_line_rows AS g
        WHERE f.snapshot_month = v_end AND g.company_id = f.company_id AND g.product_line_code = f.product_line_code
          AND (f.product_line_name, f.customer_name, f.is_strategic, f.is_existing, f.is_new,
               f.is_winning_this_year, f.is_churned_this_year, f.aum_balance, f.plan_count)
              IS DISTINCT FROM (g.product_line_name, g.customer_name, g.is_strategic, g.is_existing,
                                g.is_winning_this_year AND NOT g.is_existing, g.is_winning_this_year,
                                g.is_churned_this_year, round(g.aum, 2), g.plan_count::integer);
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_updated := v_updated + v_n;

        INSERT INTO customer.fct_customer_product_line_monthly (
            snapshot_month, company_id, product_line_code, product_line_name, customer_name,
            is_strategic, is_existing, is_new, is_winning_this_year, is_churned_this_year,
            aum_balance, plan_count)
        SELECT v_end, g.company_id, g.product_line_code, g.product_line_name, g.customer_name,
               g.is_strategic, g.is_existing, g.is_winning_this_year AND NOT g.is_existing,
               g.is_winning_this_year, g.is_churned_this_year, round(g.aum, 2), g.plan_count
        FROM pg_temp._wdh_product_line_rows AS g
        WHERE NOT EXISTS (SELECT 1 FROM customer.fct_customer_product_line_monthly AS f
                          WHERE f.snapshot_month = v_end AND f.company_id = g.company_id
                            AND f.product_line_code = g.product_line_code);
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_inserted := v_inserted + v_n;

        INSERT INTO customer.snapshot_month_state AS s (snapshot_month, refreshed_at)
        VALUES (v_end, now())
        ON CONFLICT (snapshot_month) DO UPDATE
        SET refreshed_at = excluded.refreshed_at, stale_since = NULL, stale_reason = NULL
        WHERE s.stale_since IS NOT NULL OR v_inserted + v_updated + v_deleted > 0;

        SELECT count(*) INTO v_plan_rows FROM customer.fct_customer_plan_monthly AS f WHERE f.snapshot_month = v_end;
        SELECT count(*) INTO v_pl_rows FROM customer.fct_customer_product_line_monthly AS f WHERE f.snapshot_month = v_end;

        IF p_dry_run THEN
            RAISE EXCEPTION 'dry run' USING ERRCODE = 'WD0DR';
        END IF;
    EXCEPTION WHEN SQLSTATE 'WD0DR' THEN
        NULL;  -- the dry run's writes are undone; its counts stay in the variables
    END;

    INSERT INTO customer.mdm_run_log (function_name, period_start, period_end, dry_run, counts, started_at)
    VALUES ('refresh_monthly_snapshot', v_end, v_end, p_dry_run,
            jsonb_build_object('product_line_rows', v_pl_rows, 'plan_rows', v_plan_rows,
                               'inserted', v_inserted, 'updated', v_updated, 'deleted', v_deleted),
            v_started);

    RETURN QUERY SELECT v_end, v_pl_rows, v_plan_rows, v_inserted, v_updated, v_deleted;
END
$$;

COMMENT ON FUNCTION customer.refresh_monthly_snapshot(date, boolean) IS
    'Rebuild both monthly snapshot fact tables for p_period_end (month-end date; NULL = last synced '
    'period) from the contract versions in effect at that date. Returns period_end, product_line_rows, '
    'plan_rows, inserted, updated, deleted. Dry run rolls back, counts exact.';

REVOKE ALL ON FUNCTION customer.refresh_monthly_snapshot(date, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.refresh_monthly_snapshot(date, boolean) TO wdh_operator;
