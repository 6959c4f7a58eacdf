-- customer._record_snapshot_edition() RETURNS trigger, and its statement-level triggers on
-- customer.fct_customer_product_line_monthly and customer.fct_customer_plan_monthly.
--
-- One job: keep the editions of every snapshot month (customer.snapshot_edition, customer.snapshot_delta),
-- whoever changes the fact tables (the refresh, a withdrawal, a DBA by hand). Per month a statement
-- touched:
--   * a month without an edition gets edition 1 (its first build): nothing to keep, the month was
--     empty before;
--   * a month whose latest edition was opened by this transaction keeps it (a refresh writes both
--     tables, and a close may touch a month in several statements: one edition per transaction);
--     when that edition is 1, nothing is kept either;
--   * otherwise the month gets its next edition: built_at now() (the transaction's start),
--     built_by, why (what the writer said in the transaction's setting wdh.edition_reason: the
--     refresh the month's stale reason, the removal of a month outside the synced range, a
--     withdrawal; else the month's stale reason, else a change made outside a refresh), the loads
--     and merges since the edition before that may have changed it (a 规模明细 month up to it, its
--     year of a ledger, any merge); built_at is stamped at commit (customer._stamp_snapshot_edition);
-- and the rows the statement replaced go into the edition's delta, the first image of each key in
-- the transaction winning: an updated or deleted row as it was (jsonb of the table's columns), an
-- inserted key as NULL (it was not there). A statement that changed no row records nothing.
-- TRUNCATE is not recorded (no row images): only a table owner can truncate, and docs/DBA.md says
-- not to.
CREATE OR REPLACE FUNCTION customer._record_snapshot_edition()
RETURNS trigger
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_grain constant text := CASE TG_TABLE_NAME WHEN 'fct_customer_plan_monthly' THEN 'plan' ELSE 'product_line' END;
    v_months date[];
    v_state customer.contract_sync_state%ROWTYPE;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT n.snapshot_month) INTO v_months FROM new_rows AS n;
    ELSE
        SELECT array_agg(DISTINCT o.snapshot_month) INTO v_months FROM old_rows AS o;
    END IF;
    IF v_months IS NULL THEN
        RETURN NULL;  -- no row changed: no edition
    END IF;

    SELECT * INTO v_state FROM customer.contract_sync_state;
    -- Each month's edition: this transaction's, or a new one (1 for a first build).
    INSERT INTO customer.snapshot_edition AS e (snapshot_month, edition, reason, load_ids, merge_ids)
    SELECT m.snapshot_month, coalesce(l.edition, 0) + 1,
           CASE WHEN l.edition IS NULL THEN 'first build'
                ELSE coalesce(nullif(current_setting('wdh.edition_reason', true), ''), s.stale_reason,
                              CASE WHEN v_state.last_applied_period IS NULL
                                        OR m.snapshot_month NOT BETWEEN v_state.first_applied_period
                                                                    AND v_state.last_applied_period
                                   THEN 'outside the synced range' END,
                              format('rows changed outside a refresh by %s', session_user)) END,
           coalesce((SELECT array_agg(g.load_id ORDER BY g.load_id) FROM business.etl_load_log AS g
                     WHERE l.edition IS NOT NULL AND g.loaded_at > l.built_at
                       AND CASE WHEN g.domain = 'annuity_performance'
                                THEN EXISTS (SELECT 1 FROM unnest(g.months) AS x (month) WHERE x.month <= m.snapshot_month)
                                ELSE g.months @> ARRAY[date_trunc('year', m.snapshot_month)::date] END), '{}'),
           coalesce((SELECT array_agg(g.id ORDER BY g.id) FROM customer.company_merge_log AS g
                     WHERE l.edition IS NOT NULL AND g.merged_at > l.built_at), '{}')
    FROM unnest(v_months) AS m (snapshot_month)
    LEFT JOIN LATERAL (SELECT x.edition, x.built_at, x.built_in FROM customer.snapshot_edition AS x
                       WHERE x.snapshot_month = m.snapshot_month ORDER BY x.edition DESC LIMIT 1) AS l ON true
    LEFT JOIN customer.snapshot_month_state AS s ON s.snapshot_month = m.snapshot_month
    WHERE l.built_in IS DISTINCT FROM pg_current_xact_id();

    IF NOT EXISTS (SELECT 1 FROM customer.snapshot_edition AS e
                   WHERE e.snapshot_month = ANY (v_months) AND e.built_in = pg_current_xact_id() AND e.edition > 1) THEN
        RETURN NULL;  -- first builds only: the months were empty before
    END IF;
    -- The rows replaced, into the delta of every month whose edition of this transaction is not its
    -- first build: an old row as it was, an inserted key as NULL; the first image of a key wins.
    IF TG_OP = 'INSERT' THEN
        INSERT INTO customer.snapshot_delta (snapshot_month, edition, grain, company_id, plan_code, product_line_code, row)
        SELECT n.snapshot_month, e.edition, v_grain, n.company_id, coalesce(to_jsonb(n) ->> 'plan_code', ''),
               n.product_line_code, NULL
        FROM new_rows AS n
        JOIN customer.snapshot_edition AS e
          ON e.snapshot_month = n.snapshot_month AND e.built_in = pg_current_xact_id() AND e.edition > 1
        ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO customer.snapshot_delta (snapshot_month, edition, grain, company_id, plan_code, product_line_code, row)
        SELECT o.snapshot_month, e.edition, v_grain, o.company_id, coalesce(to_jsonb(o) ->> 'plan_code', ''),
               o.product_line_code, to_jsonb(o)
        FROM old_rows AS o
        JOIN customer.snapshot_edition AS e
          ON e.snapshot_month = o.snapshot_month AND e.built_in = pg_current_xact_id() AND e.edition > 1
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION customer._record_snapshot_edition() IS
    'Private trigger function: keeps the editions of snapshot months and the rows each replaced '
    '(customer.snapshot_edition, customer.snapshot_delta).';

REVOKE ALL ON FUNCTION customer._record_snapshot_edition() FROM PUBLIC;

CREATE OR REPLACE TRIGGER fct_customer_product_line_monthly_edition_insert
    AFTER INSERT ON customer.fct_customer_product_line_monthly REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION customer._record_snapshot_edition();
CREATE OR REPLACE TRIGGER fct_customer_product_line_monthly_edition_update
    AFTER UPDATE ON customer.fct_customer_product_line_monthly REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION customer._record_snapshot_edition();
CREATE OR REPLACE TRIGGER fct_customer_product_line_monthly_edition_delete
    AFTER DELETE ON customer.fct_customer_product_line_monthly REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION customer._record_snapshot_edition();
CREATE OR REPLACE TRIGGER fct_customer_plan_monthly_edition_insert
    AFTER INSERT ON customer.fct_customer_plan_monthly REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION customer._record_snapshot_edition();
CREATE OR REPLACE TRIGGER fct_customer_plan_monthly_edition_update
    AFTER UPDATE ON customer.fct_customer_plan_monthly REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION customer._record_snapshot_edition();
CREATE OR REPLACE TRIGGER fct_customer_plan_monthly_edition_delete
    AFTER DELETE ON customer.fct_customer_plan_monthly REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION customer._record_snapshot_edition();
