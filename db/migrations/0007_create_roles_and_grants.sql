-- Roles (NOLOGIN; grant them to login users):
--   wdh_operator: loads source and ledger tables, maintains dimensions, executes the functions.
--   wdh_reader  : reads the fact tables and BI views, nothing else.
-- Neither may write the contract or fact tables directly: the SECURITY DEFINER functions do.
-- Roles are cluster-wide, so they are created only when missing.
-- depends: 0006_create_settings_state_run_log

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'wdh_operator') THEN
        CREATE ROLE wdh_operator NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'wdh_reader') THEN
        CREATE ROLE wdh_reader NOLOGIN;
    END IF;
END
$$;

REVOKE ALL ON SCHEMA mapping, business, customer FROM PUBLIC;

GRANT USAGE ON SCHEMA mapping, business, customer TO wdh_operator;
GRANT SELECT ON ALL TABLES IN SCHEMA mapping, business, customer TO wdh_operator;
GRANT INSERT, UPDATE, DELETE ON business."规模明细", customer."当年中标", customer."当年流失",
    customer."年金客户", mapping."年金计划", mapping."组织架构" TO wdh_operator;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA business TO wdh_operator;
GRANT USAGE ON SEQUENCE customer."当年中标_id_seq", customer."当年流失_id_seq" TO wdh_operator;

GRANT USAGE ON SCHEMA customer TO wdh_reader;
GRANT SELECT ON customer.fct_customer_product_line_monthly, customer.fct_customer_plan_monthly
    TO wdh_reader;
