-- Settings a DBA may change, the sync state, and the run log.
-- depends: 0005_create_fact_tables

CREATE TABLE customer.mdm_settings (
    id                    boolean PRIMARY KEY DEFAULT true CHECK (id),
    strategic_top_n       integer NOT NULL DEFAULT 10 CHECK (strategic_top_n >= 0),
    strategic_threshold   numeric(20,4) NOT NULL DEFAULT 500000000 CHECK (strategic_threshold > 0),
    lock_timeout_seconds  numeric(8,2) NOT NULL DEFAULT 60 CHECK (lock_timeout_seconds >= 0),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE customer.mdm_settings IS
    'One row of settings. strategic_top_n: rank within (branch, product line) that makes a contract '
    'strategic; strategic_threshold: month AUM (inclusive) that makes it strategic whatever its rank; '
    'lock_timeout_seconds: how long sync and refresh wait for each other before failing with 55P03.';
INSERT INTO customer.mdm_settings DEFAULT VALUES;

CREATE TABLE customer.contract_sync_state (
    id                    boolean PRIMARY KEY DEFAULT true CHECK (id),
    last_applied_period   date CHECK (last_applied_period IS NULL
                                      OR last_applied_period = (date_trunc('month', last_applied_period)
                                                                + interval '1 month - 1 day')::date),
    first_applied_period  date,
    dirty_from_month      date CHECK (dirty_from_month IS NULL
                                      OR dirty_from_month = date_trunc('month', dirty_from_month)::date),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE customer.contract_sync_state IS
    'How far contract history is applied (last_applied_period, a month-end date) and the earliest '
    'source month changed since it was applied (dirty_from_month, first of month), which the next '
    'sync rewinds to and replays from.';
INSERT INTO customer.contract_sync_state DEFAULT VALUES;

CREATE TABLE customer.mdm_run_log (
    run_id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    function_name     text NOT NULL,
    period_start      date,
    period_end        date,
    dry_run           boolean NOT NULL,
    counts            jsonb NOT NULL DEFAULT '{}'::jsonb,
    started_at        timestamptz NOT NULL,
    finished_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    db_user           text NOT NULL DEFAULT session_user,
    application_name  text DEFAULT current_setting('application_name', true)
);
COMMENT ON TABLE customer.mdm_run_log IS
    'One row per call of sync_contract_status / refresh_monthly_snapshot that returned, dry runs '
    'included: periods, counts, timing, who ran it.';
CREATE INDEX mdm_run_log_started_at_idx ON customer.mdm_run_log (started_at DESC);
