-- customer._stamp_snapshot_edition() RETURNS trigger, and its deferred constraint trigger on
-- customer.snapshot_edition.
--
-- One job: give an edition the moment its transaction commits as built_at (clock_timestamp() at
-- the end of the transaction, when deferred constraint triggers fire), instead of the moment the
-- transaction started: a report written while a long close was still running showed the edition
-- before, and "as of" a moment must give what a reader could see then. The few milliseconds
-- between this and the commit itself are the only window left.
CREATE OR REPLACE FUNCTION customer._stamp_snapshot_edition()
RETURNS trigger
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE customer.snapshot_edition AS e SET built_at = clock_timestamp()
    WHERE e.snapshot_month = NEW.snapshot_month AND e.edition = NEW.edition;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION customer._stamp_snapshot_edition() IS
    'Private trigger function: an edition''s built_at is the moment its transaction commits.';

REVOKE ALL ON FUNCTION customer._stamp_snapshot_edition() FROM PUBLIC;

-- A constraint trigger cannot be replaced: dropped and created again on every deployment.
DROP TRIGGER IF EXISTS snapshot_edition_stamp ON customer.snapshot_edition;
CREATE CONSTRAINT TRIGGER snapshot_edition_stamp
    AFTER INSERT ON customer.snapshot_edition DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION customer._stamp_snapshot_edition();
