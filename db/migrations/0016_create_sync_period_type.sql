-- The sync's result per applied period as one named composite (period_end, inserted, updated,
-- lapsed, total), so that customer.sync_contract_status collects its periods in one array of it
-- instead of five parallel arrays.
-- depends: 0015_create_report_views

CREATE TYPE customer.contract_sync_period AS (
    period_end date,
    inserted   bigint,  -- versions opened
    updated    bigint,  -- versions closed because a field changed (and succeeded)
    lapsed     bigint,  -- versions closed because the contract left force
    total      bigint   -- contracts in force at the period
);
COMMENT ON TYPE customer.contract_sync_period IS
    'One period applied by customer.sync_contract_status: period_end, inserted, updated, lapsed, total.';
