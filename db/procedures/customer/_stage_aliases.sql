-- customer._stage_aliases(p_ledger boolean) RETURNS bigint
--
-- Private; one job: what a staged file teaches, in pg_temp.wdh_etl_aliases: for its rows that carry
-- a company_id from the file (not one resolved by customer.resolve_staged_identities), each
-- (kind, plan_code, alias, company_id) with the first and last month of the rows that teach it:
-- kind 'account' (规模明细: 年金账户号, and 集团企业客户号 without its leading C), 'name' and
-- 'plan_name' (计划代码 / 年金计划号 + name) for 客户名称 and, in a ledger, 上报客户名称, all
-- normalised by customer.normalise_name (each distinct (plan, name, company) and (account, company) once). Called by
-- resolve_staged_identities when some rows have no company_id, else by learn_staged_aliases when
-- the load is applied. Returns the aliases.
CREATE OR REPLACE FUNCTION customer._stage_aliases(p_ledger boolean)
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
SET jit = off  -- one file's rows: compiling costs more than it saves
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
        WITH r AS MATERIALIZED (  -- the rows that teach
            SELECT btrim(s.company_id) AS company_id, s.%1$I AS month, nullif(btrim(s.%2$I), '') AS plan,
                   s."客户名称" AS name1, %3$s AS name2, %4$s AS account1, %5$s AS account2
            FROM pg_temp.wdh_etl_stage AS s
            WHERE nullif(btrim(s.company_id), '') IS NOT NULL AND s.id_source IS NULL
        ), by_plan AS (  -- each (plan, name, company) once, then its name normalised
            SELECT customer.normalise_name(g.raw) AS alias, g.plan, g.company_id, g.first_month, g.last_month
            FROM (SELECT n.raw, r.plan, r.company_id, min(r.month) AS first_month, max(r.month) AS last_month
                  FROM r CROSS JOIN LATERAL (VALUES (r.name1), (r.name2)) AS n (raw)
                  WHERE n.raw IS NOT NULL
                  GROUP BY 1, 2, 3) AS g
        ), accounts AS (  -- each (account, company) once; 集团企业客户号 without its leading C
            SELECT CASE WHEN g.group_number THEN nullif(regexp_replace(customer.normalise_name(g.raw), '^[Cc]', ''), '')
                        ELSE customer.normalise_name(g.raw) END AS alias,
                   g.company_id, g.first_month, g.last_month
            FROM (SELECT a.raw, a.group_number, r.company_id, min(r.month) AS first_month, max(r.month) AS last_month
                  FROM r CROSS JOIN LATERAL (VALUES (r.account1, false), (r.account2, true)) AS a (raw, group_number)
                  WHERE a.raw IS NOT NULL
                  GROUP BY 1, 2, 3) AS g
        ), taught AS (
            SELECT 'account'::text AS kind, ''::text AS plan_code, a.alias, a.company_id, a.first_month, a.last_month
            FROM accounts AS a
            UNION ALL
            SELECT 'plan_name', b.plan, b.alias, b.company_id, b.first_month, b.last_month
            FROM by_plan AS b WHERE b.plan IS NOT NULL
            UNION ALL
            SELECT 'name', '', b.alias, b.company_id, b.first_month, b.last_month
            FROM by_plan AS b
        )
        SELECT t.kind, t.plan_code, t.alias, t.company_id, min(t.first_month) AS first_month,
               max(t.last_month) AS last_month
        FROM taught AS t
        WHERE t.alias IS NOT NULL
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
