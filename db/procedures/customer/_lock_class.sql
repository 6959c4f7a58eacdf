-- customer._lock_class(p_lock text) RETURNS integer
--
-- One job: the classid of the product's transaction-level advisory locks, named once for the SQL,
-- the Python and the tests:
--   'mdm'     742  with objid 1: the sync, the refreshes, the close and merges serialise on it
--                  (customer._lock_mdm);
--   'source'  743  with objid the table's oid: loads, withdrawals and merges of one source table
--                  (customer._lock_source_table);
--   'run'     744  with objid the run_id: a session lock that a CLI run registered in the run log
--                  as running holds until its connection ends (customer.begin_run): a running row
--                  whose lock nobody holds was interrupted;
--   'migrate' 745  with objid 0: the session lock `db migrate` holds while it migrates and deploys
--                  (work_data_hub.db.deploy; taken before this function exists on a new database,
--                  so the Python names the number too and a test holds them equal).
-- NULL for another name. SQL-standard body, IMMUTABLE: inlined, a constant in the plans.
CREATE OR REPLACE FUNCTION customer._lock_class(p_lock text)
RETURNS integer
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
RETURN CASE p_lock WHEN 'mdm' THEN 742 WHEN 'source' THEN 743 WHEN 'run' THEN 744 WHEN 'migrate' THEN 745 END;

COMMENT ON FUNCTION customer._lock_class(text) IS
    'Private: the classid of the product''s advisory locks: mdm 742 (objid 1), source 743 (objid the table''s oid), run 744 (objid the run_id), migrate 745 (objid 0).';
REVOKE ALL ON FUNCTION customer._lock_class(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer._lock_class(text) TO wdh_operator;  -- the loader takes its lock (customer._lock_source_table)
