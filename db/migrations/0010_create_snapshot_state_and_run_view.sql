-- Which snapshot months are built and whether their inputs changed since (stale), and a view
-- of the run log for operators.
-- depends: 0009_create_bi_views

CREATE TABLE customer.snapshot_month_state (
    snapshot_month  date PRIMARY KEY,
    refreshed_at    timestamptz NOT NULL,
    stale_since     timestamptz,
    stale_reason    text
);
COMMENT ON TABLE customer.snapshot_month_state IS
    'One row per built snapshot month (month-end date): when refresh_monthly_snapshot last built it, '
    'and, when its inputs changed since (contract history replayed by a sync, ledger rows of its year '
    'up to it changed), since when and why it is stale. A refresh clears the mark.';

INSERT INTO customer.snapshot_month_state (snapshot_month, refreshed_at)
SELECT snapshot_month, max(updated_at) FROM customer.fct_customer_product_line_monthly GROUP BY 1;

CREATE VIEW customer.v_mdm_runs AS
SELECT r.run_id, r.function_name, r.period_start, r.period_end, r.dry_run, r.counts,
       r.started_at, r.finished_at, r.finished_at - r.started_at AS duration,
       r.db_user, r.application_name
FROM customer.mdm_run_log AS r;
COMMENT ON VIEW customer.v_mdm_runs IS
    'Every call of sync_contract_status, refresh_monthly_snapshot and request_contract_rebuild that '
    'returned (dry runs included), with its periods, counts, duration and who ran it.';

GRANT SELECT ON customer.snapshot_month_state, customer.v_mdm_runs TO wdh_operator;
