-- customer._month_list(p_months date[]) RETURNS text
--
-- One job: months as a person reads them in a message: YYYYMM each, comma-separated; more than
-- twelve: the first six, an ellipsis, the last six and the count ("(N in all)"), as the CLI lists
-- months. A SQL-standard body.
CREATE OR REPLACE FUNCTION customer._month_list(p_months date[])
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
RETURN CASE
    WHEN cardinality(p_months) <= 12
        THEN (SELECT string_agg(to_char(m, 'YYYYMM'), ', ' ORDER BY o) FROM unnest(p_months) WITH ORDINALITY AS u (m, o))
    ELSE (SELECT string_agg(to_char(m, 'YYYYMM'), ', ' ORDER BY o) FROM unnest(p_months[1:6]) WITH ORDINALITY AS u (m, o))
         || ', …, '
         || (SELECT string_agg(to_char(m, 'YYYYMM'), ', ' ORDER BY o)
             FROM unnest(p_months[cardinality(p_months) - 5:]) WITH ORDINALITY AS u (m, o))
         || format(' (%s in all)', cardinality(p_months))
END;

COMMENT ON FUNCTION customer._month_list(date[]) IS
    'Months as a message lists them: YYYYMM, comma-separated; over twelve the first and last six around an ellipsis.';
REVOKE ALL ON FUNCTION customer._month_list(date[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer._month_list(date[]) TO wdh_operator, wdh_reader;
