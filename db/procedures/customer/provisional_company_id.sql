-- customer.provisional_company_id(p_name text) RETURNS text
--
-- One job: the provisional company_id of a customer name the loader cannot resolve: 'IN' followed
-- by the first 16 hex digits (upper case) of the SHA-256 of customer.normalise_name(p_name). It
-- depends on the normalised name only, so the same name gets the same id on every load and in
-- every database. NULL for a blank name. No SET search_path: a SQL-standard body is bound when
-- created (see customer.normalise_name), and without a SET clause it can be inlined.
CREATE OR REPLACE FUNCTION customer.provisional_company_id(p_name text)
RETURNS text
LANGUAGE sql
IMMUTABLE
STRICT
PARALLEL SAFE
RETURN 'IN' || upper(left(encode(sha256(convert_to(customer.normalise_name(p_name), 'UTF8')), 'hex'), 16));

COMMENT ON FUNCTION customer.provisional_company_id(text) IS
    'IN + the first 16 hex digits of SHA-256 of the normalised name: the same id for the same name everywhere.';
REVOKE ALL ON FUNCTION customer.provisional_company_id(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.provisional_company_id(text) TO wdh_operator;
