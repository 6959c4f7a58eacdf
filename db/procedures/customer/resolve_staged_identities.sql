-- customer.resolve_staged_identities(p_ledger boolean)
-- RETURNS TABLE (resolution text, rows bigint, aum numeric)
--
-- One job: give a company_id to the staged rows of a delivery that come without one. Called by the
-- ETL on pg_temp.wdh_etl_stage (the file's rows, staged by COPY) before it plans the load; p_ledger:
-- the stage holds a ledger (当年中标 / 当年流失), else 规模明细. Writes only temporary tables; what
-- the file teaches stays in pg_temp.wdh_etl_aliases for customer.learn_staged_aliases.
-- A row's names and accounts: customer._stage_wanted_aliases. The stage gains id_source:
--   NULL         the file has it (or no name either: see unresolved); rows with a company_id
--                teach the file's aliases first (account, name, and plan + name), so rows of the
--                same file resolve by them;
--   merged       the file carries an id that customer.merge_company merged away: the id of the
--                customer that holds its rows now (customer._merged_into);
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
-- cost more than the joins).
SET enable_nestloop = off
SET work_mem = '64MB'  -- the hashes of a month's rows and the aliases they meet fit in memory (4MB spilled to disk)
SET enable_sort = off  -- its groupings are hashed: the temporary tables are not analysed, and a sort of
                      -- every alias on a guessed row count costs more than the rest
AS $$
#variable_conflict use_column
DECLARE
    v_table text;
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
    -- PRAGMA:TABLE tells plpgsql_check (the catalog test) the columns of a temporary table made at
    -- run time, so that it checks the statements that use it; run, it does nothing.
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_stage (company_id text, id_source text)';
    FOREACH v_table IN ARRAY ARRAY['wdh_etl_aliases', 'wdh_etl_known'] LOOP
        IF to_regclass('pg_temp.' || v_table) IS NOT NULL THEN
            EXECUTE format('DROP TABLE pg_temp.%I', v_table);
        END IF;
    END LOOP;

    -- A file that still carries an id that was merged away gets the id of the customer that holds
    -- its rows now (customer._merged_into: a chain of merges followed), unless a customer of that id
    -- exists again. The stage's keys are canonical already (business._canonicalise_staged_keys).
    IF EXISTS (SELECT 1 FROM customer.company_merge_log) THEN
        WITH carried AS MATERIALIZED (  -- each merged-away id the file carries, asked once
            SELECT DISTINCT s.company_id FROM pg_temp.wdh_etl_stage AS s
            WHERE s.company_id IN (SELECT l.from_id FROM customer.company_merge_log AS l)
        ), gone AS MATERIALIZED (
            SELECT c.company_id, m.holder FROM carried AS c CROSS JOIN LATERAL customer._merged_into(c.company_id) AS m
        )
        UPDATE pg_temp.wdh_etl_stage AS s SET company_id = g.holder, id_source = 'merged'
        FROM gone AS g
        WHERE s.company_id = g.company_id;
    END IF;

    PERFORM customer._stage_wanted_aliases(p_ledger);
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_wanted (row_id tid, pos integer, what text, alias text, plan text)';

    IF NOT EXISTS (SELECT 1 FROM pg_temp.wdh_etl_wanted) THEN
        -- Every row has its company_id, or neither name nor account: nothing to resolve
        -- (learn_staged_aliases reads what the file teaches when the load is applied).
        CREATE TEMP TABLE wdh_etl_known (kind text, plan_code text, alias text, source text, company_id text,
                                         companies bigint, step integer) ON COMMIT DROP;
    ELSE
        -- What the file teaches, before anything is resolved (learn_staged_aliases keeps it).
        PERFORM customer._stage_aliases(p_ledger);
        PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_aliases (kind text, plan_code text, alias text, company_id text, '
                'first_month date, last_month date)';
        PERFORM customer._known_aliases();
    END IF;
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_known (kind text, plan_code text, alias text, source text, '
            'company_id text, companies bigint, step integer)';

    -- The steps, in the order above, in one statement: each row gathers, per step, the least and
    -- the greatest company its unambiguous aliases of that step name, and takes the company of the
    -- first step where the two are one. A named row nothing resolves gets the provisional id of its
    -- first name. Joins and groupings on equal values of whole sets: all hashed.
    WITH hits AS (
        SELECT w.row_id, w.pos, w.alias, k.step, CASE WHEN k.companies = 1 THEN k.company_id END AS company_id
        FROM pg_temp.wdh_etl_wanted AS w
        LEFT JOIN pg_temp.wdh_etl_known AS k
          ON k.alias = w.alias
         AND k.step IS NOT NULL
         AND w.what = CASE WHEN k.kind = 'account' THEN 'account' ELSE 'name' END
         AND k.plan_code = CASE WHEN k.kind = 'plan_name' THEN w.plan ELSE '' END
    ), per_row AS (
        SELECT h.row_id,
               min(h.company_id) FILTER (WHERE h.step = 1) AS least1, max(h.company_id) FILTER (WHERE h.step = 1) AS greatest1,
               min(h.company_id) FILTER (WHERE h.step = 2) AS least2, max(h.company_id) FILTER (WHERE h.step = 2) AS greatest2,
               min(h.company_id) FILTER (WHERE h.step = 3) AS least3, max(h.company_id) FILTER (WHERE h.step = 3) AS greatest3,
               min(h.company_id) FILTER (WHERE h.step = 4) AS least4, max(h.company_id) FILTER (WHERE h.step = 4) AS greatest4,
               min(h.company_id) FILTER (WHERE h.step = 5) AS least5, max(h.company_id) FILTER (WHERE h.step = 5) AS greatest5,
               coalesce(min(h.alias) FILTER (WHERE h.pos = 1), min(h.alias) FILTER (WHERE h.pos = 2)) AS first_name
        FROM hits AS h
        GROUP BY h.row_id
    ), resolved AS (
        SELECT r.row_id,
               CASE WHEN r.least1 = r.greatest1 THEN r.least1 WHEN r.least2 = r.greatest2 THEN r.least2
                    WHEN r.least3 = r.greatest3 THEN r.least3 WHEN r.least4 = r.greatest4 THEN r.least4
                    WHEN r.least5 = r.greatest5 THEN r.least5
                    ELSE customer.provisional_company_id(r.first_name) END AS company_id,
               CASE WHEN r.least1 = r.greatest1 OR r.least2 = r.greatest2 THEN 'override'
                    WHEN r.least3 = r.greatest3 THEN 'account' WHEN r.least4 = r.greatest4 THEN 'plan_name'
                    WHEN r.least5 = r.greatest5 THEN 'name' WHEN r.first_name IS NOT NULL THEN 'provisional' END
                   AS resolution
        FROM per_row AS r
    )
    UPDATE pg_temp.wdh_etl_stage AS s
    SET company_id = r.company_id, id_source = r.resolution
    FROM resolved AS r
    WHERE s.ctid = r.row_id AND r.resolution IS NOT NULL;

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
