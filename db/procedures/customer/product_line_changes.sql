-- customer.product_line_changes(p_period_end date)
-- RETURNS TABLE (product_line_code text, product_line_name text, measure text, value numeric,
--                previous_month numeric, change_month numeric, prior_december numeric,
--                change_december numeric)
--
-- One job: the figures of the monthly report's product-line table. For each product line of the
-- snapshot month p_period_end (and the total, product_line_code NULL, last) one row per measure,
-- in this order: customers, strategic, existing, new, won, lost, contracts_normal (正常),
-- contracts_stopped (停缴), aum_yi (AUM in 亿元, rounded to 2 places); its value that month, the
-- previous month and December of the prior year (NULL when that snapshot month is not built, or
-- the product line has no customer then: 0), and the changes (value minus each, as shown).
-- Reads customer.v_product_line_month only. No row when the month's snapshot is not built.
-- Errors: 22023 when p_period_end is NULL or not a month end.
CREATE OR REPLACE FUNCTION customer.product_line_changes(p_period_end date)
RETURNS TABLE (product_line_code text, product_line_name text, measure text, value numeric,
               previous_month numeric, change_month numeric, prior_december numeric, change_december numeric)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER  -- for the private period check (customer._period_end); it reads only what readers may
SET search_path = pg_catalog, pg_temp
SET jit = off  -- three months of one table: compiling costs more than it saves
AS $$
#variable_conflict use_column
DECLARE
    v_end date := customer._required_period_end(p_period_end, 'p_period_end');
    v_previous date := date_trunc('month', p_period_end)::date - 1;
    v_december date := make_date(extract(year FROM p_period_end)::integer - 1, 12, 31);
BEGIN
    RETURN QUERY
    WITH months AS (
        SELECT v.snapshot_month, v.product_line_code, v.product_line_name, m.ordinality AS position, m.measure, m.value
        FROM customer.v_product_line_month AS v
        CROSS JOIN LATERAL unnest(
            ARRAY['customers', 'strategic', 'existing', 'new', 'won', 'lost', 'contracts_normal', 'contracts_stopped',
                  'aum_yi'],
            ARRAY[v.customers, v.strategic, v.existing, v.new, v.won, v.lost, v.contracts_normal, v.contracts_stopped,
                  round(v.aum_balance / 100000000, 2)]) WITH ORDINALITY AS m (measure, value, ordinality)
        WHERE v.snapshot_month IN (v_end, v_previous, v_december)
    ), compared AS (  -- a built month without the product line counts 0; a month not built, NULL
        SELECT c.*,
               CASE WHEN EXISTS (SELECT 1 FROM months AS x WHERE x.snapshot_month = v_previous)
                    THEN coalesce(p.value, 0) END AS previous_value,
               CASE WHEN EXISTS (SELECT 1 FROM months AS x WHERE x.snapshot_month = v_december)
                    THEN coalesce(d.value, 0) END AS december_value
        FROM months AS c
        LEFT JOIN months AS p ON p.snapshot_month = v_previous AND p.measure = c.measure
                             AND p.product_line_code IS NOT DISTINCT FROM c.product_line_code
        LEFT JOIN months AS d ON d.snapshot_month = v_december AND d.measure = c.measure
                             AND d.product_line_code IS NOT DISTINCT FROM c.product_line_code
        WHERE c.snapshot_month = v_end
    )
    SELECT c.product_line_code, c.product_line_name, c.measure, c.value,
           c.previous_value, c.value - c.previous_value, c.december_value, c.value - c.december_value
    FROM compared AS c
    ORDER BY c.product_line_code NULLS LAST, c.position;
END
$$;

COMMENT ON FUNCTION customer.product_line_changes(date) IS
    'Report: per product line (and total) and measure, the month''s value, the previous month''s and the prior '
    'December''s, and the changes.';
REVOKE ALL ON FUNCTION customer.product_line_changes(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.product_line_changes(date) TO wdh_reader, wdh_operator;
