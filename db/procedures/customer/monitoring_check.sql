-- customer.monitoring_check()
-- RETURNS TABLE (exit_code integer, severity text, findings text[], line text)
--
-- One job: the monitoring verdict on customer.mdm_status()'s row, the monitoring-plugin convention
-- (Nagios, Icinga, Zabbix's external checks): `customer-mdm status --check` prints line and exits
-- with exit_code; a check run through psql reads the same row.
--   CRITICAL (2): the latest run failed or was interrupted; the scheduled close's own latest run
--                 failed (pg_cron's failure, when it is later than the latest run and not the same
--                 run); months missing from 规模明细 between loaded months; a deployment problem;
--   WARNING (1):  the scheduled close cannot be read; the monthly close has work pending; the next
--                 delivery is overdue;
--   OK (0):       none of these.
-- findings: the critical ones first, then the warnings; line: 'WDH <severity> - ' and the findings
-- (or how far contracts are synced), then ' | ' and that. UNKNOWN (3) is the caller's: it could not
-- ask. Times as the session's TimeZone shows them.
CREATE OR REPLACE FUNCTION customer.monitoring_check()
RETURNS TABLE (exit_code integer, severity text, findings text[], line text)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s record;
    v_critical text[] := '{}'::text[];
    v_warning text[] := '{}'::text[];
    v_synced text;
BEGIN
    SELECT * INTO s FROM customer.mdm_status();
    IF s.last_run_status IN ('failed', 'interrupted') THEN
        v_critical := v_critical || format('the last %s %s at %s (SQLSTATE %s)',
            CASE WHEN s.last_run_by = 'pg_cron' THEN 'scheduled close' ELSE s.last_run_function END,
            s.last_run_status, coalesce(to_char(s.last_run_at, 'YYYY-MM-DD HH24:MI'), '(time not recorded)'),
            s.last_run_sqlstate);
    END IF;
    IF s.scheduled_job_status IN ('failed', 'interrupted')
       AND (s.last_run_at IS NULL OR s.scheduled_job_at >= s.last_run_at)
       AND NOT s.scheduled_job_is_last_run THEN  -- the same run is reported once
        v_critical := v_critical || format('the scheduled close''s run at %s %s: %s',
            coalesce(to_char(s.scheduled_job_at, 'YYYY-MM-DD HH24:MI'), '(time not recorded)'),
            s.scheduled_job_status, s.scheduled_job_message);
    END IF;
    IF cardinality(s.source_holes) > 0 THEN
        v_critical := v_critical || ('months missing from 规模明细: ' || customer._month_list(s.source_holes));
    END IF;
    IF s.deployment_problem IS NOT NULL THEN
        v_critical := v_critical || s.deployment_problem;
    END IF;
    IF s.scheduled_job_status = 'unknown' THEN
        v_warning := v_warning || ('the scheduled close cannot be read: ' || s.scheduled_job_message);
    END IF;
    IF s.close_pending THEN
        v_warning := v_warning || 'the monthly close has work pending'::text;
    END IF;
    IF s.delivery_overdue THEN
        v_warning := v_warning || format('the %s delivery was due %s', to_char(s.next_delivery_month, 'YYYY-MM'),
                                         to_char(s.next_delivery_due, 'YYYY-MM-DD'));
    END IF;
    exit_code := CASE WHEN cardinality(v_critical) > 0 THEN 2 WHEN cardinality(v_warning) > 0 THEN 1 ELSE 0 END;
    severity := (ARRAY['OK', 'WARNING', 'CRITICAL'])[exit_code + 1];
    findings := v_critical || v_warning;
    v_synced := coalesce('synced through ' || to_char(s.last_applied_period, 'YYYY-MM'), 'not synced');
    line := format('WDH %s - %s', severity, coalesce(array_to_string(nullif(findings, '{}'), '; ') || ' | ', '')
                                            || v_synced);
    RETURN NEXT;
END
$$;

COMMENT ON FUNCTION customer.monitoring_check() IS
    'The monitoring verdict on customer.mdm_status(): exit code 0 OK, 1 WARNING, 2 CRITICAL, the findings, '
    'and the one line a monitoring plugin prints.';
REVOKE ALL ON FUNCTION customer.monitoring_check() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION customer.monitoring_check() TO wdh_operator, wdh_reader;
