-- One answer for every question (release 4): the result shapes that gain a column are dropped
-- here and recreated by the procedures deployed after this migration.
--  * customer.mdm_status() gains sync_behind (the latest loaded 规模明细 month is after the last
--    applied period) and scheduled_job_is_last_run (the scheduled job's latest run is the log's
--    latest run), which the CLI computed itself before.
--  * customer.run_monthly_close() gains lapsed: a sync step's lapsed versions, under their own
--    name; deleted keeps repeating it for a sync step (SPEC §11) and means fact rows deleted for
--    a snapshot step.
--  * customer.company_merge_log gains an index on (from_id, id): customer._merged_into follows a
--    chain by each id's latest merge, and the loader asks it for every merged-away id a file carries.
-- depends: 0024_known_states

DROP FUNCTION IF EXISTS customer.mdm_status();
DROP FUNCTION IF EXISTS customer.run_monthly_close(boolean);
CREATE INDEX company_merge_log_from_idx ON customer.company_merge_log (from_id, id);
