-- customer._snapshot_months() RETURNS TABLE (month date)
--
-- Private; one job: every snapshot month that exists anywhere: a snapshot_month_state row or rows
-- in either fact table (found with one index probe per month, not a scan of the facts).
CREATE OR REPLACE FUNCTION customer._snapshot_months()
RETURNS TABLE (month date)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY
    WITH RECURSIVE plan_months AS (
        (SELECT f.snapshot_month FROM customer.fct_customer_plan_monthly AS f ORDER BY 1 LIMIT 1)
        UNION ALL
        SELECT (SELECT f.snapshot_month FROM customer.fct_customer_plan_monthly AS f
                WHERE f.snapshot_month > p.snapshot_month ORDER BY 1 LIMIT 1)
        FROM plan_months AS p WHERE p.snapshot_month IS NOT NULL
    ), line_months AS (
        (SELECT f.snapshot_month FROM customer.fct_customer_product_line_monthly AS f ORDER BY 1 LIMIT 1)
        UNION ALL
        SELECT (SELECT f.snapshot_month FROM customer.fct_customer_product_line_monthly AS f
                WHERE f.snapshot_month > l.snapshot_month ORDER BY 1 LIMIT 1)
        FROM line_months AS l WHERE l.snapshot_month IS NOT NULL
    )
    SELECT p.snapshot_month FROM plan_months AS p WHERE p.snapshot_month IS NOT NULL
    UNION
    SELECT l.snapshot_month FROM line_months AS l WHERE l.snapshot_month IS NOT NULL
    UNION
    SELECT s.snapshot_month FROM customer.snapshot_month_state AS s;
END
$$;

COMMENT ON FUNCTION customer._snapshot_months() IS
    'Private: every snapshot month present in snapshot_month_state or either fact table.';

REVOKE ALL ON FUNCTION customer._snapshot_months() FROM PUBLIC;
