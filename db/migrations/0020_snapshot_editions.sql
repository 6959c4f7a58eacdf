-- Published figures stay reproducible (release 3): every snapshot month keeps its editions.
--  * customer.snapshot_edition: one row per edition of a month. Edition 1 is the month's first
--    build; a later statement that changes rows of an already built month opens the next edition
--    (one per month and transaction, whatever the statements), with when (built_at: the start of
--    the transaction that built it), who, why (the month's stale reason: which source month was
--    corrected), the loads and merges since the edition before, and, once pruned, when and by whom.
--  * customer.snapshot_delta: the rows an edition replaced, only those (a delta): per grain
--    ('product_line' | 'plan') and key, the row as the edition before had it (row, a jsonb of the
--    fact table's columns), or row NULL when the key was not in the month before it. A refresh
--    that changes nothing writes nothing. Written by the triggers of customer._record_snapshot_edition
--    on both fact tables, whoever changes them.
--  * customer.v_product_line_rows, customer.v_plan_rows: the fact tables' rows as they are, or, in a
--    transaction that called customer.set_snapshot_as_of(t), as they stood at t: every month's
--    current rows that no later edition changed, and for the keys a later edition changed, the row
--    of the first such edition's delta. The report's view v_product_line_month and the BI views
--    read them, so the report, the export and BI give a month as it stood at any moment through
--    one copy of each rule. Without the setting they are the fact tables, and the planner skips the
--    editions' branch (a one-time filter).
--  * Months built before this migration get edition 1 (built when they were last refreshed).
--  * fct_customer_plan_monthly gets an index by customer, as the product-line table got in 0019: the
--    timeline's plan months (customer-mdm history --plan) are one index range.
-- depends: 0019_explain_customers

CREATE TABLE customer.snapshot_edition (
    snapshot_month  date NOT NULL,
    edition         integer NOT NULL CHECK (edition >= 1),
    built_at        timestamptz NOT NULL DEFAULT now(),
    built_by        text NOT NULL DEFAULT session_user,
    built_in        xid8 NOT NULL DEFAULT pg_current_xact_id(),
    reason          text NOT NULL,
    load_ids        bigint[] NOT NULL DEFAULT '{}',
    merge_ids       bigint[] NOT NULL DEFAULT '{}',
    pruned_at       timestamptz,
    pruned_by       text,
    PRIMARY KEY (snapshot_month, edition),
    CHECK ((pruned_at IS NULL) = (pruned_by IS NULL))
);
CREATE INDEX snapshot_edition_built_at_idx ON customer.snapshot_edition (built_at);
COMMENT ON TABLE customer.snapshot_edition IS
    'One row per edition of a snapshot month: 1 the first build, then one per transaction that changed its '
    'rows; built_at (transaction start), built_by, why (reason), the loads and merges since the edition '
    'before, and when and by whom its delta was pruned (customer.prune_snapshot_editions).';

CREATE TABLE customer.snapshot_delta (
    snapshot_month     date NOT NULL,
    edition            integer NOT NULL,
    grain              text NOT NULL CHECK (grain IN ('product_line', 'plan')),
    company_id         text NOT NULL,
    plan_code          text NOT NULL,  -- '' at the product-line grain
    product_line_code  text NOT NULL,
    row                jsonb,          -- the row the edition replaced; NULL: the key was not in the month
    PRIMARY KEY (snapshot_month, edition, grain, company_id, plan_code, product_line_code),
    FOREIGN KEY (snapshot_month, edition) REFERENCES customer.snapshot_edition (snapshot_month, edition),
    CHECK ((grain = 'plan') = (plan_code <> ''))
);
CREATE INDEX snapshot_delta_key_idx
    ON customer.snapshot_delta (grain, snapshot_month, company_id, product_line_code, plan_code, edition);
COMMENT ON TABLE customer.snapshot_delta IS
    'The rows an edition of a snapshot month replaced (only those): per grain and key, the row of the '
    'edition before (jsonb of the fact table''s columns), NULL when the key was new.';

INSERT INTO customer.snapshot_edition (snapshot_month, edition, built_at, built_by, reason)
SELECT s.snapshot_month, 1, s.refreshed_at, 'migration 0020', 'built before editions were kept'
FROM customer.snapshot_month_state AS s;

-- The row views. The as-of moment is the transaction's setting wdh.as_of (customer.set_snapshot_as_of);
-- empty or unset: the fact tables as they are.
CREATE VIEW customer.v_product_line_rows AS
SELECT f.*
FROM customer.fct_customer_product_line_monthly AS f
WHERE nullif(current_setting('wdh.as_of', true), '') IS NULL
UNION ALL
SELECT f.*
FROM customer.fct_customer_product_line_monthly AS f
WHERE nullif(current_setting('wdh.as_of', true), '') IS NOT NULL
  AND EXISTS (SELECT 1 FROM customer.snapshot_edition AS e
              WHERE e.snapshot_month = f.snapshot_month
                AND e.built_at <= nullif(current_setting('wdh.as_of', true), '')::timestamptz)
  AND NOT EXISTS (SELECT 1 FROM customer.snapshot_delta AS d
                  JOIN customer.snapshot_edition AS e ON e.snapshot_month = d.snapshot_month AND e.edition = d.edition
                  WHERE d.grain = 'product_line' AND d.snapshot_month = f.snapshot_month
                    AND d.company_id = f.company_id AND d.product_line_code = f.product_line_code
                    AND e.built_at > nullif(current_setting('wdh.as_of', true), '')::timestamptz)
UNION ALL
SELECT r.*
FROM (SELECT DISTINCT ON (d.snapshot_month, d.company_id, d.product_line_code) d.row
      FROM customer.snapshot_delta AS d
      JOIN customer.snapshot_edition AS e ON e.snapshot_month = d.snapshot_month AND e.edition = d.edition
      WHERE nullif(current_setting('wdh.as_of', true), '') IS NOT NULL
        AND d.grain = 'product_line'
        AND e.built_at > nullif(current_setting('wdh.as_of', true), '')::timestamptz
        AND EXISTS (SELECT 1 FROM customer.snapshot_edition AS b
                    WHERE b.snapshot_month = d.snapshot_month
                      AND b.built_at <= nullif(current_setting('wdh.as_of', true), '')::timestamptz)
      ORDER BY d.snapshot_month, d.company_id, d.product_line_code, d.edition) AS x
CROSS JOIN LATERAL jsonb_populate_record(NULL::customer.fct_customer_product_line_monthly, x.row) AS r
WHERE x.row IS NOT NULL;
COMMENT ON VIEW customer.v_product_line_rows IS
    'The rows of fct_customer_product_line_monthly as they are, or as they stood at the moment a '
    'transaction set with customer.set_snapshot_as_of.';

CREATE VIEW customer.v_plan_rows AS
SELECT f.*
FROM customer.fct_customer_plan_monthly AS f
WHERE nullif(current_setting('wdh.as_of', true), '') IS NULL
UNION ALL
SELECT f.*
FROM customer.fct_customer_plan_monthly AS f
WHERE nullif(current_setting('wdh.as_of', true), '') IS NOT NULL
  AND EXISTS (SELECT 1 FROM customer.snapshot_edition AS e
              WHERE e.snapshot_month = f.snapshot_month
                AND e.built_at <= nullif(current_setting('wdh.as_of', true), '')::timestamptz)
  AND NOT EXISTS (SELECT 1 FROM customer.snapshot_delta AS d
                  JOIN customer.snapshot_edition AS e ON e.snapshot_month = d.snapshot_month AND e.edition = d.edition
                  WHERE d.grain = 'plan' AND d.snapshot_month = f.snapshot_month
                    AND d.company_id = f.company_id AND d.product_line_code = f.product_line_code
                    AND d.plan_code = f.plan_code
                    AND e.built_at > nullif(current_setting('wdh.as_of', true), '')::timestamptz)
UNION ALL
SELECT r.*
FROM (SELECT DISTINCT ON (d.snapshot_month, d.company_id, d.product_line_code, d.plan_code) d.row
      FROM customer.snapshot_delta AS d
      JOIN customer.snapshot_edition AS e ON e.snapshot_month = d.snapshot_month AND e.edition = d.edition
      WHERE nullif(current_setting('wdh.as_of', true), '') IS NOT NULL
        AND d.grain = 'plan'
        AND e.built_at > nullif(current_setting('wdh.as_of', true), '')::timestamptz
        AND EXISTS (SELECT 1 FROM customer.snapshot_edition AS b
                    WHERE b.snapshot_month = d.snapshot_month
                      AND b.built_at <= nullif(current_setting('wdh.as_of', true), '')::timestamptz)
      ORDER BY d.snapshot_month, d.company_id, d.product_line_code, d.plan_code, d.edition) AS x
CROSS JOIN LATERAL jsonb_populate_record(NULL::customer.fct_customer_plan_monthly, x.row) AS r
WHERE x.row IS NOT NULL;
COMMENT ON VIEW customer.v_plan_rows IS
    'The rows of fct_customer_plan_monthly as they are, or as they stood at the moment a transaction set '
    'with customer.set_snapshot_as_of.';

-- The views the report, the export and BI read, now over the row views: the same columns and,
-- without an as-of setting, the same rows.
CREATE OR REPLACE VIEW customer.v_customer_product_line_status AS
SELECT f.snapshot_month,
       to_char(f.snapshot_month, 'YYYYMM') AS period,
       f.company_id,
       f.customer_name,
       f.product_line_code,
       f.product_line_name,
       pl."产品类别" AS product_category,
       pl."业务大类" AS business_category,
       f.is_strategic,
       f.is_existing,
       f.is_new,
       f.is_winning_this_year,
       f.is_churned_this_year,
       f.aum_balance,
       round(f.aum_balance / 100000000, 4) AS aum_balance_yi,
       f.plan_count
FROM customer.v_product_line_rows AS f
LEFT JOIN mapping."产品线" AS pl ON pl."产品线代码" = f.product_line_code;

CREATE OR REPLACE VIEW customer.v_plan_status AS
SELECT f.snapshot_month,
       to_char(f.snapshot_month, 'YYYYMM') AS period,
       f.company_id,
       f.customer_name,
       f.plan_code,
       f.plan_name,
       p."计划类型" AS plan_type,
       f.product_line_code,
       f.product_line_name,
       f.contract_status,
       f.is_churned_this_year,
       f.aum_balance,
       round(f.aum_balance / 100000000, 4) AS aum_balance_yi
FROM customer.v_plan_rows AS f
LEFT JOIN mapping."年金计划" AS p ON p."年金计划号" = f.plan_code;

CREATE OR REPLACE VIEW customer.v_product_line_month AS
WITH customers AS (
    SELECT f.snapshot_month, f.product_line_code, max(f.product_line_name) AS product_line_name,
           count(*) AS customers,
           count(*) FILTER (WHERE f.is_strategic) AS strategic,
           count(*) FILTER (WHERE f.is_existing) AS existing,
           count(*) FILTER (WHERE f.is_new) AS new,
           count(*) FILTER (WHERE f.is_winning_this_year) AS won,
           count(*) FILTER (WHERE f.is_churned_this_year) AS lost,
           sum(f.aum_balance) AS aum_balance
    FROM customer.v_product_line_rows AS f
    GROUP BY f.snapshot_month, f.product_line_code
), contracts AS (
    SELECT p.snapshot_month, p.product_line_code,
           count(*) FILTER (WHERE p.contract_status = '正常') AS contracts_normal,
           count(*) FILTER (WHERE p.contract_status = '停缴') AS contracts_stopped
    FROM customer.v_plan_rows AS p
    GROUP BY p.snapshot_month, p.product_line_code
), totals AS (  -- a customer counts once whatever its product lines; a flag when any line has it
    SELECT f.snapshot_month, count(*) AS customers, count(*) FILTER (WHERE f.is_strategic) AS strategic,
           count(*) FILTER (WHERE f.is_existing) AS existing, count(*) FILTER (WHERE f.is_new) AS new,
           count(*) FILTER (WHERE f.is_won) AS won, count(*) FILTER (WHERE f.is_lost) AS lost,
           sum(f.aum_balance) AS aum_balance
    FROM (SELECT c.snapshot_month, c.company_id, bool_or(c.is_strategic) AS is_strategic,
                 bool_or(c.is_existing) AS is_existing, bool_or(c.is_new) AS is_new,
                 bool_or(c.is_winning_this_year) AS is_won, bool_or(c.is_churned_this_year) AS is_lost,
                 sum(c.aum_balance) AS aum_balance
          FROM customer.v_product_line_rows AS c
          GROUP BY c.snapshot_month, c.company_id) AS f
    GROUP BY f.snapshot_month
)
SELECT c.snapshot_month, to_char(c.snapshot_month, 'YYYYMM') AS period, c.product_line_code, c.product_line_name,
       c.customers, c.strategic, c.existing, c.new, c.won, c.lost,
       k.contracts_normal, k.contracts_stopped, c.aum_balance, round(c.aum_balance / 100000000, 4) AS aum_balance_yi
FROM customers AS c
JOIN contracts AS k ON k.snapshot_month = c.snapshot_month AND k.product_line_code = c.product_line_code
UNION ALL
SELECT t.snapshot_month, to_char(t.snapshot_month, 'YYYYMM'), NULL, '全部',
       t.customers, t.strategic, t.existing, t.new, t.won, t.lost,
       k.contracts_normal, k.contracts_stopped, t.aum_balance, round(t.aum_balance / 100000000, 4)
FROM totals AS t
CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE p.contract_status = '正常') AS contracts_normal,
                           count(*) FILTER (WHERE p.contract_status = '停缴') AS contracts_stopped
                    FROM customer.v_plan_rows AS p
                    WHERE p.snapshot_month = t.snapshot_month) AS k;

CREATE INDEX fct_customer_plan_monthly_company_idx
    ON customer.fct_customer_plan_monthly (company_id, snapshot_month);

GRANT SELECT ON customer.v_product_line_rows, customer.v_plan_rows TO wdh_reader, wdh_operator;
GRANT SELECT ON customer.snapshot_edition, customer.snapshot_delta TO wdh_reader, wdh_operator;
