-- customer._customer_loads(p_company_id text)
-- RETURNS TABLE (load_id bigint, domain text, loaded_at timestamptz, loaded_by text, path text, rows bigint,
--                months text)
--
-- Private to customer.customer_timeline; one job: the loads whose rows of one customer stand now:
-- per month of 规模明细 and per year of a ledger that has rows of the customer, the latest load in
-- the load ledger (business.etl_load_log) that replaced it, when that was a load (not a
-- withdrawal). One row per load: the customer's rows from it and its months (YYYY-MM of 规模明细,
-- YYYY of a ledger), oldest first.
CREATE OR REPLACE FUNCTION customer._customer_loads(p_company_id text)
RETURNS TABLE (load_id bigint, domain text, loaded_at timestamptz, loaded_by text, path text, rows bigint,
               months text)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH standing AS (
        SELECT k.domain, k.month, k.rows, l.load_id, l.action, l.path, l.loaded_at, l.loaded_by
        FROM (SELECT 'annuity_performance' AS domain, d."月度" AS month, count(*) AS rows
              FROM business."规模明细" AS d WHERE d.company_id = p_company_id GROUP BY d."月度"
              UNION ALL
              SELECT 'annual_award', date_trunc('year', w."上报月份")::date, count(*)
              FROM customer."当年中标" AS w WHERE w.company_id = p_company_id GROUP BY 2
              UNION ALL
              SELECT 'annual_loss', date_trunc('year', o."上报月份")::date, count(*)
              FROM customer."当年流失" AS o WHERE o.company_id = p_company_id GROUP BY 2) AS k
        CROSS JOIN LATERAL (SELECT e.load_id, e.action, e.path, e.loaded_at, e.loaded_by
                            FROM business.etl_load_log AS e
                            WHERE e.domain = k.domain AND e.months @> ARRAY[k.month]
                            ORDER BY e.load_id DESC LIMIT 1) AS l
        WHERE l.action = 'load'
    )
    SELECT s.load_id, min(s.domain), min(s.loaded_at), min(s.loaded_by), min(s.path), sum(s.rows)::bigint,
           string_agg(CASE WHEN s.domain = 'annuity_performance' THEN to_char(s.month, 'YYYY-MM')
                           ELSE to_char(s.month, 'YYYY') END, ', ' ORDER BY s.month)
    FROM standing AS s
    GROUP BY s.load_id
    ORDER BY s.load_id;
END
$$;

COMMENT ON FUNCTION customer._customer_loads(text) IS
    'Private to customer_timeline: the loads whose rows of one customer stand now, with the rows and months.';
REVOKE ALL ON FUNCTION customer._customer_loads(text) FROM PUBLIC;
