-- business._remove_month_customers(p_month date, p_customers text[])
-- RETURNS TABLE (customers_removed bigint, aliases_removed bigint)
--
-- Private to business.withdraw_month; one job: remove the customers a withdrawn month brought: of
-- p_customers (those its loads added, business.etl_load_log.customers_added), each that no source
-- row, ledger row, plan, merge or steward's override alias names any more goes from
-- customer."年金客户" with its aliases, snapshot rows (the editions record why: the withdrawal of
-- p_month) and contract versions. Runs inside withdraw_month's transaction and lock.
CREATE OR REPLACE FUNCTION business._remove_month_customers(p_month date, p_customers text[])
RETURNS TABLE (customers_removed bigint, aliases_removed bigint)
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    -- What only this month brought: added by its loads, named by nothing any more.
    CREATE TEMP TABLE wdh_withdrawn_customers ON COMMIT DROP AS
    SELECT c.company_id FROM customer."年金客户" AS c
    WHERE c.company_id = ANY(p_customers)
      AND NOT EXISTS (SELECT 1 FROM business."规模明细" AS d WHERE d.company_id = c.company_id)
      AND NOT EXISTS (SELECT 1 FROM customer."当年中标" AS w WHERE w.company_id = c.company_id)
      AND NOT EXISTS (SELECT 1 FROM customer."当年流失" AS x WHERE x.company_id = c.company_id)
      AND NOT EXISTS (SELECT 1 FROM mapping."年金计划" AS p WHERE p.company_id = c.company_id)
      AND NOT EXISTS (SELECT 1 FROM customer.company_merge_log AS m WHERE m.into_id = c.company_id)
      -- a steward's work on it stays, and so does the customer
      AND NOT EXISTS (SELECT 1 FROM customer.company_alias AS a
                      WHERE a.company_id = c.company_id AND a.source = 'override');
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_withdrawn_customers (company_id text)';
    DELETE FROM customer.company_alias AS a USING pg_temp.wdh_withdrawn_customers AS w
    WHERE a.company_id = w.company_id;
    GET DIAGNOSTICS aliases_removed = ROW_COUNT;
    PERFORM set_config('wdh.edition_reason',
                       format('withdrawal of %s: customers only it brought removed', to_char(p_month, 'YYYY-MM')), true);
    DELETE FROM customer.fct_customer_plan_monthly AS f USING pg_temp.wdh_withdrawn_customers AS w
    WHERE f.company_id = w.company_id;
    DELETE FROM customer.fct_customer_product_line_monthly AS f USING pg_temp.wdh_withdrawn_customers AS w
    WHERE f.company_id = w.company_id;
    PERFORM set_config('wdh.edition_reason', '', true);
    DELETE FROM customer.customer_plan_contract AS v USING pg_temp.wdh_withdrawn_customers AS w
    WHERE v.company_id = w.company_id;
    DELETE FROM customer."年金客户" AS c USING pg_temp.wdh_withdrawn_customers AS w
    WHERE c.company_id = w.company_id;
    GET DIAGNOSTICS customers_removed = ROW_COUNT;
    DROP TABLE pg_temp.wdh_withdrawn_customers;
    RETURN NEXT;
END
$$;

COMMENT ON FUNCTION business._remove_month_customers(date, text[]) IS
    'Private to withdraw_month: remove the customers only the withdrawn month brought, with their versions, '
    'snapshot rows and aliases.';
REVOKE ALL ON FUNCTION business._remove_month_customers(date, text[]) FROM PUBLIC;
