-- business.apply_staged_load(p_domain text, p_months date[], p_file jsonb, p_accepted jsonb DEFAULT NULL,
--                             p_figures jsonb DEFAULT NULL)
-- RETURNS TABLE (load_id bigint, rows_deleted bigint, rows_inserted bigint, customers_added bigint,
--                plans_added bigint, aliases_learned bigint, customers_renamed bigint, plans_renamed bigint)
--
-- One job: everything a load writes, from the file the ETL staged in pg_temp.wdh_etl_stage (keys
-- canonical, 产品线代码 / 机构代码 and company_id resolved), in the caller's transaction:
--   1. the file's control figures: p_figures, as the caller computed them for the anomaly gate
--      before anything changed, else business._staged_control_figures now;
--   2. the target's months p_months are deleted (规模明细: the file's month; a ledger: January
--      through its latest month of every year it covers) and the staged rows inserted, in file order;
--   3. customers the target does not know are added to customer."年金客户" (the first non-empty
--      name of their rows; provisional when their id is) and plans to mapping."年金计划" (a known
--      plan only gains a name or type it lacks);
--   4. names follow the latest delivery (business._staged_renames): a renamed customer or plan takes
--      the new name, and the old customer name stays an alias (kind name), so rows that still use
--      it resolve;
--   5. the file's aliases are learned (customer.learn_staged_aliases);
--   6. the load ledger row (business.etl_load_log): the file (p_file: source 'inbox' | 'file', path,
--      sha256, bytes, os_user), the months, the counts, the control figures, the customers and plans
--      added, the renames made, and p_accepted (the anomaly-gate deviations the operator accepted,
--      signed with session_user) when not NULL.
-- The caller has taken the target's lock (customer._lock_source_table) before staging, checked the
-- file and the gate (business._staged_load_deviations), and commits.
-- Result: the ledger row's id and the counts.
-- Errors: 22023 an unknown domain or a p_file without its keys; 42P01 nothing staged.
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
BEGIN
    PERFORM customer._require_deployed('apply_staged_load');
    IF p_file IS NULL OR NOT p_file ?& ARRAY['source', 'path', 'sha256', 'bytes'] THEN
        RAISE EXCEPTION 'p_file must name the file: source, path, sha256 and bytes'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('p_file: %s', p_file);
    END IF;
    IF p_domain IS NULL OR p_domain NOT IN ('annuity_performance', 'annual_award', 'annual_loss') THEN
        RAISE EXCEPTION 'Unknown domain %', coalesce(quote_literal(p_domain), 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass annuity_performance, annual_award or annual_loss.';
    END IF;
    v_figures := coalesce(p_figures, business._staged_control_figures(p_domain));
    IF v_ledger THEN
        v_table := format('customer.%I', CASE p_domain WHEN 'annual_award' THEN '当年中标' ELSE '当年流失' END);
        v_month := '上报月份';
    ELSE
        v_table := 'business."规模明细"';
        v_month := '月度';
    END IF;
    -- The stage holds the target's columns (those the file lacks are NULL) and its own: insert the shared ones.
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO v_columns
    FROM pg_catalog.pg_attribute AS a
    WHERE a.attrelid = v_table::regclass AND a.attnum > 0 AND NOT a.attisdropped
      AND a.attname NOT IN ('id', 'created_at')
      AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute AS s
                  WHERE s.attrelid = to_regclass('pg_temp.wdh_etl_stage') AND s.attname = a.attname AND NOT s.attisdropped);

    -- Renames are read before the rows change (they compare with the latest month loaded).
    -- The plan may have read them into pg_temp.wdh_etl_renames already (the preview lists them).
    IF to_regclass('pg_temp.wdh_etl_renames') IS NULL THEN
        CREATE TEMP TABLE wdh_etl_renames ON COMMIT DROP AS SELECT * FROM business._staged_renames(p_domain, p_months);
    END IF;
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_renames (kind text, key text, old_name text, new_name text)';

    EXECUTE format('DELETE FROM %s AS t WHERE t.%I = ANY($1)', v_table, v_month) USING p_months;
    GET DIAGNOSTICS v_deleted = ROW_COUNT;
    EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM pg_temp.wdh_etl_stage ORDER BY source_row',
                   v_table, v_columns, v_columns);
    GET DIAGNOSTICS v_inserted = ROW_COUNT;

    -- The same rules as the preview's: business._staged_new_customers and business._staged_plans.
    WITH added AS (
        INSERT INTO customer."年金客户" (company_id, "客户名称", is_provisional)
        SELECT n.company_id, coalesce(n.customer_name, n.company_id), n.provisional
        FROM business._staged_new_customers(p_domain) AS n
        ON CONFLICT (company_id) DO NOTHING
        RETURNING company_id)
    SELECT coalesce(array_agg(a.company_id ORDER BY a.company_id), '{}') INTO v_customers FROM added AS a;

    -- New plans are added; a known plan only gets a name or type it lacks.
    CREATE TEMP TABLE wdh_etl_plans ON COMMIT DROP AS SELECT * FROM business._staged_plans(p_domain);
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_plans (plan_code text, plan_name text, plan_type text, known boolean)';
    SELECT coalesce(array_agg(f.plan_code ORDER BY f.plan_code), '{}') INTO v_plans
    FROM pg_temp.wdh_etl_plans AS f WHERE NOT f.known;
    INSERT INTO mapping."年金计划" AS p ("年金计划号", "计划全称", "计划类型")
    SELECT f.plan_code, f.plan_name, f.plan_type FROM pg_temp.wdh_etl_plans AS f
    ON CONFLICT ("年金计划号") DO UPDATE
    SET "计划全称" = coalesce(p."计划全称", excluded."计划全称"),
        "计划类型" = coalesce(p."计划类型", excluded."计划类型"), updated_at = now()
    WHERE (p."计划全称" IS NULL AND excluded."计划全称" IS NOT NULL)
       OR (p."计划类型" IS NULL AND excluded."计划类型" IS NOT NULL);
    DROP TABLE pg_temp.wdh_etl_plans;

    UPDATE customer."年金客户" AS c SET "客户名称" = r.new_name, updated_at = now()
    FROM pg_temp.wdh_etl_renames AS r WHERE r.kind = 'customer' AND c.company_id = r.key;
    GET DIAGNOSTICS v_customers_renamed = ROW_COUNT;
    INSERT INTO customer.company_alias (kind, plan_code, alias, company_id, source)
    SELECT 'name', '', customer.normalise_name(r.old_name), r.key, 'learned'
    FROM pg_temp.wdh_etl_renames AS r
    WHERE r.kind = 'customer' AND customer.normalise_name(r.old_name) IS NOT NULL
    ON CONFLICT DO NOTHING;
    UPDATE mapping."年金计划" AS p SET "计划全称" = r.new_name, updated_at = now()
    FROM pg_temp.wdh_etl_renames AS r WHERE r.kind = 'plan' AND p."年金计划号" = r.key;
    GET DIAGNOSTICS v_plans_renamed = ROW_COUNT;
    SELECT jsonb_agg(to_jsonb(r) ORDER BY r.kind, r.key) INTO v_renames FROM pg_temp.wdh_etl_renames AS r;
    DROP TABLE pg_temp.wdh_etl_renames;

    v_aliases := customer.learn_staged_aliases(v_ledger);

    INSERT INTO business.etl_load_log AS l (domain, source, path, sha256, bytes, months, rows_loaded, rows_replaced,
                                            os_user, control_figures, deviations_accepted, accepted_by,
                                            customers_added, plans_added, renames)
    VALUES (p_domain, p_file ->> 'source', p_file ->> 'path', p_file ->> 'sha256', (p_file ->> 'bytes')::bigint,
            p_months, v_inserted, v_deleted, p_file ->> 'os_user', v_figures, p_accepted,
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
