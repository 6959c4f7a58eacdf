-- customer._check_sync_source(p_start date, p_target date) RETURNS void
--
-- Private; one job: refuse months the sync cannot apply, before it writes anything. p_start is the
-- first of the first month to apply, p_target the end of the last.
-- Errors: 55000 a month in between has no 规模明细 row while later months are loaded: a missing
--               delivery, not a month in which every contract stopped (the months are named);
--         23503 the months' rows reference customers (年金客户) or product lines (产品线) that do
--               not exist (the first ten are named). Earlier months' contracts have versions, whose
--               foreign keys keep theirs in place, so only these months are read.
CREATE OR REPLACE FUNCTION customer._check_sync_source(p_start date, p_target date)
RETURNS void
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_missing_months text[];
    v_missing_customers bigint;
    v_missing_lines bigint;
    v_missing_keys text;
BEGIN
    SELECT array_agg(to_char(g, 'YYYY-MM') ORDER BY g) INTO v_missing_months
    FROM generate_series(p_start, p_target, interval '1 month') AS g
    WHERE NOT EXISTS (SELECT 1 FROM business."规模明细" AS d WHERE d."月度" = g::date);
    IF v_missing_months IS NOT NULL THEN
        RAISE EXCEPTION '% month(s) between % and % have no AUM detail (规模明细) loaded: %',
                cardinality(v_missing_months), to_char(p_start, 'YYYY-MM'), to_char(p_target, 'YYYY-MM'),
                array_to_string(v_missing_months[1:12], ', ')
                    || CASE WHEN cardinality(v_missing_months) > 12 THEN ', …' ELSE '' END
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Applying them would turn every contract 停缴 and lapse it; later months are loaded.',
                  HINT = 'Load the missing months (etl --domain annuity_performance --period YYYYMM --execute), '
                         'then sync again.';
    END IF;

    WITH missing AS (  -- one pass over the rows, each probing both dimensions
        SELECT d.company_id, d."产品线代码" AS product_line_code,
               cu.company_id IS NULL AS no_customer, pl."产品线代码" IS NULL AS no_line
        FROM business."规模明细" AS d
        LEFT JOIN customer."年金客户" AS cu ON cu.company_id = d.company_id
        LEFT JOIN mapping."产品线" AS pl ON pl."产品线代码" = d."产品线代码"
        WHERE d."月度" BETWEEN p_start AND p_target
          AND d.company_id IS NOT NULL AND d."产品线代码" IS NOT NULL
          AND (cu.company_id IS NULL OR pl."产品线代码" IS NULL)
    ), bad AS (
        SELECT DISTINCT 1 AS kind, m.company_id AS key FROM missing AS m WHERE m.no_customer
        UNION
        SELECT DISTINCT 2, m.product_line_code FROM missing AS m WHERE m.no_line
    ), listed AS (
        SELECT b.kind, b.key, row_number() OVER (ORDER BY b.kind, b.key COLLATE "C") AS rn FROM bad AS b
    )
    SELECT count(*) FILTER (WHERE l.kind = 1), count(*) FILTER (WHERE l.kind = 2),
           string_agg(CASE l.kind WHEN 1 THEN 'company_id ' ELSE '产品线代码 ' END || l.key, ', '
                      ORDER BY l.rn) FILTER (WHERE l.rn <= 10)
    INTO v_missing_customers, v_missing_lines, v_missing_keys
    FROM listed AS l;
    IF v_missing_customers + v_missing_lines > 0 THEN
        RAISE EXCEPTION '% customer(s) missing from customer."年金客户" and % product line(s) missing from mapping."产品线" are referenced by business."规模明细"',
                v_missing_customers, v_missing_lines
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = 'Missing (first 10): ' || v_missing_keys,
                  HINT = 'Verify 年金客户 and 产品线 tables have required data';
    END IF;
END
$$;

COMMENT ON FUNCTION customer._check_sync_source(date, date) IS
    'Private to the sync: refuse months without a 规模明细 row and rows referencing missing customers or product lines.';
REVOKE ALL ON FUNCTION customer._check_sync_source(date, date) FROM PUBLIC;
