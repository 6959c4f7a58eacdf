-- customer._known_aliases() RETURNS bigint
--
-- Private to customer.resolve_staged_identities; one job: pg_temp.wdh_etl_known, the aliases that
-- the rows of pg_temp.wdh_etl_wanted could use (only those: the alias table can be large), from
-- customer.company_alias and what the file teaches (pg_temp.wdh_etl_aliases, learned): per (kind,
-- plan_code, alias, source) its one company, or companies > 1 when it is ambiguous, and the step of
-- the resolution that uses it (override plan_name 1, override name 2, learned account 3,
-- plan_name 4, name 5; NULL: none). Returns its rows.
CREATE OR REPLACE FUNCTION customer._known_aliases()
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
SET jit = off  -- one file's aliases: compiling costs more than it saves
SET enable_nestloop = off  -- equal-value joins of whole sets, not analysed: hashed
SET work_mem = '64MB'  -- the groupings fit in memory (4MB spilled to disk)
AS $$
DECLARE
    v_rows bigint;
BEGIN
    -- See customer.resolve_staged_identities for PRAGMA:TABLE.
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_wanted (row_id tid, pos integer, what text, alias text, plan text)';
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_aliases (kind text, plan_code text, alias text, company_id text, '
            'first_month date, last_month date)';
    -- The aliases the rows without a company could use (only those: the alias table can be large),
    -- per source, each with its one company or marked ambiguous (companies > 1), and the step
    -- that uses it (NULL: none). The file's aliases count once more only where the table does
    -- not have them learned already (its key is unique per company).
    CREATE TEMP TABLE wdh_etl_known ON COMMIT DROP AS
    SELECT k.kind, k.plan_code, k.alias, k.source, min(k.company_id) AS company_id, count(*) AS companies,
           CASE WHEN k.source = 'override' THEN CASE k.kind WHEN 'plan_name' THEN 1 WHEN 'name' THEN 2 END
                ELSE CASE k.kind WHEN 'account' THEN 3 WHEN 'plan_name' THEN 4 WHEN 'name' THEN 5 END
           END AS step
    FROM (
        SELECT a.kind, a.plan_code, a.alias, a.company_id, a.source
        FROM customer.company_alias AS a
        WHERE EXISTS (SELECT 1 FROM pg_temp.wdh_etl_wanted AS w WHERE w.alias = a.alias)
        UNION ALL
        SELECT f.kind, f.plan_code, f.alias, f.company_id, 'learned'
        FROM pg_temp.wdh_etl_aliases AS f
        WHERE EXISTS (SELECT 1 FROM pg_temp.wdh_etl_wanted AS w WHERE w.alias = f.alias)
          AND NOT EXISTS (SELECT 1 FROM customer.company_alias AS a
                          WHERE a.kind = f.kind AND a.plan_code = f.plan_code AND a.alias = f.alias
                            AND a.company_id = f.company_id AND a.source = 'learned')
    ) AS k
    GROUP BY 1, 2, 3, 4;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END
$$;

COMMENT ON FUNCTION customer._known_aliases() IS
    'Private to the ETL''s identity steps: the aliases the rows without company_id could use, each with its company or ambiguous.';
REVOKE ALL ON FUNCTION customer._known_aliases() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer._known_aliases() TO wdh_operator;  -- the ETL's identity steps run as the operator, on its own temporary stage
