-- customer.top_customers(p_period_end date, p_limit integer DEFAULT 20)
-- RETURNS TABLE (company_id text, customer_name text, product_lines text, plans bigint, is_strategic boolean,
--                aum_yi numeric, change_yi numeric)
--
-- One job: the monthly report's largest customers of the month: per customer (a customer counts
-- once, whatever its product lines) its name, product lines (名称, joined with 、 in code order),
-- plans, strategic in any line, AUM in 亿元 (2 places) and its change against the month before
-- (NULL when the customer had no row then), largest first, ties by company_id; p_limit rows. Reads
-- customer.v_product_line_rows: the month as it is, or as it stood at the moment the transaction
-- set (customer.set_snapshot_as_of). No row when the month's snapshot is not built.
-- Errors: 22023 p_period_end NULL or not a month end.
CREATE OR REPLACE FUNCTION customer.top_customers(p_period_end date, p_limit integer DEFAULT 20)
RETURNS TABLE (company_id text, customer_name text, product_lines text, plans bigint, is_strategic boolean,
               aum_yi numeric, change_yi numeric)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER  -- for the private period check; it reads only what readers may
SET search_path = pg_catalog, pg_temp
SET jit = off  -- one month's rows: compiling costs more than it saves
AS $$
#variable_conflict use_column
DECLARE
    v_end date := customer._required_period_end(p_period_end, 'p_period_end');
BEGIN
    RETURN QUERY
    WITH month AS (
        SELECT f.company_id, max(f.customer_name) AS customer_name, sum(f.aum_balance) AS aum_balance,
               bool_or(f.is_strategic) AS is_strategic, sum(f.plan_count) AS plans,
               string_agg(coalesce(f.product_line_name, f.product_line_code), '、' ORDER BY f.product_line_code)
                   AS product_lines
        FROM customer.v_product_line_rows AS f
        WHERE f.snapshot_month = v_end
        GROUP BY f.company_id
    )
    SELECT m.company_id, m.customer_name, m.product_lines, m.plans::bigint, m.is_strategic,
           round(m.aum_balance / 100000000, 2), round((m.aum_balance - p.aum_balance) / 100000000, 2)
    FROM month AS m
    LEFT JOIN LATERAL (SELECT sum(f.aum_balance) AS aum_balance
                       FROM customer.v_product_line_rows AS f
                       WHERE f.snapshot_month = (date_trunc('month', v_end) - interval '1 day')::date
                         AND f.company_id = m.company_id) AS p ON true
    ORDER BY m.aum_balance DESC, m.company_id
    LIMIT p_limit;
END
$$;

COMMENT ON FUNCTION customer.top_customers(date, integer) IS
    'Report: the month''s largest customers (AUM in 亿元 and its change against the month before).';
REVOKE ALL ON FUNCTION customer.top_customers(date, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.top_customers(date, integer) TO wdh_reader, wdh_operator;
