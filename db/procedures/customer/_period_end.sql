-- customer._period_end(p_date date, p_argument text) RETURNS date
--
-- One job: validate that p_date is a month-end date (a period), and return it.
-- Errors: 22023 (invalid_parameter_value) naming the argument, with the expected form.
CREATE OR REPLACE FUNCTION customer._period_end(p_date date, p_argument text)
RETURNS date
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_date IS NOT NULL AND NOT isfinite(p_date) THEN
        RAISE EXCEPTION '% must be a month-end date, got %', p_argument, p_date
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass the last day of a month, e.g. 2026-01-31 for period 202601.';
    END IF;
    IF p_date IS NOT NULL
       AND p_date <> (date_trunc('month', p_date) + interval '1 month - 1 day')::date THEN
        RAISE EXCEPTION '% must be a month-end date, got %', p_argument, p_date
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Periods are written as the last day of their month.',
                  HINT = format('Pass %s (the end of that month), e.g. 2026-01-31 for period 202601.',
                                (date_trunc('month', p_date) + interval '1 month - 1 day')::date);
    END IF;
    RETURN p_date;
END
$$;

COMMENT ON FUNCTION customer._period_end(date, text) IS
    'Private: returns p_date if it is a month-end date, else raises 22023 naming p_argument.';

REVOKE ALL ON FUNCTION customer._period_end(date, text) FROM PUBLIC;
