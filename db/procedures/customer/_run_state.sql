-- customer._run_state(p_run_id bigint, p_status text) RETURNS text
--
-- Private; one job: the state of a run-log row as it stands now. A row marked running is
-- 'interrupted' when no session holds its advisory lock (customer._lock_class('run'), run_id; see
-- customer.begin_run), else 'running'; every other status is itself. pg_locks is readable by
-- every role and a session lock ends with its session, whoever's it was: the answer does not depend
-- on seeing other logins' rows of pg_stat_activity.
CREATE OR REPLACE FUNCTION customer._run_state(p_run_id bigint, p_status text)
RETURNS text
LANGUAGE sql
STABLE
SECURITY DEFINER  -- readers ask it (`runs`); the lock registry is the owner's. A SQL-standard body is bound
                  -- when created: no search_path to pin.
RETURN CASE
    WHEN p_status IS DISTINCT FROM 'running' THEN p_status
    WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_locks AS l
                 WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                   AND l.database = (SELECT d.oid FROM pg_catalog.pg_database AS d
                                     WHERE d.datname = current_database())
                   AND l.classid = customer._lock_class('run')::oid
                   AND l.objid = (p_run_id % 2147483647)::integer::oid) THEN 'running'
    ELSE 'interrupted' END;

COMMENT ON FUNCTION customer._run_state(bigint, text) IS
    'Private: a run-log row''s state now: running only while a session holds its advisory lock (744, run_id), '
    'else interrupted; other statuses as they are.';
REVOKE ALL ON FUNCTION customer._run_state(bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer._run_state(bigint, text) TO wdh_operator, wdh_reader;  -- `runs` reads it
