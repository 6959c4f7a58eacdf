-- customer._track_source_change() RETURNS trigger, and its statement-level triggers on
-- business."规模明细".
--
-- One job: record the earliest source month changed by a statement when that month's contract history is
-- already applied (customer.contract_sync_state.dirty_from_month); the next sync rewinds history
-- to just before that month and replays. Only rows that can form a contract (company_id, 计划代码
-- and 产品线代码 present) count. TRUNCATE marks everything applied as changed.
--
-- Locking: takes the sync state row FOR UPDATE, so a change made while a sync runs is judged
-- against what that sync applied once it commits.
CREATE OR REPLACE FUNCTION customer._track_source_change()
RETURNS trigger
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_min_new date;
    v_min_old date;
    v_changed date;
    v_state customer.contract_sync_state%ROWTYPE;
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT min(n."月度") INTO v_min_new FROM new_rows AS n
        WHERE n.company_id IS NOT NULL AND n."产品线代码" IS NOT NULL;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        SELECT min(o."月度") INTO v_min_old FROM old_rows AS o
        WHERE o.company_id IS NOT NULL AND o."产品线代码" IS NOT NULL;
    END IF;

    IF TG_OP <> 'TRUNCATE' AND v_min_new IS NULL AND v_min_old IS NULL THEN
        RETURN NULL;  -- no contract row changed: nothing to record, and no lock on the state row
    END IF;
    SELECT * INTO v_state FROM customer.contract_sync_state FOR UPDATE;
    IF v_state.last_applied_period IS NULL THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        v_changed := date_trunc('month', v_state.first_applied_period)::date;
    ELSE
        v_changed := least(v_min_new, v_min_old);
    END IF;
    IF v_changed IS NOT NULL AND v_changed <= v_state.last_applied_period THEN
        UPDATE customer.contract_sync_state
        SET dirty_from_month = least(dirty_from_month, v_changed), updated_at = now();
    END IF;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION customer._track_source_change() IS
    'Private trigger function: records in contract_sync_state.dirty_from_month the earliest already '
    'applied month of business.规模明细 that a statement changed.';

REVOKE ALL ON FUNCTION customer._track_source_change() FROM PUBLIC;

CREATE OR REPLACE TRIGGER "规模明细_track_insert"
    AFTER INSERT ON business."规模明细" REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION customer._track_source_change();
CREATE OR REPLACE TRIGGER "规模明细_track_update"
    AFTER UPDATE ON business."规模明细" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION customer._track_source_change();
CREATE OR REPLACE TRIGGER "规模明细_track_delete"
    AFTER DELETE ON business."规模明细" REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION customer._track_source_change();
CREATE OR REPLACE TRIGGER "规模明细_track_truncate"
    AFTER TRUNCATE ON business."规模明细"
    FOR EACH STATEMENT EXECUTE FUNCTION customer._track_source_change();
