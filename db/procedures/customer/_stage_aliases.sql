-- customer._stage_aliases(p_ledger boolean) RETURNS bigint
--
-- Private; one job: what a staged file teaches, in pg_temp.wdh_etl_aliases: for its rows that carry
-- a company_id from the file (not one resolved by customer.resolve_staged_identities), each
-- (kind, plan_code, alias, company_id) with the first and last month of the rows that teach it:
-- kind 'account' (规模明细: 年金账户号, and 集团企业客户号 without its leading C), 'name' and
-- 'plan_name' (计划代码 / 年金计划号 + name) for 客户名称 and, in a ledger, 上报客户名称, all
-- normalised by customer.normalise_name. Called by
-- resolve_staged_identities when some rows have no company_id, else by learn_staged_aliases when
-- the load is applied. Returns the aliases.
CREATE OR REPLACE FUNCTION customer._stage_aliases(p_ledger boolean)
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
SET jit = off  -- one file's rows: compiling costs more than it saves
SET work_mem = '64MB'  -- a month's aliases are grouped in memory
SET enable_sort = off  -- its groupings are hashed: the temporary tables are not analysed, and a sort of
                      -- every alias on a guessed row count costs more than the rest
AS $$
DECLARE
    v_rows bigint;
BEGIN
    IF to_regclass('pg_temp.wdh_etl_aliases') IS NOT NULL THEN
        DROP TABLE pg_temp.wdh_etl_aliases;
    END IF;
    -- The domain's columns, by name: the only part that differs between the domains.
    EXECUTE format($sql$
        CREATE TEMP TABLE wdh_etl_aliases ON COMMIT DROP AS
        WITH r AS MATERIALIZED (  -- the rows that teach, their names and accounts normalised (inlined: cheap)
            SELECT btrim(s.company_id) AS company_id, s.%1$I AS month, nullif(btrim(s.%2$I), '') AS plan,
                   customer.normalise_name(s."客户名称") AS name1, customer.normalise_name(%3$s) AS name2,
                   customer.normalise_name(%4$s) AS account1,
                   nullif(regexp_replace(customer.normalise_name(%5$s), '^[Cc]', ''), '') AS account2
            FROM pg_temp.wdh_etl_stage AS s
            WHERE nullif(btrim(s.company_id), '') IS NOT NULL AND s.id_source IS NULL
        ), taught AS (  -- one scan of r per kind and column: no row is made only to be dropped
            SELECT 'account'::text AS kind, ''::text AS plan_code, r.account1 AS alias, r.company_id, r.month
            FROM r WHERE r.account1 IS NOT NULL
            UNION ALL
            SELECT 'account', '', r.account2, r.company_id, r.month FROM r WHERE r.account2 IS NOT NULL
            UNION ALL
            SELECT 'name', '', r.name1, r.company_id, r.month FROM r WHERE r.name1 IS NOT NULL
            UNION ALL
            SELECT 'name', '', r.name2, r.company_id, r.month FROM r WHERE r.name2 IS NOT NULL
            UNION ALL
            SELECT 'plan_name', r.plan, r.name1, r.company_id, r.month FROM r WHERE r.name1 IS NOT NULL AND r.plan IS NOT NULL
            UNION ALL
            SELECT 'plan_name', r.plan, r.name2, r.company_id, r.month FROM r WHERE r.name2 IS NOT NULL AND r.plan IS NOT NULL
        )
        SELECT t.kind, t.plan_code, t.alias, t.company_id, min(t.month) AS first_month, max(t.month) AS last_month
        FROM taught AS t
        GROUP BY 1, 2, 3, 4
    $sql$, CASE WHEN p_ledger THEN '上报月份' ELSE '月度' END, CASE WHEN p_ledger THEN '年金计划号' ELSE '计划代码' END,
           CASE WHEN p_ledger THEN 's."上报客户名称"' ELSE 'NULL::text' END,
           CASE WHEN p_ledger THEN 'NULL::text' ELSE 's."年金账户号"' END,
           CASE WHEN p_ledger THEN 'NULL::text' ELSE 's."集团企业客户号"' END);
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;  -- not analysed: its readers join it whole with enable_nestloop = off
END
$$;

COMMENT ON FUNCTION customer._stage_aliases(boolean) IS
    'Private to the ETL''s identity steps: the aliases a staged file teaches, in pg_temp.wdh_etl_aliases.';
REVOKE ALL ON FUNCTION customer._stage_aliases(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer._stage_aliases(boolean) TO wdh_operator;  -- the ETL's identity steps run as the operator, on its own temporary stage
