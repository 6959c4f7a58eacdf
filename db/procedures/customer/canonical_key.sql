-- customer.canonical_key(p_key text) RETURNS text
--
-- One job: the one form in which a key (company_id, 计划代码 / 年金计划号, 组合代码, 机构代码,
-- 年金账户号, 集团企业客户号) is looked up and stored, whatever Excel, a web page or an input method
-- dressed it in:
--   * Unicode NFKC: full-width digits and letters (６０００００００２, ＰＬＡＮ) become ASCII, a
--     no-break or ideographic space becomes U+0020;
--   * invisible and format characters removed: zero-width space, joiners and marks (U+200B–U+200F),
--     bidi controls (U+202A–U+202E, U+2066–U+2069), word joiner and invisible operators
--     (U+2060–U+2064), BOM (U+FEFF), soft hyphen (U+00AD), combining grapheme joiner (U+034F),
--     Arabic letter mark (U+061C), Mongolian vowel separator (U+180E), variation selectors;
--   * spaces (and tabs, line breaks) trimmed at both ends;
--   * a leading apostrophe dropped (Excel's "store as text" mark, straight or curly), and the
--     spaces after it;
--   * ASCII letters in upper case (jh005 typed for JH005; only ASCII, so that the form does not
--     depend on the database's locale);
--   * NULL for a key that is blank after all this.
-- What it leaves (a space inside an id, a control character) is not well formed: the loader
-- refuses such a cell (customer._key_problem).
-- No SET search_path and not STRICT: a SQL-standard body is bound when created and the planner
-- inlines it into the loader's statements. A key already plain ASCII without blanks at its ends
-- without lower-case letters (almost every key) is returned after one regular-expression test.
CREATE OR REPLACE FUNCTION customer.canonical_key(p_key text)
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
RETURN CASE
    WHEN p_key ~ '^[!-&(-`{-~]([ -`{-~]*[!-`{-~])?$' THEN p_key
    ELSE nullif(translate(btrim(regexp_replace(
             btrim(regexp_replace(normalize(p_key, NFKC),
                                  E'[\u00AD\u034F\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFE00-\uFE0F\uFEFF]',
                                  '', 'g'),
                   E' \t\n\r\f\u000B\u0085\u1680\u2028\u2029'),
             E'^[\'\u2018\u2019]+', ''),
                   E' \t\n\r\f\u000B\u0085\u1680\u2028\u2029'),
                    'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), '')
END;

COMMENT ON FUNCTION customer.canonical_key(text) IS
    'A key in its one stored form: NFKC, invisible and format characters removed, spaces trimmed, a '
    'leading apostrophe dropped, ASCII letters upper case; NULL when blank.';
REVOKE ALL ON FUNCTION customer.canonical_key(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.canonical_key(text) TO wdh_operator, wdh_reader;
