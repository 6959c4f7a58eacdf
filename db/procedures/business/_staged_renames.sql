-- business._staged_renames(p_domain text, p_months date[])
-- RETURNS TABLE (kind text, key text, old_name text, new_name text)
--
-- One job: the names the staged file (pg_temp.wdh_etl_stage) gives differently to a known customer
-- or plan, when the file holds the latest month of 规模明细 (or a later one): names follow the
-- latest delivery. kind 'customer': a company_id the file carries (not resolved by name) whose
-- 客户名称 in most of its rows (the first row's on a tie) differs from customer."年金客户".客户名称,
-- compared in normal form (customer.normalise_name: full-width brackets and spaces are no rename);
-- provisional customers keep theirs (their id is their name). kind 'plan': a 计划代码 whose
-- 计划名称 differs likewise from mapping."年金计划".计划全称. Ledgers rename nothing.
-- p_months: the months the file replaces. Used by the plan (pg_temp.wdh_etl_renames: what the
-- preview lists) and by business.apply_staged_load (which renames).
CREATE OR REPLACE FUNCTION business._staged_renames(p_domain text, p_months date[])
RETURNS TABLE (kind text, key text, old_name text, new_name text)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_domain IS DISTINCT FROM 'annuity_performance' THEN
        RETURN;
    END IF;
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_stage (source_row integer, company_id text, id_source text, '
            '"计划代码" text, "计划名称" text, "客户名称" text, "产品线代码" text, "期末资产规模" numeric, "供款" numeric, '
            '"月度" date, "上报月份" date)';  -- the caller's stage, for plpgsql_check
    IF (SELECT max(d."月度") FROM business."规模明细" AS d)
       > (SELECT max(m) FROM unnest(p_months) AS m) THEN
        RETURN;  -- an older month: names follow the latest delivery only
    END IF;
    -- Only the customers and plans some row names differently are looked at closely (most months:
    -- none); for them, the name of most of their rows (the first row's on a tie).
    RETURN QUERY EXECUTE $q$
        WITH customer_rows AS (
            SELECT s.company_id, s."客户名称" AS name, s.source_row
            FROM pg_temp.wdh_etl_stage AS s
            WHERE s.company_id IN (
                SELECT t.company_id FROM pg_temp.wdh_etl_stage AS t
                JOIN customer."年金客户" AS c ON c.company_id = t.company_id
                WHERE t.id_source IS NULL AND t."客户名称" IS NOT NULL AND NOT c.is_provisional
                  AND t."客户名称" <> c."客户名称"  -- cheap, and true of almost no row
                  AND customer.normalise_name(t."客户名称") IS DISTINCT FROM customer.normalise_name(c."客户名称"))
              AND s.id_source IS NULL AND s."客户名称" IS NOT NULL),
        customer_names AS (
            SELECT DISTINCT ON (n.company_id) n.company_id, n.name
            FROM (SELECT r.company_id, r.name, count(*) AS rows, min(r.source_row) AS first
                  FROM customer_rows AS r GROUP BY 1, 2) AS n
            ORDER BY n.company_id, n.rows DESC, n.first),
        plan_rows AS (
            SELECT s."计划代码" AS code, s."计划名称" AS name, s.source_row
            FROM pg_temp.wdh_etl_stage AS s
            WHERE s."计划代码" IN (
                SELECT t."计划代码" FROM pg_temp.wdh_etl_stage AS t
                JOIN mapping."年金计划" AS p ON p."年金计划号" = t."计划代码"
                WHERE t."计划名称" IS NOT NULL AND p."计划全称" IS NOT NULL AND t."计划名称" <> p."计划全称"
                  AND customer.normalise_name(t."计划名称") IS DISTINCT FROM customer.normalise_name(p."计划全称"))
              AND s."计划名称" IS NOT NULL),
        plan_names AS (
            SELECT DISTINCT ON (n.code) n.code, n.name
            FROM (SELECT r.code, r.name, count(*) AS rows, min(r.source_row) AS first
                  FROM plan_rows AS r GROUP BY 1, 2) AS n
            ORDER BY n.code, n.rows DESC, n.first)
        SELECT 'customer'::text, c.company_id, c."客户名称", f.name
        FROM customer_names AS f
        JOIN customer."年金客户" AS c ON c.company_id = f.company_id
        WHERE customer.normalise_name(c."客户名称") IS DISTINCT FROM customer.normalise_name(f.name)
        UNION ALL
        SELECT 'plan'::text, p."年金计划号", p."计划全称", f.name
        FROM plan_names AS f
        JOIN mapping."年金计划" AS p ON p."年金计划号" = f.code
        WHERE customer.normalise_name(p."计划全称") IS DISTINCT FROM customer.normalise_name(f.name)
        ORDER BY 1, 2$q$;
END
$$;

COMMENT ON FUNCTION business._staged_renames(text, date[]) IS
    'Private: customers and plans the staged file (holding the latest month) names differently: kind, '
    'key, old name, new name.';
REVOKE ALL ON FUNCTION business._staged_renames(text, date[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION business._staged_renames(text, date[]) TO wdh_operator;
