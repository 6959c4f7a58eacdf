-- customer.explain_contract(p_company_id text, p_plan_code text, p_product_line_code text, p_period_end date)
-- RETURNS TABLE (rule text, outcome text, detail text)
--
-- Why one contract (customer × plan × product line) stands as it does at period p_period_end (a
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
-- Read only; SECURITY DEFINER: readers see why, not the source tables.
CREATE OR REPLACE FUNCTION customer.explain_contract(
    p_company_id text, p_plan_code text, p_product_line_code text, p_period_end date)
RETURNS TABLE (rule text, outcome text, detail text)
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
    v_window_from date := (date_trunc('month', p_period_end) - interval '11 months')::date;
    v_december date := (date_trunc('year', p_period_end) - interval '1 month')::date;
    v_customer record;
    v_merge record;
    v_state customer.contract_sync_state%ROWTYPE;
    v_settings customer.mdm_settings%ROWTYPE;
    v_s customer.contract_month_summary%ROWTYPE;
    v_dec customer.contract_month_summary%ROWTYPE;
    v_version customer.customer_plan_contract%ROWTYPE;
    v_previous customer.customer_plan_contract%ROWTYPE;
    v_rows bigint;
    v_text text;
    v_ratchet date;
    v_branches text[];
    v_group record;
    v_changes text;
    v_pending boolean;  -- loaded rows of this month or an earlier one changed since it was applied
BEGIN
    IF v_end IS NULL OR v_company IS NULL OR v_plan IS NULL OR v_line IS NULL THEN
        RAISE EXCEPTION 'explain_contract needs a company_id, a plan code, a product line code and a period end'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Got p_company_id %L, p_plan_code %L, p_product_line_code %L, p_period_end %L.',
                                  p_company_id, p_plan_code, p_product_line_code, p_period_end),
                  HINT = 'Pass all four, e.g. customer.explain_contract(''C001'', ''P0001'', ''PL202'', ''2026-03-31'').';
    END IF;

    SELECT cu.company_id, cu."客户名称" AS name, cu.is_provisional INTO v_customer
    FROM customer."年金客户" AS cu WHERE cu.company_id = v_company;
    IF NOT FOUND THEN
        -- Merged away: the customer that holds its rows now (customer._merged_into).
        SELECT m.first_into, m.holder AS into_id, m.merged_at, m.merged_by INTO v_merge
        FROM customer._merged_into(v_company) AS m;
        IF FOUND THEN
            RAISE EXCEPTION 'Customer % was merged into %', v_company,
                    v_merge.first_into || CASE WHEN v_merge.first_into <> v_merge.into_id
                                               THEN format(', which is now part of %s', v_merge.into_id) ELSE '' END
                USING ERRCODE = 'no_data_found',
                      DETAIL = format('Its rows, ledger entries and aliases moved to %s (merged by %s on %s); the '
                                      'history replays as if they had carried that id from the start.',
                                      v_merge.into_id, v_merge.merged_by, to_char(v_merge.merged_at, 'YYYY-MM-DD')),
                      HINT = format('Explain the contract under %s: customer-mdm explain --company %s ...',
                                    v_merge.into_id, v_merge.into_id);
        END IF;
        RAISE EXCEPTION 'No customer %', to_json(v_company)::text
            USING ERRCODE = 'no_data_found',
                  HINT = 'Check the id: customer-mdm history --company ID shows a customer''s contracts, '
                         'customer-mdm identities the provisional ids.';
    END IF;

    SELECT * INTO v_state FROM customer.contract_sync_state;
    IF v_state.last_applied_period IS NULL THEN
        RAISE EXCEPTION 'Contracts have not been synced yet: there is nothing to explain'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Load the AUM detail and run customer-mdm close (in SQL SELECT * FROM customer.run_monthly_close()).';
    ELSIF v_end > v_state.last_applied_period OR v_end < v_state.first_applied_period THEN
        RAISE EXCEPTION 'Contracts are synced from % through % only, not at %',
                to_char(v_state.first_applied_period, 'YYYY-MM'), to_char(v_state.last_applied_period, 'YYYY-MM'),
                to_char(v_end, 'YYYY-MM')
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('Pick a month from %s to %s, or load the month and run customer-mdm close.',
                                to_char(v_state.first_applied_period, 'YYYYMM'),
                                to_char(v_state.last_applied_period, 'YYYYMM'));
    END IF;

    -- The contract: a version of it, or failing that, what the customer has.
    PERFORM FROM customer.customer_plan_contract AS c
    WHERE c.company_id = v_company AND c.plan_code = v_plan AND c.product_line_code = v_line;
    IF NOT FOUND THEN
        SELECT string_agg(format('%s / %s', k.plan_code, k.product_line_code), ', '), count(*) INTO v_text, v_rows
        FROM (SELECT DISTINCT c.plan_code, c.product_line_code FROM customer.customer_plan_contract AS c
              WHERE c.company_id = v_company ORDER BY 1, 2 LIMIT 10) AS k;
        IF v_rows = 0 THEN
            RAISE EXCEPTION 'Customer % (%) has no contract: none of its 规模明细 rows has been synced',
                    v_company, v_customer.name
                USING ERRCODE = 'no_data_found',
                      HINT = format('If its rows were loaded or merged in since the last close, run customer-mdm close; '
                                    'customer-mdm history --company %s shows what is known of it.', v_company);
        END IF;
        RAISE EXCEPTION 'Customer % has no contract in plan % and product line %', v_company, to_json(v_plan)::text,
                to_json(v_line)::text
            USING ERRCODE = 'no_data_found',
                  DETAIL = format('Its contracts (plan / product line): %s.', v_text),
                  HINT = format('Pick one of them; customer-mdm history --company %s lists every version.', v_company);
    END IF;

    SELECT * INTO v_settings FROM customer.mdm_settings;
    SELECT * INTO v_version FROM customer.customer_plan_contract AS c
    WHERE c.company_id = v_company AND c.plan_code = v_plan AND c.product_line_code = v_line
      AND c.valid_from <= v_end AND c.valid_to > v_end;

    rule := 'contract';
    outcome := format('%s / %s / %s', v_company, v_plan, v_line);
    detail := format('%s; plan %s; product line %s', v_customer.name,
                     coalesce((SELECT p."计划全称" FROM mapping."年金计划" AS p WHERE p."年金计划号" = v_plan), v_plan),
                     coalesce((SELECT l."产品线" FROM mapping."产品线" AS l WHERE l."产品线代码" = v_line), v_line))
              || CASE WHEN v_customer.is_provisional
                      THEN '. The customer is provisional: the loader created it for a name it could not resolve; '
                           'a data steward may merge it into the real customer (customer-mdm identities).'
                      ELSE '' END;
    RETURN NEXT;

    v_pending := v_state.dirty_from_month IS NOT NULL AND v_state.dirty_from_month <= v_month;
    IF v_pending THEN
        rule := 'pending_correction';
        outcome := to_char(v_state.dirty_from_month, 'YYYY-MM');
        detail := format('Loaded rows of %s or later changed after this month was applied: the figures below are '
                         'those last applied, as the history still has them. The next close (customer-mdm close) '
                         'replays the history from %s.', to_char(v_state.dirty_from_month, 'YYYY-MM'),
                         to_char(v_state.dirty_from_month, 'YYYY-MM'));
        RETURN NEXT;
    END IF;

    SELECT * INTO v_s FROM customer.contract_month_summary AS s
    WHERE s.month = v_month AND s.company_id = v_company AND s.plan_code = v_plan AND s.product_line_code = v_line;

    rule := 'in_force';
    IF v_s.month IS NULL THEN
        outcome := 'false';
        SELECT * INTO v_previous FROM customer.customer_plan_contract AS c
        WHERE c.company_id = v_company AND c.plan_code = v_plan AND c.product_line_code = v_line
          AND c.valid_from <= v_end ORDER BY c.valid_from DESC LIMIT 1;
        detail := format('No 规模明细 row of the contract in the twelve months %s … %s. ',
                         to_char(v_window_from, 'YYYY-MM'), to_char(v_month, 'YYYY-MM'))
                  || CASE WHEN v_previous.contract_id IS NULL
                          THEN format('Its first version opens later, at %s.',
                                      (SELECT min(c.valid_from) FROM customer.customer_plan_contract AS c
                                       WHERE c.company_id = v_company AND c.plan_code = v_plan
                                         AND c.product_line_code = v_line))
                          ELSE format('It lapsed at %s, twelve months after its last row (%s).',
                                      v_previous.valid_to,
                                      to_char(v_previous.valid_to - interval '12 months', 'YYYY-MM')) END;
        RETURN NEXT;
    ELSE
        outcome := 'true';
        detail := format('Latest 规模明细 row in %s, within the twelve months %s … %s.', to_char(v_s.last_seen, 'YYYY-MM'),
                         to_char(v_window_from, 'YYYY-MM'), to_char(v_month, 'YYYY-MM'));
        RETURN NEXT;

        SELECT count(*) INTO v_rows FROM business."规模明细" AS d
        WHERE d."月度" = v_month AND d.company_id = v_company AND d."计划代码" = v_plan AND d."产品线代码" = v_line;
        rule := 'aum';
        outcome := to_char(v_s.aum, c_money);
        detail := CASE WHEN v_pending
                       THEN format('SUM(期末资产规模) of %s as last applied (the rows changed since; the next close '
                                   'recomputes it).', to_char(v_month, 'YYYY-MM'))
                       WHEN v_rows = 0
                       THEN format('No 规模明细 row in %s: AUM 0.', to_char(v_month, 'YYYY-MM'))
                       ELSE format('SUM(期末资产规模) of the contract''s %s row(s) of %s (every portfolio and branch).',
                                   v_rows, to_char(v_month, 'YYYY-MM')) END;
        RETURN NEXT;

        SELECT string_agg(format('%s %s', to_char(s.month, 'YYYY-MM'), to_char(s.contribution, c_money)), ', '
                          ORDER BY s.month) INTO v_text
        FROM generate_series(v_window_from, v_month, interval '1 month') AS g (month)
        JOIN customer.contract_month_summary AS s
          ON s.month = g.month::date AND s.company_id = v_company AND s.plan_code = v_plan
         AND s.product_line_code = v_line
        WHERE s.contribution <> 0;
        rule := 'contribution_12m';
        outcome := to_char(v_s.contribution_12m, c_money);
        detail := format('SUM(供款) over the twelve months %s … %s: ', to_char(v_window_from, 'YYYY-MM'),
                         to_char(v_month, 'YYYY-MM'))
                  || coalesce('months with 供款: ' || v_text || '.', 'no month had any.');
        RETURN NEXT;

        rule := 'contract_status';
        outcome := v_s.contract_status;
        detail := customer._status_reason(v_s.aum, v_s.contribution_12m) || ': '
                  || format('AUM of %s is %s and 供款 over the twelve months sum to %s; 正常 needs both above zero.',
                            to_char(v_month, 'YYYY-MM'), to_char(v_s.aum, c_money),
                            to_char(v_s.contribution_12m, c_money));
        RETURN NEXT;

        -- Strategic: the first month from the prior December it was strategic in (the ratchet), else
        -- this month's best group. Only the contract's branches and product line are ranked.
        SELECT min(g.month::date) INTO v_ratchet
        FROM generate_series(v_december, v_month, interval '1 month') AS g (month)
        JOIN customer.contract_month_summary AS s
          ON s.month = g.month::date AND s.company_id = v_company AND s.plan_code = v_plan
         AND s.product_line_code = v_line
        WHERE s.is_strategic;
        -- The ranks are computed from the rows as loaded now: while a correction waits for the close,
        -- they could disagree with the month as applied, so they are not shown then.
        SELECT array_agg(DISTINCT customer._branch_code(d."机构代码")) INTO v_branches
        FROM business."规模明细" AS d
        WHERE d."月度" = coalesce(v_ratchet, v_month) AND d.company_id = v_company AND d."计划代码" = v_plan
          AND d."产品线代码" = v_line;
        SELECT g.branch, g.aum_units, g.rank, g.by_rank, g.by_threshold INTO v_group
        FROM customer._contract_month_groups(coalesce(v_ratchet, v_month), v_settings.strategic_top_n,
                                             v_settings.strategic_threshold) AS g
        WHERE g.product_line_code = v_line AND g.branch = ANY (v_branches)
          AND g.company_id = v_company AND g.plan_code = v_plan
        ORDER BY (g.by_rank OR g.by_threshold) DESC, g.rank NULLS LAST, g.branch
        LIMIT 1;
        rule := 'is_strategic';
        outcome := v_s.strategic_ytd::text;
        IF v_pending THEN
            detail := CASE WHEN v_ratchet IS NOT NULL
                           THEN format('Strategic since %s, as last applied (once strategic, it stays so to December)',
                                       to_char(v_ratchet, 'YYYY-MM'))
                           ELSE format('Not strategic in any month from %s to %s, as last applied',
                                       to_char(v_december, 'YYYY-MM'), to_char(v_month, 'YYYY-MM')) END
                      || '; the ranks are shown again once the next close has replayed the changed rows.';
        ELSIF v_ratchet IS NOT NULL THEN
            detail := format('Strategic since %s (once strategic, it stays so to December; each January starts '
                             'from the December before): ', to_char(v_ratchet, 'YYYY-MM'))
                      || CASE WHEN v_group.by_rank OR v_group.by_threshold
                              THEN format('%s — in %s its %s group ranked %s in %s × %s (top %s) with AUM %s; '
                                          'threshold %s.',
                                          customer._strategic_reason(v_group.by_rank, v_group.by_threshold,
                                                                     v_settings.strategic_top_n,
                                                                     v_settings.strategic_threshold),
                                          to_char(v_ratchet, 'YYYY-MM'), v_group.branch, v_group.rank, v_group.branch,
                                          v_line, v_settings.strategic_top_n,
                                          to_char(v_group.aum_units * 0.0001, c_money),
                                          to_char(v_settings.strategic_threshold, c_money))
                              ELSE format('in %s its best group (%s) ranked %s with AUM %s: with today''s settings '
                                          '(top %s, threshold %s) that would not be strategic; the month was applied '
                                          'with the settings then in force (a rebuild applies today''s).',
                                          to_char(v_ratchet, 'YYYY-MM'), coalesce(v_group.branch, '—'),
                                          coalesce(v_group.rank::text, '—'),
                                          to_char(coalesce(v_group.aum_units, 0) * 0.0001, c_money),
                                          v_settings.strategic_top_n, to_char(v_settings.strategic_threshold, c_money))
                         END;
        ELSE
            detail := format('Not strategic in any month from %s to %s: ', to_char(v_december, 'YYYY-MM'),
                             to_char(v_month, 'YYYY-MM'))
                      || CASE WHEN v_group.rank IS NULL
                              THEN format('in %s it has no group with AUM above zero (top %s of its branch and '
                                          'product line, or AUM of at least %s, makes a contract strategic).',
                                          to_char(v_month, 'YYYY-MM'), v_settings.strategic_top_n,
                                          to_char(v_settings.strategic_threshold, c_money))
                              ELSE format('in %s its best group, %s, ranked %s in %s × %s (top %s needed) with AUM %s '
                                          '(threshold %s).', to_char(v_month, 'YYYY-MM'), v_group.branch, v_group.rank,
                                          v_group.branch, v_line, v_settings.strategic_top_n,
                                          to_char(v_group.aum_units * 0.0001, c_money),
                                          to_char(v_settings.strategic_threshold, c_money))
                         END;
        END IF;
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
        RETURN NEXT;

        rule := 'status_year';
        outcome := extract(year FROM v_month)::text;
        detail := 'The month''s year: every January re-versions each contract (the annual cutover).';
        RETURN NEXT;
    END IF;

    rule := 'version';
    IF v_version.contract_id IS NULL THEN
        outcome := 'none';
        detail := format('No version of the contract is in effect at %s.', v_end);
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
    RETURN NEXT;

    v_previous := NULL;
    SELECT * INTO v_previous FROM customer.customer_plan_contract AS c
    WHERE c.company_id = v_company AND c.plan_code = v_plan AND c.product_line_code = v_line
      AND c.valid_from < v_version.valid_from
    ORDER BY c.valid_from DESC LIMIT 1;
    rule := 'previous_version';
    IF v_previous.contract_id IS NULL THEN
        outcome := 'none';
        detail := format('This is the contract''s first version: it came into force at %s.', v_version.valid_from);
    ELSE
        outcome := format('%s … %s', v_previous.valid_from, v_previous.valid_to);
        SELECT string_agg(format('%s %s → %s', x.field, x.was, x.now), ', ') INTO v_changes
        FROM (VALUES (1, 'contract_status', v_previous.contract_status, v_version.contract_status),
                     (2, 'is_strategic', v_previous.is_strategic::text, v_version.is_strategic::text),
                     (3, 'is_existing', v_previous.is_existing::text, v_version.is_existing::text),
                     (4, 'status_year', v_previous.status_year::text, v_version.status_year::text))
             AS x (position, field, was, now)
        WHERE x.was IS DISTINCT FROM x.now;
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
    END IF;
    RETURN NEXT;
END
$$;

COMMENT ON FUNCTION customer.explain_contract(text, text, text, date) IS
    'Why a contract stands as it does at a month end: each rule (in force, AUM, 12-month contributions, status, '
    'strategic, existing, version) with the figures it used.';
REVOKE ALL ON FUNCTION customer.explain_contract(text, text, text, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.explain_contract(text, text, text, date) TO wdh_reader, wdh_operator;
