-- customer._apply_contract_month(p_month date, OUT inserted bigint, OUT updated bigint, OUT lapsed bigint)
--
-- One job: bring the current versions of customer.customer_plan_contract to month p_month's state
-- in customer.contract_month_summary (written by customer._derive_contract_month), at the month end
-- E: a current version of a contract no longer in force is closed at E (lapsed); one whose
-- contract_status, is_strategic (strategic_ytd), is_existing or status_year differs is closed at E
-- (updated) and succeeded; a contract in force without a current version gets one from E
-- (inserted), named from the dimensions. Private to customer.sync_contract_status, which holds the
-- MDM lock.
--
-- SET enable_nestloop = off: the month's summary rows were written in this transaction and have no
-- statistics yet (the planner estimates one row), and a nested loop that rescans them for each of
-- the contract's versions would be quadratic. Each statement here is a join of two whole sets
-- (about one row per contract each) that a hash or merge join does in linear time.
CREATE OR REPLACE FUNCTION customer._apply_contract_month(
    p_month date, OUT inserted bigint, OUT updated bigint, OUT lapsed bigint)
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
SET enable_nestloop = off
SET jit = off  -- whole-set joins over one month: compiling them costs more than it saves
AS $$
DECLARE
    c_open constant date := date '9999-12-31';
    v_end constant date := (p_month + interval '1 month - 1 day')::date;
    v_year constant integer := extract(year FROM p_month)::int;
BEGIN
    UPDATE customer.customer_plan_contract AS c SET valid_to = v_end, updated_at = now()
    WHERE c.valid_to = c_open
      AND NOT EXISTS (SELECT 1 FROM customer.contract_month_summary AS s
                      WHERE s.month = p_month AND s.company_id = c.company_id AND s.plan_code = c.plan_code
                        AND s.product_line_code = c.product_line_code);
    GET DIAGNOSTICS lapsed = ROW_COUNT;

    -- Changed: close the current version; its successor is opened below.
    UPDATE customer.customer_plan_contract AS c SET valid_to = v_end, updated_at = now()
    FROM customer.contract_month_summary AS s
    WHERE c.valid_to = c_open AND s.month = p_month
      AND s.company_id = c.company_id AND s.plan_code = c.plan_code AND s.product_line_code = c.product_line_code
      AND (c.contract_status, c.is_strategic, c.is_existing, c.status_year)
          IS DISTINCT FROM (s.contract_status, s.strategic_ytd, s.is_existing, v_year);
    GET DIAGNOSTICS updated = ROW_COUNT;

    -- The contracts without a current version first (about one in ten), then their names: joined the
    -- other way round, the dimensions would be joined to every contract in force.
    WITH fresh AS MATERIALIZED (
        SELECT s.company_id, s.plan_code, s.product_line_code, s.strategic_ytd, s.is_existing, s.contract_status
        FROM customer.contract_month_summary AS s
        WHERE s.month = p_month
          AND NOT EXISTS (SELECT 1 FROM customer.customer_plan_contract AS c
                          WHERE c.valid_to = c_open AND c.company_id = s.company_id
                            AND c.plan_code = s.plan_code AND c.product_line_code = s.product_line_code)
    )
    INSERT INTO customer.customer_plan_contract (
        company_id, plan_code, product_line_code, product_line_name, customer_name, plan_name,
        is_strategic, is_existing, status_year, contract_status, valid_from)
    SELECT f.company_id, f.plan_code, f.product_line_code, pl."产品线", cu."客户名称", pn."计划全称",
           f.strategic_ytd, f.is_existing, v_year, f.contract_status, v_end
    FROM fresh AS f
    JOIN mapping."产品线" AS pl ON pl."产品线代码" = f.product_line_code
    JOIN customer."年金客户" AS cu ON cu.company_id = f.company_id
    LEFT JOIN mapping."年金计划" AS pn ON pn."年金计划号" = f.plan_code
    ORDER BY f.company_id, f.plan_code, f.product_line_code;  -- in key order: cheaper index inserts
    GET DIAGNOSTICS inserted = ROW_COUNT;
END
$$;

COMMENT ON FUNCTION customer._apply_contract_month(date) IS
    'Private to sync_contract_status: close, succeed and open current contract versions to match one '
    'applied month of contract_month_summary.';
REVOKE ALL ON FUNCTION customer._apply_contract_month(date) FROM PUBLIC;
