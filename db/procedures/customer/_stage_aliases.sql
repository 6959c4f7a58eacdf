-- customer._stage_aliases(p_ledger boolean) RETURNS bigint
--
-- Private; one job: what a staged file teaches, in pg_temp.wdh_etl_aliases: for its rows that carry
-- a company_id from the file (not one resolved by customer.resolve_staged_identities), each
-- (kind, plan_code, alias, company_id) with the first and last month of the rows that teach it:
-- kind 'account' (规模明细: 年金账户号, and 集团企业客户号 without its leading C), 'name' and
-- 'plan_name' (计划代码 / 年金计划号 + name) for 客户名称 and, in a ledger, 上报客户名称, all
-- normalised by customer.normalise_name (each distinct name and account once). Called by
-- resolve_staged_identities when some rows have no company_id, else by learn_staged_aliases when
-- the load is applied. Returns the aliases.
CREATE OR REPLACE FUNCTION customer._stage_aliases(p_ledger boolean)
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
SET jit = off  -- one file's rows: compiling costs more than it saves
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
        WITH r AS MATERIALIZED (  -- the rows that teach
            SELECT btrim(s.company_id) AS company_id, s.%1$I AS month, nullif(btrim(s.%2$I), '') AS plan,
                   s."客户名称" AS name1, %3$s AS name2, %4$s AS account1, %5$s AS account2
            FROM pg_temp.wdh_etl_stage AS s
            WHERE nullif(btrim(s.company_id), '') IS NOT NULL AND s.id_source IS NULL
        ), names AS MATERIALIZED (  -- each distinct name normalised once
            SELECT v.raw, customer.normalise_name(v.raw) AS alias
            FROM (SELECT r.name1 FROM r UNION SELECT r.name2 FROM r) AS v (raw)
            WHERE v.raw IS NOT NULL
        ), accounts AS MATERIALIZED (  -- each distinct account; 集团企业客户号 without its leading C
            SELECT v.raw, v.group_number,
                   CASE WHEN v.group_number THEN nullif(regexp_replace(customer.normalise_name(v.raw), '^[Cc]', ''), '')
                        ELSE customer.normalise_name(v.raw) END AS alias
            FROM (SELECT r.account1, false FROM r UNION SELECT r.account2, true FROM r) AS v (raw, group_number)
            WHERE v.raw IS NOT NULL
        ), taught AS (
            SELECT 'account'::text AS kind, ''::text AS plan_code, a.alias, r.company_id, r.month
            FROM r JOIN accounts AS a ON a.raw = r.account1 AND NOT a.group_number
            UNION ALL
            SELECT 'account', '', a.alias, r.company_id, r.month
            FROM r JOIN accounts AS a ON a.raw = r.account2 AND a.group_number
            UNION ALL
            SELECT k.kind, CASE WHEN k.kind = 'plan_name' THEN r.plan ELSE '' END, n.alias, r.company_id, r.month
            FROM r JOIN names AS n ON n.raw = r.name1
            CROSS JOIN (VALUES ('name'), ('plan_name')) AS k (kind)
            WHERE k.kind = 'name' OR r.plan IS NOT NULL
            UNION ALL
            SELECT k.kind, CASE WHEN k.kind = 'plan_name' THEN r.plan ELSE '' END, n.alias, r.company_id, r.month
            FROM r JOIN names AS n ON n.raw = r.name2
            CROSS JOIN (VALUES ('name'), ('plan_name')) AS k (kind)
            WHERE k.kind = 'name' OR r.plan IS NOT NULL
        )
        SELECT t.kind, t.plan_code, t.alias, t.company_id, min(t.month) AS first_month, max(t.month) AS last_month
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
