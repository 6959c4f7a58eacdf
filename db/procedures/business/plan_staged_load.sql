-- business.plan_staged_load(p_domain text)
-- RETURNS TABLE (replaced_months date[], rows_replaced jsonb, aum_total numeric, aum_replaced numeric,
--                new_customer_count bigint, new_customers jsonb, new_plans jsonb, renames jsonb, unformed jsonb,
--                unknown_branches jsonb, vanishing_lines jsonb, ambiguous jsonb, control_figures jsonb,
--                deviations jsonb)
--
-- One job: the plan of a load of the file staged in pg_temp.wdh_etl_stage (keys canonical, codes and
-- company_id resolved), computed once, before anything changes:
--   replaced_months   the months the load replaces (business._staged_months);
--   rows_replaced     {"YYYY-MM-DD": rows} the target holds in each of them (0 when none);
--   aum_total, aum_replaced
--                     规模明细: SUM(期末资产规模) of the file and of the rows it replaces (NULL for a ledger);
--   new_customer_count, new_customers
--                     how many customers the load adds (business._staged_new_customers), and the
--                     first 20 by company_id [{company_id, customer_name, provisional}] (a first
--                     month adds every customer: the whole list stays in pg_temp.wdh_etl_plan);
--   new_plans         [{plan_code, plan_name}] mapping."年金计划" lacks (business._staged_plans);
--   renames           [{kind, key, old_name, new_name}] (business._staged_renames);
--   unformed          [{reason, rows, aum}]: rows that cannot form a contract (business._staged_unformed);
--   unknown_branches  [{branch, rows}]: branch names 组织架构 does not know (loaded as G00);
--   vanishing_lines   [{product_line, rows}]: product lines the replaced months hold and the file not;
--   ambiguous         [{kind, plan_code, alias, companies}]: aliases the rows met that name two companies;
--   control_figures   business._staged_control_figures, recorded with the load;
--   deviations        the anomaly gate's findings (business._staged_load_deviations), refused or not.
-- The preview shows the plan and business.apply_staged_load writes it: the plan is kept in
-- pg_temp.wdh_etl_plan (one row, with every new customer; dropped at the end of the transaction; a
-- second call replaces it), with the state of the stage it was made from (business._stage_state:
-- a stage replaced or written to since makes the apply plan again).
-- Errors: 22023 an unknown domain; 42P01 nothing staged.
CREATE OR REPLACE FUNCTION business.plan_staged_load(p_domain text)
RETURNS TABLE (replaced_months date[], rows_replaced jsonb, aum_total numeric, aum_replaced numeric,
               new_customer_count bigint, new_customers jsonb, new_plans jsonb, renames jsonb, unformed jsonb, unknown_branches jsonb,
               vanishing_lines jsonb, ambiguous jsonb, control_figures jsonb, deviations jsonb)
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_table text;
    v_month text;
    v_months date[];
    v_figures jsonb;
    v_customers jsonb;
BEGIN
    SELECT t.target, t.month_column INTO v_table, v_month FROM business._domain_target(p_domain) AS t;
    IF to_regclass('pg_temp.wdh_etl_stage') IS NULL THEN
        RAISE EXCEPTION 'Nothing is staged in this transaction'
            USING ERRCODE = 'undefined_table', HINT = 'Stage the file first (business._create_stage, then COPY).';
    END IF;
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_stage (source_row integer, "产品线代码" text, "机构名称" text, '
            'branch_unknown boolean, "期末资产规模" numeric)';
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_known (kind text, plan_code text, alias text, companies bigint)';
    SELECT coalesce(array_agg(m.month ORDER BY m.month), '{}') INTO v_months FROM business._staged_months(p_domain) AS m;
    replaced_months := v_months;
    EXECUTE format($q$
        SELECT coalesce(jsonb_object_agg(m, coalesce(n.rows, 0) ORDER BY m), '{}')
        FROM unnest($1) AS m
        LEFT JOIN (SELECT t.%2$I AS month, count(*) AS rows FROM %1$s AS t WHERE t.%2$I = ANY($1) GROUP BY 1) AS n
          ON n.month = m$q$, v_table, v_month)
        INTO rows_replaced USING v_months;
    IF p_domain = 'annuity_performance' THEN
        SELECT coalesce(sum(s."期末资产规模"), 0) INTO aum_total FROM pg_temp.wdh_etl_stage AS s;
        SELECT coalesce(sum(t."期末资产规模"), 0) INTO aum_replaced
        FROM business."规模明细" AS t WHERE t."月度" = ANY(v_months);
    END IF;
    SELECT coalesce(jsonb_agg(to_jsonb(n) ORDER BY n.company_id), '[]') INTO v_customers
    FROM business._staged_new_customers(p_domain) AS n;
    new_customer_count := jsonb_array_length(v_customers);
    SELECT coalesce(jsonb_agg(c ORDER BY o), '[]') INTO new_customers
    FROM jsonb_array_elements(v_customers) WITH ORDINALITY AS e(c, o) WHERE o <= 20;
    SELECT coalesce(jsonb_agg(jsonb_build_object('plan_code', f.plan_code, 'plan_name', f.plan_name)
                              ORDER BY f.plan_code), '[]') INTO new_plans
    FROM business._staged_plans(p_domain) AS f WHERE NOT f.known;
    -- Renames compare with the latest month loaded: read now, before the rows change.
    SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.kind, r.key), '[]') INTO renames
    FROM business._staged_renames(p_domain, v_months) AS r;
    SELECT coalesce(jsonb_agg(to_jsonb(u) - 'n' ORDER BY u.n), '[]') INTO unformed
    FROM business._staged_unformed(p_domain) WITH ORDINALITY AS u(reason, rows, aum, n);
    SELECT coalesce(jsonb_agg(jsonb_build_object('branch', b.branch, 'rows', b.rows) ORDER BY b.rows DESC, b.branch), '[]')
        INTO unknown_branches
    FROM (SELECT s."机构名称" AS branch, count(*) AS rows FROM pg_temp.wdh_etl_stage AS s
          WHERE s.branch_unknown GROUP BY 1) AS b;
    EXECUTE format($q$
        SELECT coalesce(jsonb_agg(jsonb_build_object('product_line', v.line, 'rows', v.rows) ORDER BY v.line), '[]')
        FROM (SELECT coalesce(t."产品线代码", t."业务类型", '?') AS line, count(*) AS rows
              FROM %1$s AS t
              WHERE t.%2$I = ANY($1)
                AND NOT EXISTS (SELECT 1 FROM pg_temp.wdh_etl_stage AS s
                                WHERE s."产品线代码" IS NOT DISTINCT FROM t."产品线代码")
              GROUP BY 1) AS v$q$, v_table, v_month)
        INTO vanishing_lines USING v_months;
    IF to_regclass('pg_temp.wdh_etl_known') IS NULL THEN
        ambiguous := '[]';
    ELSE
        SELECT coalesce(jsonb_agg(jsonb_build_object('kind', a.kind, 'plan_code', a.plan_code, 'alias', a.alias,
                                                     'companies', a.companies)
                                  ORDER BY a.kind, a.plan_code, a.alias), '[]') INTO ambiguous
        FROM (SELECT k.kind, k.plan_code, k.alias, max(k.companies)::int AS companies
              FROM pg_temp.wdh_etl_known AS k WHERE k.companies > 1 GROUP BY 1, 2, 3) AS a;
    END IF;
    v_figures := business._staged_control_figures(p_domain);
    control_figures := v_figures;
    SELECT coalesce(jsonb_agg(to_jsonb(d) - 'n' ORDER BY d.n), '[]') INTO deviations
    FROM business._staged_load_deviations(p_domain, v_months, v_figures)
         WITH ORDINALITY AS d(deviation, subject, compared_month, baseline, value, allowed, refused, n);

    DROP TABLE IF EXISTS pg_temp.wdh_etl_plan;
    CREATE TEMP TABLE wdh_etl_plan ON COMMIT DROP AS
    SELECT p_domain AS domain, business._stage_state() AS stage_state, replaced_months, rows_replaced, aum_total, aum_replaced, v_customers AS new_customers,
           new_plans,
           renames, unformed, unknown_branches, vanishing_lines, ambiguous, control_figures, deviations;
    RETURN NEXT;
END
$$;

COMMENT ON FUNCTION business.plan_staged_load(text) IS
    'The plan of a load of the staged file: months replaced, new customers and plans, renames, unformed rows, '
    'the gate''s findings. Kept for business.apply_staged_load; writes nothing else.';
REVOKE ALL ON FUNCTION business.plan_staged_load(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION business.plan_staged_load(text) TO wdh_operator;
