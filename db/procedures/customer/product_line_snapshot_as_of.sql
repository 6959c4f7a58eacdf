-- customer.product_line_snapshot_as_of(p_period_end date, p_as_of timestamptz)
-- RETURNS SETOF customer.fct_customer_product_line_monthly
--
-- One job: the month's product-line snapshot rows exactly as they stood at p_as_of, with the columns of
-- customer.fct_customer_product_line_monthly: the edition of the month in effect then (customer.set_snapshot_as_of
-- reads customer.v_product_line_rows). No row when the month was not built at p_as_of.
-- Errors: 22023 p_period_end NULL or not a month end, p_as_of NULL or in the future; 55000 the
-- month's editions after p_as_of were pruned.
CREATE OR REPLACE FUNCTION customer.product_line_snapshot_as_of(p_period_end date, p_as_of timestamptz)
RETURNS SETOF customer.fct_customer_product_line_monthly
LANGUAGE plpgsql
VOLATILE  -- it sets, then restores, the transaction's as-of moment
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_end date := customer._period_end(p_period_end, 'p_period_end');
    v_before text := nullif(current_setting('wdh.as_of', true), '');
BEGIN
    IF v_end IS NULL OR p_as_of IS NULL THEN
        RAISE EXCEPTION 'p_period_end and p_as_of are required, got % and %', p_period_end, p_as_of
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'e.g. customer.product_line_snapshot_as_of(''2026-03-31'', ''2026-04-08 09:00+08'').';
    END IF;
    PERFORM customer.set_snapshot_as_of(p_as_of, v_end);
    RETURN QUERY SELECT f.* FROM customer.v_product_line_rows AS f WHERE f.snapshot_month = v_end;
    PERFORM set_config('wdh.as_of', coalesce(v_before, ''), true);
END
$$;

COMMENT ON FUNCTION customer.product_line_snapshot_as_of(date, timestamptz) IS
    'A month''s product-line snapshot rows as they stood at a moment (its edition then).';
REVOKE ALL ON FUNCTION customer.product_line_snapshot_as_of(date, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.product_line_snapshot_as_of(date, timestamptz) TO wdh_reader, wdh_operator;
