-- Trust every loaded figure (release 3):
--  * customer.mdm_settings gains the anomaly gate's thresholds: a file's control figures are
--    compared with the month it replaces (or, for a new month, the latest loaded month) before
--    anything is written; outside these bounds the load is refused unless the operator accepts
--    the named deviations.
--  * business.etl_load_log records each load's control figures, the deviations accepted and who
--    accepted them, what the load added (customers, plans: a withdrawal removes what only its
--    month brought) and withdrawals (action 'withdrawal': the inbox does not load that content
--    again).
--  * customer.contract_sync_state.keys_canonical_at: when the keys already stored were put in
--    canonical form (customer.repair_canonical_keys, run once after the procedures are deployed).
-- depends: 0016_create_sync_period_type

ALTER TABLE customer.mdm_settings
    ADD COLUMN gate_total_aum_min_ratio   numeric(10,4) NOT NULL DEFAULT 0.5 CHECK (gate_total_aum_min_ratio >= 0),
    ADD COLUMN gate_total_aum_max_ratio   numeric(10,4) NOT NULL DEFAULT 2 CHECK (gate_total_aum_max_ratio > 0),
    ADD COLUMN gate_line_aum_min_ratio    numeric(10,4) NOT NULL DEFAULT 0.2 CHECK (gate_line_aum_min_ratio >= 0),
    ADD COLUMN gate_line_aum_max_ratio    numeric(10,4) NOT NULL DEFAULT 5 CHECK (gate_line_aum_max_ratio > 0),
    ADD COLUMN gate_max_unseen_share      numeric(6,4) NOT NULL DEFAULT 0.2
        CHECK (gate_max_unseen_share BETWEEN 0 AND 1),
    ADD COLUMN gate_min_replacement_ratio numeric(6,4) NOT NULL DEFAULT 0.5
        CHECK (gate_min_replacement_ratio BETWEEN 0 AND 1),
    ADD COLUMN gate_min_rows              integer NOT NULL DEFAULT 50 CHECK (gate_min_rows >= 0),
    ADD COLUMN gate_min_ledger_rows       integer NOT NULL DEFAULT 10 CHECK (gate_min_ledger_rows >= 0);
COMMENT ON TABLE customer.mdm_settings IS
    'One row of settings. strategic_top_n: rank within (branch, product line) that makes a contract '
    'strategic; strategic_threshold: month AUM (inclusive) that makes it strategic whatever its rank; '
    'lock_timeout_seconds: how long sync, refresh and loads wait for each other before failing with '
    '55P03; gate_*: the anomaly gate of every load (a file''s total AUM and each product line''s '
    'within [min, max] × the compared month, at most gate_max_unseen_share of its rows under ids '
    'the master has never seen, a replacement keeping at least gate_min_replacement_ratio of the '
    'rows and AUM it replaces, a ledger replacement of a year''s rows); the gate compares only when '
    'the compared month and the file hold at least gate_min_rows rows each (a ledger year: '
    'gate_min_ledger_rows loaded rows): ratios of a handful of rows mean nothing.';

ALTER TABLE business.etl_load_log
    ADD COLUMN action text NOT NULL DEFAULT 'load' CHECK (action IN ('load', 'withdrawal')),
    ADD COLUMN control_figures jsonb,
    ADD COLUMN deviations_accepted jsonb,
    ADD COLUMN accepted_by text,
    ADD COLUMN customers_added text[] NOT NULL DEFAULT '{}',
    ADD COLUMN plans_added text[] NOT NULL DEFAULT '{}',
    ADD COLUMN renames jsonb,
    ADD CONSTRAINT etl_load_log_acceptance_signed
        CHECK (deviations_accepted IS NULL OR accepted_by IS NOT NULL);
COMMENT ON TABLE business.etl_load_log IS
    'One row per file the ETL loaded (action load) or per month withdrawn (action withdrawal, with '
    'the withdrawn load''s file): domain, whether it came from the inbox or --file, the file '
    '(absolute path, sha256, size), the months it replaced (first of month), rows loaded and rows '
    'replaced, when, the database user and the OS user; the file''s control figures (rows, '
    'customers, contracts, AUM and contributions in total and per product line, shares of rows '
    'under never-seen and provisional ids), the anomaly-gate deviations accepted and who accepted '
    'them, the customers and plans the load added, and the renames it made (kind, key, old and new '
    'name: a withdrawal gives the old names back).';

ALTER TABLE customer.contract_sync_state
    ADD COLUMN keys_canonical_at timestamptz;
COMMENT ON COLUMN customer.contract_sync_state.keys_canonical_at IS
    'When customer.repair_canonical_keys put the stored keys in canonical form (NULL: not yet).';
GRANT DELETE ON customer.company_alias TO wdh_operator;  -- a withdrawal removes the aliases only its month taught
