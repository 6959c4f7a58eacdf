-- customer._explain_versions(p_company_id text, p_plan_code text, p_product_line_code text, p_period_end date)
-- RETURNS TABLE (rule text, outcome text, detail text, facts jsonb)
--
-- Private to customer.explain_contract; one job: the contract's versions around month end
-- p_period_end: version (the one in effect then, 'none' when not in force) and, when there is one,
-- previous_version (the one before it and which fields changed, as customer._timeline_versions
-- compares them; 'none' for the first).
CREATE OR REPLACE FUNCTION customer._explain_versions(
    p_company_id text, p_plan_code text, p_product_line_code text, p_period_end date)
RETURNS TABLE (rule text, outcome text, detail text, facts jsonb)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_version customer.customer_plan_contract%ROWTYPE;
    v_previous customer.customer_plan_contract%ROWTYPE;
    v_changes text;
BEGIN
    SELECT * INTO v_version FROM customer.customer_plan_contract AS c
    WHERE c.company_id = p_company_id AND c.plan_code = p_plan_code AND c.product_line_code = p_product_line_code
      AND c.valid_from <= p_period_end AND c.valid_to > p_period_end;
    rule := 'version';
    IF v_version.contract_id IS NULL THEN
        outcome := 'none';
        detail := format('No version of the contract is in effect at %s.', p_period_end);
        facts := jsonb_build_object('case', 'none', 'period_end', p_period_end);
        RETURN NEXT;
        RETURN;
    END IF;
    outcome := format('%s … %s', v_version.valid_from,
                      CASE WHEN v_version.valid_to = date '9999-12-31' THEN 'current' ELSE v_version.valid_to::text END);
    detail := format('contract_id %s: %s, %s, %s, status_year %s (valid_from %s, valid_to %s).', v_version.contract_id,
                     v_version.contract_status,
                     CASE WHEN v_version.is_strategic THEN 'strategic' ELSE 'not strategic' END,
                     CASE WHEN v_version.is_existing THEN 'existing' ELSE 'not existing' END,
                     v_version.status_year, v_version.valid_from, v_version.valid_to);
    facts := jsonb_build_object('case', 'version', 'contract_id', v_version.contract_id,
                                'status', v_version.contract_status, 'strategic', v_version.is_strategic,
                                'existing', v_version.is_existing, 'status_year', v_version.status_year,
                                'valid_from', v_version.valid_from,
                                'valid_to', nullif(v_version.valid_to, date '9999-12-31'));
    RETURN NEXT;

    SELECT * INTO v_previous FROM customer.customer_plan_contract AS c
    WHERE c.company_id = p_company_id AND c.plan_code = p_plan_code AND c.product_line_code = p_product_line_code
      AND c.valid_from < v_version.valid_from
    ORDER BY c.valid_from DESC LIMIT 1;
    rule := 'previous_version';
    IF v_previous.contract_id IS NULL THEN
        outcome := 'none';
        detail := format('This is the contract''s first version: it came into force at %s.', v_version.valid_from);
        facts := jsonb_build_object('case', 'first', 'valid_from', v_version.valid_from);
    ELSE
        outcome := format('%s … %s', v_previous.valid_from, v_previous.valid_to);
        -- What changed: the timeline's own comparison of the version with the one before it.
        SELECT coalesce(t.facts -> 'changes', '[]') INTO facts
        FROM customer._timeline_versions(p_company_id) AS t
        WHERE t.kind = 'version' AND t.reference = v_version.contract_id::text;
        SELECT string_agg(format('%s %s → %s', c ->> 'field', c ->> 'was', c ->> 'now'), ', ') INTO v_changes
        FROM jsonb_array_elements(facts) AS c;
        detail := format('contract_id %s: %s, %s, %s, status_year %s. ', v_previous.contract_id,
                         v_previous.contract_status,
                         CASE WHEN v_previous.is_strategic THEN 'strategic' ELSE 'not strategic' END,
                         CASE WHEN v_previous.is_existing THEN 'existing' ELSE 'not existing' END,
                         v_previous.status_year)
                  || CASE WHEN v_previous.valid_to < v_version.valid_from
                          THEN format('It lapsed at %s; the contract came back into force at %s.',
                                      v_previous.valid_to, v_version.valid_from)
                          ELSE format('Changed at %s: %s.', v_version.valid_from, coalesce(v_changes, 'no field'))
                     END;
        facts := jsonb_build_object(
            'case', CASE WHEN v_previous.valid_to < v_version.valid_from THEN 'lapsed' ELSE 'changed' END,
            'contract_id', v_previous.contract_id, 'status', v_previous.contract_status,
            'strategic', v_previous.is_strategic, 'existing', v_previous.is_existing,
            'status_year', v_previous.status_year, 'lapsed_at', v_previous.valid_to,
            'changed_at', v_version.valid_from, 'changes', facts);
    END IF;
    RETURN NEXT;
END
$$;

COMMENT ON FUNCTION customer._explain_versions(text, text, text, date) IS
    'Private to explain_contract: the version in effect at a month end and the one before it, with what changed.';
REVOKE ALL ON FUNCTION customer._explain_versions(text, text, text, date) FROM PUBLIC;
