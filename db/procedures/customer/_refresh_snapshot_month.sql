-- customer._refresh_snapshot_month(p_end date)
-- RETURNS TABLE (period_end date, product_line_rows bigint, plan_rows bigint,
--                inserted bigint, updated bigint, deleted bigint)
--
-- Private; one job: write one month of both snapshot fact tables from the contract versions in
-- effect at the month end p_end, and mark the month built in customer.snapshot_month_state. The
-- callers (refresh_monthly_snapshot, refresh_snapshots) hold the MDM lock, have checked that the
-- month is synced, and own the dry run and the run log.
--   fct_customer_plan_monthly: customer._snapshot_plan_rows, one row per version in effect;
--   fct_customer_product_line_monthly: one row per (company_id, product_line_code) of those: BOOL_OR
--     of is_strategic / is_existing, 当年中标 / 当年流失 reported by the company in the product line
--     from January up to the month, is_new = winning and not existing, AUM sum, distinct plans.
-- The month's rows end equal to the computed set: rows no longer produced are deleted, changed
-- rows updated, new rows inserted, an unchanged row is not touched.
--
-- The plan rows (customer._snapshot_plan_rows, inlined) and the product-line rows grouped from them
-- (is_new and the rounding of the AUM sum computed there) are computed once, in two MATERIALIZED CTEs held in work_mem (temp tables spilled past temp_buffers at 10x
-- production size), and the six writes are CTEs of the same statement. SET enable_nestloop = off:
-- the month's rows may have no statistics yet (written by the sync in this transaction), and a
-- nested loop that rescans a CTE for each fact row would be quadratic; hash joins are linear
-- whatever the estimates. New rows are the computed ones without a row of the month yet (a hash
-- anti join: plain inserts cost a fifth less than ON CONFLICT's speculative ones).
-- Result: one row; the month's row counts after the refresh and the rows changed in both tables.
CREATE OR REPLACE FUNCTION customer._refresh_snapshot_month(p_end date)
RETURNS TABLE (period_end date, product_line_rows bigint, plan_rows bigint,
               inserted bigint, updated bigint, deleted bigint)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET work_mem = '64MB'  -- the month's rows, aggregates and hash joins fit in memory at 10x production size
SET enable_nestloop = off
SET jit = off  -- one month's joins and writes: compiling them costs more than it saves
AS $$
#variable_conflict use_column
DECLARE
    v_end constant date := p_end;
    v_month constant date := date_trunc('month', p_end)::date;
    v_year_start constant date := date_trunc('year', p_end)::date;
    v_inserted bigint;
    v_updated bigint;
    v_deleted bigint;
BEGIN
    -- Why the month is rebuilt, for the edition a change opens (customer._record_snapshot_edition).
    PERFORM set_config('wdh.edition_reason',
                       coalesce((SELECT s.stale_reason FROM customer.snapshot_month_state AS s
                                 WHERE s.snapshot_month = v_end), 'rebuilt by a snapshot refresh'), true);
    WITH plan_rows AS MATERIALIZED (
        SELECT * FROM customer._snapshot_plan_rows(v_end)
    ), line_rows AS MATERIALIZED (
        SELECT g.*, round(g.aum, 2) AS aum_balance,
               g.is_winning_this_year AND NOT g.is_existing AS is_new
        FROM (
            SELECT p.company_id, p.product_line_code, max(p.product_line_name) AS product_line_name,
                   max(p.customer_name) AS customer_name, bool_or(p.is_strategic) AS is_strategic,
                   bool_or(p.is_existing) AS is_existing, sum(p.aum) AS aum,
                   count(DISTINCT p.plan_code)::integer AS plan_count,
                   EXISTS (SELECT 1 FROM customer."当年中标" AS w
                           WHERE w.company_id = p.company_id AND w."产品线代码" = p.product_line_code
                             AND w."上报月份" BETWEEN v_year_start AND v_month) AS is_winning_this_year,
                   EXISTS (SELECT 1 FROM customer."当年流失" AS l
                           WHERE l.company_id = p.company_id AND l."产品线代码" = p.product_line_code
                             AND l."上报月份" BETWEEN v_year_start AND v_month) AS is_churned_this_year
            FROM plan_rows AS p
            GROUP BY p.company_id, p.product_line_code
        ) AS g
    ), plan_deleted AS (
        DELETE FROM customer.fct_customer_plan_monthly AS f
        WHERE f.snapshot_month = v_end
          AND NOT EXISTS (SELECT 1 FROM plan_rows AS p
                          WHERE p.company_id = f.company_id AND p.plan_code = f.plan_code
                            AND p.product_line_code = f.product_line_code)
        RETURNING 1
    ), plan_updated AS (
        UPDATE customer.fct_customer_plan_monthly AS f
        SET customer_name = p.customer_name, plan_name = p.plan_name, product_line_name = p.product_line_name,
            is_churned_this_year = p.is_churned_this_year, contract_status = p.contract_status,
            aum_balance = p.aum_balance, updated_at = now()
        FROM plan_rows AS p
        WHERE f.snapshot_month = v_end AND p.company_id = f.company_id AND p.plan_code = f.plan_code
          AND p.product_line_code = f.product_line_code
          AND (f.customer_name, f.plan_name, f.product_line_name, f.is_churned_this_year,
               f.contract_status, f.aum_balance)
              IS DISTINCT FROM (p.customer_name, p.plan_name, p.product_line_name, p.is_churned_this_year,
                                p.contract_status, p.aum_balance)
        RETURNING 1
    ), plan_inserted AS (
        INSERT INTO customer.fct_customer_plan_monthly (
            snapshot_month, company_id, plan_code, product_line_code, customer_name, plan_name,
            product_line_name, is_churned_this_year, contract_status, aum_balance)
        SELECT v_end, p.company_id, p.plan_code, p.product_line_code, p.customer_name, p.plan_name,
               p.product_line_name, p.is_churned_this_year, p.contract_status, p.aum_balance
        FROM plan_rows AS p
        WHERE NOT EXISTS (SELECT 1 FROM customer.fct_customer_plan_monthly AS f
                          WHERE f.snapshot_month = v_end AND f.company_id = p.company_id
                            AND f.plan_code = p.plan_code AND f.product_line_code = p.product_line_code)
        ORDER BY p.company_id, p.plan_code, p.product_line_code
        RETURNING 1
    ), line_deleted AS (
        DELETE FROM customer.fct_customer_product_line_monthly AS f
        WHERE f.snapshot_month = v_end
          AND NOT EXISTS (SELECT 1 FROM line_rows AS g
                          WHERE g.company_id = f.company_id AND g.product_line_code = f.product_line_code)
        RETURNING 1
    ), line_updated AS (
        UPDATE customer.fct_customer_product_line_monthly AS f
        SET product_line_name = g.product_line_name, customer_name = g.customer_name,
            is_strategic = g.is_strategic, is_existing = g.is_existing, is_new = g.is_new,
            is_winning_this_year = g.is_winning_this_year, is_churned_this_year = g.is_churned_this_year,
            aum_balance = g.aum_balance, plan_count = g.plan_count, updated_at = now()
        FROM line_rows AS g
        WHERE f.snapshot_month = v_end AND g.company_id = f.company_id
          AND g.product_line_code = f.product_line_code
          AND (f.product_line_name, f.customer_name, f.is_strategic, f.is_existing, f.is_new,
               f.is_winning_this_year, f.is_churned_this_year, f.aum_balance, f.plan_count)
              IS DISTINCT FROM (g.product_line_name, g.customer_name, g.is_strategic, g.is_existing, g.is_new,
                                g.is_winning_this_year, g.is_churned_this_year, g.aum_balance, g.plan_count)
        RETURNING 1
    ), line_inserted AS (
        INSERT INTO customer.fct_customer_product_line_monthly (
            snapshot_month, company_id, product_line_code, product_line_name, customer_name,
            is_strategic, is_existing, is_new, is_winning_this_year, is_churned_this_year,
            aum_balance, plan_count)
        SELECT v_end, g.company_id, g.product_line_code, g.product_line_name, g.customer_name,
               g.is_strategic, g.is_existing, g.is_new, g.is_winning_this_year, g.is_churned_this_year,
               g.aum_balance, g.plan_count
        FROM line_rows AS g
        WHERE NOT EXISTS (SELECT 1 FROM customer.fct_customer_product_line_monthly AS f
                          WHERE f.snapshot_month = v_end AND f.company_id = g.company_id
                            AND f.product_line_code = g.product_line_code)
        ORDER BY g.company_id, g.product_line_code
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM plan_inserted) + (SELECT count(*) FROM line_inserted),
           (SELECT count(*) FROM plan_updated) + (SELECT count(*) FROM line_updated),
           (SELECT count(*) FROM plan_deleted) + (SELECT count(*) FROM line_deleted)
    INTO v_inserted, v_updated, v_deleted;

    PERFORM set_config('wdh.edition_reason', '', true);

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
