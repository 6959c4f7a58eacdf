-- customer.contract_movements(p_period_end date)
-- RETURNS TABLE (movement text, company_id text, customer_name text, plan_code text, plan_name text,
--                product_line_code text, product_line_name text, branch_code text, branch_name text,
--                aum_balance numeric, previous_aum_balance numeric, reason text, facts jsonb)
--
-- One job: the month's movements, from the contract history: every contract whose version in
-- effect at the month end p_period_end differs from the one in effect at the previous month end,
-- once per way it moved:
--   new               in force at the month, not at the month before;
--   lapsed            in force at the month before, not at the month;
--   stopped           contract_status 正常 → 停缴;   resumed   停缴 → 正常;
--   became_strategic  is_strategic false → true;    lost_strategic   true → false (a January
--                     starts the year afresh: contracts no longer strategic show here).
-- A version that changed only otherwise (is_existing, status_year, names) is not a movement.
-- Names from the version in effect (for a lapsed contract, the last one); branch by
-- customer._contract_branch, as customer.contract_branches has it (for a lapsed contract, as of the
-- month before); aum_balance and
-- previous_aum_balance: the contract's AUM in the month and the month before (contract_month_summary,
-- rounded to 2 places; 0 when it has no rows). Ordered by movement as listed, then AUM descending.
-- reason: why, in the report's words, from the helpers customer.explain_contract reads too:
--   new               '首次出现' (no earlier version), or '失效后重新出现（X 失效）';
--   lapsed            '12 个月无规模明细（最后一行 YYYY-MM）';
--   stopped           customer._status_reason of the month: '规模归零' or '12 个月无供款';
--   resumed           '规模恢复', '恢复供款' or '规模与供款恢复': which of the two figures came back;
--   became_strategic  customer._strategic_reason of the contract's best group of the month
--                     (customer._contract_month_groups, with today's settings; '按认定当月的设置' when
--                     those would no longer decide so);
--   lost_strategic    '新年度重新认定：上年 12 月及本月均未进入前 N，也未达门槛'.
-- facts: the reason as data ({"case": …, …}): pages word it in their language.
-- Errors: 22023 when p_period_end is NULL or not a month end; 55000 when the month is not synced.
CREATE OR REPLACE FUNCTION customer.contract_movements(p_period_end date)
RETURNS TABLE (movement text, company_id text, customer_name text, plan_code text, plan_name text,
               product_line_code text, product_line_name text, branch_code text, branch_name text,
               aum_balance numeric, previous_aum_balance numeric, reason text, facts jsonb)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER  -- readers of the report see the movements, not the whole history
SET search_path = pg_catalog, pg_temp
SET jit = off  -- a few thousand rows: compiling costs more than it saves
AS $$
#variable_conflict use_column
DECLARE
    v_end date := customer._required_period_end(p_period_end, 'p_period_end');
    v_previous date := date_trunc('month', p_period_end)::date - 1;
    v_synced date := (SELECT s.last_applied_period FROM customer.contract_sync_state AS s);
    v_settings customer.mdm_settings%ROWTYPE;
BEGIN
    IF v_synced IS NULL THEN
        RAISE EXCEPTION 'Contracts have not been synced yet: there are no movements to report'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Load the AUM detail and run customer-mdm close (in SQL SELECT * FROM customer.run_monthly_close()).';
    ELSIF v_end > v_synced THEN
        RAISE EXCEPTION 'Contracts are synced through % only, not through %', to_char(v_synced, 'YYYY-MM'),
                to_char(v_end, 'YYYY-MM')
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Load the month and run customer-mdm close (in SQL SELECT * FROM customer.run_monthly_close()).';
    END IF;
    SELECT * INTO v_settings FROM customer.mdm_settings;
    RETURN QUERY
    WITH cur AS (
        SELECT c.* FROM customer.customer_plan_contract AS c WHERE c.valid_from <= v_end AND c.valid_to > v_end
    ), prev AS (
        SELECT c.* FROM customer.customer_plan_contract AS c WHERE c.valid_from <= v_previous AND c.valid_to > v_previous
    ), changed AS (
        SELECT coalesce(c.company_id, p.company_id) AS company_id, coalesce(c.plan_code, p.plan_code) AS plan_code,
               coalesce(c.product_line_code, p.product_line_code) AS product_line_code,
               coalesce(c.customer_name, p.customer_name) AS customer_name, coalesce(c.plan_name, p.plan_name) AS plan_name,
               coalesce(c.product_line_name, p.product_line_name) AS product_line_name,
               c.contract_id IS NOT NULL AS in_force, p.contract_id IS NOT NULL AS was_in_force,
               c.contract_status, p.contract_status AS previous_status, c.is_strategic, p.is_strategic AS was_strategic
        FROM cur AS c
        FULL JOIN prev AS p ON p.company_id = c.company_id AND p.plan_code = c.plan_code
                           AND p.product_line_code = c.product_line_code
        WHERE c.contract_id IS DISTINCT FROM p.contract_id
    ), moves AS (
        SELECT m.position, m.movement, x.*
        FROM changed AS x
        CROSS JOIN LATERAL (VALUES
            (1, 'new', x.in_force AND NOT x.was_in_force),
            (2, 'lapsed', x.was_in_force AND NOT x.in_force),
            (3, 'stopped', x.previous_status = '正常' AND x.contract_status = '停缴'),
            (4, 'resumed', x.previous_status = '停缴' AND x.contract_status = '正常'),
            (5, 'became_strategic', NOT x.was_strategic AND x.is_strategic),
            (6, 'lost_strategic', x.was_strategic AND NOT x.is_strategic)) AS m (position, movement, happened)
        WHERE m.happened
    )
    SELECT m.movement, m.company_id, m.customer_name, m.plan_code, m.plan_name, m.product_line_code,
           m.product_line_name, b.branch_code, b.branch_name, round(coalesce(s.aum, 0), 2), round(coalesce(ps.aum, 0), 2),
           CASE m.movement
               WHEN 'new' THEN CASE WHEN gone.valid_to IS NULL THEN '首次出现'
                                    ELSE format('失效后重新出现（%s 失效）', to_char(gone.valid_to, 'YYYY-MM')) END
               WHEN 'lapsed' THEN format('12 个月无规模明细（最后一行 %s）', to_char(ps.last_seen, 'YYYY-MM'))
               WHEN 'stopped' THEN customer._status_reason(s.aum, s.contribution_12m)
               WHEN 'resumed' THEN CASE WHEN ps.aum > 0 THEN '恢复供款'
                                        WHEN ps.contribution_12m > 0 THEN '规模恢复'
                                        ELSE '规模与供款恢复' END
               WHEN 'became_strategic' THEN coalesce(customer._strategic_reason(g.by_rank, g.by_threshold,
                                                         v_settings.strategic_top_n, v_settings.strategic_threshold),
                                                     '按认定当月的设置')
               WHEN 'lost_strategic' THEN format('新年度重新认定：上年 12 月及本月均未进入前 %s，也未达门槛',
                                                 v_settings.strategic_top_n)
           END,
           jsonb_build_object(  -- the reason as data, for pages to word (reporting/messages.py)
               'case', CASE m.movement
                           WHEN 'new' THEN CASE WHEN gone.valid_to IS NULL THEN 'first' ELSE 'back' END
                           WHEN 'stopped' THEN CASE WHEN coalesce(s.aum, 0) <= 0 THEN 'aum' ELSE 'contribution' END
                           WHEN 'resumed' THEN CASE WHEN ps.aum > 0 THEN 'contribution' WHEN ps.contribution_12m > 0
                                                    THEN 'aum' ELSE 'both' END
                           WHEN 'became_strategic' THEN CASE WHEN g.by_rank THEN 'rank' WHEN g.by_threshold
                                                             THEN 'threshold' ELSE 'settings' END
                           ELSE m.movement END,
               'lapsed_at', to_char(gone.valid_to, 'YYYY-MM'), 'last_row', to_char(ps.last_seen, 'YYYY-MM'),
               'top_n', v_settings.strategic_top_n, 'threshold_yi', trim_scale(round(v_settings.strategic_threshold / 100000000, 4)))
    FROM moves AS m
    LEFT JOIN customer.contract_month_summary AS s
           ON s.month = date_trunc('month', v_end)::date AND s.company_id = m.company_id
          AND s.plan_code = m.plan_code AND s.product_line_code = m.product_line_code
    LEFT JOIN customer.contract_month_summary AS ps
           ON ps.month = date_trunc('month', v_previous)::date AND ps.company_id = m.company_id
          AND ps.plan_code = m.plan_code AND ps.product_line_code = m.product_line_code
    -- Only the contracts that moved are looked up (a lapsed one by its rows before it lapsed).
    LEFT JOIN LATERAL customer._contract_branch(m.company_id, m.plan_code, m.product_line_code,
                                                coalesce(s.last_seen, ps.last_seen)) AS b ON true
    -- A new contract's version before it came back (one probe of the history's key).
    LEFT JOIN LATERAL (SELECT c.valid_to FROM customer.customer_plan_contract AS c
                       WHERE m.movement = 'new' AND c.company_id = m.company_id AND c.plan_code = m.plan_code
                         AND c.product_line_code = m.product_line_code AND c.valid_to <= v_previous
                       ORDER BY c.valid_from DESC LIMIT 1) AS gone ON true
    -- The best group of a contract that became strategic, ranked by the sync's own rule: only the
    -- contract's product line and branches of the month are ranked.
    LEFT JOIN LATERAL (SELECT r.by_rank, r.by_threshold
                       FROM customer._contract_month_groups(date_trunc('month', v_end)::date,
                                                            v_settings.strategic_top_n,
                                                            v_settings.strategic_threshold) AS r
                       WHERE m.movement = 'became_strategic' AND r.product_line_code = m.product_line_code
                         AND r.company_id = m.company_id AND r.plan_code = m.plan_code
                       ORDER BY r.by_rank DESC, r.by_threshold DESC LIMIT 1) AS g ON true
    ORDER BY m.position, coalesce(s.aum, ps.aum, 0) DESC, m.company_id, m.plan_code, m.product_line_code;
END
$$;

COMMENT ON FUNCTION customer.contract_movements(date) IS
    'Report: the month''s contract movements (new, lapsed, stopped, resumed, became / lost strategic) with '
    'customer, plan, product line, branch and AUM.';
REVOKE ALL ON FUNCTION customer.contract_movements(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.contract_movements(date) TO wdh_reader, wdh_operator;
