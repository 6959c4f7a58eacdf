-- business._stage_state() RETURNS bigint[]
--
-- One job: the state of this transaction's stage, pg_temp.wdh_etl_stage: its oid and the rows
-- inserted, updated and deleted in it so far (the transaction's own counters, no scan). A plan
-- (business.plan_staged_load) records it; business.apply_staged_load plans again when the stage
-- was replaced or written to since, so that a load never writes a plan of other rows. NULL when
-- nothing is staged.
CREATE OR REPLACE FUNCTION business._stage_state()
RETURNS bigint[]
LANGUAGE sql
STABLE
RETURN (SELECT ARRAY[s.oid::bigint, pg_stat_get_xact_tuples_inserted(s.oid), pg_stat_get_xact_tuples_updated(s.oid),
                     pg_stat_get_xact_tuples_deleted(s.oid)]
        FROM (SELECT to_regclass('pg_temp.wdh_etl_stage')::oid AS oid) AS s WHERE s.oid IS NOT NULL);

COMMENT ON FUNCTION business._stage_state() IS
    'Private to the loader: the stage''s oid and this transaction''s rows inserted, updated, deleted in it.';
REVOKE ALL ON FUNCTION business._stage_state() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION business._stage_state() TO wdh_operator;
