-- customer._key_problem(p_key text) RETURNS text
--
-- One job: why a key in canonical form (customer.canonical_key) is still not well formed, in the
-- user's words, or NULL when it is: a space, tab or line break inside it, a control character, a
-- quote, or a number in decimal or scientific notation (what Excel makes of a long id typed as a
-- number). The loader refuses a staged cell for which this is not NULL, naming the cell.
-- SQL-standard body: bound when created, inlined by the planner; no SET search_path needed.
CREATE OR REPLACE FUNCTION customer._key_problem(p_key text)
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
RETURN CASE
    WHEN p_key IS NULL OR p_key ~ '^[!#-&(-~]+$' AND p_key !~ '^[+-]?[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?$'
                                                  OR p_key ~ '^[0-9]+$'
        THEN NULL
    WHEN p_key ~ '[[:space:]]' THEN 'has a space or line break inside it'
    WHEN p_key ~ '[[:cntrl:]]' THEN 'holds a control character'
    WHEN p_key ~ '["''“”‘’]' THEN 'holds a quote'
    WHEN p_key ~ '^[+-]?[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?$'
        THEN 'is a number in decimal or scientific notation, not a code (Excel rounded it: format the column as text)'
END;

COMMENT ON FUNCTION customer._key_problem(text) IS
    'Why a canonical key is not well formed (a space or control character inside, a quote, a number in '
    'decimal or scientific notation), or NULL when it is.';
REVOKE ALL ON FUNCTION customer._key_problem(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer._key_problem(text) TO wdh_operator;
