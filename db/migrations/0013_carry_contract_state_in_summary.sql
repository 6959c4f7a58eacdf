-- The contract sync evaluates a month from one month of summary rows instead of thirteen.
--  * customer.contract_month_summary gains a row for every contract in force in the month (a source
--    row in the 12 months up to it), not only those with source rows that month: a contract without
--    source rows gets aum = contribution = 0 and is_strategic = false.
--  * Each row carries what the rules need from earlier months, derived from the row of the month
--    before (and the contribution of the row twelve months before):
--      last_seen         latest month up to this one with a source row;
--      contribution_12m  SUM(供款) over the 12 months up to this one;
--      strategic_ytd     strategic in a month from December of the prior year to this one;
--      is_existing       SUM(期末资产规模) in December of the prior year > 0;
--    and the month's contract_status (正常 / 停缴), generated from them.
--    So the sync reads the month's source rows, the summary of the month before and of a year
--    before, whatever the length of the history: its cost follows the contracts, not the history.
--  * The rows already derived are completed here, oldest month first, by the same recurrence the
--    sync uses; the history and the snapshots do not change.
-- depends: 0012_add_run_status_and_close

ALTER TABLE customer.contract_month_summary
    ADD COLUMN last_seen date,
    ADD COLUMN contribution_12m numeric,
    ADD COLUMN strategic_ytd boolean,
    ADD COLUMN is_existing boolean;

DO $$
DECLARE
    v_month date;
BEGIN
    FOR v_month IN
        SELECT g::date
        FROM customer.contract_sync_state AS s,
             generate_series(date_trunc('month', s.first_applied_period), date_trunc('month', s.last_applied_period),
                             interval '1 month') AS g
        ORDER BY 1
    LOOP
        INSERT INTO customer.contract_month_summary
            (month, company_id, plan_code, product_line_code, aum, contribution, is_strategic, last_seen)
        SELECT v_month, p.company_id, p.plan_code, p.product_line_code, 0, 0, false, p.last_seen
        FROM customer.contract_month_summary AS p
        WHERE p.month = (v_month - interval '1 month')::date
          AND p.last_seen >= (v_month - interval '11 months')::date
          AND NOT EXISTS (SELECT 1 FROM customer.contract_month_summary AS m
                          WHERE m.month = v_month AND m.company_id = p.company_id
                            AND m.plan_code = p.plan_code AND m.product_line_code = p.product_line_code);

        UPDATE customer.contract_month_summary AS m
        SET last_seen = coalesce(m.last_seen, v_month),
            contribution_12m = m.contribution + coalesce(x.prev_contribution_12m, 0) - coalesce(x.old_contribution, 0),
            strategic_ytd = m.is_strategic OR coalesce(x.prev_strategic, false),
            is_existing = coalesce(x.prev_existing, false)
        FROM (
            SELECT k.company_id, k.plan_code, k.product_line_code,
                   p.contribution_12m AS prev_contribution_12m, o.contribution AS old_contribution,
                   CASE WHEN extract(month FROM v_month) = 1 THEN p.is_strategic ELSE p.strategic_ytd END
                       AS prev_strategic,
                   CASE WHEN extract(month FROM v_month) = 1 THEN p.aum > 0 ELSE p.is_existing END AS prev_existing
            FROM customer.contract_month_summary AS k
            LEFT JOIN customer.contract_month_summary AS p
                   ON p.month = (v_month - interval '1 month')::date AND p.company_id = k.company_id
                  AND p.plan_code = k.plan_code AND p.product_line_code = k.product_line_code
            LEFT JOIN customer.contract_month_summary AS o
                   ON o.month = (v_month - interval '12 months')::date AND o.company_id = k.company_id
                  AND o.plan_code = k.plan_code AND o.product_line_code = k.product_line_code
            WHERE k.month = v_month
        ) AS x
        WHERE m.month = v_month AND m.company_id = x.company_id AND m.plan_code = x.plan_code
          AND m.product_line_code = x.product_line_code;
    END LOOP;
END
$$;

ALTER TABLE customer.contract_month_summary
    ALTER COLUMN last_seen SET NOT NULL,
    ALTER COLUMN contribution_12m SET NOT NULL,
    ALTER COLUMN strategic_ytd SET NOT NULL,
    ALTER COLUMN is_existing SET NOT NULL,
    ADD COLUMN contract_status text NOT NULL
        GENERATED ALWAYS AS (CASE WHEN aum > 0 AND contribution_12m > 0 THEN '正常' ELSE '停缴' END) STORED,
    ADD CONSTRAINT contract_month_summary_in_force
        CHECK (last_seen <= month AND last_seen > month - interval '12 months');

COMMENT ON TABLE customer.contract_month_summary IS
    'Derived by sync_contract_status for every applied month, one row per contract in force (a source '
    'row in the 12 months up to the month): the month''s SUM(期末资产规模), SUM(供款) and whether the '
    'contract was strategic that month (rank or threshold within its branch and product line, with the '
    'settings in force when the month was applied; 0, 0, false without source rows that month), and '
    'what the rules carry from earlier months: last_seen, contribution_12m, strategic_ytd, is_existing. '
    'Rewound with the contract history.';
COMMENT ON COLUMN customer.contract_month_summary.last_seen IS
    'Latest month up to this one with a source row of the contract.';
COMMENT ON COLUMN customer.contract_month_summary.contribution_12m IS
    'SUM(供款) over the 12 months up to this one.';
COMMENT ON COLUMN customer.contract_month_summary.strategic_ytd IS
    'Strategic in a month from December of the prior year to this one.';
COMMENT ON COLUMN customer.contract_month_summary.is_existing IS
    'SUM(期末资产规模) in December of the prior year > 0.';
COMMENT ON COLUMN customer.contract_month_summary.contract_status IS
    '正常 when the month''s AUM and contribution_12m are both > 0, else 停缴.';
