-- customer._require_deployed(p_caller text) RETURNS void
--
-- Private; one job: refuse to write with procedures that do not belong to the migrations applied
-- (customer._deployment_problem): 55000 naming the caller, with the fix `db migrate`. Called first
-- by the writers that a half-finished migrate would run with old code: customer.run_monthly_close,
-- business.apply_staged_load and customer.merge_company.
CREATE OR REPLACE FUNCTION customer._require_deployed(p_caller text)
RETURNS void
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_problem text := customer._deployment_problem();
BEGIN
    IF v_problem IS NOT NULL THEN
        RAISE EXCEPTION '% refused: %', p_caller, v_problem
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Run `db migrate` (as the owner): it applies what is pending and deploys the procedures '
                         'of the package; then run the command again.';
    END IF;
END
$$;

COMMENT ON FUNCTION customer._require_deployed(text) IS
    'Private: 55000 with the fix db migrate when the procedures deployed do not belong to the migrations applied.';
REVOKE ALL ON FUNCTION customer._require_deployed(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer._require_deployed(text) TO wdh_operator;  -- the loader's apply_staged_load
