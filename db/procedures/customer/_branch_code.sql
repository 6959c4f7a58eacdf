-- customer._branch_code(p_code text) RETURNS text
--
-- One job: the branch (机构代码) a row counts under: its own code, or G00 (the head office, where
-- rows without a branch or of a branch mapping."组织架构" does not know are kept) when it has none
-- (NULL or blank). The loader stores it (etl.stage, the branch looked up by name first), the
-- strategic ranking groups by it (customer._contract_month_groups), the report's branch of a
-- contract (customer._contract_branch) and explain (customer.explain_contract) read it.
-- A SQL-standard body: inlined into its callers' statements.
CREATE OR REPLACE FUNCTION customer._branch_code(p_code text)
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
RETURN coalesce(nullif(p_code, ''), 'G00');

COMMENT ON FUNCTION customer._branch_code(text) IS
    'The branch a row counts under: its 机构代码, or G00 when it has none.';
REVOKE ALL ON FUNCTION customer._branch_code(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer._branch_code(text) TO wdh_operator, wdh_reader;
