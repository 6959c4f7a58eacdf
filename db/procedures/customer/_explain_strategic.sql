-- customer._explain_strategic(p_company_id text, p_plan_code text, p_product_line_code text, p_month date,
--                             p_pending boolean)
-- RETURNS TABLE (detail text, facts jsonb)
--
-- Private to customer.explain_contract; one job: why a contract in force in month p_month (its first
-- day) is strategic or not: the first month from the prior December it was strategic in (the
-- ratchet), with its group's rank in branch × product line and the threshold; or, when not
-- strategic, where its best group of the month ranked. The ranks come from
-- customer._contract_month_groups, the sync's own rule, with today's settings (the detail says so
-- when those would decide otherwise than the settings the month was applied with), over the
-- contract's branches (customer._branch_code). p_pending: a source correction waits for the close;
-- the ranks, computed from the rows as loaded now, are then not shown.
CREATE OR REPLACE FUNCTION customer._explain_strategic(
    p_company_id text, p_plan_code text, p_product_line_code text, p_month date, p_pending boolean)
RETURNS TABLE (detail text, facts jsonb)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c_money constant text := 'FM999,999,999,999,990.00';
    v_december date := (date_trunc('year', p_month) - interval '1 month')::date;
    v_settings customer.mdm_settings%ROWTYPE;
    v_ratchet date;
    v_branches text[];
    v_group record;
BEGIN
    SELECT * INTO v_settings FROM customer.mdm_settings;
    SELECT min(g.month::date) INTO v_ratchet
    FROM generate_series(v_december, p_month, interval '1 month') AS g (month)
    JOIN customer.contract_month_summary AS s
      ON s.month = g.month::date AND s.company_id = p_company_id AND s.plan_code = p_plan_code
     AND s.product_line_code = p_product_line_code
    WHERE s.is_strategic;
    IF p_pending THEN
        facts := jsonb_build_object('case', CASE WHEN v_ratchet IS NOT NULL THEN 'pending_strategic' ELSE 'pending_not' END,
                                    'since', to_char(v_ratchet, 'YYYY-MM'), 'december', to_char(v_december, 'YYYY-MM'),
                                    'month', to_char(p_month, 'YYYY-MM'));
        detail := CASE WHEN v_ratchet IS NOT NULL
                    THEN format('Strategic since %s, as last applied (once strategic, it stays so to December)',
                                to_char(v_ratchet, 'YYYY-MM'))
                    ELSE format('Not strategic in any month from %s to %s, as last applied',
                                to_char(v_december, 'YYYY-MM'), to_char(p_month, 'YYYY-MM')) END
               || '; the ranks are shown again once the next close has replayed the changed rows.';
        RETURN NEXT;
        RETURN;
    END IF;
    SELECT array_agg(DISTINCT customer._branch_code(d."机构代码")) INTO v_branches
    FROM business."规模明细" AS d
    WHERE d."月度" = coalesce(v_ratchet, p_month) AND d.company_id = p_company_id AND d."计划代码" = p_plan_code
      AND d."产品线代码" = p_product_line_code;
    SELECT g.branch, g.aum_units, g.rank, g.by_rank, g.by_threshold INTO v_group
    FROM customer._contract_month_groups(coalesce(v_ratchet, p_month), v_settings.strategic_top_n,
                                         v_settings.strategic_threshold) AS g
    WHERE g.product_line_code = p_product_line_code AND g.branch = ANY (v_branches)
      AND g.company_id = p_company_id AND g.plan_code = p_plan_code
    ORDER BY (g.by_rank OR g.by_threshold) DESC, g.rank NULLS LAST, g.branch
    LIMIT 1;
    facts := jsonb_build_object(
        'case', CASE WHEN v_ratchet IS NULL AND v_group.rank IS NULL THEN 'not_no_group'
                     WHEN v_ratchet IS NULL THEN 'not_ranked'
                     WHEN v_group.by_rank OR v_group.by_threshold THEN 'ratchet' ELSE 'ratchet_settings' END,
        'since', to_char(v_ratchet, 'YYYY-MM'), 'december', to_char(v_december, 'YYYY-MM'),
        'month', to_char(coalesce(v_ratchet, p_month), 'YYYY-MM'), 'branch', v_group.branch, 'rank', v_group.rank,
        'branch_name', (SELECT o."机构名称" FROM mapping."组织架构" AS o WHERE o."机构代码" = v_group.branch),
        'product_line_name', (SELECT l."产品线" FROM mapping."产品线" AS l WHERE l."产品线代码" = p_product_line_code),
        'by_rank', v_group.by_rank, 'by_threshold', v_group.by_threshold, 'product_line', p_product_line_code,
        'top_n', v_settings.strategic_top_n, 'threshold', v_settings.strategic_threshold,
        'aum', v_group.aum_units * 0.0001);
    IF v_ratchet IS NOT NULL THEN
        detail := format('Strategic since %s (once strategic, it stays so to December; each January starts '
                      'from the December before): ', to_char(v_ratchet, 'YYYY-MM'))
               || CASE WHEN v_group.by_rank OR v_group.by_threshold
                       THEN format('%s — in %s its %s group ranked %s in %s × %s (top %s) with AUM %s; threshold %s.',
                                   customer._strategic_reason(v_group.by_rank, v_group.by_threshold,
                                                              v_settings.strategic_top_n,
                                                              v_settings.strategic_threshold),
                                   to_char(v_ratchet, 'YYYY-MM'), v_group.branch, v_group.rank, v_group.branch,
                                   p_product_line_code, v_settings.strategic_top_n,
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
        RETURN NEXT;
        RETURN;
    END IF;
    detail := format('Not strategic in any month from %s to %s: ', to_char(v_december, 'YYYY-MM'),
                  to_char(p_month, 'YYYY-MM'))
           || CASE WHEN v_group.rank IS NULL
                   THEN format('in %s it has no group with AUM above zero (top %s of its branch and '
                               'product line, or AUM of at least %s, makes a contract strategic).',
                               to_char(p_month, 'YYYY-MM'), v_settings.strategic_top_n,
                               to_char(v_settings.strategic_threshold, c_money))
                   ELSE format('in %s its best group, %s, ranked %s in %s × %s (top %s needed) with AUM %s '
                               '(threshold %s).', to_char(p_month, 'YYYY-MM'), v_group.branch, v_group.rank,
                               v_group.branch, p_product_line_code, v_settings.strategic_top_n,
                               to_char(v_group.aum_units * 0.0001, c_money),
                               to_char(v_settings.strategic_threshold, c_money))
              END;
    RETURN NEXT;
END
$$;

COMMENT ON FUNCTION customer._explain_strategic(text, text, text, date, boolean) IS
    'Private to explain_contract: why a contract in force is strategic or not in a month (ratchet, rank, threshold).';
REVOKE ALL ON FUNCTION customer._explain_strategic(text, text, text, date, boolean) FROM PUBLIC;
