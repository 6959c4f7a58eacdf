-- customer.explain_contract(p_company_id text, p_plan_code text, p_product_line_code text, p_period_end date)
-- RETURNS TABLE (rule text, outcome text, detail text, facts jsonb)
--
-- One job (an orchestrator over one helper per rule): why one contract (customer × plan × product line) stands as it does at period p_period_end (a
-- month end): every rule of docs/RULES.md with the figures it used, in this order:
--   contract            company / plan / product line; detail: the names, and whether the customer
--                       is provisional;
--   pending_correction  only when loaded rows of this month or an earlier one changed after it was
--                       applied: the figures below are as last applied, the next close replays them;
--   in_force            'true' | 'false': the latest 规模明细 row within the twelve months;
--   -- the next six only for a contract in force:
--   aum                 the month's SUM(期末资产规模) and how many rows it sums;
--   contribution_12m    SUM(供款) over the twelve months, and the months that had any;
--   contract_status     '正常' | '停缴' and the clause that decided it (customer._status_reason);
--   is_strategic        'true' | 'false': the month from December of the prior year it was ratcheted
--                       from, with its group's rank in branch × product line and the threshold; or,
--                       when not strategic, where its best group of the month ranked;
--   is_existing         'true' | 'false': the AUM of December of the prior year;
--   status_year         the month's year;
--   version             the version in effect at the month end ('none' when not in force);
--   previous_version    the version before it, and which fields changed ('none' for the first).
-- An orchestrator over one helper per group of rules: customer._explain_subject (the refusals and
-- the contract), customer._explain_activity (in force, aum, contributions, status),
-- customer._explain_strategic, customer._explain_versions; a pending correction is
-- customer._pending_correction's, as status and the report say it.
-- Outcomes of contract_status, is_strategic and is_existing are read from the month's row of
-- customer.contract_month_summary, which customer.sync_contract_status derived and turned into the
-- version in effect: explain and history agree by construction (a test checks every contract and
-- month). The strategic ranks are computed by customer._contract_month_groups, the sync's own copy
-- of the rule, with today's settings; when those would decide otherwise than the settings the
-- month was applied with, the detail says so.
-- Keys are compared in their canonical form (customer.canonical_key): an id typed full-width or
-- pasted with a zero-width space finds its contract.
-- Errors: 22023 an argument NULL or p_period_end not a month end;
--         P0002 no such customer (or one merged into another: the hint names it), or the customer
--               has no such contract (the detail lists its contracts);
--         55000 the month is not synced (after the last applied period or before the first).
-- facts: each row's figures and months as jsonb, {"case": …, …} (the case names the wording: the
-- pages render it in their language, reporting/messages.py); detail says the same in English.
-- Read only; SECURITY DEFINER: readers see why, not the source tables.
CREATE OR REPLACE FUNCTION customer.explain_contract(
    p_company_id text, p_plan_code text, p_product_line_code text, p_period_end date)
RETURNS TABLE (rule text, outcome text, detail text, facts jsonb)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off  -- one contract: compiling costs more than it saves
AS $$
#variable_conflict use_column
DECLARE
    c_money constant text := 'FM999,999,999,999,990.00';
    v_end date := customer._period_end(p_period_end, 'p_period_end');
    v_company text := customer.canonical_key(p_company_id);
    v_plan text := customer.canonical_key(p_plan_code);
    v_line text := customer.canonical_key(p_product_line_code);
    v_month date := date_trunc('month', p_period_end)::date;
    v_december date := (date_trunc('year', p_period_end) - interval '1 month')::date;
    v_correction date;
    v_s customer.contract_month_summary%ROWTYPE;
    v_dec customer.contract_month_summary%ROWTYPE;
BEGIN
    IF v_end IS NULL OR v_company IS NULL OR v_plan IS NULL OR v_line IS NULL THEN
        RAISE EXCEPTION 'explain_contract needs a company_id, a plan code, a product line code and a period end'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Got p_company_id %L, p_plan_code %L, p_product_line_code %L, p_period_end %L.',
                                  p_company_id, p_plan_code, p_product_line_code, p_period_end),
                  HINT = 'Pass all four, e.g. customer.explain_contract(''C001'', ''P0001'', ''PL202'', ''2026-03-31'').';
    END IF;
    RETURN QUERY SELECT * FROM customer._explain_subject(v_company, v_plan, v_line, v_end);

    v_correction := customer._pending_correction();  -- of this month or an earlier one: it waits for the close
    v_correction := CASE WHEN v_correction <= v_month THEN v_correction END;
    IF v_correction IS NOT NULL THEN
        rule := 'pending_correction';
        outcome := to_char(v_correction, 'YYYY-MM');
        detail := format('Loaded rows of %s or later changed after this month was applied: the figures below are '
                         'those last applied, as the history still has them. The next close (customer-mdm close) '
                         'replays the history from %s.', to_char(v_correction, 'YYYY-MM'),
                         to_char(v_correction, 'YYYY-MM'));
        facts := jsonb_build_object('case', 'pending', 'from', to_char(v_correction, 'YYYY-MM'));
        RETURN NEXT;
    END IF;

    RETURN QUERY SELECT * FROM customer._explain_activity(v_company, v_plan, v_line, v_month, v_correction IS NOT NULL);
    SELECT * INTO v_s FROM customer.contract_month_summary AS s
    WHERE s.month = v_month AND s.company_id = v_company AND s.plan_code = v_plan AND s.product_line_code = v_line;
    IF v_s.month IS NOT NULL THEN  -- in force
        rule := 'is_strategic';
        outcome := v_s.strategic_ytd::text;
        SELECT e.detail, e.facts INTO detail, facts
        FROM customer._explain_strategic(v_company, v_plan, v_line, v_month, v_correction IS NOT NULL) AS e;
        RETURN NEXT;

        SELECT * INTO v_dec FROM customer.contract_month_summary AS s
        WHERE s.month = v_december AND s.company_id = v_company AND s.plan_code = v_plan AND s.product_line_code = v_line;
        rule := 'is_existing';
        outcome := v_s.is_existing::text;
        detail := CASE WHEN v_dec.month IS NULL OR v_dec.last_seen <> v_december
                       THEN format('No 规模明细 row in %s, December of the prior year: existing needs AUM above zero '
                                   'then.', to_char(v_december, 'YYYY-MM'))
                       ELSE format('AUM in %s, December of the prior year: %s%s', to_char(v_december, 'YYYY-MM'),
                                   to_char(v_dec.aum, c_money),
                                   CASE WHEN v_dec.aum > 0 THEN ' (above zero).' ELSE ' (existing needs it above zero).' END)
                  END;
        facts := jsonb_build_object('case', CASE WHEN v_dec.month IS NULL OR v_dec.last_seen <> v_december
                                                 THEN 'no_december' ELSE 'december' END,
                                    'december', to_char(v_december, 'YYYY-MM'), 'aum', v_dec.aum);
        RETURN NEXT;

        rule := 'status_year';
        outcome := extract(year FROM v_month)::text;
        detail := 'The month''s year: every January re-versions each contract (the annual cutover).';
        facts := jsonb_build_object('case', 'year', 'year', extract(year FROM v_month)::int);
        RETURN NEXT;
    END IF;
    RETURN QUERY SELECT * FROM customer._explain_versions(v_company, v_plan, v_line, v_end);
END
$$;

COMMENT ON FUNCTION customer.explain_contract(text, text, text, date) IS
    'Why a contract stands as it does at a month end: each rule (in force, AUM, 12-month contributions, status, '
    'strategic, existing, version) with the figures it used, in words (detail) and as data (facts).';
REVOKE ALL ON FUNCTION customer.explain_contract(text, text, text, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.explain_contract(text, text, text, date) TO wdh_reader, wdh_operator;
