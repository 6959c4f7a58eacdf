-- customer.snapshot_restatements(p_period_end date)
-- RETURNS TABLE (edition integer, built_at timestamptz, built_by text, reason text, load_ids bigint[],
--                merge_ids bigint[], grain text, company_id text, plan_code text, product_line_code text,
--                change text, before jsonb, after jsonb)
--
-- One job: what each rebuild of a snapshot month changed, edition by edition (2 and later; edition 1 is the
-- first build), oldest first. Per edition, who built it, when, why and the loads and merges since
-- the edition before (customer.snapshot_edition), then:
--   grain 'total'         per product line (product_line_code NULL: all, a customer counted once)
--                         the report's figures before and after (customer.v_product_line_month:
--                         customers, strategic, existing, new, won, lost, contracts_normal,
--                         contracts_stopped, aum_balance), change 'totals', only where one differs;
--   grain 'product_line'  each customer × product line whose row changed, with the row before and
--                         after (the fact table's columns but updated_at), change 'changed',
--                         'added' (before NULL) or 'removed' (after NULL);
--   grain 'plan'          the same per contract (company_id, plan_code, product_line_code).
-- A pruned edition (customer.prune_snapshot_editions) gives one row, change 'pruned', its rows gone.
-- Errors: 22023 p_period_end NULL or not a month end. No row for a month never rebuilt.
-- Read only (the as-of moment it sets to compare is local to the call's transaction and restored).
CREATE OR REPLACE FUNCTION customer.snapshot_restatements(p_period_end date)
RETURNS TABLE (edition integer, built_at timestamptz, built_by text, reason text, load_ids bigint[],
               merge_ids bigint[], grain text, company_id text, plan_code text, product_line_code text,
               change text, before jsonb, after jsonb)
LANGUAGE plpgsql
VOLATILE  -- it sets, then restores, the transaction's as-of moment
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off  -- a month's rows a few times: compiling costs more than it saves
AS $$
#variable_conflict use_column
DECLARE
    v_end date := customer._required_period_end(p_period_end, 'p_period_end');
    v_before text := nullif(current_setting('wdh.as_of', true), '');
    v_edition customer.snapshot_edition%ROWTYPE;
    v_totals_before jsonb;
    v_totals_after jsonb;
    v_previous integer;  -- the edition whose totals v_totals_after holds
BEGIN
    FOR v_edition IN
        SELECT * FROM customer.snapshot_edition AS e WHERE e.snapshot_month = v_end AND e.edition > 1 ORDER BY e.edition
    LOOP
        IF v_edition.pruned_at IS NOT NULL THEN
            RETURN QUERY SELECT v_edition.edition, v_edition.built_at, v_edition.built_by, v_edition.reason,
                                v_edition.load_ids, v_edition.merge_ids, NULL::text, NULL::text, NULL::text, NULL::text,
                                'pruned'::text, NULL::jsonb,
                                jsonb_build_object('pruned_at', v_edition.pruned_at, 'pruned_by', v_edition.pruned_by);
            CONTINUE;
        END IF;
        -- The report's figures just before the edition, and with it, per product line ('' for all).
        -- Just before edition k the month stood as edition k-1 left it: its totals are reused (a
        -- month corrected ten times computes eleven totals, not twenty).
        IF v_previous = v_edition.edition - 1 THEN
            v_totals_before := v_totals_after;
        ELSE
            PERFORM set_config('wdh.as_of', (v_edition.built_at - interval '1 microsecond')::text, true);
            SELECT jsonb_object_agg(coalesce(v.product_line_code, ''),
                                    to_jsonb(v) - '{snapshot_month,period,product_line_code,product_line_name,aum_balance_yi}'::text[])
            INTO v_totals_before
            FROM customer.v_product_line_month AS v WHERE v.snapshot_month = v_end;
        END IF;
        PERFORM set_config('wdh.as_of', v_edition.built_at::text, true);
        SELECT jsonb_object_agg(coalesce(v.product_line_code, ''),
                                to_jsonb(v) - '{snapshot_month,period,product_line_code,product_line_name,aum_balance_yi}'::text[])
        INTO v_totals_after
        FROM customer.v_product_line_month AS v WHERE v.snapshot_month = v_end;
        v_previous := v_edition.edition;

        RETURN QUERY
        WITH totals AS (
            SELECT nullif(coalesce(b.key, a.key), '') AS product_line_code, b.value AS before, a.value AS after
            FROM jsonb_each(coalesce(v_totals_before, '{}')) AS b
            FULL JOIN jsonb_each(coalesce(v_totals_after, '{}')) AS a ON a.key = b.key
        ), after_lines AS (
            SELECT 'product_line'::text AS grain, f.company_id, ''::text AS plan_code, f.product_line_code,
                   to_jsonb(f) - 'updated_at' AS row
            FROM customer.v_product_line_rows AS f
            WHERE f.snapshot_month = v_end
              AND EXISTS (SELECT 1 FROM customer.snapshot_delta AS d
                          WHERE d.snapshot_month = v_end AND d.edition = v_edition.edition AND d.grain = 'product_line'
                            AND d.company_id = f.company_id AND d.product_line_code = f.product_line_code)
            UNION ALL
            SELECT 'plan', f.company_id, f.plan_code, f.product_line_code, to_jsonb(f) - 'updated_at'
            FROM customer.v_plan_rows AS f
            WHERE f.snapshot_month = v_end
              AND EXISTS (SELECT 1 FROM customer.snapshot_delta AS d
                          WHERE d.snapshot_month = v_end AND d.edition = v_edition.edition AND d.grain = 'plan'
                            AND d.company_id = f.company_id AND d.product_line_code = f.product_line_code
                            AND d.plan_code = f.plan_code)
        ), rows AS (
            SELECT d.grain, d.company_id, d.plan_code, d.product_line_code, d.row - 'updated_at' AS before, a.row AS after
            FROM customer.snapshot_delta AS d
            LEFT JOIN after_lines AS a
                   ON a.grain = d.grain AND a.company_id = d.company_id AND a.plan_code = d.plan_code
                  AND a.product_line_code = d.product_line_code
            WHERE d.snapshot_month = v_end AND d.edition = v_edition.edition
        )
        SELECT v_edition.edition, v_edition.built_at, v_edition.built_by, v_edition.reason, v_edition.load_ids,
               v_edition.merge_ids, 'total'::text, NULL::text, NULL::text, t.product_line_code,
               'totals'::text, t.before, t.after
        FROM totals AS t
        WHERE t.before IS DISTINCT FROM t.after
        UNION ALL
        SELECT v_edition.edition, v_edition.built_at, v_edition.built_by, v_edition.reason, v_edition.load_ids,
               v_edition.merge_ids, r.grain, r.company_id, nullif(r.plan_code, ''), r.product_line_code,
               CASE WHEN r.before IS NULL THEN 'added' WHEN r.after IS NULL THEN 'removed' ELSE 'changed' END,
               r.before, r.after
        FROM rows AS r
        WHERE r.before IS DISTINCT FROM r.after
        ORDER BY 7 DESC, 10 NULLS LAST, 8, 9;
    END LOOP;
    PERFORM set_config('wdh.as_of', coalesce(v_before, ''), true);
END
$$;

COMMENT ON FUNCTION customer.snapshot_restatements(date) IS
    'What each rebuild of a snapshot month changed, edition by edition: the report''s totals per product line '
    'before and after, and every customer and contract row that changed, with the load that caused it.';
REVOKE ALL ON FUNCTION customer.snapshot_restatements(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.snapshot_restatements(date) TO wdh_reader, wdh_operator;
