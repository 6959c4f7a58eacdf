-- business.apply_staged_load(p_domain text, p_months date[], p_file jsonb, p_accepted jsonb DEFAULT NULL,
--                             p_figures jsonb DEFAULT NULL)
-- RETURNS TABLE (load_id bigint, rows_deleted bigint, rows_inserted bigint, customers_added bigint,
--                plans_added bigint, aliases_learned bigint, customers_renamed bigint, plans_renamed bigint)
--
-- One job: everything a load writes, from the file the ETL staged in pg_temp.wdh_etl_stage (keys
-- canonical, 产品线代码 / 机构代码 and company_id resolved), as its plan says
-- (business.plan_staged_load: the one the preview showed, kept in pg_temp.wdh_etl_plan; planned
-- here when the caller did not, or when the stage changed since), in the caller's transaction:
--   1. the file's control figures: p_figures when given, else the plan's;
--   2. the plan's replaced months are deleted (规模明细: the file's month; a ledger: January through
--      its latest month of every year it covers; p_months, when not NULL, must name the same) and
--      the staged rows inserted, in file order;
--   3. the plan's new customers are added to customer."年金客户" (the first non-empty name of their
--      rows; provisional when their id is) and plans to mapping."年金计划" (a known plan only gains
--      a name or type it lacks);
--   4. names follow the latest delivery (the plan's renames): a renamed customer or plan takes the
--      new name, and the old customer name stays an alias (kind name), so rows that still use it
--      resolve;
--   5. the file's aliases are learned (customer.learn_staged_aliases);
--   6. the load ledger row (business.etl_load_log): the file (p_file: source 'inbox' | 'file', path,
--      sha256, bytes, os_user), the months, the counts, the control figures, the customers and plans
--      added, the renames made, and p_accepted (the anomaly-gate deviations the operator accepted,
--      signed with session_user) when not NULL.
-- The caller has taken the target's lock (customer._lock_source_table) before staging, checked the
-- file and the gate (business._staged_load_deviations), and commits. Result: the ledger row's id and the counts.
-- Errors: 22023 an unknown domain, a p_file without its keys, or p_months other than the months the
-- plan replaces; 42P01 nothing staged.
CREATE OR REPLACE FUNCTION business.apply_staged_load(
    p_domain text, p_months date[], p_file jsonb, p_accepted jsonb DEFAULT NULL, p_figures jsonb DEFAULT NULL)
RETURNS TABLE (load_id bigint, rows_deleted bigint, rows_inserted bigint, customers_added bigint,
               plans_added bigint, aliases_learned bigint, customers_renamed bigint, plans_renamed bigint)
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_ledger boolean := p_domain IN ('annual_award', 'annual_loss');
    v_table text;
    v_month text;
    v_columns text;
    v_figures jsonb;
    v_customers text[];
    v_plans text[];
    v_deleted bigint;
    v_inserted bigint;
    v_aliases bigint;
    v_customers_renamed bigint;
    v_plans_renamed bigint;
    v_load_id bigint;
    v_renames jsonb;
    v_plan record;
BEGIN
    PERFORM customer._require_deployed('apply_staged_load');
    IF p_file IS NULL OR NOT p_file ?& ARRAY['source', 'path', 'sha256', 'bytes'] THEN
        RAISE EXCEPTION 'p_file must name the file: source, path, sha256 and bytes'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('p_file: %s', p_file);
    END IF;
    SELECT t.target, t.month_column INTO v_table, v_month FROM business._domain_target(p_domain) AS t;
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_plan (domain text, stage_state bigint[], replaced_months date[], '
            'control_figures jsonb, new_customers jsonb, new_plans jsonb, renames jsonb)';
    IF to_regclass('pg_temp.wdh_etl_plan') IS NULL THEN  -- (naming it in a query fails while it is missing)
        PERFORM business.plan_staged_load(p_domain);
    ELSIF NOT EXISTS (SELECT FROM pg_temp.wdh_etl_plan AS p
                      WHERE p.domain = p_domain AND p.stage_state = business._stage_state()) THEN
        PERFORM business.plan_staged_load(p_domain);
    END IF;
    SELECT * INTO STRICT v_plan FROM pg_temp.wdh_etl_plan;
    IF ARRAY(SELECT DISTINCT m FROM unnest(coalesce(p_months, v_plan.replaced_months)) AS m ORDER BY 1)
       IS DISTINCT FROM v_plan.replaced_months THEN
        RAISE EXCEPTION 'p_months % are not the months the staged file replaces', p_months
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The plan (business.plan_staged_load) replaces %s.', v_plan.replaced_months),
                  HINT = 'Pass NULL (the plan''s months), or the plan''s replaced_months.';
    END IF;
    v_figures := coalesce(p_figures, v_plan.control_figures);
    -- The stage holds the target's columns (those the file lacks are NULL) and its own: insert the shared ones.
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO v_columns
    FROM pg_catalog.pg_attribute AS a
    WHERE a.attrelid = v_table::regclass AND a.attnum > 0 AND NOT a.attisdropped
      AND a.attname NOT IN ('id', 'created_at')
      AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute AS s
                  WHERE s.attrelid = to_regclass('pg_temp.wdh_etl_stage') AND s.attname = a.attname AND NOT s.attisdropped);

    EXECUTE format('DELETE FROM %s AS t WHERE t.%I = ANY($1)', v_table, v_month) USING v_plan.replaced_months;
    GET DIAGNOSTICS v_deleted = ROW_COUNT;
    EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM pg_temp.wdh_etl_stage ORDER BY source_row',
                   v_table, v_columns, v_columns);
    GET DIAGNOSTICS v_inserted = ROW_COUNT;

    -- The plan's new customers (business._staged_new_customers, as the preview listed them).
    WITH added AS (
        INSERT INTO customer."年金客户" (company_id, "客户名称", is_provisional)
        SELECT n.company_id, coalesce(n.customer_name, n.company_id), n.provisional
        FROM jsonb_to_recordset(v_plan.new_customers) AS n(company_id text, customer_name text, provisional boolean)
        ON CONFLICT (company_id) DO NOTHING
        RETURNING company_id)
    SELECT coalesce(array_agg(a.company_id ORDER BY a.company_id), '{}') INTO v_customers FROM added AS a;

    -- The plan's new plans are added; a known plan only gets a name or type it lacks (business._staged_plans).
    SELECT coalesce(array_agg(f.plan_code ORDER BY f.plan_code), '{}') INTO v_plans
    FROM jsonb_to_recordset(v_plan.new_plans) AS f(plan_code text);
    INSERT INTO mapping."年金计划" AS p ("年金计划号", "计划全称", "计划类型")
    SELECT f.plan_code, f.plan_name, f.plan_type FROM business._staged_plans(p_domain) AS f
    ON CONFLICT ("年金计划号") DO UPDATE
    SET "计划全称" = coalesce(p."计划全称", excluded."计划全称"),
        "计划类型" = coalesce(p."计划类型", excluded."计划类型"), updated_at = now()
    WHERE (p."计划全称" IS NULL AND excluded."计划全称" IS NOT NULL)
       OR (p."计划类型" IS NULL AND excluded."计划类型" IS NOT NULL);

    -- The plan's renames (read before the rows changed: they compare with the latest month loaded).
    UPDATE customer."年金客户" AS c SET "客户名称" = r.new_name, updated_at = now()
    FROM jsonb_to_recordset(v_plan.renames) AS r(kind text, key text, old_name text, new_name text)
    WHERE r.kind = 'customer' AND c.company_id = r.key;
    GET DIAGNOSTICS v_customers_renamed = ROW_COUNT;
    INSERT INTO customer.company_alias (kind, plan_code, alias, company_id, source)
    SELECT 'name', '', customer.normalise_name(r.old_name), r.key, 'learned'
    FROM jsonb_to_recordset(v_plan.renames) AS r(kind text, key text, old_name text)
    WHERE r.kind = 'customer' AND customer.normalise_name(r.old_name) IS NOT NULL
    ON CONFLICT DO NOTHING;
    UPDATE mapping."年金计划" AS p SET "计划全称" = r.new_name, updated_at = now()
    FROM jsonb_to_recordset(v_plan.renames) AS r(kind text, key text, new_name text)
    WHERE r.kind = 'plan' AND p."年金计划号" = r.key;
    GET DIAGNOSTICS v_plans_renamed = ROW_COUNT;
    v_renames := nullif(v_plan.renames, '[]'::jsonb);
    DROP TABLE pg_temp.wdh_etl_plan;  -- one plan, one load

    v_aliases := customer.learn_staged_aliases(v_ledger);

    INSERT INTO business.etl_load_log AS l (domain, source, path, sha256, bytes, months, rows_loaded, rows_replaced,
                                            os_user, control_figures, deviations_accepted, accepted_by,
                                            customers_added, plans_added, renames)
    VALUES (p_domain, p_file ->> 'source', p_file ->> 'path', p_file ->> 'sha256', (p_file ->> 'bytes')::bigint,
            v_plan.replaced_months, v_inserted, v_deleted, p_file ->> 'os_user', v_figures, p_accepted,
            CASE WHEN p_accepted IS NOT NULL THEN session_user END, v_customers, v_plans, v_renames)
    RETURNING l.load_id INTO v_load_id;

    PERFORM customer._analyse_written(ARRAY[v_table::regclass]);  -- read by the close that follows
    RETURN QUERY SELECT v_load_id, v_deleted, v_inserted, cardinality(v_customers)::bigint,
                        cardinality(v_plans)::bigint, v_aliases, v_customers_renamed, v_plans_renamed;
END
$$;

COMMENT ON FUNCTION business.apply_staged_load(text, date[], jsonb, jsonb, jsonb) IS
    'Apply the staged file: replace the months, add customers and plans, follow renames, learn aliases, '
    'record the load with its control figures and accepted deviations. Counts.';
REVOKE ALL ON FUNCTION business.apply_staged_load(text, date[], jsonb, jsonb, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION business.apply_staged_load(text, date[], jsonb, jsonb, jsonb) TO wdh_operator;
