-- customer._sync_target(p_period_end date, OUT first_month date, OUT latest_month date, OUT target date)
--
-- Private; one job: what the sync applies up to. first_month and latest_month: the first and
-- latest month loaded in business."规模明细" (NULL when it is empty); target: p_period_end, or
-- when NULL the end of the latest loaded month (NULL when nothing is loaded).
-- Errors: 22023 p_period_end after the latest or before the first loaded month.
CREATE OR REPLACE FUNCTION customer._sync_target(
    p_period_end date, OUT first_month date, OUT latest_month date, OUT target date)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    SELECT min(d."月度"), max(d."月度") INTO first_month, latest_month FROM business."规模明细" AS d;
    target := coalesce(p_period_end, (latest_month + interval '1 month - 1 day')::date);
    IF latest_month IS NOT NULL AND target > (latest_month + interval '1 month - 1 day')::date THEN
        RAISE EXCEPTION 'Period % is after the latest loaded month %', to_char(target, 'YYYY-MM'),
                to_char(latest_month, 'YYYY-MM')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = format('Load %s first (etl --domain annuity_performance --period %s --execute), or sync '
                                'through the latest loaded month (no period).',
                                to_char(target, 'YYYY-MM'), to_char(target, 'YYYYMM'));
    ELSIF target < first_month THEN
        RAISE EXCEPTION 'Period % is before the first loaded month %', to_char(target, 'YYYY-MM'),
                to_char(first_month, 'YYYY-MM')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = format('Pick a period from %s on, or load the earlier months first.',
                                to_char(first_month, 'YYYYMM'));
    END IF;
END
$$;

COMMENT ON FUNCTION customer._sync_target(date) IS
    'Private to the sync: the first and latest loaded month and the period to sync through.';
REVOKE ALL ON FUNCTION customer._sync_target(date) FROM PUBLIC;
