-- Editions are stamped when their transaction commits (customer._stamp_snapshot_edition), and the
-- as-of setting may name the one month it is for: customer.set_snapshot_as_of gains p_month, so
-- its old signature is dropped here and the procedure file creates the new one.
-- depends: 0021_type_merge_actions

DROP FUNCTION IF EXISTS customer.set_snapshot_as_of(timestamptz);
