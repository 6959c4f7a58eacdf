-- customer.learn_staged_aliases(p_ledger boolean) RETURNS bigint
--
-- One job: keep what a loaded file taught. Called by the ETL when it applies a load, after
-- customer.resolve_staged_identities and after the file's new customers are added: every alias of
-- pg_temp.wdh_etl_aliases (customer._stage_aliases: account, name and plan + name of the rows
-- that carried a company_id) goes into customer.company_alias as learned, or widens the first /
-- last month of the one there (an override stays an override). Returns the aliases added.
CREATE OR REPLACE FUNCTION customer.learn_staged_aliases(p_ledger boolean)
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
SET jit = off  -- one file's aliases: compiling costs more than it saves
SET enable_nestloop = off  -- both statements join two whole sets; the file's aliases are not analysed
SET enable_sort = off  -- nor sorted: hashed
AS $$
DECLARE
    v_added bigint;
BEGIN
    IF to_regclass('pg_temp.wdh_etl_aliases') IS NULL THEN
        PERFORM customer._stage_aliases(p_ledger);
    END IF;
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_aliases (kind text, plan_code text, alias text, company_id text, '
            'first_month date, last_month date)';
    -- New aliases first (an anti join, whose row count is the result), then the months of those
    -- already known widened: two hashed joins, where a count and a MERGE took three.
    INSERT INTO customer.company_alias (kind, plan_code, alias, company_id, source, first_month, last_month)
    SELECT f.kind, f.plan_code, f.alias, f.company_id, 'learned', f.first_month, f.last_month
    FROM pg_temp.wdh_etl_aliases AS f
    WHERE NOT EXISTS (SELECT 1 FROM customer.company_alias AS a
                      WHERE a.kind = f.kind AND a.plan_code = f.plan_code AND a.alias = f.alias
                        AND a.company_id = f.company_id);
    GET DIAGNOSTICS v_added = ROW_COUNT;
    UPDATE customer.company_alias AS a
    SET first_month = least(a.first_month, f.first_month), last_month = greatest(a.last_month, f.last_month),
        updated_at = now()
    FROM pg_temp.wdh_etl_aliases AS f
    WHERE a.kind = f.kind AND a.plan_code = f.plan_code AND a.alias = f.alias AND a.company_id = f.company_id
      AND (a.first_month IS NULL OR a.last_month IS NULL OR f.first_month < a.first_month
           OR f.last_month > a.last_month);
    RETURN v_added;
END
$$;

COMMENT ON FUNCTION customer.learn_staged_aliases(boolean) IS
    'ETL: keep the aliases the applied file taught in customer.company_alias (new ones learned, months widened).';
REVOKE ALL ON FUNCTION customer.learn_staged_aliases(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.learn_staged_aliases(boolean) TO wdh_operator;
