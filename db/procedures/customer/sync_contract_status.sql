-- customer.sync_contract_status(p_dry_run boolean DEFAULT false, p_period_end date DEFAULT NULL)
-- RETURNS TABLE (period_end date, inserted bigint, updated bigint, lapsed bigint, total bigint)
--
-- Brings the SCD2 contract history (customer.customer_plan_contract) up to date through the
-- target period: p_period_end (a month-end date) or, when NULL, the latest month loaded in
-- business."规模明细". Every period not yet applied is applied, oldest first, starting after the
-- last applied period (or at the earliest source month on a fresh database). A target already
-- applied is a no-op. When source rows of an applied month changed since (see
-- customer._track_source_change, customer.request_contract_rebuild), history is first rewound to
-- just before the earliest changed month and replayed.
--
-- Applying period P (M = its first day, E = its last, Y = its year), for every contract
-- (company_id, 计划代码, 产品线代码) with a source row in the 12 months M-11 … M ("in force"):
--   contract_status = '正常' iff SUM(期末资产规模) in M > 0 and SUM(供款) over M-11 … M > 0, else '停缴'
--   is_existing     = SUM(期末资产规模) in December of Y-1 > 0
--   is_strategic    = strategic in any month from December of Y-1 to M, where a contract is
--                     strategic in a month when one of its (contract, branch) groups with
--                     positive AUM ranks <= mdm_settings.strategic_top_n within its
--                     (机构代码, 产品线代码) partition (AUM desc, then company_id, plan_code in C
--                     collation) or has AUM >= mdm_settings.strategic_threshold
--   status_year     = Y
-- A contract without a current version gets one (valid_from = E); a current version that
-- differs in those four fields is closed at E and succeeded; a current version of a contract no
-- longer in force is closed at E (lapsed). Names on current versions are refreshed in place.
-- Nothing after M is read for P, and P reads three months whatever the length of the history:
-- applying P derives the state of every contract in force at M from month M's source rows and the
-- contract's rows of customer.contract_month_summary for M-1 (last month with a source row, the
-- 12-month contribution sum, strategic since December, existing) and M-12 (the contribution that
-- leaves the window), and stores it as the summary row of M. The summary holds exactly the applied
-- months and is rewound with the history, so it always equals what the source says for those
-- months. Settings (top_n, threshold) apply to the months applied after they change;
-- request_contract_rebuild recomputes older ones.
--
-- Built snapshots of the periods applied are marked stale in customer.snapshot_month_state.
--
-- Result: one row per period applied: period_end, inserted (versions opened), updated (versions
-- closed because a field changed), lapsed (versions closed because the contract left force),
-- total (contracts in force). A no-op returns one row for the target with zero changes and the
-- number of versions in effect at it.
--
-- Errors: 22023 p_period_end not a month-end date, after the latest or before the first loaded month;
--         P0002 business."规模明细" is empty and nothing was ever synced (when every source row was
--               withdrawn after a sync, the history goes too and no row is returned);
--         55000 a month to apply has no source row while later months are loaded (a missing
--               delivery): the missing months are named; nothing is written;
--         23503 source contracts reference customers (年金客户) or product lines (产品线) that do
--               not exist: nothing is written;
--         55P03 another sync or refresh holds the lock longer than lock_timeout_seconds.
-- Locking: customer._lock_mdm (transaction-level advisory lock shared with the snapshot refresh),
--          and the sync state row FOR UPDATE.
-- Dry run: the same code path; its writes (history, state) are rolled back at the end and the
--          contract_id sequence restored. The run log records the call, dry runs included.
CREATE OR REPLACE FUNCTION customer.sync_contract_status(
    p_dry_run boolean DEFAULT false,
    p_period_end date DEFAULT NULL)
RETURNS TABLE (period_end date, inserted bigint, updated bigint, lapsed bigint, total bigint)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET work_mem = '64MB'  -- a month's hash joins and aggregates fit in memory at 10x production size
SET jit = off  -- whole-set joins over one month: compiling them costs more than it saves
AS $$
#variable_conflict use_column
DECLARE
    c_open constant date := date '9999-12-31';
    v_started timestamptz := clock_timestamp();
    v_target date := customer._period_end(p_period_end, 'p_period_end');
    v_state customer.contract_sync_state%ROWTYPE;
    v_first_month date;
    v_latest_month date;
    v_start date;
    v_rewound_from date;
    v_month date;
    v_end date;
    v_top_n integer;
    v_threshold numeric;
    v_missing_customers bigint;
    v_missing_lines bigint;
    v_missing_keys text;
    v_missing_months text[];
    v_withdrawn boolean := false;
    v_dirty_after date;
    v_renamed bigint[];
    v_periods date[] := '{}'::date[];
    v_inserted bigint[] := '{}'::bigint[];
    v_updated bigint[] := '{}'::bigint[];
    v_lapsed bigint[] := '{}'::bigint[];
    v_total bigint[] := '{}'::bigint[];
    v_n bigint;
    v_u bigint;
    v_l bigint;
    v_t bigint;
    v_seq_last bigint;
    v_seq_called boolean;
BEGIN
    IF p_dry_run IS NULL THEN
        RAISE EXCEPTION 'p_dry_run must be true or false, not NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM customer._lock_mdm('sync_contract_status');
    SELECT s.last_value, s.is_called INTO v_seq_last, v_seq_called
    FROM customer.customer_plan_contract_contract_id_seq AS s;

    BEGIN  -- every write happens in here; a dry run rolls this block back
        SELECT * INTO v_state FROM customer.contract_sync_state FOR UPDATE;
        SELECT min(d."月度"), max(d."月度") INTO v_first_month, v_latest_month FROM business."规模明细" AS d;
        IF v_latest_month IS NULL AND v_state.last_applied_period IS NOT NULL THEN
            -- Every source row was withdrawn: the history they made goes too (refresh_snapshots then
            -- removes every snapshot month). No period is applied, so no row is returned.
            DELETE FROM customer.customer_plan_contract;
            DELETE FROM customer.contract_month_summary;
            v_rewound_from := date_trunc('month', v_state.first_applied_period)::date;
            v_state.last_applied_period := NULL;
            v_state.first_applied_period := NULL;
            v_withdrawn := true;
        ELSIF v_latest_month IS NULL THEN
            RAISE EXCEPTION 'business."规模明细" has no rows: there is nothing to sync'
                USING ERRCODE = 'no_data_found',
                      HINT = 'Load the AUM detail first: etl --domain annuity_performance --execute.';
        END IF;
        IF v_withdrawn THEN
            NULL;  -- nothing to apply
        ELSIF v_target IS NULL THEN
            v_target := (v_latest_month + interval '1 month - 1 day')::date;
        ELSIF v_target > (v_latest_month + interval '1 month - 1 day')::date THEN
            RAISE EXCEPTION 'Period % is after the latest loaded month %', to_char(v_target, 'YYYY-MM'),
                    to_char(v_latest_month, 'YYYY-MM')
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = format('Load %s first (etl --domain annuity_performance --period %s --execute), or sync '
                                    'through the latest loaded month (no period).',
                                    to_char(v_target, 'YYYY-MM'), to_char(v_target, 'YYYYMM'));
        ELSIF v_target < v_first_month THEN
            RAISE EXCEPTION 'Period % is before the first loaded month %', to_char(v_target, 'YYYY-MM'),
                    to_char(v_first_month, 'YYYY-MM')
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = format('Pick a period from %s on, or load the earlier months first.',
                                    to_char(v_first_month, 'YYYYMM'));
        END IF;

        -- Source corrections: rewind to just before the earliest changed month, then replay. A
        -- correction after an explicit target waits for a sync that reaches it; without a target
        -- (through the latest loaded month) it is always replayed, withdrawn months included.
        IF NOT v_withdrawn AND v_state.dirty_from_month IS NOT NULL AND v_state.last_applied_period IS NOT NULL
           AND v_state.dirty_from_month <= v_state.last_applied_period
           AND (p_period_end IS NULL OR v_state.dirty_from_month <= v_target) THEN
            v_rewound_from := v_state.dirty_from_month;
            IF v_rewound_from <= v_state.first_applied_period THEN
                DELETE FROM customer.customer_plan_contract;
                DELETE FROM customer.contract_month_summary;
                v_state.last_applied_period := NULL;
                v_state.first_applied_period := NULL;
            ELSE
                v_end := (v_rewound_from + interval '1 month - 1 day')::date;
                DELETE FROM customer.customer_plan_contract AS c WHERE c.valid_from >= v_end;
                UPDATE customer.customer_plan_contract AS c SET valid_to = c_open, updated_at = now()
                WHERE c.valid_to >= v_end AND c.valid_to <> c_open;
                DELETE FROM customer.contract_month_summary AS m WHERE m.month >= v_rewound_from;
                v_state.last_applied_period := v_rewound_from - 1;
            END IF;
        END IF;

        v_start := CASE WHEN v_withdrawn THEN NULL ELSE coalesce(v_state.last_applied_period + 1, v_first_month) END;

        -- A month without any source row between loaded months is a missing delivery, not a month
        -- in which every contract stopped: refuse it (nothing is written).
        SELECT array_agg(to_char(g, 'YYYY-MM') ORDER BY g) INTO v_missing_months
        FROM generate_series(v_start, v_target, interval '1 month') AS g
        WHERE NOT EXISTS (SELECT 1 FROM business."规模明细" AS d WHERE d."月度" = g::date);
        IF v_missing_months IS NOT NULL AND NOT v_withdrawn THEN
            RAISE EXCEPTION '% month(s) between % and % have no AUM detail (规模明细) loaded: %',
                    cardinality(v_missing_months), to_char(v_start, 'YYYY-MM'), to_char(v_target, 'YYYY-MM'),
                    array_to_string(v_missing_months[1:12], ', ')
                        || CASE WHEN cardinality(v_missing_months) > 12 THEN ', …' ELSE '' END
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'Applying them would turn every contract 停缴 and lapse it; later months are loaded.',
                      HINT = 'Load the missing months (etl --domain annuity_performance --period YYYYMM --execute), '
                             'then sync again.';
        END IF;

        IF v_start <= v_target THEN
            SELECT s.strategic_top_n, s.strategic_threshold INTO v_top_n, v_threshold FROM customer.mdm_settings AS s;

            -- Every customer and product line that the new months reference must exist. Earlier
            -- months' contracts have versions, whose foreign keys keep theirs in place.
            WITH missing AS (  -- one pass over the rows, each probing both dimensions
                SELECT d.company_id, d."产品线代码" AS product_line_code,
                       cu.company_id IS NULL AS no_customer, pl."产品线代码" IS NULL AS no_line
                FROM business."规模明细" AS d
                LEFT JOIN customer."年金客户" AS cu ON cu.company_id = d.company_id
                LEFT JOIN mapping."产品线" AS pl ON pl."产品线代码" = d."产品线代码"
                WHERE d."月度" BETWEEN v_start AND v_target
                  AND d.company_id IS NOT NULL AND d."产品线代码" IS NOT NULL
                  AND (cu.company_id IS NULL OR pl."产品线代码" IS NULL)
            ), bad AS (
                SELECT DISTINCT 1 AS kind, m.company_id AS key FROM missing AS m WHERE m.no_customer
                UNION
                SELECT DISTINCT 2, m.product_line_code FROM missing AS m WHERE m.no_line
            ), listed AS (
                SELECT b.kind, b.key, row_number() OVER (ORDER BY b.kind, b.key COLLATE "C") AS rn FROM bad AS b
            )
            SELECT count(*) FILTER (WHERE l.kind = 1), count(*) FILTER (WHERE l.kind = 2),
                   string_agg(CASE l.kind WHEN 1 THEN 'company_id ' ELSE '产品线代码 ' END || l.key, ', '
                              ORDER BY l.rn) FILTER (WHERE l.rn <= 10)
            INTO v_missing_customers, v_missing_lines, v_missing_keys
            FROM listed AS l;
            IF v_missing_customers + v_missing_lines > 0 THEN
                RAISE EXCEPTION '% customer(s) missing from customer."年金客户" and % product line(s) missing from mapping."产品线" are referenced by business."规模明细"',
                        v_missing_customers, v_missing_lines
                    USING ERRCODE = 'foreign_key_violation',
                          DETAIL = 'Missing (first 10): ' || v_missing_keys,
                          HINT = 'Verify 年金客户 and 产品线 tables have required data';
            END IF;

            FOR v_month IN
                SELECT g::date FROM generate_series(v_start, v_target, interval '1 month') AS g
            LOOP
                v_end := (v_month + interval '1 month - 1 day')::date;
                v_t := customer._derive_contract_month(v_month, v_top_n, v_threshold);
                SELECT a.inserted, a.updated, a.lapsed INTO v_n, v_u, v_l
                FROM customer._apply_contract_month(v_month) AS a;

                v_periods := v_periods || v_end;
                v_inserted := v_inserted || v_n;
                v_updated := v_updated || v_u;
                v_lapsed := v_lapsed || v_l;
                v_total := v_total || v_t;
            END LOOP;

            -- After bulk work (a catch-up, a replay) the planner must see the new sizes at once: a
            -- crash restart or a lagging autovacuum would leave the next month's plans on stale counts.
            IF cardinality(v_periods) > 1 OR v_rewound_from IS NOT NULL THEN
                ANALYZE customer.customer_plan_contract;
                ANALYZE customer.contract_month_summary;
            END IF;

            -- Built snapshots of the periods just (re)applied may read changed history.
            UPDATE customer.snapshot_month_state AS s
            SET stale_since = coalesce(s.stale_since, now()),
                stale_reason = coalesce(s.stale_reason, 'contract history replayed')
            WHERE s.snapshot_month BETWEEN v_start AND v_target;

            v_state.first_applied_period := coalesce(v_state.first_applied_period,
                                                     (v_start + interval '1 month - 1 day')::date);
            v_state.last_applied_period := v_target;
        END IF;

        -- Names on current versions follow the dimensions, in place; the built snapshots that show
        -- those versions (from the earliest one's valid_from on) are then stale.
        -- First which versions (one scan of the current ones), then only those are written: joined
        -- back to the whole history, the update would read every version to change none.
        SELECT array_agg(c.contract_id) INTO v_renamed
        FROM customer.customer_plan_contract AS c
        JOIN mapping."产品线" AS pl ON pl."产品线代码" = c.product_line_code
        JOIN customer."年金客户" AS cu ON cu.company_id = c.company_id
        LEFT JOIN mapping."年金计划" AS pn ON pn."年金计划号" = c.plan_code
        WHERE c.valid_to = c_open
          AND (c.product_line_name, c.customer_name, c.plan_name)
              IS DISTINCT FROM (pl."产品线", cu."客户名称", pn."计划全称");
        IF v_renamed IS NOT NULL THEN
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
            UPDATE customer.snapshot_month_state AS s
            SET stale_since = coalesce(s.stale_since, now()), stale_reason = coalesce(s.stale_reason, 'names changed')
            WHERE s.snapshot_month >= (SELECT min(r.valid_from) FROM renamed AS r);
        END IF;

        -- A correction after the target stays pending for the sync that reaches it.
        v_dirty_after := CASE WHEN NOT v_withdrawn AND v_rewound_from IS NULL
                                   AND v_state.dirty_from_month <= v_state.last_applied_period
                              THEN v_state.dirty_from_month END;
        UPDATE customer.contract_sync_state
        SET last_applied_period = v_state.last_applied_period,
            first_applied_period = v_state.first_applied_period,
            dirty_from_month = v_dirty_after,
            updated_at = now()
        WHERE (last_applied_period, first_applied_period, dirty_from_month)
              IS DISTINCT FROM (v_state.last_applied_period, v_state.first_applied_period, v_dirty_after);

        IF p_dry_run THEN
            RAISE EXCEPTION 'dry run' USING ERRCODE = 'WD0DR';
        END IF;
    EXCEPTION WHEN SQLSTATE 'WD0DR' THEN
        PERFORM setval('customer.customer_plan_contract_contract_id_seq', v_seq_last, v_seq_called);
    END;

    IF cardinality(v_periods) = 0 AND NOT v_withdrawn THEN
        SELECT count(*) INTO v_t FROM customer.customer_plan_contract AS c
        WHERE c.valid_from <= v_target AND c.valid_to > v_target;
        v_periods := ARRAY[v_target];
        v_inserted := ARRAY[0::bigint];
        v_updated := ARRAY[0::bigint];
        v_lapsed := ARRAY[0::bigint];
        v_total := ARRAY[v_t];
    END IF;

    INSERT INTO customer.mdm_run_log (function_name, period_start, period_end, dry_run, counts, started_at)
    VALUES ('sync_contract_status', v_periods[1], v_periods[cardinality(v_periods)], p_dry_run,
            jsonb_build_object('periods', cardinality(v_periods),
                               'inserted', (SELECT sum(x) FROM unnest(v_inserted) AS x),
                               'updated', (SELECT sum(x) FROM unnest(v_updated) AS x),
                               'lapsed', (SELECT sum(x) FROM unnest(v_lapsed) AS x),
                               'total', v_total[cardinality(v_total)],
                               'rewound_from', v_rewound_from),
            v_started);

    RETURN QUERY
    SELECT u.p, u.i, u.u, u.l, u.t
    FROM unnest(v_periods, v_inserted, v_updated, v_lapsed, v_total) AS u (p, i, u, l, t);
END
$$;

COMMENT ON FUNCTION customer.sync_contract_status(boolean, date) IS
    'Apply every period of contract history not yet applied, through p_period_end (a month-end date; '
    'NULL = latest loaded month), rewinding first past any source correction. One row per period: '
    'period_end, inserted, updated, lapsed, total. Dry run rolls back its writes, counts exact.';

REVOKE ALL ON FUNCTION customer.sync_contract_status(boolean, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.sync_contract_status(boolean, date) TO wdh_operator;
