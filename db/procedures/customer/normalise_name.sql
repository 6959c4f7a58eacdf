-- customer.normalise_name(p_name text) RETURNS text
--
-- One job: the form in which customer names are compared (aliases, provisional ids, candidate
-- matches). Unicode NFKC (full-width letters, digits, brackets and spaces become their half-width
-- forms), every kind of bracket written ( ), all whitespace removed (after NFKC the Unicode
-- spaces are U+0020; the rest of Unicode White_Space is listed); NULL for a blank name.
-- No SET search_path: a SQL-standard body (RETURN …) is parsed when the function is created, so
-- its references are bound then, whatever the caller's search_path. Without a SET clause, and not
-- STRICT (the planner never inlines a STRICT function whose body is not strict as well; a NULL
-- name gives NULL all the same), it is inlined into the loader's queries: a fifth of the cost of
-- a call.
CREATE OR REPLACE FUNCTION customer.normalise_name(p_name text)
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
-- A name already in that form (NFKC and none of the characters below: most names, every plain
-- account number) is returned as it is, after a check that costs a fifth of the normalisation;
-- otherwise one translate maps the brackets to ( ) and deletes the whitespace listed after them.
RETURN CASE
    WHEN p_name IS NFKC NORMALIZED
         AND p_name !~ E'[][{}【】〔〕〖〗「」『』〈〉《》 \t\n\u000B\f\r\u001C-\u001F\u0085\u1680\u2028\u2029]'
        THEN nullif(p_name, '')
    ELSE nullif(translate(normalize(p_name, NFKC),
                          E'[]{}【】〔〕〖〗「」『』〈〉《》 \t\n\u000B\f\r\u001C\u001D\u001E\u001F\u0085\u1680\u2028\u2029',
                          '()()()()()()()()()'), '')
END;

COMMENT ON FUNCTION customer.normalise_name(text) IS
    'Customer names as compared: NFKC, brackets unified to ( ), whitespace removed; NULL when blank.';
REVOKE ALL ON FUNCTION customer.normalise_name(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.normalise_name(text) TO wdh_operator;
