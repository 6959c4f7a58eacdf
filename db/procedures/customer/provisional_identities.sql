-- customer.provisional_identities()
-- RETURNS TABLE (company_id text, customer_name text, plans text[], first_month date, last_month date,
--                source_rows bigint, ledger_rows bigint, latest_month date, latest_aum numeric,
--                candidates jsonb)
--
-- One job: what a data steward needs to fold provisional customers into real ones. One row per
-- customer with is_provisional: its name, the plans and the first and last month of its rows
-- (规模明细 and the ledgers), its 规模明细 and ledger row counts, and its AUM in the latest
-- loaded month of 规模明细. candidates: a JSON array of possible real ids, best first, each
-- {company_id, customer_name, provisional, reason, similarity}:
--   reason 'same name'     another customer whose name, or a name alias, normalises to the same;
--   reason 'similar name'  pg_trgm similarity >= 0.6 between the normalised names, with an alias
--                          (plan + name) of one of its plans.
-- Read-only. Needs pg_trgm in schema public (migration 0014 creates it).
CREATE OR REPLACE FUNCTION customer.provisional_identities()
RETURNS TABLE (company_id text, customer_name text, plans text[], first_month date, last_month date,
               source_rows bigint, ledger_rows bigint, latest_month date, latest_aum numeric, candidates jsonb)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_latest date := (SELECT max(d."月度") FROM business."规模明细" AS d);
BEGIN
    RETURN QUERY
    WITH provisional AS (
        SELECT c.company_id, c."客户名称" AS customer_name, customer.normalise_name(c."客户名称") AS name
        FROM customer."年金客户" AS c WHERE c.is_provisional
    ), used AS (
        SELECT d.company_id, d."计划代码" AS plan_code, d."月度" AS month, 1 AS source_row, 0 AS ledger_row,
               CASE WHEN d."月度" = v_latest THEN d."期末资产规模" END AS aum
        FROM business."规模明细" AS d WHERE d.company_id IN (SELECT p.company_id FROM provisional AS p)
        UNION ALL
        SELECT w.company_id, w."年金计划号", w."上报月份", 0, 1, NULL
        FROM customer."当年中标" AS w WHERE w.company_id IN (SELECT p.company_id FROM provisional AS p)
        UNION ALL
        SELECT l.company_id, l."年金计划号", l."上报月份", 0, 1, NULL
        FROM customer."当年流失" AS l WHERE l.company_id IN (SELECT p.company_id FROM provisional AS p)
    ), usage AS (
        SELECT u.company_id, array_agg(DISTINCT u.plan_code ORDER BY u.plan_code)
                                 FILTER (WHERE u.plan_code IS NOT NULL) AS plans,
               min(u.month) AS first_month, max(u.month) AS last_month,
               sum(u.source_row) AS source_rows, sum(u.ledger_row) AS ledger_rows,
               coalesce(sum(u.aum), 0) AS latest_aum
        FROM used AS u GROUP BY u.company_id
    ), matches AS (
        SELECT p.company_id, a.company_id AS candidate, 'same name' AS reason, 1.0::real AS similarity
        FROM provisional AS p
        JOIN customer.company_alias AS a ON a.kind = 'name' AND a.alias = p.name
        UNION
        SELECT p.company_id, c.company_id, 'same name', 1.0::real
        FROM provisional AS p
        JOIN customer."年金客户" AS c ON customer.normalise_name(c."客户名称") = p.name
        UNION
        SELECT p.company_id, a.company_id, 'similar name', public.similarity(a.alias, p.name)
        FROM provisional AS p
        JOIN usage AS g ON g.company_id = p.company_id
        JOIN customer.company_alias AS a ON a.kind = 'plan_name' AND a.plan_code = ANY (g.plans)
        WHERE public.similarity(a.alias, p.name) >= 0.6
    ), best AS (
        SELECT m.company_id, m.candidate, max(m.similarity) AS similarity,
               min(m.reason) AS reason  -- 'same name' < 'similar name'
        FROM matches AS m WHERE m.candidate <> m.company_id
        GROUP BY m.company_id, m.candidate
    )
    SELECT p.company_id, p.customer_name, coalesce(g.plans, '{}'), g.first_month, g.last_month,
           coalesce(g.source_rows, 0), coalesce(g.ledger_rows, 0), v_latest, coalesce(g.latest_aum, 0),
           coalesce((SELECT jsonb_agg(jsonb_build_object('company_id', b.candidate, 'customer_name', c."客户名称",
                                                         'provisional', c.is_provisional, 'reason', b.reason,
                                                         'similarity', round(b.similarity::numeric, 2))
                                      ORDER BY b.reason, b.similarity DESC, b.candidate)
                     FROM best AS b JOIN customer."年金客户" AS c ON c.company_id = b.candidate
                     WHERE b.company_id = p.company_id), '[]'::jsonb)
    FROM provisional AS p
    LEFT JOIN usage AS g ON g.company_id = p.company_id
    ORDER BY coalesce(g.latest_aum, 0) DESC, p.company_id;
END
$$;

COMMENT ON FUNCTION customer.provisional_identities() IS
    'Provisional customers with their plans, months, rows, latest-month AUM and candidate real ids '
    '(same normalised name; pg_trgm similarity >= 0.6 with an alias of the same plan).';
REVOKE ALL ON FUNCTION customer.provisional_identities() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.provisional_identities() TO wdh_operator, wdh_reader;  -- `identities` is a read command
