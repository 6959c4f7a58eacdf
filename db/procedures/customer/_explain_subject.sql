-- customer._explain_subject(p_company_id text, p_plan_code text, p_product_line_code text, p_period_end date)
-- RETURNS TABLE (rule text, outcome text, detail text, facts jsonb)
--
-- Private to customer.explain_contract; one job: refuse what cannot be explained, else say which
-- contract is explained. Arguments in canonical form (explain_contract made them so), p_period_end
-- a month end. Returns the rule 'contract': company / plan / product line, with the names and
-- whether the customer is provisional.
-- Errors: P0002 no such customer (one merged into another: customer._merged_into names where it
--         went), or the customer has no such contract (the detail lists its contracts);
--         55000 the month is not synced (after the last applied period or before the first).
CREATE OR REPLACE FUNCTION customer._explain_subject(
    p_company_id text, p_plan_code text, p_product_line_code text, p_period_end date)
RETURNS TABLE (rule text, outcome text, detail text, facts jsonb)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_customer record;
    v_merge record;
    v_state customer.contract_sync_state%ROWTYPE;
    v_text text;
    v_rows bigint;
BEGIN
    SELECT cu.company_id, cu."客户名称" AS name, cu.is_provisional INTO v_customer
    FROM customer."年金客户" AS cu WHERE cu.company_id = p_company_id;
    IF NOT FOUND THEN
        SELECT m.first_into, m.holder, m.merged_at, m.merged_by INTO v_merge
        FROM customer._merged_into(p_company_id) AS m;
        IF FOUND THEN
            RAISE EXCEPTION 'Customer % was merged into %', p_company_id,
                    v_merge.first_into || CASE WHEN v_merge.first_into <> v_merge.holder
                                               THEN format(', which is now part of %s', v_merge.holder) ELSE '' END
                USING ERRCODE = 'no_data_found',
                      DETAIL = format('Its rows, ledger entries and aliases moved to %s (merged by %s on %s); the '
                                      'history replays as if they had carried that id from the start.',
                                      v_merge.holder, v_merge.merged_by, to_char(v_merge.merged_at, 'YYYY-MM-DD')),
                      HINT = format('Explain the contract under %s: customer-mdm explain --company %s ...',
                                    v_merge.holder, v_merge.holder);
        END IF;
        RAISE EXCEPTION 'No customer %', to_json(p_company_id)::text
            USING ERRCODE = 'no_data_found',
                  HINT = 'Check the id: customer-mdm history --company ID shows a customer''s contracts, '
                         'customer-mdm identities the provisional ids.';
    END IF;

    SELECT * INTO v_state FROM customer.contract_sync_state;
    IF v_state.last_applied_period IS NULL THEN
        RAISE EXCEPTION 'Contracts have not been synced yet: there is nothing to explain'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Load the AUM detail and run customer-mdm close (in SQL SELECT * FROM customer.run_monthly_close()).';
    ELSIF p_period_end > v_state.last_applied_period OR p_period_end < v_state.first_applied_period THEN
        RAISE EXCEPTION 'Contracts are synced from % through % only, not at %',
                to_char(v_state.first_applied_period, 'YYYY-MM'), to_char(v_state.last_applied_period, 'YYYY-MM'),
                to_char(p_period_end, 'YYYY-MM')
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('Pick a month from %s to %s, or load the month and run customer-mdm close.',
                                to_char(v_state.first_applied_period, 'YYYYMM'),
                                to_char(v_state.last_applied_period, 'YYYYMM'));
    END IF;

    -- The contract: a version of it, or failing that, what the customer has.
    PERFORM FROM customer.customer_plan_contract AS c
    WHERE c.company_id = p_company_id AND c.plan_code = p_plan_code AND c.product_line_code = p_product_line_code;
    IF NOT FOUND THEN
        SELECT string_agg(format('%s / %s', k.plan_code, k.product_line_code), ', '), count(*) INTO v_text, v_rows
        FROM (SELECT DISTINCT c.plan_code, c.product_line_code FROM customer.customer_plan_contract AS c
              WHERE c.company_id = p_company_id ORDER BY 1, 2 LIMIT 10) AS k;
        IF v_rows = 0 THEN
            RAISE EXCEPTION 'Customer % (%) has no contract: none of its 规模明细 rows has been synced',
                    p_company_id, v_customer.name
                USING ERRCODE = 'no_data_found',
                      HINT = format('If its rows were loaded or merged in since the last close, run customer-mdm close; '
                                    'customer-mdm history --company %s shows what is known of it.', p_company_id);
        END IF;
        RAISE EXCEPTION 'Customer % has no contract in plan % and product line %', p_company_id,
                to_json(p_plan_code)::text, to_json(p_product_line_code)::text
            USING ERRCODE = 'no_data_found',
                  DETAIL = format('Its contracts (plan / product line): %s.', v_text),
                  HINT = format('Pick one of them; customer-mdm history --company %s lists every version.', p_company_id);
    END IF;

    rule := 'contract';
    outcome := format('%s / %s / %s', p_company_id, p_plan_code, p_product_line_code);
    facts := jsonb_build_object(
        'case', 'contract', 'customer_name', v_customer.name, 'provisional', v_customer.is_provisional,
        'plan_name', (SELECT p."计划全称" FROM mapping."年金计划" AS p WHERE p."年金计划号" = p_plan_code),
        'product_line_name', (SELECT l."产品线" FROM mapping."产品线" AS l WHERE l."产品线代码" = p_product_line_code));
    detail := format('%s; plan %s; product line %s', v_customer.name,
                     coalesce((SELECT p."计划全称" FROM mapping."年金计划" AS p WHERE p."年金计划号" = p_plan_code),
                              p_plan_code),
                     coalesce((SELECT l."产品线" FROM mapping."产品线" AS l WHERE l."产品线代码" = p_product_line_code),
                              p_product_line_code))
              || CASE WHEN v_customer.is_provisional
                      THEN '. The customer is provisional: the loader created it for a name it could not resolve; '
                           'a data steward may merge it into the real customer (customer-mdm identities).'
                      ELSE '' END;
    RETURN NEXT;
END
$$;

COMMENT ON FUNCTION customer._explain_subject(text, text, text, date) IS
    'Private to explain_contract: refuse a customer, month or contract that cannot be explained; else the contract row.';
REVOKE ALL ON FUNCTION customer._explain_subject(text, text, text, date) FROM PUBLIC;
