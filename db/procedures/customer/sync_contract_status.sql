-- customer.sync_contract_status(p_dry_run boolean DEFAULT false, p_period_end date DEFAULT NULL)
-- RETURNS TABLE (period_end date, inserted bigint, updated bigint, lapsed bigint, total bigint)
--
-- One job: bring the SCD2 contract history (customer.customer_plan_contract) up to date through
-- p_period_end (a month end; NULL: the latest month loaded in business."规模明细"), applying every
-- period not yet applied, oldest first; a target already applied is a no-op. When source rows of an
-- applied month changed since (customer._track_source_change, customer.request_contract_rebuild),
-- history is first rewound to just before the earliest changed month and replayed.
-- Applying period P evaluates every contract (company_id, 计划代码, 产品线代码) in force at P by the
-- rules of docs/RULES.md: a contract without a current version gets one (valid_from = the period
-- end E); a current version that differs in contract_status, is_strategic, is_existing or
-- status_year is closed at E and succeeded; one no longer in force is closed at E (lapsed). P reads
-- month M's source rows and the summary rows of M-1 and M-12, nothing after M. Names on current
-- versions follow the dimensions; built snapshots of the periods applied become stale.
--
-- Result: per period applied: period_end, inserted (versions opened), updated (closed because a
-- field changed), lapsed (closed because the contract left force), total (contracts in force). A
-- no-op returns the target with zero changes and the versions in effect at it.
-- Errors: 22023 p_period_end not a month end, after the latest or before the first loaded month;
--         P0002 规模明细 is empty and nothing was ever synced (when every source row was withdrawn
--               after a sync, the history goes too and no row is returned);
--         55000 a month to apply has no source row while later months are loaded;
--         23503 the rows reference customers or product lines that do not exist;
--         55P03 another sync or refresh holds the lock longer than lock_timeout_seconds.
-- Locking: customer._lock_mdm and the sync state row (see below). Dry run: the same path, its writes
-- rolled back; it may advance the contract_id sequence, never rewinds it. Every call is logged. Helpers, in order:
-- _sync_target, _rewind_contract_history, _check_sync_source, per month _derive_contract_month and
-- _apply_contract_month, _mark_snapshots_stale, _refresh_contract_names.
CREATE OR REPLACE FUNCTION customer.sync_contract_status(
    p_dry_run boolean DEFAULT false,
    p_period_end date DEFAULT NULL)
RETURNS TABLE (period_end date, inserted bigint, updated bigint, lapsed bigint, total bigint)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET work_mem = '64MB'  -- a month's hash joins and aggregates (in the helpers) fit in memory at 10x production size
SET jit = off  -- whole-set joins over one month: compiling them costs more than it saves
AS $$
#variable_conflict use_column
DECLARE
    v_started timestamptz := clock_timestamp();
    v_requested date := customer._period_end(p_period_end, 'p_period_end');
    v_source record;  -- customer._sync_target: first_month, latest_month, target
    v_state customer.contract_sync_state%ROWTYPE;
    v_start date;  -- the first of the first month to apply
    v_rewound_from date;
    v_withdrawn boolean := false;
    v_month date;
    v_settings customer.mdm_settings%ROWTYPE;
    v_in_force bigint;
    v_periods customer.contract_sync_period[] := ARRAY[]::customer.contract_sync_period[];
    v_dirty_after date;
BEGIN
    IF p_dry_run IS NULL THEN
        RAISE EXCEPTION 'p_dry_run must be true or false, not NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM customer._lock_mdm('sync_contract_status');

    BEGIN  -- every write happens in here; a dry run rolls this block back
        -- The state row is locked for the whole transaction: the trigger on 规模明细 writes
        -- dirty_from_month into it, so a load waits for the sync (and the sync for a load) and no
        -- correction slips in between reading the state and writing it back.
        SELECT * INTO v_state FROM customer.contract_sync_state FOR UPDATE;
        v_source := customer._sync_target(v_requested);
        IF v_source.latest_month IS NULL AND v_state.last_applied_period IS NULL THEN
            RAISE EXCEPTION 'business."规模明细" has no rows: there is nothing to sync'
                USING ERRCODE = 'no_data_found',
                      HINT = 'Load the AUM detail first: etl --domain annuity_performance --execute.';
        ELSIF v_source.latest_month IS NULL THEN
            -- Every source row was withdrawn: the history they made goes too (refresh_snapshots then
            -- removes every snapshot month). No period is applied, so no row is returned.
            PERFORM customer._rewind_contract_history(NULL);
            v_rewound_from := date_trunc('month', v_state.first_applied_period)::date;
            v_state.last_applied_period := NULL;
            v_state.first_applied_period := NULL;
            v_withdrawn := true;
        ELSIF customer._pending_correction() IS NOT NULL
              AND (p_period_end IS NULL OR v_state.dirty_from_month <= v_source.target) THEN
            -- A source correction: rewind to just before the earliest changed month, then replay. One
            -- after an explicit target waits for a sync that reaches it; without a target (through the
            -- latest loaded month) it is always replayed, withdrawn months included.
            v_rewound_from := v_state.dirty_from_month;
            IF v_rewound_from <= v_state.first_applied_period THEN
                PERFORM customer._rewind_contract_history(NULL);
                v_state.first_applied_period := NULL;
            ELSE
                PERFORM customer._rewind_contract_history(v_rewound_from);
            END IF;
            v_state.last_applied_period := CASE WHEN v_state.first_applied_period IS NOT NULL THEN v_rewound_from - 1 END;
        END IF;

        v_start := CASE WHEN NOT v_withdrawn THEN coalesce(v_state.last_applied_period + 1, v_source.first_month) END;
        IF v_start <= v_source.target THEN
            PERFORM customer._check_sync_source(v_start, v_source.target);
            SELECT * INTO v_settings FROM customer.mdm_settings;
            FOR v_month IN SELECT g::date FROM generate_series(v_start, v_source.target, interval '1 month') AS g LOOP
                v_in_force := customer._derive_contract_month(v_month, v_settings.strategic_top_n,
                                                              v_settings.strategic_threshold);
                v_periods := v_periods || (SELECT ROW((v_month + interval '1 month - 1 day')::date, a.inserted,
                                                      a.updated, a.lapsed, v_in_force)::customer.contract_sync_period
                                           FROM customer._apply_contract_month(v_month) AS a);
                PERFORM customer._progress('sync', v_month, ARRAY(SELECT g::date FROM generate_series(v_start, v_source.target, interval '1 month') AS g));
            END LOOP;
            -- After bulk work (a catch-up, a replay) the planner must see the new sizes at once: a
            -- crash restart or a lagging autovacuum would leave the next month's plans on stale counts.
            IF cardinality(v_periods) > 1 OR v_rewound_from IS NOT NULL THEN
                ANALYZE customer.customer_plan_contract;
                ANALYZE customer.contract_month_summary;
            END IF;
            PERFORM customer._mark_snapshots_stale(
                v_start, v_source.target,
                CASE WHEN v_rewound_from IS NOT NULL
                     THEN format('contract history replayed from %s: loaded rows of %s changed',
                                 to_char(v_start, 'YYYY-MM'), to_char(v_rewound_from, 'YYYY-MM'))
                     ELSE 'contract history replayed' END);
            v_state.first_applied_period := coalesce(v_state.first_applied_period,
                                                     (v_start + interval '1 month - 1 day')::date);
            v_state.last_applied_period := v_source.target;
        END IF;
        PERFORM customer._refresh_contract_names();

        -- A correction after the target stays pending for the sync that reaches it.
        v_dirty_after := CASE WHEN NOT v_withdrawn AND v_rewound_from IS NULL
                                   AND v_state.dirty_from_month <= v_state.last_applied_period
                              THEN v_state.dirty_from_month END;
        UPDATE customer.contract_sync_state
        SET last_applied_period = v_state.last_applied_period, first_applied_period = v_state.first_applied_period,
            dirty_from_month = v_dirty_after, updated_at = now()
        WHERE (last_applied_period, first_applied_period, dirty_from_month)
              IS DISTINCT FROM (v_state.last_applied_period, v_state.first_applied_period, v_dirty_after);
        IF p_dry_run THEN
            RAISE EXCEPTION 'dry run' USING ERRCODE = 'WD0DR';
        END IF;
    EXCEPTION WHEN SQLSTATE 'WD0DR' THEN
        NULL;  -- its writes are gone; a sequence it drew from stays advanced (a dry run never calls setval)
    END;

    IF cardinality(v_periods) = 0 AND NOT v_withdrawn THEN  -- a no-op: the target with what is in effect
        v_periods := ARRAY[ROW(v_source.target, 0, 0, 0, (SELECT count(*) FROM customer.customer_plan_contract AS c
                           WHERE c.valid_from <= v_source.target AND c.valid_to > v_source.target))::customer.contract_sync_period];
    END IF;
    INSERT INTO customer.mdm_run_log (function_name, period_start, period_end, dry_run, counts, started_at)
    SELECT 'sync_contract_status', min(p.period_end), max(p.period_end), p_dry_run,
           jsonb_build_object('periods', count(*), 'inserted', sum(p.inserted), 'updated', sum(p.updated),
                              'lapsed', sum(p.lapsed), 'total', (v_periods[cardinality(v_periods)]).total,
                              'rewound_from', v_rewound_from),
           v_started
    FROM unnest(v_periods) AS p;
    RETURN QUERY SELECT p.period_end, p.inserted, p.updated, p.lapsed, p.total FROM unnest(v_periods) AS p;
END
$$;

COMMENT ON FUNCTION customer.sync_contract_status(boolean, date) IS
    'Apply every period of contract history not yet applied, through p_period_end (a month-end date; '
    'NULL = latest loaded month), rewinding first past any source correction. One row per period: '
    'period_end, inserted, updated, lapsed, total. Dry run rolls back its writes, counts exact.';

REVOKE ALL ON FUNCTION customer.sync_contract_status(boolean, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.sync_contract_status(boolean, date) TO wdh_operator;
