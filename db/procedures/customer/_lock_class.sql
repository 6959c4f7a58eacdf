-- customer._lock_class(p_lock text) RETURNS integer
--
-- One job: the classid of the product's transaction-level advisory locks, named once for the SQL,
-- the Python and the tests:
--   'mdm'     742  with objid 1: the sync, the refreshes, the close and merges serialise on it
--                  (customer._lock_mdm);
--   'source'  743  with objid the table's oid: loads, withdrawals and merges of one source table
--                  (customer._lock_source_table).
-- NULL for another name. SQL-standard body, IMMUTABLE: inlined, a constant in the plans.
CREATE OR REPLACE FUNCTION customer._lock_class(p_lock text)
RETURNS integer
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
RETURN CASE p_lock WHEN 'mdm' THEN 742 WHEN 'source' THEN 743 END;

COMMENT ON FUNCTION customer._lock_class(text) IS
    'Private: the classid of the product''s advisory locks: mdm 742 (objid 1), source 743 (objid the table''s oid).';
REVOKE ALL ON FUNCTION customer._lock_class(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer._lock_class(text) TO wdh_operator;  -- the loader takes its lock (customer._lock_source_table)
