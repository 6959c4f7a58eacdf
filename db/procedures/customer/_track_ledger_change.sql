-- customer._track_ledger_change() RETURNS trigger, and its statement-level triggers on the
-- ledgers customer."当年中标" and customer."当年流失".
--
-- One job: mark stale the snapshots a ledger change feeds. A ledger row reported in month X feeds the snapshots of X … December of X's year. Marks those
-- already built as stale in customer.snapshot_month_state (TRUNCATE: every built month).
CREATE OR REPLACE FUNCTION customer._track_ledger_change()
RETURNS trigger
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_months date[];
    v_reason text := format('%s rows changed', TG_TABLE_NAME);
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE customer.snapshot_month_state AS s
        SET stale_since = coalesce(s.stale_since, now()), stale_reason = coalesce(s.stale_reason, v_reason);
        RETURN NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT array_agg(DISTINCT n."上报月份") INTO v_months FROM new_rows AS n;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        SELECT coalesce(v_months, '{}') || coalesce(array_agg(DISTINCT o."上报月份"), '{}')
        INTO v_months FROM old_rows AS o;
    END IF;
    UPDATE customer.snapshot_month_state AS s
    SET stale_since = coalesce(s.stale_since, now()), stale_reason = coalesce(s.stale_reason, v_reason)
    WHERE EXISTS (SELECT 1 FROM unnest(v_months) AS m (month)
                  WHERE s.snapshot_month >= m.month
                    AND date_trunc('year', s.snapshot_month) = date_trunc('year', m.month));
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION customer._track_ledger_change() IS
    'Private trigger function: marks built snapshot months stale when ledger rows reported in their '
    'year, up to them, change.';

REVOKE ALL ON FUNCTION customer._track_ledger_change() FROM PUBLIC;

CREATE OR REPLACE TRIGGER "当年中标_track_insert"
    AFTER INSERT ON customer."当年中标" REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION customer._track_ledger_change();
CREATE OR REPLACE TRIGGER "当年中标_track_update"
    AFTER UPDATE ON customer."当年中标" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION customer._track_ledger_change();
CREATE OR REPLACE TRIGGER "当年中标_track_delete"
    AFTER DELETE ON customer."当年中标" REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION customer._track_ledger_change();
CREATE OR REPLACE TRIGGER "当年中标_track_truncate"
    AFTER TRUNCATE ON customer."当年中标"
    FOR EACH STATEMENT EXECUTE FUNCTION customer._track_ledger_change();
CREATE OR REPLACE TRIGGER "当年流失_track_insert"
    AFTER INSERT ON customer."当年流失" REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION customer._track_ledger_change();
CREATE OR REPLACE TRIGGER "当年流失_track_update"
    AFTER UPDATE ON customer."当年流失" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION customer._track_ledger_change();
CREATE OR REPLACE TRIGGER "当年流失_track_delete"
    AFTER DELETE ON customer."当年流失" REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION customer._track_ledger_change();
CREATE OR REPLACE TRIGGER "当年流失_track_truncate"
    AFTER TRUNCATE ON customer."当年流失"
    FOR EACH STATEMENT EXECUTE FUNCTION customer._track_ledger_change();
