-- Layers talk in types (release 3): customer.merge_company reports what it did to each table in a
-- column of its own, action ('moved' | 'created' | 'removed'), instead of a suffix on the table's
-- name that callers had to match. Its result shape changes: the old signature is dropped here and
-- the procedure file creates the new one; customer.merge_move is the row it collects.
-- depends: 0020_snapshot_editions

DROP FUNCTION IF EXISTS customer.merge_company(text, text, boolean, boolean);

CREATE TYPE customer.merge_move AS (
    table_name  text,
    rows_moved  bigint,
    action      text  -- moved | created | removed
);
COMMENT ON TYPE customer.merge_move IS
    'One table customer.merge_company touched: its name, the rows, and what was done (moved, created, removed).';
