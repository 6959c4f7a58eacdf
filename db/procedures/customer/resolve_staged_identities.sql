-- customer.resolve_staged_identities(p_ledger boolean)
-- RETURNS TABLE (resolution text, rows bigint, aum numeric)
--
-- One job: give a company_id to the staged rows of a delivery that come without one, in SQL, one
-- set-based statement per step. Called by the ETL on pg_temp.wdh_etl_stage (the file's rows,
-- staged by COPY) before it plans the load; p_ledger says whether the stage holds a ledger
-- (当年中标 / 当年流失) or 规模明细. Writes only temporary tables; the aliases the file teaches
-- are kept in pg_temp.wdh_etl_aliases for customer.learn_staged_aliases, which the load calls.
--
-- A row's names are its 客户名称 and, for a ledger, 上报客户名称, normalised by
-- customer.normalise_name; its accounts (规模明细) 年金账户号 and 集团企业客户号 without its leading
-- C; its plan 计划代码 / 年金计划号. The stage gains id_source, where the company_id came from:
--   NULL         the file has it (or no name either: see unresolved); rows with a company_id
--                teach the file's aliases first (account, name, and plan + name), so rows of the
--                same file resolve by them;
--   merged       the file carries an id that customer.merge_company merged away: the id it went into;
--   override     an alias a steward told (alias add, merge): by plan + name, then by name;
--   account      a learned alias by account;
--   plan_name    a learned alias by (plan, name);
--   name         a learned alias by name alone;
--   provisional  a named row nothing resolves: customer.provisional_company_id of its first name.
-- A row with no name either stays without a company (it never forms a contract). A step resolves a
-- row when its aliases of that kind name exactly one company; an alias that names two (learned from
-- rows of two companies, or told twice) is ambiguous and never used (pg_temp.wdh_etl_known lists
-- the aliases the unresolved rows met). Learned aliases are those in customer.company_alias and
-- those the file teaches.
-- Result: one row per resolution (file, override, account, plan_name, name, provisional,
-- unresolved) with its rows and, for 规模明细, their SUM(期末资产规模).
CREATE OR REPLACE FUNCTION customer.resolve_staged_identities(p_ledger boolean)
RETURNS TABLE (resolution text, rows bigint, aum numeric)
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
SET jit = off  -- joins over one file's rows: compiling them costs more than it saves
-- Every join here is on equal values of two whole sets (rows, their names and accounts, aliases),
-- so it is hashed whatever the estimates, and the temporary tables need no ANALYZE (which would
-- cost more than the joins). The only nested loops left unnest each row's own names.
SET enable_nestloop = off
SET enable_sort = off  -- its groupings are hashed: the temporary tables are not analysed, and a sort of
                      -- every alias on a guessed row count costs more than the rest
AS $$
#variable_conflict use_column
DECLARE
    v_step record;
    v_steps boolean := true;
    v_table text;
    v_month text := CASE WHEN p_ledger THEN '上报月份' ELSE '月度' END;
    v_plan text := CASE WHEN p_ledger THEN '年金计划号' ELSE '计划代码' END;
    v_name1 constant text := 's."客户名称"';
    v_name2 text := CASE WHEN p_ledger THEN 's."上报客户名称"' ELSE 'NULL::text' END;
    v_account1 text := CASE WHEN p_ledger THEN 'NULL::text' ELSE 's."年金账户号"' END;
    v_account2 text := CASE WHEN p_ledger THEN 'NULL::text' ELSE 's."集团企业客户号"' END;
BEGIN
    IF p_ledger IS NULL THEN
        RAISE EXCEPTION 'p_ledger must be true or false, not NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF to_regclass('pg_temp.wdh_etl_stage') IS NULL THEN
        RAISE EXCEPTION 'There is no staged delivery (pg_temp.wdh_etl_stage) in this session'
            USING ERRCODE = 'undefined_table',
                  HINT = 'The ETL stages a file, then calls this function in the same transaction.';
    END IF;
    -- Only id_source is added to the stage, and written only for the rows resolved here.
    ALTER TABLE pg_temp.wdh_etl_stage ADD COLUMN id_source text;
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_stage (company_id text, id_source text)';
    FOREACH v_table IN ARRAY ARRAY['wdh_etl_aliases', 'wdh_etl_unresolved', 'wdh_etl_known'] LOOP
        IF to_regclass('pg_temp.' || v_table) IS NOT NULL THEN
            EXECUTE format('DROP TABLE pg_temp.%I', v_table);
        END IF;
    END LOOP;

    -- A file that still carries an id that was merged away gets the id it went into (a chain of
    -- merges is followed), unless a customer of that id exists again.
    FOR v_hop IN 1..10 LOOP
        EXIT WHEN NOT EXISTS (SELECT 1 FROM customer.company_merge_log);  -- no merge yet: nothing to map
        UPDATE pg_temp.wdh_etl_stage AS s SET company_id = m.into_id, id_source = 'merged'
        FROM (SELECT DISTINCT ON (l.from_id) l.from_id, l.into_id
              FROM customer.company_merge_log AS l ORDER BY l.from_id, l.merged_at DESC, l.id DESC) AS m
        WHERE btrim(s.company_id) = m.from_id
          AND NOT EXISTS (SELECT 1 FROM customer."年金客户" AS c WHERE c.company_id = m.from_id);
        EXIT WHEN NOT FOUND;
    END LOOP;

    -- The domain's columns, by name: the only statement that differs between the domains. The
    -- rows without a company_id, each with its plan, names and accounts.
    EXECUTE format($sql$
        CREATE TEMP TABLE wdh_etl_unresolved ON COMMIT DROP AS
        SELECT s.ctid AS row_id, nullif(btrim(s.%2$I), '') AS plan,
               array_remove(ARRAY[customer.normalise_name(%3$s), customer.normalise_name(%4$s)], NULL) AS names,
               array_remove(ARRAY[customer.normalise_name(%5$s),
                                  nullif(regexp_replace(customer.normalise_name(%6$s), '^[Cc]', ''), '')], NULL)
                   AS accounts,
               NULL::text AS company_id, NULL::text AS resolution, false AS ambiguous
        FROM pg_temp.wdh_etl_stage AS s
        WHERE nullif(btrim(s.company_id), '') IS NULL
    $sql$, v_month, v_plan, v_name1, v_name2, v_account1, v_account2);
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_unresolved (row_id tid, plan text, names text[], accounts text[], '
            'company_id text, resolution text, ambiguous boolean)';
    -- One row per (row, name or account): the steps join it to the aliases on equal values only.
    IF to_regclass('pg_temp.wdh_etl_wanted') IS NOT NULL THEN
        DROP TABLE pg_temp.wdh_etl_wanted;
    END IF;
    CREATE TEMP TABLE wdh_etl_wanted ON COMMIT DROP AS
    SELECT u.row_id, 'name'::text AS what, n.alias, u.plan
    FROM pg_temp.wdh_etl_unresolved AS u CROSS JOIN LATERAL unnest(u.names) AS n (alias)
    UNION ALL
    SELECT u.row_id, 'account', a.alias, u.plan
    FROM pg_temp.wdh_etl_unresolved AS u CROSS JOIN LATERAL unnest(u.accounts) AS a (alias);
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_wanted (row_id tid, what text, alias text, plan text)';

    IF NOT EXISTS (SELECT 1 FROM pg_temp.wdh_etl_unresolved) THEN
        -- Every row has its company_id: nothing to resolve (learn_staged_aliases reads what the file
        -- teaches when the load is applied).
        CREATE TEMP TABLE wdh_etl_known (kind text, plan_code text, alias text, source text, company_id text,
                                         companies bigint) ON COMMIT DROP;
        v_steps := false;
    ELSE
        -- What the file teaches, before anything is resolved (learn_staged_aliases keeps it).
        PERFORM customer._stage_aliases(p_ledger);
    END IF;
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_aliases (kind text, plan_code text, alias text, company_id text, '
            'first_month date, last_month date)';

    IF v_steps THEN
        -- The aliases the rows without a company could use (only those: the alias table can be large),
        -- per source, each with its one company or marked ambiguous.
        CREATE TEMP TABLE wdh_etl_known ON COMMIT DROP AS
        WITH wanted AS (
            SELECT DISTINCT w.alias FROM pg_temp.wdh_etl_wanted AS w
        )
        SELECT k.kind, k.plan_code, k.alias, k.source, min(k.company_id) AS company_id,
               count(*) AS companies  -- the UNION leaves each company once per alias and source
        FROM (
            SELECT a.kind, a.plan_code, a.alias, a.company_id, a.source
            FROM customer.company_alias AS a WHERE a.alias IN (SELECT w.alias FROM wanted AS w)
            UNION
            SELECT f.kind, f.plan_code, f.alias, f.company_id, 'learned'
            FROM pg_temp.wdh_etl_aliases AS f WHERE f.alias IN (SELECT w.alias FROM wanted AS w)
        ) AS k
        GROUP BY 1, 2, 3, 4;
        PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_known (kind text, plan_code text, alias text, source text, '
                'company_id text, companies bigint)';

        -- One step at a time, in the order above: a step resolves a row when its aliases of that kind
        -- name exactly one company. Each step is a join on equal values of whole sets (hashed).
        FOR v_step IN
            SELECT * FROM (VALUES ('override', 'plan_name', 'override'), ('override', 'name', 'override'),
                                  ('learned', 'account', 'account'), ('learned', 'plan_name', 'plan_name'),
                                  ('learned', 'name', 'name')) AS t (source, kind, resolution)
        LOOP
            WITH matched AS (
                SELECT w.row_id,
                       min(k.company_id) FILTER (WHERE k.companies = 1) AS company_id,
                       count(DISTINCT k.company_id) FILTER (WHERE k.companies = 1) AS companies,
                       bool_or(k.companies > 1) AS ambiguous
                FROM pg_temp.wdh_etl_wanted AS w
                JOIN pg_temp.wdh_etl_known AS k
                  ON k.alias = w.alias
                 AND k.plan_code = CASE WHEN v_step.kind = 'plan_name' THEN w.plan ELSE '' END
                WHERE k.source = v_step.source AND k.kind = v_step.kind
                  AND w.what = CASE WHEN v_step.kind = 'account' THEN 'account' ELSE 'name' END
                GROUP BY w.row_id
            )
            UPDATE pg_temp.wdh_etl_unresolved AS u
            SET company_id = CASE WHEN m.companies = 1 THEN m.company_id END,
                resolution = CASE WHEN m.companies = 1 THEN v_step.resolution END,
                ambiguous = u.ambiguous OR m.ambiguous OR m.companies > 1
            FROM matched AS m
            WHERE u.row_id = m.row_id AND u.company_id IS NULL;
        END LOOP;
    END IF;

    UPDATE pg_temp.wdh_etl_unresolved AS u
    SET company_id = customer.provisional_company_id(u.names[1]), resolution = 'provisional'
    WHERE u.company_id IS NULL AND cardinality(u.names) > 0;

    UPDATE pg_temp.wdh_etl_stage AS s
    SET company_id = u.company_id, id_source = u.resolution
    FROM pg_temp.wdh_etl_unresolved AS u
    WHERE s.ctid = u.row_id AND u.company_id IS NOT NULL;

    IF to_regclass('pg_temp.wdh_etl_resolution') IS NOT NULL THEN
        DROP TABLE pg_temp.wdh_etl_resolution;
    END IF;
    EXECUTE format($sql$
        CREATE TEMP TABLE wdh_etl_resolution ON COMMIT DROP AS
        SELECT coalesce(s.id_source, CASE WHEN s.company_id IS NULL THEN 'unresolved' ELSE 'file' END) AS resolution,
               count(*) AS rows, sum(%s) AS aum
        FROM pg_temp.wdh_etl_stage AS s
        GROUP BY 1
    $sql$, CASE WHEN p_ledger THEN 'NULL::numeric' ELSE 's."期末资产规模"' END);
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_resolution (resolution text, rows bigint, aum numeric)';
    RETURN QUERY
    SELECT r.resolution, r.rows, r.aum
    FROM pg_temp.wdh_etl_resolution AS r
    ORDER BY array_position(ARRAY['file', 'merged', 'override', 'account', 'plan_name', 'name', 'provisional', 'unresolved'],
                            r.resolution);
END
$$;

COMMENT ON FUNCTION customer.resolve_staged_identities(boolean) IS
    'ETL: give the staged rows without company_id one (override, account, plan + name, name aliases; '
    'else a provisional id from the name); rows and AUM per resolution.';
REVOKE ALL ON FUNCTION customer.resolve_staged_identities(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.resolve_staged_identities(boolean) TO wdh_operator;
