-- customer._progress(p_step text, p_month date, p_months date[]) RETURNS void
--
-- One job: tell the client how far long work has come, only when the session asked for it
-- (SET wdh.progress = 'on', as the CLI does unless --quiet): a NOTICE
-- 'wdh-progress {"step": …, "done": n, "total": m, "month": "YYYY-MM-DD"}', p_month being the n-th
-- of the m months p_months. A DBA's plain SELECT (the setting unset) stays silent. Called once a
-- month by customer.sync_contract_status ('sync') and customer.refresh_snapshots ('snapshot').
CREATE OR REPLACE FUNCTION customer._progress(p_step text, p_month date, p_months date[])
RETURNS void
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF current_setting('wdh.progress', true) = 'on' THEN
        RAISE NOTICE 'wdh-progress %', json_build_object('step', p_step, 'done', array_position(p_months, p_month),
                                                         'total', cardinality(p_months), 'month', p_month);
    END IF;
END
$$;

COMMENT ON FUNCTION customer._progress(text, date, date[]) IS
    'Private: a progress NOTICE for the CLI, only when the session set wdh.progress = on.';
REVOKE ALL ON FUNCTION customer._progress(text, date, date[]) FROM PUBLIC;
