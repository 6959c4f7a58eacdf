-- business._month_holes(p_add date DEFAULT NULL, p_remove date DEFAULT NULL, p_previewed date[] DEFAULT '{}')
-- RETURNS TABLE (month date, made boolean)
--
-- One job: the months missing from business."规模明细" between its first and its last loaded month
-- (first of the month each), as they are now or, with p_add or p_remove, as they would be once
-- that month is loaded or withdrawn; made: the change makes the hole (it is no hole now).
-- p_previewed: months an inbox preview went through before this file, counted as loaded. Every
-- caller asks here: customer.mdm_status (source_holes), the loader's refusal of a month that would
-- leave a hole (etl, unless --allow-gap), business.withdraw_month's refusal (unless p_allow_gap).
-- The sync's own check (customer._check_sync_source) is of the months it applies.
-- One index probe per month of the span.
CREATE OR REPLACE FUNCTION business._month_holes(p_add date DEFAULT NULL, p_remove date DEFAULT NULL,
                                                 p_previewed date[] DEFAULT '{}')
RETURNS TABLE (month date, made boolean)
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
WITH arg AS (
    SELECT date_trunc('month', p_add)::date AS added, date_trunc('month', p_remove)::date AS removed,
           (SELECT coalesce(array_agg(date_trunc('month', v)::date), '{}') FROM unnest(p_previewed) AS v) AS previewed
), now AS (  -- the span loaded now, previewed months included
    SELECT least((SELECT min(d."月度") FROM business."规模明细" AS d), (SELECT min(v) FROM unnest(a.previewed) AS v))
               AS first,
           greatest((SELECT max(d."月度") FROM business."规模明细" AS d), (SELECT max(v) FROM unnest(a.previewed) AS v))
               AS last
    FROM arg AS a
), months AS (
    SELECT g::date AS month, n.first, n.last,
           EXISTS (SELECT 1 FROM business."规模明细" AS d WHERE d."月度" = g::date) OR g::date = ANY(a.previewed)
               AS loaded
    FROM now AS n, arg AS a,
         generate_series(least(n.first, a.added), greatest(n.last, a.added), interval '1 month') AS g
), after AS (  -- loaded once the change is made
    SELECT m.*, (m.loaded AND m.month IS DISTINCT FROM a.removed) OR m.month IS NOT DISTINCT FROM a.added AS kept
    FROM months AS m, arg AS a
)
SELECT x.month, x.loaded OR NOT coalesce(x.month BETWEEN x.first AND x.last, false)
FROM after AS x
WHERE NOT x.kept
  AND x.month > (SELECT min(y.month) FROM after AS y WHERE y.kept)
  AND x.month < (SELECT max(y.month) FROM after AS y WHERE y.kept)
ORDER BY x.month
$$;

COMMENT ON FUNCTION business._month_holes(date, date, date[]) IS
    'The months missing from 规模明细 between its first and last loaded month, now or once p_add is loaded or '
    'p_remove withdrawn (p_previewed counted as loaded); made: the change makes the hole.';
REVOKE ALL ON FUNCTION business._month_holes(date, date, date[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION business._month_holes(date, date, date[]) TO wdh_operator, wdh_reader;
