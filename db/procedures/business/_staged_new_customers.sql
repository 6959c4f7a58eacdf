-- business._staged_new_customers(p_domain text)
-- RETURNS TABLE (company_id text, customer_name text, provisional boolean)
--
-- One job: the customers of the staged file (pg_temp.wdh_etl_stage) that customer."年金客户" does
-- not hold, each with the first non-empty name of its rows (规模明细: 客户名称; a ledger: 客户名称,
-- else 上报客户名称), provisional when its id was given by customer.resolve_staged_identities.
-- The preview lists them; business.apply_staged_load adds them: one rule for both.
CREATE OR REPLACE FUNCTION business._staged_new_customers(p_domain text)
RETURNS TABLE (company_id text, customer_name text, provisional boolean)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_stage (source_row integer, company_id text, id_source text, '
            '"客户名称" text)';  -- the caller's stage, for plpgsql_check
    -- A ledger's stage has 上报客户名称 too, 规模明细's not: read through the row's jsonb, only for the
    -- rows without 客户名称 (coalesce stops at the first value).
    RETURN QUERY
    SELECT DISTINCT ON (s.company_id) s.company_id,
           coalesce(s."客户名称", CASE WHEN p_domain <> 'annuity_performance' THEN to_jsonb(s) ->> '上报客户名称' END),
           coalesce(s.id_source = 'provisional', false)
    FROM pg_temp.wdh_etl_stage AS s
    WHERE s.company_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM customer."年金客户" AS c WHERE c.company_id = s.company_id)
    ORDER BY s.company_id,
             coalesce(s."客户名称", CASE WHEN p_domain <> 'annuity_performance' THEN to_jsonb(s) ->> '上报客户名称' END)
             IS NULL,
             s.source_row;
END
$$;

COMMENT ON FUNCTION business._staged_new_customers(text) IS
    'Private: the staged file''s customers 年金客户 lacks, with the first non-empty name of their rows.';
REVOKE ALL ON FUNCTION business._staged_new_customers(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION business._staged_new_customers(text) TO wdh_operator;
