-- customer.refresh_monthly_snapshot(p_period_end date, p_dry_run boolean DEFAULT false)
-- RETURNS TABLE (period_end date, product_line_rows bigint, plan_rows bigint,
--                inserted bigint, updated bigint, deleted bigint)
--
-- One job: rebuild one month of both snapshot fact tables (customer._refresh_snapshot_month does the
-- writes) from the contract versions in effect at the month end E (valid_from <= E < valid_to),
-- never from the current state:
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
-- Locking: customer._lock_mdm, shared with the sync, and the sync state row (customer._check_snapshot_month).
-- Helpers: customer._check_snapshot_month, customer._refresh_snapshot_month.
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
AS $$
#variable_conflict use_column
DECLARE
    v_started timestamptz := clock_timestamp();
    v_end date := customer._period_end(p_period_end, 'p_period_end');
    v_pl_rows bigint;
    v_plan_rows bigint;
    v_inserted bigint := 0;
    v_updated bigint := 0;
    v_deleted bigint := 0;
BEGIN
    IF p_dry_run IS NULL THEN
        RAISE EXCEPTION 'p_dry_run must be true or false, not NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM customer._lock_mdm('refresh_monthly_snapshot');
    v_end := customer._check_snapshot_month(v_end);  -- and locks the sync state row: see there

    BEGIN  -- every write happens in here; a dry run rolls this block back
        SELECT r.product_line_rows, r.plan_rows, r.inserted, r.updated, r.deleted
        INTO v_pl_rows, v_plan_rows, v_inserted, v_updated, v_deleted
        FROM customer._refresh_snapshot_month(v_end) AS r;
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
