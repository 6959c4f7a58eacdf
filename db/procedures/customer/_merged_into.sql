-- customer._merged_into(p_company_id text)
-- RETURNS TABLE (first_into text, holder text, merged_at timestamptz, merged_by text, hops integer)
--
-- One job: where a merged-away id went. Every caller asks here (explain_contract, customer-mdm
-- report --company, merge_company's "already merged", the loader's resolve_staged_identities for a
-- file that still carries the old id):
--   * the id in its canonical form (customer.canonical_key) is looked up;
--   * an id that a customer carries now went nowhere: no row;
--   * else its latest merge in customer.company_merge_log (the log's order, its id) names the id it
--     went into (first_into, with when and who: merged_at, merged_by); while that id is itself merged
--     away and no customer carries it again, its latest merge is followed to the customer that holds
--     the rows now (holder), at most 20 hops (a log with a cycle ends there, never loops);
--   * an id that was never merged and no customer carries: no row.
-- STABLE (PL/pgSQL: bound when called, whatever the deploy order), granted to readers as explain's and the report's callers are.
CREATE OR REPLACE FUNCTION customer._merged_into(p_company_id text)
RETURNS TABLE (first_into text, holder text, merged_at timestamptz, merged_by text, hops integer)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
        WITH RECURSIVE start AS (
            SELECT customer.canonical_key(p_company_id) AS id
        ), chain AS (
            SELECT m.into_id, m.merged_at, m.merged_by, 1 AS hops
            FROM start AS s
            JOIN customer.company_merge_log AS m
              ON m.id = (SELECT max(x.id) FROM customer.company_merge_log AS x WHERE x.from_id = s.id)
            WHERE NOT EXISTS (SELECT 1 FROM customer."年金客户" AS c WHERE c.company_id = s.id)
            UNION ALL
            SELECT m.into_id, c.merged_at, c.merged_by, c.hops + 1
            FROM chain AS c
            JOIN customer.company_merge_log AS m
              ON m.id = (SELECT max(x.id) FROM customer.company_merge_log AS x WHERE x.from_id = c.into_id)
            WHERE c.hops < 20
              AND NOT EXISTS (SELECT 1 FROM customer."年金客户" AS k WHERE k.company_id = c.into_id)
        )
        SELECT (SELECT f.into_id FROM chain AS f WHERE f.hops = 1), c.into_id, c.merged_at, c.merged_by, c.hops
        FROM chain AS c
        ORDER BY c.hops DESC
        LIMIT 1;
END
$$;

COMMENT ON FUNCTION customer._merged_into(text) IS
    'Where a merged-away id went: the id of its latest merge and, merges followed (at most 20), the '
    'customer that holds its rows now; no row for an id a customer carries or that was never merged.';
REVOKE ALL ON FUNCTION customer._merged_into(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer._merged_into(text) TO wdh_operator, wdh_reader;
