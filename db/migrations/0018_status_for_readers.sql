-- Where the product stands, for every login that should know (release 3):
--  * customer.mdm_settings.delivery_due_day: the day of the month by which the previous month's
--    规模明细 is due (customer.mdm_status says when it is overdue; `status --check` warns);
--  * readers see what the read commands show: the run log (`runs`), the load ledger (`etl
--    history`), the aliases and merges (`alias list`), the customers' names beside them, and
--    execute customer.provisional_identities (`identities`) and customer.mdm_status (`status`).
-- depends: 0017_trust_loaded_figures

ALTER TABLE customer.mdm_settings
    ADD COLUMN delivery_due_day integer NOT NULL DEFAULT 10 CHECK (delivery_due_day BETWEEN 1 AND 28);
COMMENT ON COLUMN customer.mdm_settings.delivery_due_day IS
    'The day of the month by which the previous month''s 规模明细 is due: later, status --check warns.';

GRANT USAGE ON SCHEMA business TO wdh_reader;
GRANT SELECT ON business.etl_load_log, customer.v_mdm_runs, customer.company_alias, customer.company_merge_log,
    customer."年金客户" TO wdh_reader;
