-- customer.end_run(p_run_id bigint) RETURNS void
--
-- One job: end a run registered by customer.begin_run, inside the transaction that holds the run's
-- outcome (its work and its own run-log row, or the failure record): the running row is removed
-- with that transaction's commit and stays, to be found interrupted, when the commit is lost.
-- Releases the run's session advisory lock. A run_id that is not running is ignored (its row was
-- settled as interrupted meanwhile, or the call is repeated).
CREATE OR REPLACE FUNCTION customer.end_run(p_run_id bigint)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_ended integer;
BEGIN
    DELETE FROM customer.mdm_run_log AS r WHERE r.run_id = p_run_id AND r.status = 'running';
    GET DIAGNOSTICS v_ended = ROW_COUNT;
    IF v_ended > 0 AND EXISTS (SELECT 1 FROM pg_catalog.pg_locks AS l  -- this session's (a fresh one holds none)
                               WHERE l.locktype = 'advisory' AND l.pid = pg_backend_pid() AND l.objsubid = 2
                                 AND l.classid = customer._lock_class('run')::oid
                                 AND l.objid = (p_run_id % 2147483647)::integer::oid) THEN
        PERFORM pg_advisory_unlock(customer._lock_class('run'), (p_run_id % 2147483647)::integer);
    END IF;
END
$$;

COMMENT ON FUNCTION customer.end_run(bigint) IS
    'End a run registered by begin_run, in the transaction of its outcome: removes the running row, '
    'releases the run''s advisory lock.';
REVOKE ALL ON FUNCTION customer.end_run(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.end_run(bigint) TO wdh_operator;
