-- customer.repair_canonical_keys() RETURNS TABLE (what text, rows bigint)
--
-- One job: bring a database loaded before keys were made canonical (release 3) to canonical keys,
-- once: db migrate calls it after deploying the procedures, and it does its work only while
-- customer.contract_sync_state.keys_canonical_at is NULL (then sets it).
--   * a customer whose company_id is not in canonical form (customer.canonical_key: full-width
--     digits, zero-width or no-break spaces, a leading apostrophe) is merged through
--     customer.merge_company (on record in customer.company_merge_log) into the customer with the
--     canonical id, which is created with its name when there is none;
--   * the keys of the source and ledger rows (company_id, 计划代码 / 年金计划号, 组合代码, 机构代码,
--     年金账户号) take their canonical form; their change triggers mark the earliest month, so the
--     next close replays the history from there (contracts under a non-canonical plan code become
--     the canonical one's);
--   * a plan whose 年金计划号 is not canonical is folded into the canonical one (kept when it exists,
--     else renamed).
-- Keys whose canonical form is blank are left as they are (counted as 'left: blank canonical key').
-- Result: one row per kind of repair with the rows it touched (none when there was nothing to do).
-- Errors: those of customer.merge_company (55P03 when a sync, refresh or load holds its lock).
-- Locking: customer._lock_mdm and the ETL's source locks (through merge_company, and taken here).
CREATE OR REPLACE FUNCTION customer.repair_canonical_keys()
RETURNS TABLE (what text, rows bigint)
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_customer record;
    v_rows bigint;
    v_merged bigint := 0;
    v_counts jsonb := '{}'::jsonb;
    v_ledger text;
BEGIN
    IF (SELECT s.keys_canonical_at FROM customer.contract_sync_state AS s) IS NOT NULL THEN
        RETURN;
    END IF;
    PERFORM customer._lock_mdm('repair_canonical_keys');
    PERFORM customer._lock_source_tables('repair_canonical_keys');

    FOR v_customer IN
        SELECT c.company_id, customer.canonical_key(c.company_id) AS canonical
        FROM customer."年金客户" AS c
        WHERE c.company_id IS DISTINCT FROM customer.canonical_key(c.company_id)
          AND customer.canonical_key(c.company_id) IS NOT NULL
        ORDER BY c.company_id
    LOOP
        PERFORM customer.merge_company(p_from => v_customer.company_id, p_into => v_customer.canonical,
                                       p_force => true);
        v_merged := v_merged + 1;
    END LOOP;
    IF v_merged > 0 THEN
        v_counts := v_counts || jsonb_build_object('customers merged into their canonical id', v_merged);
    END IF;

    UPDATE business."规模明细" AS d
    SET company_id = coalesce(customer.canonical_key(d.company_id), d.company_id),
        "计划代码" = coalesce(customer.canonical_key(d."计划代码"), d."计划代码"),
        "组合代码" = customer.canonical_key(d."组合代码"),
        "机构代码" = coalesce(customer.canonical_key(d."机构代码"), d."机构代码"),
        "年金账户号" = customer.canonical_key(d."年金账户号")
    WHERE d.company_id IS DISTINCT FROM coalesce(customer.canonical_key(d.company_id), d.company_id)
       OR d."计划代码" IS DISTINCT FROM coalesce(customer.canonical_key(d."计划代码"), d."计划代码")
       OR d."组合代码" IS DISTINCT FROM customer.canonical_key(d."组合代码")
       OR d."机构代码" IS DISTINCT FROM coalesce(customer.canonical_key(d."机构代码"), d."机构代码")
       OR d."年金账户号" IS DISTINCT FROM customer.canonical_key(d."年金账户号");
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    IF v_rows > 0 THEN
        v_counts := v_counts || jsonb_build_object('business.规模明细 rows with canonical keys', v_rows);
    END IF;
    FOREACH v_ledger IN ARRAY ARRAY['当年中标', '当年流失'] LOOP
        EXECUTE format($q$
            UPDATE customer.%I AS w
            SET company_id = coalesce(customer.canonical_key(w.company_id), w.company_id),
                "年金计划号" = coalesce(customer.canonical_key(w."年金计划号"), w."年金计划号"),
                "机构代码" = coalesce(customer.canonical_key(w."机构代码"), w."机构代码")
            WHERE w.company_id IS DISTINCT FROM coalesce(customer.canonical_key(w.company_id), w.company_id)
               OR w."年金计划号" IS DISTINCT FROM coalesce(customer.canonical_key(w."年金计划号"), w."年金计划号")
               OR w."机构代码" IS DISTINCT FROM coalesce(customer.canonical_key(w."机构代码"), w."机构代码")$q$,
            v_ledger);
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        IF v_rows > 0 THEN
            v_counts := v_counts || jsonb_build_object(format('customer.%s rows with canonical keys', v_ledger), v_rows);
        END IF;
    END LOOP;

    -- Plans: the canonical one stays (it exists) or the plan takes its canonical code.
    DELETE FROM mapping."年金计划" AS p
    WHERE p."年金计划号" IS DISTINCT FROM customer.canonical_key(p."年金计划号")
      AND EXISTS (SELECT 1 FROM mapping."年金计划" AS q WHERE q."年金计划号" = customer.canonical_key(p."年金计划号"));
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    UPDATE mapping."年金计划" AS p SET "年金计划号" = customer.canonical_key(p."年金计划号"), updated_at = now()
    WHERE p."年金计划号" IS DISTINCT FROM customer.canonical_key(p."年金计划号")
      AND customer.canonical_key(p."年金计划号") IS NOT NULL;
    GET DIAGNOSTICS v_merged = ROW_COUNT;
    IF v_rows + v_merged > 0 THEN
        v_counts := v_counts || jsonb_build_object('mapping.年金计划 plans with canonical codes', v_rows + v_merged);
    END IF;

    UPDATE customer.contract_sync_state SET keys_canonical_at = now(), updated_at = now();
    RETURN QUERY SELECT e.key, e.value::bigint FROM jsonb_each_text(v_counts) AS e ORDER BY e.key;
END
$$;

COMMENT ON FUNCTION customer.repair_canonical_keys() IS
    'Once per database (db migrate): merge customers with non-canonical ids into their canonical id and '
    'put the stored source, ledger and plan keys in canonical form. Rows touched per kind.';
REVOKE ALL ON FUNCTION customer.repair_canonical_keys() FROM PUBLIC;
