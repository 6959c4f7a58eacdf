-- customer._derive_contract_month(p_month date, p_top_n integer, p_threshold numeric) RETURNS bigint
--
-- One job: write month p_month's rows of customer.contract_month_summary, one per contract in force
-- (a source row in the 12 months up to p_month), and return how many. Private to
-- customer.sync_contract_status, which holds the MDM lock, has checked the month and applies months
-- in order: the summary holds p_month - 1 month and nothing from p_month on.
--
-- It reads three months, whatever the length of the history:
--   cur  the month's sums per contract from business."规模明细", and whether one of its (contract,
--        branch) groups is strategic by rank or threshold: customer._contract_month_groups, the one
--        copy of that rule (inlined here by the planner);
--   p    the contract's summary row of the month before: last_seen, contribution_12m, strategic_ytd,
--        is_existing (in January, the December row itself: its AUM and its month's strategic flag);
--   o    its row of twelve months before, whose contribution leaves the 12-month window.
-- Sums are taken in whole units of 0.0001 (the scale of 期末资产规模 and 供款, numeric(18,4)) as
-- bigint, whose aggregate state is a 128-bit integer: the same exact sums as numeric, with a tenth
-- of the memory per contract, which is what keeps a large month in the CPU caches. A (contract,
-- branch) sum beyond 9.2e14 yuan would raise "bigint out of range", never round.
-- Both joins are FULL JOINs, which PostgreSQL only hashes or merges: months written earlier in the
-- same call have no statistics yet (estimated at one row), and a nested loop over them would be
-- quadratic.
CREATE OR REPLACE FUNCTION customer._derive_contract_month(p_month date, p_top_n integer, p_threshold numeric)
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
SET jit = off  -- hash joins and aggregates over one month: compiling them costs more than it saves
AS $$
DECLARE
    v_prev constant date := (p_month - interval '1 month')::date;
    v_year_ago constant date := (p_month - interval '12 months')::date;
    v_window_from constant date := (p_month - interval '11 months')::date;
    v_january constant boolean := extract(month FROM p_month) = 1;
    v_rows bigint;
BEGIN
    INSERT INTO customer.contract_month_summary
        (month, company_id, plan_code, product_line_code, aum, contribution, is_strategic,
         last_seen, contribution_12m, strategic_ytd, is_existing)
    SELECT p_month,
           coalesce(cur.company_id, p.company_id),
           coalesce(cur.plan_code, p.plan_code),
           coalesce(cur.product_line_code, p.product_line_code),
           coalesce(cur.aum, 0),
           coalesce(cur.contribution, 0),
           coalesce(cur.is_strategic, false),
           CASE WHEN cur.company_id IS NOT NULL THEN p_month ELSE p.last_seen END,
           coalesce(cur.contribution, 0) + coalesce(p.contribution_12m, 0) - coalesce(o.contribution, 0),
           coalesce(cur.is_strategic, false)
               OR coalesce(CASE WHEN v_january THEN p.is_strategic ELSE p.strategic_ytd END, false),
           coalesce(CASE WHEN v_january THEN p.aum > 0 ELSE p.is_existing END, false)
    FROM (
        SELECT g.company_id, g.plan_code, g.product_line_code,
               sum(g.aum_units) * 0.0001 AS aum, sum(g.contribution_units) * 0.0001 AS contribution,
               bool_or(g.by_rank OR g.by_threshold) AS is_strategic
        FROM customer._contract_month_groups(p_month, p_top_n, p_threshold) AS g
        GROUP BY g.company_id, g.plan_code, g.product_line_code
    ) AS cur
    FULL JOIN (SELECT * FROM customer.contract_month_summary AS m WHERE m.month = v_prev) AS p
           ON p.company_id = cur.company_id AND p.plan_code = cur.plan_code
          AND p.product_line_code = cur.product_line_code
    FULL JOIN (SELECT * FROM customer.contract_month_summary AS m WHERE m.month = v_year_ago) AS o
           ON o.company_id = coalesce(cur.company_id, p.company_id)
          AND o.plan_code = coalesce(cur.plan_code, p.plan_code)
          AND o.product_line_code = coalesce(cur.product_line_code, p.product_line_code)
    WHERE cur.company_id IS NOT NULL OR p.last_seen >= v_window_from
    ORDER BY 2, 3, 4;  -- in key order: cheaper index inserts
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END
$$;

COMMENT ON FUNCTION customer._derive_contract_month(date, integer, numeric) IS
    'Private to sync_contract_status: write the summary rows of one month, one per contract in force.';
REVOKE ALL ON FUNCTION customer._derive_contract_month(date, integer, numeric) FROM PUBLIC;
