-- customer._refresh_snapshot_month(p_end date)
-- RETURNS TABLE (period_end date, product_line_rows bigint, plan_rows bigint,
--                inserted bigint, updated bigint, deleted bigint)
--
-- Private; one job: write one month of both snapshot fact tables from the contract versions in
-- effect at the month end p_end, and mark the month built in customer.snapshot_month_state. The
-- callers (refresh_monthly_snapshot, refresh_snapshots) hold the MDM lock, have checked that the
-- month is synced, and own the dry run and the run log.
--   fct_customer_plan_monthly: one row per version in effect (valid_from <= E < valid_to); names
--     and contract_status from the version; aum_balance = the contract's month sum (from
--     contract_month_summary, which the sync derived from the same source rows);
--     is_churned_this_year = a 当年流失 row with the same company_id, 年金计划号 = plan_code and
--     产品线代码 reported from January up to the month.
--   fct_customer_product_line_monthly: one row per (company_id, product_line_code) of those
--     versions: BOOL_OR of is_strategic / is_existing, 当年中标 / 当年流失 flags as above by company
--     and product line, is_new = winning and not existing, the AUM sum, distinct plan count.
-- The month's rows end equal to the computed set: rows no longer produced are deleted, changed
-- rows updated, new rows inserted (ON CONFLICT DO NOTHING on the primary key: a plan that is
-- linear whatever the statistics say), an unchanged row is not touched.
-- Result: one row; the month's row counts after the refresh and the rows changed in both tables.
CREATE OR REPLACE FUNCTION customer._refresh_snapshot_month(p_end date)
RETURNS TABLE (period_end date, product_line_rows bigint, plan_rows bigint,
               inserted bigint, updated bigint, deleted bigint)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET work_mem = '64MB'  -- the per-month aggregates and hash joins fit in memory at 10x production size
AS $$
#variable_conflict use_column
DECLARE
    v_end constant date := p_end;
    v_month constant date := date_trunc('month', p_end)::date;
    v_year_start constant date := date_trunc('year', p_end)::date;
    v_inserted bigint := 0;
    v_updated bigint := 0;
    v_deleted bigint := 0;
    v_n bigint;
BEGIN
    -- Temp tables live until the transaction ends: a second month in one transaction drops them first
    -- (to_regclass, not DROP … IF EXISTS, which prints a NOTICE).
    IF to_regclass('pg_temp._wdh_plan_rows') IS NOT NULL THEN
        DROP TABLE pg_temp._wdh_plan_rows;
    END IF;
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
    ANALYZE pg_temp._wdh_plan_rows;  -- the joins below are planned on real row counts
    PERFORM 'PRAGMA:TABLE: pg_temp._wdh_plan_rows (company_id text, plan_code text, product_line_code text, '
            'customer_name text, plan_name text, product_line_name text, is_strategic boolean, '
            'is_existing boolean, contract_status text, is_churned_this_year boolean, aum numeric)';

    IF to_regclass('pg_temp._wdh_product_line_rows') IS NOT NULL THEN
        DROP TABLE pg_temp._wdh_product_line_rows;
    END IF;
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
    ANALYZE pg_temp._wdh_product_line_rows;
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
    ON CONFLICT (snapshot_month, company_id, plan_code, product_line_code) DO NOTHING;  -- the rows kept
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
    ON CONFLICT (snapshot_month, company_id, product_line_code) DO NOTHING;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    v_inserted := v_inserted + v_n;

    INSERT INTO customer.snapshot_month_state AS s (snapshot_month, refreshed_at)
    VALUES (v_end, now())
    ON CONFLICT (snapshot_month) DO UPDATE
    SET refreshed_at = excluded.refreshed_at, stale_since = NULL, stale_reason = NULL
    WHERE s.stale_since IS NOT NULL OR v_inserted + v_updated + v_deleted > 0;


    RETURN QUERY
    SELECT v_end,
           (SELECT count(*) FROM customer.fct_customer_product_line_monthly AS f WHERE f.snapshot_month = v_end),
           (SELECT count(*) FROM customer.fct_customer_plan_monthly AS f WHERE f.snapshot_month = v_end),
           v_inserted, v_updated, v_deleted;
END
$$;

COMMENT ON FUNCTION customer._refresh_snapshot_month(date) IS
    'Private: write one month (month-end date) of both snapshot fact tables from the versions in effect '
    'at its end and mark it built; callers hold the lock and own checks, dry run and run log.';

REVOKE ALL ON FUNCTION customer._refresh_snapshot_month(date) FROM PUBLIC;
