-- customer._stage_wanted_aliases(p_ledger boolean) RETURNS bigint
--
-- Private to customer.resolve_staged_identities; one job: pg_temp.wdh_etl_wanted, what the staged
-- rows without a company_id could be resolved by: one row per row (row_id, its ctid in
-- pg_temp.wdh_etl_stage) and name (pos 1 客户名称, 2 上报客户名称 of a ledger) or account (pos 3
-- 年金账户号, 4 集团企业客户号 without its leading C, of 规模明细), normalised by
-- customer.normalise_name, with the row's plan (计划代码 / 年金计划号). Returns its rows.
CREATE OR REPLACE FUNCTION customer._stage_wanted_aliases(p_ledger boolean)
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
SET jit = off  -- one file's rows: compiling costs more than it saves
AS $$
DECLARE
    v_plan text := CASE WHEN p_ledger THEN '年金计划号' ELSE '计划代码' END;
    v_wanted text;
    v_rows bigint;
BEGIN
    -- The domain's columns, by name: the only statement that differs between the domains. One row
    -- per name (pos 1, 2) and account (pos 3, 4) of each row without a company_id, one scan of the
    -- stage for each (a blank one stays NULL and matches nothing: a filter on it would normalise
    -- every value twice); the steps join it to the aliases on equal values only.
    IF to_regclass('pg_temp.wdh_etl_wanted') IS NOT NULL THEN
        DROP TABLE pg_temp.wdh_etl_wanted;
    END IF;
    SELECT string_agg(format($sql$
        SELECT s.ctid AS row_id, %1$s AS pos, %2$L AS what, %3$s AS alias, nullif(btrim(s.%4$I), '') AS plan
        FROM pg_temp.wdh_etl_stage AS s WHERE nullif(btrim(s.company_id), '') IS NULL
        $sql$, c.pos, c.what, c.alias, v_plan), ' UNION ALL ' ORDER BY c.pos)
    INTO v_wanted
    FROM (VALUES (1, 'name', 'customer.normalise_name(s."客户名称")'),
                 (2, 'name', CASE WHEN p_ledger THEN 'customer.normalise_name(s."上报客户名称")' END),
                 (3, 'account', CASE WHEN NOT p_ledger THEN 'customer.normalise_name(s."年金账户号")' END),
                 (4, 'account', CASE WHEN NOT p_ledger
                                     THEN $e$nullif(regexp_replace(customer.normalise_name(s."集团企业客户号"), '^[Cc]', ''), '')$e$
                                END)) AS c (pos, what, alias)
    WHERE c.alias IS NOT NULL;
    EXECUTE 'CREATE TEMP TABLE wdh_etl_wanted ON COMMIT DROP AS ' || v_wanted;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END
$$;

COMMENT ON FUNCTION customer._stage_wanted_aliases(boolean) IS
    'Private to the ETL''s identity steps: the normalised names and accounts of the staged rows without company_id.';
REVOKE ALL ON FUNCTION customer._stage_wanted_aliases(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer._stage_wanted_aliases(boolean) TO wdh_operator;  -- the ETL's identity steps run as the operator, on its own temporary stage
