-- customer._explain_activity(p_company_id text, p_plan_code text, p_product_line_code text, p_month date,
--                            p_pending boolean)
-- RETURNS TABLE (rule text, outcome text, detail text, facts jsonb)
--
-- Private to customer.explain_contract; one job: the rules of a contract's activity in month
-- p_month (its first day), from the month's row of customer.contract_month_summary (what the sync
-- derived): in_force ('true' | 'false': the latest 规模明细 row within the twelve months); for a
-- contract in force also aum (the month's SUM(期末资产规模) and its rows), contribution_12m
-- (SUM(供款) over the twelve months and the months that had any) and contract_status (the clause
-- customer._status_reason names). p_pending: a source correction of this month or an earlier one
-- waits for the close (the figures are as last applied).
CREATE OR REPLACE FUNCTION customer._explain_activity(
    p_company_id text, p_plan_code text, p_product_line_code text, p_month date, p_pending boolean)
RETURNS TABLE (rule text, outcome text, detail text, facts jsonb)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    c_money constant text := 'FM999,999,999,999,990.00';
    v_end date := (p_month + interval '1 month - 1 day')::date;
    v_window_from date := (p_month - interval '11 months')::date;
    v_s customer.contract_month_summary%ROWTYPE;
    v_previous customer.customer_plan_contract%ROWTYPE;
    v_rows bigint;
    v_text text;
    v_months jsonb;
BEGIN
    SELECT * INTO v_s FROM customer.contract_month_summary AS s
    WHERE s.month = p_month AND s.company_id = p_company_id AND s.plan_code = p_plan_code
      AND s.product_line_code = p_product_line_code;

    rule := 'in_force';
    IF v_s.month IS NULL THEN
        outcome := 'false';
        SELECT * INTO v_previous FROM customer.customer_plan_contract AS c
        WHERE c.company_id = p_company_id AND c.plan_code = p_plan_code AND c.product_line_code = p_product_line_code
          AND c.valid_from <= v_end ORDER BY c.valid_from DESC LIMIT 1;
        detail := format('No 规模明细 row of the contract in the twelve months %s … %s. ',
                         to_char(v_window_from, 'YYYY-MM'), to_char(p_month, 'YYYY-MM'))
                  || CASE WHEN v_previous.contract_id IS NULL
                          THEN format('Its first version opens later, at %s.',
                                      (SELECT min(c.valid_from) FROM customer.customer_plan_contract AS c
                                       WHERE c.company_id = p_company_id AND c.plan_code = p_plan_code
                                         AND c.product_line_code = p_product_line_code))
                          ELSE format('It lapsed at %s, twelve months after its last row (%s).',
                                      v_previous.valid_to,
                                      to_char(v_previous.valid_to - interval '12 months', 'YYYY-MM')) END;
        facts := jsonb_build_object(
            'case', CASE WHEN v_previous.contract_id IS NULL THEN 'not_yet' ELSE 'lapsed' END,
            'window_from', to_char(v_window_from, 'YYYY-MM'), 'month', to_char(p_month, 'YYYY-MM'),
            'first_version', (SELECT min(c.valid_from) FROM customer.customer_plan_contract AS c
                              WHERE c.company_id = p_company_id AND c.plan_code = p_plan_code
                                AND c.product_line_code = p_product_line_code),
            'lapsed_at', v_previous.valid_to, 'last_row', to_char(v_previous.valid_to - interval '12 months', 'YYYY-MM'));
        RETURN NEXT;
        RETURN;
    END IF;
    outcome := 'true';
    detail := format('Latest 规模明细 row in %s, within the twelve months %s … %s.', to_char(v_s.last_seen, 'YYYY-MM'),
                     to_char(v_window_from, 'YYYY-MM'), to_char(p_month, 'YYYY-MM'));
    facts := jsonb_build_object('case', 'in_force', 'last_seen', to_char(v_s.last_seen, 'YYYY-MM'),
                                'window_from', to_char(v_window_from, 'YYYY-MM'), 'month', to_char(p_month, 'YYYY-MM'));
    RETURN NEXT;

    SELECT count(*) INTO v_rows FROM business."规模明细" AS d
    WHERE d."月度" = p_month AND d.company_id = p_company_id AND d."计划代码" = p_plan_code
      AND d."产品线代码" = p_product_line_code;
    rule := 'aum';
    outcome := to_char(v_s.aum, c_money);
    detail := CASE WHEN p_pending
                   THEN format('SUM(期末资产规模) of %s as last applied (the rows changed since; the next close '
                               'recomputes it).', to_char(p_month, 'YYYY-MM'))
                   WHEN v_rows = 0
                   THEN format('No 规模明细 row in %s: AUM 0.', to_char(p_month, 'YYYY-MM'))
                   ELSE format('SUM(期末资产规模) of the contract''s %s row(s) of %s (every portfolio and branch).',
                               v_rows, to_char(p_month, 'YYYY-MM')) END;
    facts := jsonb_build_object('case', CASE WHEN p_pending THEN 'pending' WHEN v_rows = 0 THEN 'no_rows' ELSE 'rows' END,
                                'month', to_char(p_month, 'YYYY-MM'), 'rows', v_rows, 'aum', v_s.aum);
    RETURN NEXT;

    SELECT string_agg(format('%s %s', to_char(s.month, 'YYYY-MM'), to_char(s.contribution, c_money)), ', '
                      ORDER BY s.month),
           jsonb_agg(jsonb_build_object('month', to_char(s.month, 'YYYY-MM'), 'amount', s.contribution) ORDER BY s.month)
           INTO v_text, v_months
    FROM generate_series(v_window_from, p_month, interval '1 month') AS g (month)
    JOIN customer.contract_month_summary AS s
      ON s.month = g.month::date AND s.company_id = p_company_id AND s.plan_code = p_plan_code
     AND s.product_line_code = p_product_line_code
    WHERE s.contribution <> 0;
    rule := 'contribution_12m';
    outcome := to_char(v_s.contribution_12m, c_money);
    detail := format('SUM(供款) over the twelve months %s … %s: ', to_char(v_window_from, 'YYYY-MM'),
                     to_char(p_month, 'YYYY-MM'))
              || coalesce('months with 供款: ' || v_text || '.', 'no month had any.');
    facts := jsonb_build_object('case', CASE WHEN v_months IS NULL THEN 'none' ELSE 'months' END,
                                'window_from', to_char(v_window_from, 'YYYY-MM'), 'month', to_char(p_month, 'YYYY-MM'),
                                'total', v_s.contribution_12m, 'months', coalesce(v_months, '[]'));
    RETURN NEXT;

    rule := 'contract_status';
    outcome := v_s.contract_status;
    detail := customer._status_reason(v_s.aum, v_s.contribution_12m) || ': '
              || format('AUM of %s is %s and 供款 over the twelve months sum to %s; 正常 needs both above zero.',
                        to_char(p_month, 'YYYY-MM'), to_char(v_s.aum, c_money), to_char(v_s.contribution_12m, c_money));
    facts := jsonb_build_object('case', 'status', 'status', v_s.contract_status, 'month', to_char(p_month, 'YYYY-MM'),
                                'clause', customer._status_reason(v_s.aum, v_s.contribution_12m),
                                'aum', v_s.aum, 'contribution_12m', v_s.contribution_12m);
    RETURN NEXT;
END
$$;

COMMENT ON FUNCTION customer._explain_activity(text, text, text, date, boolean) IS
    'Private to explain_contract: in force, AUM, 12-month contributions and status of a contract in a month.';
REVOKE ALL ON FUNCTION customer._explain_activity(text, text, text, date, boolean) FROM PUBLIC;
