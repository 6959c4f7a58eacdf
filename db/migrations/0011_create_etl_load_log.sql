-- The ETL's load ledger: one row per file loaded into business."规模明细" or a ledger table.
-- It tells an inbox run which deliveries are already loaded (same sha256) and an operator what
-- was loaded, from where, when and by whom.
-- depends: 0010_create_snapshot_state_and_run_view

CREATE TABLE business.etl_load_log (
    load_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    domain         text NOT NULL CHECK (domain IN ('annuity_performance', 'annual_award', 'annual_loss')),
    source         text NOT NULL CHECK (source IN ('inbox', 'file')),
    path           text NOT NULL,
    sha256         text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    bytes          bigint NOT NULL CHECK (bytes >= 0),
    months         date[] NOT NULL,
    rows_loaded    bigint NOT NULL CHECK (rows_loaded >= 0),
    rows_replaced  bigint NOT NULL CHECK (rows_replaced >= 0),
    loaded_at      timestamptz NOT NULL DEFAULT now(),
    loaded_by      text NOT NULL DEFAULT session_user,
    os_user        text
);
COMMENT ON TABLE business.etl_load_log IS
    'One row per file the ETL loaded: domain, whether it came from the inbox or --file, the file '
    '(absolute path, sha256, size), the months it replaced (first of month), rows loaded and rows '
    'replaced, when, the database user and the OS user.';
CREATE INDEX etl_load_log_domain_idx ON business.etl_load_log (domain, load_id DESC);
CREATE INDEX etl_load_log_months_idx ON business.etl_load_log USING gin (months);

GRANT SELECT, INSERT ON business.etl_load_log TO wdh_operator;
GRANT USAGE ON SEQUENCE business.etl_load_log_load_id_seq TO wdh_operator;
