-- customer._settle_interrupted_runs() RETURNS integer
--
-- Private; one job: record as interrupted every run of the run log still marked running whose
-- session is gone. A CLI run (customer.begin_run) holds the session advisory lock
-- (customer._lock_class('run'), run_id) for as long as its connection lives; a kill, a lost
-- connection or a server restart ends the session and so the lock. The running row of such a run
-- was committed before its work began and its work rolled back with its session: it becomes
-- 'interrupted' as customer.run_log reads it (SQLSTATE 08006, its message), so that what readers
-- saw before and what is recorded after agree. Called by the next customer.begin_run and the next
-- customer.run_monthly_close. Result: the number of rows settled.
CREATE OR REPLACE FUNCTION customer._settle_interrupted_runs()
RETURNS integer
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_settled integer;
BEGIN
    UPDATE customer.mdm_run_log AS r
    SET status = l.status, finished_at = clock_timestamp(), sqlstate = l.sqlstate, message = l.message
    FROM customer.run_log() AS l
    WHERE l.run_id = r.run_id AND r.status = 'running' AND l.status = 'interrupted';
    GET DIAGNOSTICS v_settled = ROW_COUNT;
    RETURN v_settled;
END
$$;

COMMENT ON FUNCTION customer._settle_interrupted_runs() IS
    'Private: mark running rows of the run log whose session is gone as interrupted; returns how many.';
REVOKE ALL ON FUNCTION customer._settle_interrupted_runs() FROM PUBLIC;
