-- customer.customer_timeline(p_company_id text)
-- RETURNS TABLE (kind text, starts date, ends date, plan_code text, plan_name text, product_line_code text,
--                product_line_name text, contract_status text, is_strategic boolean, is_existing boolean,
--                is_new boolean, is_won boolean, is_lost boolean, aum_balance numeric, reference text,
--                detail text, facts jsonb)
--
-- One job: everything known of one customer, in the order a person reads it: by starts, then kind as listed:
--   customer   one row (absent for an id merged into another): reference its name; detail, for a
--              provisional customer only, says what that means;
--   version    every version of every contract: starts valid_from, ends valid_to (9999-12-31 for
--              the current one), plan and product line with names, contract_status, is_strategic,
--              is_existing; reference the contract_id; detail what changed from the version before
--              ('opened', 'back in force after lapsing at …', 'contract_status 正常 → 停缴, …');
--   lapse      a contract's last version that was closed without a successor: starts its
--              valid_to, the day it left force;
--   month      every snapshot month of the customer (fct_customer_product_line_monthly), one row
--              per product line: starts the month end, is_strategic, is_existing, is_new, is_won
--              (is_winning_this_year), is_lost (is_churned_this_year), aum_balance; detail the plan
--              count;
--   plan_month every snapshot month of each of its contracts (fct_customer_plan_monthly): starts
--              the month end, plan and product line, contract_status, is_lost (is_churned_this_year),
--              aum_balance;
--   merge_in   a customer merged into this one; merge_out this one merged into another: starts
--              the day, reference the other id, detail who and the rows moved per table;
--   alias      each alias that identifies the customer in rows without company_id: starts and
--              ends its first and last month seen, plan_code for a plan_name alias, reference the
--              normalised alias, detail its kind and source (learned | override);
--   load       each load whose rows of the customer stand now (customer._customer_loads): starts
--              the day loaded, reference the file's path, detail the load id, domain, months and
--              the customer's rows from it.
-- facts: each row's detail as data ({"case": …, …}) for pages to word in their language; the
-- versions and lapses come from customer._timeline_versions. The key is compared canonically.
-- Errors: 22023 p_company_id NULL or blank; P0002 no customer of that id, now or merged away.
-- Read only; SECURITY DEFINER: readers see one customer's history, not the source tables.
CREATE OR REPLACE FUNCTION customer.customer_timeline(p_company_id text)
RETURNS TABLE (kind text, starts date, ends date, plan_code text, plan_name text, product_line_code text,
               product_line_name text, contract_status text, is_strategic boolean, is_existing boolean,
               is_new boolean, is_won boolean, is_lost boolean, aum_balance numeric, reference text,
               detail text, facts jsonb)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off  -- one customer: compiling costs more than it saves
AS $$
#variable_conflict use_column
DECLARE
    v_company text := customer.canonical_key(p_company_id);
BEGIN
    IF v_company IS NULL THEN
        RAISE EXCEPTION 'customer_timeline needs a company_id, got %', coalesce(quote_literal(p_company_id), 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass the customer''s id, e.g. customer.customer_timeline(''C001'').';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM customer."年金客户" AS cu WHERE cu.company_id = v_company)
       AND NOT EXISTS (SELECT 1 FROM customer.company_merge_log AS m WHERE m.from_id = v_company) THEN
        RAISE EXCEPTION 'No customer %', to_json(v_company)::text
            USING ERRCODE = 'no_data_found',
                  HINT = 'Check the id: a customer is in customer."年金客户" (customer-mdm identities lists the '
                         'provisional IN… ids).';
    END IF;

    RETURN QUERY
    SELECT x.kind, x.starts, x.ends, x.plan_code, x.plan_name, x.product_line_code, x.product_line_name,
           x.contract_status, x.is_strategic, x.is_existing, x.is_new, x.is_won, x.is_lost, x.aum_balance,
           x.reference, x.detail, x.facts
    FROM (
        SELECT 1 AS position, 'customer' AS kind, NULL::date AS starts, NULL::date AS ends, NULL::text AS plan_code,
               NULL::text AS plan_name, NULL::text AS product_line_code, NULL::text AS product_line_name,
               NULL::text AS contract_status, NULL::boolean AS is_strategic, NULL::boolean AS is_existing,
               NULL::boolean AS is_new, NULL::boolean AS is_won, NULL::boolean AS is_lost,
               NULL::numeric AS aum_balance, cu."客户名称" AS reference,
               CASE WHEN cu.is_provisional
                    THEN 'provisional: created by the loader for a name it could not resolve; a data steward may '
                         'merge it into the real customer (customer-mdm identities)'
                END AS detail,
               jsonb_build_object('case', 'customer', 'provisional', cu.is_provisional) AS facts
        FROM customer."年金客户" AS cu WHERE cu.company_id = v_company
        UNION ALL
        SELECT v.ordinal, v.kind, v.starts, v.ends, v.plan_code, v.plan_name, v.product_line_code,
               v.product_line_name, v.contract_status, v.is_strategic, v.is_existing, NULL, NULL, NULL, NULL,
               v.reference, v.detail, v.facts
        FROM customer._timeline_versions(v_company) AS v
        UNION ALL
        SELECT 4, 'month', f.snapshot_month, NULL, NULL, NULL, f.product_line_code, f.product_line_name, NULL,
               f.is_strategic, f.is_existing, f.is_new, f.is_winning_this_year, f.is_churned_this_year,
               f.aum_balance, NULL, format('%s plan(s)', f.plan_count), jsonb_build_object('case', 'month', 'plans', f.plan_count)
        FROM customer.fct_customer_product_line_monthly AS f
        WHERE f.company_id = v_company
        UNION ALL
        SELECT 4, 'plan_month', f.snapshot_month, NULL, f.plan_code, f.plan_name, f.product_line_code,
               f.product_line_name, f.contract_status, NULL, NULL, NULL, NULL, f.is_churned_this_year, f.aum_balance,
               NULL, NULL, NULL
        FROM customer.fct_customer_plan_monthly AS f
        WHERE f.company_id = v_company
        UNION ALL
        SELECT 5, CASE WHEN m.into_id = v_company THEN 'merge_in' ELSE 'merge_out' END, m.merged_at::date, NULL,
               NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
               CASE WHEN m.into_id = v_company THEN m.from_id ELSE m.into_id END,
               format('%s%s merged into %s by %s at %s; rows moved: %s', m.from_id,
                      coalesce(' (' || m.from_name || ')', ''), m.into_id, m.merged_by,
                      to_char(m.merged_at, 'YYYY-MM-DD HH24:MI'),
                      (SELECT coalesce(string_agg(format('%s %s', j.key, j.value), ', ' ORDER BY j.key), 'none')
                       FROM jsonb_each_text(m.rows_moved) AS j WHERE j.value <> '0')),
               jsonb_build_object('case', 'merge', 'from', m.from_id, 'from_name', m.from_name, 'into', m.into_id,
                                  'by', m.merged_by, 'at', to_char(m.merged_at, 'YYYY-MM-DD HH24:MI'),
                                  'moved', m.rows_moved)
        FROM customer.company_merge_log AS m
        WHERE m.into_id = v_company OR m.from_id = v_company
        UNION ALL
        SELECT 6, 'alias', a.first_month, a.last_month, nullif(a.plan_code, ''), NULL, NULL, NULL, NULL, NULL,
               NULL, NULL, NULL, NULL, NULL, a.alias, format('%s alias, %s', a.kind, a.source),
               jsonb_build_object('case', 'alias', 'kind', a.kind, 'source', a.source)
        FROM customer.company_alias AS a
        WHERE a.company_id = v_company
        UNION ALL
        SELECT 7, 'load', l.loaded_at::date, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
               NULL, l.path,
               format('load #%s (%s, by %s): %s row(s) of this customer in %s', l.load_id, l.domain, l.loaded_by,
                      l.rows, l.months),
               jsonb_build_object('case', 'load', 'load_id', l.load_id, 'domain', l.domain, 'by', l.loaded_by,
                                  'rows', l.rows, 'months', l.months)
        FROM customer._customer_loads(v_company) AS l
    ) AS x
    ORDER BY x.starts NULLS FIRST, x.position, x.plan_code, x.product_line_code, x.reference;
END
$$;

COMMENT ON FUNCTION customer.customer_timeline(text) IS
    'Everything known of one customer, in date order: contract versions and lapses, snapshot months, merges, '
    'aliases and the loads whose rows stand.';
REVOKE ALL ON FUNCTION customer.customer_timeline(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.customer_timeline(text) TO wdh_reader, wdh_operator;
