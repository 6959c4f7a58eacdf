-- Every fault ends in a known state (release 4):
--  * customer.mdm_deployment: one row, the stamp of the procedures deployed (a digest of
--    db/procedures, the last migration applied when they were deployed, the package version, when
--    and by whom), written by `db migrate` in the transaction that deploys them. A kill between the
--    migrations and the deploy leaves a stamp older than the migrations: customer.mdm_status() and
--    `db status` say so, and loads, closes and merges refuse until `db migrate` runs again.
--  * The run log gains the states running (a CLI run registered before its work, holding a session
--    advisory lock for as long as its connection lives), refused (bad input: recorded, no failure
--    for monitoring) and interrupted (a running row whose lock holder is gone: a kill, a lost
--    connection, a server restart). customer.begin_run / end_run / _settle_interrupted_runs.
--  * Who: the merge log's merged_by defaults to session_user (current_user is the owner inside the
--    SECURITY DEFINER merge); aliases and overrides record the login that set them (recorded_by).
--  * customer.mdm_status() gains the deployment stamp, its problem, and the running run's start.
-- depends: 0023_hold_gate_to_invariants

CREATE TABLE customer.mdm_deployment (
    singleton         boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    procedures_digest text NOT NULL CHECK (procedures_digest ~ '^[0-9a-f]{64}$'),
    migration_id      text NOT NULL,
    package_version   text NOT NULL,
    deployed_at       timestamptz NOT NULL DEFAULT now(),
    deployed_by       text NOT NULL DEFAULT session_user
);
COMMENT ON TABLE customer.mdm_deployment IS
    'The procedures deployed: sha256 of db/procedures (path and text of every file, in order), the last '
    'migration applied at their deploy, the package version; written by db migrate with the deploy.';
GRANT SELECT ON customer.mdm_deployment TO wdh_operator, wdh_reader;

ALTER TABLE customer.mdm_run_log
    DROP CONSTRAINT mdm_run_log_status_check,
    DROP CONSTRAINT mdm_run_log_failure_described;
ALTER TABLE customer.mdm_run_log
    ADD CONSTRAINT mdm_run_log_status_check
        CHECK (status IN ('running', 'succeeded', 'failed', 'refused', 'interrupted')),
    ADD CONSTRAINT mdm_run_log_failure_described
        CHECK (status IN ('running', 'succeeded') OR (sqlstate IS NOT NULL AND message IS NOT NULL));
CREATE INDEX mdm_run_log_running_idx ON customer.mdm_run_log (run_id) WHERE status = 'running';
COMMENT ON COLUMN customer.mdm_run_log.status IS
    'running (registered by the CLI before its work; its session holds advisory lock 744/run_id), succeeded, '
    'failed, refused (bad input, no failure for monitoring), interrupted (its backend went away).';

ALTER TABLE customer.company_merge_log ALTER COLUMN merged_by SET DEFAULT session_user;
COMMENT ON COLUMN customer.company_merge_log.merged_by IS
    'The login that merged (session_user; before 0024 the owner, current_user inside the merge).';

ALTER TABLE customer.company_alias ADD COLUMN recorded_by text NOT NULL DEFAULT session_user;
COMMENT ON COLUMN customer.company_alias.recorded_by IS
    'The login that set the alias or override last (session_user; the owner for rows before 0024).';

DROP FUNCTION IF EXISTS customer.mdm_status();
