-- customer.run_log()
-- RETURNS TABLE (run_id bigint, function_name text, period_start date, period_end date, dry_run boolean,
--                counts jsonb, started_at timestamptz, finished_at timestamptz, duration interval, db_user text,
--                application_name text, status text, sqlstate text, message text)
--
-- One job: the run log as it stands now, the one answer to "what state is each run in" for
-- `customer-mdm runs`, customer.mdm_status and customer._settle_interrupted_runs. The rows of
-- customer.v_mdm_runs, with a row still marked running read through customer._run_state: while
-- its session lives it is running (no finish, no duration yet); once the session is gone it is
-- interrupted, SQLSTATE 08006, with the message that says so. SQL-standard body: no search_path
-- to pin; readers call it (they read v_mdm_runs and execute _run_state).
CREATE OR REPLACE FUNCTION customer.run_log()
RETURNS TABLE (run_id bigint, function_name text, period_start date, period_end date, dry_run boolean,
               counts jsonb, started_at timestamptz, finished_at timestamptz, duration interval, db_user text,
               application_name text, status text, sqlstate text, message text)
LANGUAGE sql
STABLE
BEGIN ATOMIC
    SELECT r.run_id, r.function_name, r.period_start, r.period_end, r.dry_run, r.counts, r.started_at,
           CASE WHEN r.status = 'running' THEN NULL ELSE r.finished_at END,
           CASE WHEN r.status = 'running' THEN NULL ELSE r.duration END,
           r.db_user, r.application_name, s.state,
           CASE WHEN s.state = 'interrupted' THEN coalesce(r.sqlstate, '08006') ELSE r.sqlstate END,
           CASE WHEN s.state = 'interrupted'
                THEN coalesce(r.message, 'interrupted: its session ended before it finished (killed, the connection '
                                         'lost or the server restarted); nothing of it was committed')
                ELSE r.message END
    FROM customer.v_mdm_runs AS r
    CROSS JOIN LATERAL (SELECT customer._run_state(r.run_id, r.status) AS state) AS s;
END;

COMMENT ON FUNCTION customer.run_log() IS
    'The run log as it stands now: v_mdm_runs with a running row whose session is gone read as interrupted.';
REVOKE ALL ON FUNCTION customer.run_log() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.run_log() TO wdh_operator, wdh_reader;
