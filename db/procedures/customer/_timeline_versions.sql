-- customer._timeline_versions(p_company_id text)
-- RETURNS TABLE (ordinal integer, kind text, starts date, ends date, plan_code text, plan_name text,
--                product_line_code text, product_line_name text, contract_status text,
--                is_strategic boolean, is_existing boolean, reference text, detail text, facts jsonb)
--
-- Private to customer.customer_timeline (and customer._explain_versions, for what changed); one job: the customer's contract versions and lapses as
-- timeline rows (p_company_id canonical already). version: every version, reference its
-- contract_id, detail what changed from the version before in English, facts the same as data
-- ({"case": "opened" | "back" | "changed", "lapsed_at", "changes": [{field, was, now}]}); lapse: a
-- last version closed without a successor, starts the day it left force, facts {"case": "lapse",
-- "last_row": YYYY-MM}. ordinal orders a day's rows (2 versions, 3 lapses).
CREATE OR REPLACE FUNCTION customer._timeline_versions(p_company_id text)
RETURNS TABLE (ordinal integer, kind text, starts date, ends date, plan_code text, plan_name text,
               product_line_code text, product_line_name text, contract_status text, is_strategic boolean,
               is_existing boolean, reference text, detail text, facts jsonb)
LANGUAGE sql
STABLE
BEGIN ATOMIC
    WITH versions AS (
        SELECT c.*,
               lag(c.valid_to) OVER w AS previous_to, lag(c.contract_status) OVER w AS previous_status,
               lag(c.is_strategic) OVER w AS previous_strategic, lag(c.is_existing) OVER w AS previous_existing,
               lag(c.status_year) OVER w AS previous_year, lead(c.valid_from) OVER w AS next_from
        FROM customer.customer_plan_contract AS c
        WHERE c.company_id = p_company_id
        WINDOW w AS (PARTITION BY c.plan_code, c.product_line_code ORDER BY c.valid_from)
    ), changed AS (
        SELECT v.*,
               (SELECT coalesce(jsonb_agg(jsonb_build_object('field', x.field, 'was', x.was, 'now', x.now)
                                          ORDER BY x.n), '[]')
                FROM (VALUES (1, 'contract_status', v.previous_status, v.contract_status),
                             (2, 'is_strategic', v.previous_strategic::text, v.is_strategic::text),
                             (3, 'is_existing', v.previous_existing::text, v.is_existing::text),
                             (4, 'status_year', v.previous_year::text, v.status_year::text)) AS x (n, field, was, now)
                WHERE v.previous_to IS NOT NULL AND x.was IS DISTINCT FROM x.now) AS changes
        FROM versions AS v
    )
    SELECT 2, 'version', v.valid_from, v.valid_to, v.plan_code, v.plan_name, v.product_line_code,
           v.product_line_name, v.contract_status, v.is_strategic, v.is_existing, v.contract_id::text,
           CASE WHEN v.previous_to IS NULL THEN 'opened: the contract came into force'
                WHEN v.previous_to < v.valid_from THEN format('back in force after lapsing at %s', v.previous_to)
                ELSE coalesce((SELECT string_agg(format('%s %s → %s', c ->> 'field', c ->> 'was', c ->> 'now'), ', ')
                               FROM jsonb_array_elements(v.changes) AS c), 'no field changed') END,
           jsonb_build_object('case', CASE WHEN v.previous_to IS NULL THEN 'opened'
                                           WHEN v.previous_to < v.valid_from THEN 'back' ELSE 'changed' END,
                              'lapsed_at', v.previous_to, 'changes', v.changes)
    FROM changed AS v
    UNION ALL
    SELECT 3, 'lapse', v.valid_to, NULL, v.plan_code, v.plan_name, v.product_line_code, v.product_line_name,
           NULL, NULL, NULL, v.contract_id::text,
           format('lapsed: no 规模明细 row since %s, twelve months before', to_char(v.valid_to - interval '12 months', 'YYYY-MM')),
           jsonb_build_object('case', 'lapse', 'last_row', to_char(v.valid_to - interval '12 months', 'YYYY-MM'))
    FROM versions AS v
    WHERE v.valid_to <> date '9999-12-31' AND (v.next_from IS NULL OR v.next_from > v.valid_to);
END;

COMMENT ON FUNCTION customer._timeline_versions(text) IS
    'Private to customer_timeline: a customer''s contract versions (with what changed) and lapses.';
REVOKE ALL ON FUNCTION customer._timeline_versions(text) FROM PUBLIC;
