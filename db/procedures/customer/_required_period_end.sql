-- customer._required_period_end(p_date date, p_argument text) RETURNS date
--
-- One job: validate that p_date is given and is a month-end date (a period), and return it: the check of
-- every function that reads one month (the report's, the export's, the editions'). NULL means
-- nothing there, unlike customer._period_end, which lets the sync read NULL as "the latest".
-- Errors: 22023 (invalid_parameter_value) naming the argument: NULL, or not a month end.
CREATE OR REPLACE FUNCTION customer._required_period_end(p_date date, p_argument text)
RETURNS date
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_date IS NULL THEN
        RAISE EXCEPTION '% must be a month-end date, not NULL', p_argument
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass the last day of a month, e.g. 2026-01-31 for period 202601.';
    END IF;
    RETURN customer._period_end(p_date, p_argument);
END
$$;

COMMENT ON FUNCTION customer._required_period_end(date, text) IS
    'Private: returns p_date if it is a month-end date, else raises 22023 naming p_argument (NULL too).';

REVOKE ALL ON FUNCTION customer._required_period_end(date, text) FROM PUBLIC;
