-- Failures on record and one monthly close.
--  * The run log records failed calls too: status, SQLSTATE and message. A failed call's own
--    writes roll back with it, so the row is written by whoever saw the failure: the CLI and the
--    post-ETL hooks through customer.record_failed_run, the pg_cron job through the private
--    customer._run_scheduled_close, which catches the failure of its close and records it.
--  * One pg_cron job (wdh_monthly_close) replaces the sync and snapshot jobs: the signature of
--    customer.schedule_mdm_jobs changes, so the old one is dropped here.
-- depends: 0011_create_etl_load_log

ALTER TABLE customer.mdm_run_log
    ADD COLUMN status text NOT NULL DEFAULT 'succeeded' CHECK (status IN ('succeeded', 'failed')),
    ADD COLUMN sqlstate text,
    ADD COLUMN message text,
    ADD CONSTRAINT mdm_run_log_failure_described
        CHECK (status = 'succeeded' OR (sqlstate IS NOT NULL AND message IS NOT NULL));
COMMENT ON TABLE customer.mdm_run_log IS
    'One row per call of sync_contract_status, refresh_monthly_snapshot, refresh_snapshots, '
    'run_monthly_close and request_contract_rebuild: periods, counts, timing, who ran it; failed '
    'calls (status failed, sqlstate, message) as recorded by the caller or the scheduled close.';

CREATE OR REPLACE VIEW customer.v_mdm_runs AS
SELECT r.run_id, r.function_name, r.period_start, r.period_end, r.dry_run, r.counts,
       r.started_at, r.finished_at, r.finished_at - r.started_at AS duration,
       r.db_user, r.application_name, r.status, r.sqlstate, r.message
FROM customer.mdm_run_log AS r;
COMMENT ON VIEW customer.v_mdm_runs IS
    'Every call of the sync, the snapshot refreshes, the monthly close and the rebuild request, '
    'succeeded or failed (status, sqlstate, message), dry runs included, with its periods, counts, '
    'duration and who ran it (application_name pg_cron for the scheduled close).';

DROP FUNCTION IF EXISTS customer.schedule_mdm_jobs(text, text);

-- Result rows that the refresh and the close gather while they work (one composite each, not
-- parallel arrays).
CREATE TYPE customer.snapshot_refresh_result AS (
    period_end date, product_line_rows bigint, plan_rows bigint, inserted bigint, updated bigint, deleted bigint);
CREATE TYPE customer.close_step_result AS (
    step text, period_end date, inserted bigint, updated bigint, deleted bigint);
