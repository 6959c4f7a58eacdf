-- customer.set_company_alias(p_name text, p_company_id text, p_plan_code text DEFAULT NULL)
-- RETURNS TABLE (kind text, plan_code text, alias text, company_id text, replaced text[],
--                provisional_id text)
--
-- One job: record what a data steward says: rows named p_name (within plan p_plan_code, when
-- given) belong to customer p_company_id. Writes an override alias of kind 'name' (or 'plan_name'
-- with a plan) for the normalised name, replacing other overrides of the same alias; the loader
-- uses overrides before anything it learned. Rows already loaded are not changed: when a
-- provisional customer carries this name, provisional_id names it, to merge with merge_company.
-- Result: the alias written, the companies whose override it replaced, the provisional id.
-- Errors: 22023 a blank name or company_id; P0002 p_company_id is not a customer, or p_plan_code
--         is not a plan that mapping."年金计划" or business."规模明细" knows.
CREATE OR REPLACE FUNCTION customer.set_company_alias(p_name text, p_company_id text, p_plan_code text DEFAULT NULL)
RETURNS TABLE (kind text, plan_code text, alias text, company_id text, replaced text[], provisional_id text)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_alias text := customer.normalise_name(p_name);
    v_plan text := customer.canonical_key(p_plan_code);  -- keys in the form they are stored in
    v_kind text := CASE WHEN customer.canonical_key(p_plan_code) IS NULL THEN 'name' ELSE 'plan_name' END;
    v_company text := customer.canonical_key(p_company_id);
    v_replaced text[];
    v_provisional text;
BEGIN
    IF v_alias IS NULL OR v_company IS NULL THEN
        RAISE EXCEPTION 'An alias needs a customer name and a company_id (got % and %)',
                coalesce(quote_literal(p_name), 'NULL'), coalesce(quote_literal(p_company_id), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM customer."年金客户" AS c WHERE c.company_id = v_company) THEN
        RAISE EXCEPTION 'Customer % does not exist', v_company
            USING ERRCODE = 'no_data_found',
                  HINT = 'An alias points at an existing customer (customer."年金客户"); check the id.';
    END IF;
    IF v_plan IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM mapping."年金计划" AS p WHERE p."年金计划号" = v_plan)
       AND NOT EXISTS (SELECT 1 FROM business."规模明细" AS d WHERE d."计划代码" = v_plan) THEN
        RAISE EXCEPTION 'Plan % is not known', v_plan
            USING ERRCODE = 'no_data_found',
                  HINT = 'Pass a 计划代码 of mapping."年金计划", or leave the plan out for the name alone.';
    END IF;

    WITH gone AS (
        DELETE FROM customer.company_alias AS a
        WHERE a.kind = v_kind AND a.plan_code = coalesce(v_plan, '') AND a.alias = v_alias
          AND a.source = 'override' AND a.company_id <> v_company
        RETURNING a.company_id
    )
    SELECT array_agg(g.company_id ORDER BY g.company_id) INTO v_replaced FROM gone AS g;
    INSERT INTO customer.company_alias AS a (kind, plan_code, alias, company_id, source)
    VALUES (v_kind, coalesce(v_plan, ''), v_alias, v_company, 'override')
    ON CONFLICT (kind, plan_code, alias, company_id) DO UPDATE
    SET source = 'override', updated_at = now(), recorded_by = session_user;

    v_provisional := customer.provisional_company_id(p_name);
    IF v_provisional = v_company
       OR NOT EXISTS (SELECT 1 FROM customer."年金客户" AS c WHERE c.company_id = v_provisional) THEN
        v_provisional := NULL;
    END IF;
    RETURN QUERY SELECT v_kind, coalesce(v_plan, ''), v_alias, v_company, coalesce(v_replaced, '{}'), v_provisional;
END
$$;

COMMENT ON FUNCTION customer.set_company_alias(text, text, text) IS
    'Steward override: rows named p_name (in plan p_plan_code) belong to p_company_id; replaces other '
    'overrides of that alias; names the provisional id that carries the name, if any.';
REVOKE ALL ON FUNCTION customer.set_company_alias(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.set_company_alias(text, text, text) TO wdh_operator;
