-- customer._deployment_problem() RETURNS text
--
-- Private; one job: whether the procedures deployed belong to the migrations applied. `db migrate`
-- applies the migrations, then deploys every procedure and stamps customer.mdm_deployment with the
-- last migration applied, in the deploy's transaction. A kill between the two leaves the stamp
-- older than public._yoyo_migration (yoyo's record): the functions are the old ones. Result: NULL
-- when they agree, else the problem with its fix. Read by customer.mdm_status and required by
-- customer._require_deployed.
CREATE OR REPLACE FUNCTION customer._deployment_problem()
RETURNS text
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_stamp customer.mdm_deployment%ROWTYPE;
    v_last text;
BEGIN
    SELECT * INTO v_stamp FROM customer.mdm_deployment;
    IF to_regclass('public._yoyo_migration') IS NOT NULL THEN
        EXECUTE 'SELECT max(m.migration_id) FROM public._yoyo_migration AS m' INTO v_last;
    END IF;
    IF v_stamp.procedures_digest IS NULL THEN
        RETURN 'the procedures deployed are not stamped (db migrate did not finish): run db migrate';
    ELSIF v_last IS DISTINCT FROM v_stamp.migration_id THEN
        RETURN format('the procedures deployed belong to migration %s but %s is applied (db migrate was interrupted '
                      'after the migrations): run db migrate', v_stamp.migration_id, coalesce(v_last, 'none'));
    END IF;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION customer._deployment_problem() IS
    'Private: NULL when the deployment stamp names the last migration applied, else the problem and db migrate.';
REVOKE ALL ON FUNCTION customer._deployment_problem() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer._deployment_problem() TO wdh_operator, wdh_reader;  -- the CLI's check before it writes
