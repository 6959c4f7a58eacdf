-- customer._refresh_contract_names() RETURNS bigint
--
-- Private; one job: the names on current contract versions (product_line_name, customer_name,
-- plan_name) follow the dimensions (产品线, 年金客户, 年金计划), in place; the built snapshots that
-- show those versions (from the earliest one's valid_from on) are then stale. First which versions
-- (one scan of the current ones), then only those are written: joined back to the whole history,
-- the update would read every version to change none. Returns the versions renamed. Called by
-- customer.sync_contract_status, which holds the MDM lock.
CREATE OR REPLACE FUNCTION customer._refresh_contract_names()
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_renamed bigint[];
    v_first date;
BEGIN
    SELECT array_agg(c.contract_id) INTO v_renamed
    FROM customer.customer_plan_contract AS c
    JOIN mapping."产品线" AS pl ON pl."产品线代码" = c.product_line_code
    JOIN customer."年金客户" AS cu ON cu.company_id = c.company_id
    LEFT JOIN mapping."年金计划" AS pn ON pn."年金计划号" = c.plan_code
    WHERE c.valid_to = date '9999-12-31'
      AND (c.product_line_name, c.customer_name, c.plan_name)
          IS DISTINCT FROM (pl."产品线", cu."客户名称", pn."计划全称");
    IF v_renamed IS NULL THEN
        RETURN 0;
    END IF;
    WITH renamed AS (
        UPDATE customer.customer_plan_contract AS c
        SET product_line_name = pl."产品线", customer_name = cu."客户名称",
            plan_name = (SELECT pn."计划全称" FROM mapping."年金计划" AS pn WHERE pn."年金计划号" = c.plan_code),
            updated_at = now()
        FROM mapping."产品线" AS pl, customer."年金客户" AS cu
        WHERE c.contract_id = ANY (v_renamed)
          AND pl."产品线代码" = c.product_line_code AND cu.company_id = c.company_id
        RETURNING c.valid_from
    )
    SELECT min(r.valid_from) INTO v_first FROM renamed AS r;
    PERFORM customer._mark_snapshots_stale(v_first, NULL, 'names changed');
    RETURN cardinality(v_renamed);
END
$$;

COMMENT ON FUNCTION customer._refresh_contract_names() IS
    'Private to the sync: names on current contract versions follow the dimensions; their snapshots become stale.';
REVOKE ALL ON FUNCTION customer._refresh_contract_names() FROM PUBLIC;
