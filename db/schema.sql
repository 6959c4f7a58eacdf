--
-- PostgreSQL database dump
--



SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: business; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA business;


--
-- Name: customer; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA customer;


--
-- Name: mapping; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA mapping;


--
-- Name: close_step_result; Type: TYPE; Schema: customer; Owner: -
--

CREATE TYPE customer.close_step_result AS (
	step text,
	period_end date,
	inserted bigint,
	updated bigint,
	deleted bigint
);


--
-- Name: contract_sync_period; Type: TYPE; Schema: customer; Owner: -
--

CREATE TYPE customer.contract_sync_period AS (
	period_end date,
	inserted bigint,
	updated bigint,
	lapsed bigint,
	total bigint
);


--
-- Name: TYPE contract_sync_period; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON TYPE customer.contract_sync_period IS 'One period applied by customer.sync_contract_status: period_end, inserted, updated, lapsed, total.';


--
-- Name: snapshot_refresh_result; Type: TYPE; Schema: customer; Owner: -
--

CREATE TYPE customer.snapshot_refresh_result AS (
	period_end date,
	product_line_rows bigint,
	plan_rows bigint,
	inserted bigint,
	updated bigint,
	deleted bigint
);


--
-- Name: _apply_contract_month(date); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer._apply_contract_month(p_month date, OUT inserted bigint, OUT updated bigint, OUT lapsed bigint) RETURNS record
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    SET enable_nestloop TO 'off'
    SET jit TO 'off'
    AS $$
DECLARE
    c_open constant date := date '9999-12-31';
    v_end constant date := (p_month + interval '1 month - 1 day')::date;
    v_year constant integer := extract(year FROM p_month)::int;
BEGIN
    UPDATE customer.customer_plan_contract AS c SET valid_to = v_end, updated_at = now()
    WHERE c.valid_to = c_open
      AND NOT EXISTS (SELECT 1 FROM customer.contract_month_summary AS s
                      WHERE s.month = p_month AND s.company_id = c.company_id AND s.plan_code = c.plan_code
                        AND s.product_line_code = c.product_line_code);
    GET DIAGNOSTICS lapsed = ROW_COUNT;

    -- Changed: close the current version; its successor is opened below.
    UPDATE customer.customer_plan_contract AS c SET valid_to = v_end, updated_at = now()
    FROM customer.contract_month_summary AS s
    WHERE c.valid_to = c_open AND s.month = p_month
      AND s.company_id = c.company_id AND s.plan_code = c.plan_code AND s.product_line_code = c.product_line_code
      AND (c.contract_status, c.is_strategic, c.is_existing, c.status_year)
          IS DISTINCT FROM (s.contract_status, s.strategic_ytd, s.is_existing, v_year);
    GET DIAGNOSTICS updated = ROW_COUNT;

    -- The contracts without a current version first (about one in ten), then their names: joined the
    -- other way round, the dimensions would be joined to every contract in force.
    WITH fresh AS MATERIALIZED (
        SELECT s.company_id, s.plan_code, s.product_line_code, s.strategic_ytd, s.is_existing, s.contract_status
        FROM customer.contract_month_summary AS s
        WHERE s.month = p_month
          AND NOT EXISTS (SELECT 1 FROM customer.customer_plan_contract AS c
                          WHERE c.valid_to = c_open AND c.company_id = s.company_id
                            AND c.plan_code = s.plan_code AND c.product_line_code = s.product_line_code)
    )
    INSERT INTO customer.customer_plan_contract (
        company_id, plan_code, product_line_code, product_line_name, customer_name, plan_name,
        is_strategic, is_existing, status_year, contract_status, valid_from)
    SELECT f.company_id, f.plan_code, f.product_line_code, pl."产品线", cu."客户名称", pn."计划全称",
           f.strategic_ytd, f.is_existing, v_year, f.contract_status, v_end
    FROM fresh AS f
    JOIN mapping."产品线" AS pl ON pl."产品线代码" = f.product_line_code
    JOIN customer."年金客户" AS cu ON cu.company_id = f.company_id
    LEFT JOIN mapping."年金计划" AS pn ON pn."年金计划号" = f.plan_code
    ORDER BY f.company_id, f.plan_code, f.product_line_code;  -- in key order: cheaper index inserts
    GET DIAGNOSTICS inserted = ROW_COUNT;
END
$$;


--
-- Name: FUNCTION _apply_contract_month(p_month date, OUT inserted bigint, OUT updated bigint, OUT lapsed bigint); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer._apply_contract_month(p_month date, OUT inserted bigint, OUT updated bigint, OUT lapsed bigint) IS 'Private to sync_contract_status: close, succeed and open current contract versions to match one applied month of contract_month_summary.';


--
-- Name: _check_snapshot_month(date); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer._check_snapshot_month(p_period_end date) RETURNS date
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
    v_state customer.contract_sync_state%ROWTYPE;
    v_end date;
BEGIN
    SELECT * INTO v_state FROM customer.contract_sync_state FOR UPDATE;
    IF v_state.last_applied_period IS NULL THEN
        RAISE EXCEPTION 'Contracts have not been synced yet: there is nothing to snapshot'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Load the AUM detail and sync first: customer-mdm close (or customer-mdm sync), in SQL '
                         'SELECT * FROM customer.run_monthly_close().';
    END IF;
    v_end := coalesce(p_period_end, v_state.last_applied_period);
    IF v_end > v_state.last_applied_period THEN
        IF NOT EXISTS (SELECT 1 FROM business."规模明细" AS d WHERE d."月度" = date_trunc('month', v_end)::date) THEN
            RAISE EXCEPTION 'No AUM detail (规模明细) is loaded for %: there is nothing to snapshot', to_char(v_end, 'YYYY-MM')
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = format('Load the month first (etl --domain annuity_performance --period %s --execute), '
                                    'then run customer-mdm close.', to_char(v_end, 'YYYYMM'));
        END IF;
        RAISE EXCEPTION 'Contracts are synced through % only, not through %',
                to_char(v_state.last_applied_period, 'YYYY-MM'), to_char(v_end, 'YYYY-MM')
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Sync first: customer-mdm close (or customer-mdm sync), in SQL '
                         'SELECT * FROM customer.run_monthly_close().';
    END IF;
    IF v_state.dirty_from_month IS NOT NULL AND v_state.dirty_from_month <= v_end THEN
        RAISE EXCEPTION 'A source correction from % is pending: the contracts for % are out of date',
                to_char(v_state.dirty_from_month, 'YYYY-MM'), to_char(v_end, 'YYYY-MM')
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Sync first; it replays the corrected months: customer-mdm close (or customer-mdm sync), '
                         'in SQL SELECT * FROM customer.run_monthly_close().';
    END IF;
    IF v_end < v_state.first_applied_period THEN
        RAISE EXCEPTION 'Contract history starts at %, after %',
                to_char(v_state.first_applied_period, 'YYYY-MM'), to_char(v_end, 'YYYY-MM')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pick a period from the first synced one on, or load and sync the earlier months.';
    END IF;
    RETURN v_end;
END
$$;


--
-- Name: FUNCTION _check_snapshot_month(p_period_end date); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer._check_snapshot_month(p_period_end date) IS 'Private to the refresh: the month to build (NULL: the last synced), refused when not synced or out of date.';


--
-- Name: _check_sync_source(date, date); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer._check_sync_source(p_start date, p_target date) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
    v_missing_months text[];
    v_missing_customers bigint;
    v_missing_lines bigint;
    v_missing_keys text;
BEGIN
    SELECT array_agg(to_char(g, 'YYYY-MM') ORDER BY g) INTO v_missing_months
    FROM generate_series(p_start, p_target, interval '1 month') AS g
    WHERE NOT EXISTS (SELECT 1 FROM business."规模明细" AS d WHERE d."月度" = g::date);
    IF v_missing_months IS NOT NULL THEN
        RAISE EXCEPTION '% month(s) between % and % have no AUM detail (规模明细) loaded: %',
                cardinality(v_missing_months), to_char(p_start, 'YYYY-MM'), to_char(p_target, 'YYYY-MM'),
                array_to_string(v_missing_months[1:12], ', ')
                    || CASE WHEN cardinality(v_missing_months) > 12 THEN ', …' ELSE '' END
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Applying them would turn every contract 停缴 and lapse it; later months are loaded.',
                  HINT = 'Load the missing months (etl --domain annuity_performance --period YYYYMM --execute), '
                         'then sync again.';
    END IF;

    WITH missing AS (  -- one pass over the rows, each probing both dimensions
        SELECT d.company_id, d."产品线代码" AS product_line_code,
               cu.company_id IS NULL AS no_customer, pl."产品线代码" IS NULL AS no_line
        FROM business."规模明细" AS d
        LEFT JOIN customer."年金客户" AS cu ON cu.company_id = d.company_id
        LEFT JOIN mapping."产品线" AS pl ON pl."产品线代码" = d."产品线代码"
        WHERE d."月度" BETWEEN p_start AND p_target
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
END
$$;


--
-- Name: FUNCTION _check_sync_source(p_start date, p_target date); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer._check_sync_source(p_start date, p_target date) IS 'Private to the sync: refuse months without a 规模明细 row and rows referencing missing customers or product lines.';


--
-- Name: _derive_contract_month(date, integer, numeric); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer._derive_contract_month(p_month date, p_top_n integer, p_threshold numeric) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    SET jit TO 'off'
    AS $$
DECLARE
    v_prev constant date := (p_month - interval '1 month')::date;
    v_year_ago constant date := (p_month - interval '12 months')::date;
    v_window_from constant date := (p_month - interval '11 months')::date;
    v_january constant boolean := extract(month FROM p_month) = 1;
    -- The threshold in the same units, rounded up: a whole number of units reaches it iff it
    -- reaches this (capped where no bigint can reach it).
    v_threshold_units constant bigint := least(ceil(p_threshold * 10000), 9223372036854775807)::bigint;
    v_rows bigint;
BEGIN
    INSERT INTO customer.contract_month_summary
        (month, company_id, plan_code, product_line_code, aum, contribution, is_strategic,
         last_seen, contribution_12m, strategic_ytd, is_existing)
    SELECT p_month,
           coalesce(cur.company_id, p.company_id),
           coalesce(cur.plan_code, p.plan_code),
           coalesce(cur.product_line_code, p.product_line_code),
           coalesce(cur.aum, 0),
           coalesce(cur.contribution, 0),
           coalesce(cur.is_strategic, false),
           CASE WHEN cur.company_id IS NOT NULL THEN p_month ELSE p.last_seen END,
           coalesce(cur.contribution, 0) + coalesce(p.contribution_12m, 0) - coalesce(o.contribution, 0),
           coalesce(cur.is_strategic, false)
               OR coalesce(CASE WHEN v_january THEN p.is_strategic ELSE p.strategic_ytd END, false),
           coalesce(CASE WHEN v_january THEN p.aum > 0 ELSE p.is_existing END, false)
    FROM (
        SELECT r.company_id, r.plan_code, r.product_line_code,
               sum(r.aum_units) * 0.0001 AS aum, sum(r.contribution_units) * 0.0001 AS contribution,
               bool_or(r.aum_units > 0 AND (r.rank <= p_top_n OR r.aum_units >= v_threshold_units)) AS is_strategic
        FROM (
            SELECT b.*,
                   row_number() OVER (PARTITION BY b.branch, b.product_line_code, b.aum_units > 0
                                      ORDER BY b.aum_units DESC, b.company_id COLLATE "C", b.plan_code COLLATE "C")
                       AS rank
            FROM (
                SELECT d.company_id, d."计划代码" AS plan_code, d."产品线代码" AS product_line_code,
                       coalesce(nullif(d."机构代码", ''), 'G00') AS branch,
                       coalesce(sum((d."期末资产规模" * 10000)::bigint), 0)::bigint AS aum_units,
                       coalesce(sum((d."供款" * 10000)::bigint), 0)::bigint AS contribution_units
                FROM business."规模明细" AS d
                WHERE d."月度" = p_month AND d.company_id IS NOT NULL AND d."产品线代码" IS NOT NULL
                GROUP BY 1, 2, 3, 4
            ) AS b
        ) AS r
        GROUP BY r.company_id, r.plan_code, r.product_line_code
    ) AS cur
    FULL JOIN (SELECT * FROM customer.contract_month_summary AS m WHERE m.month = v_prev) AS p
           ON p.company_id = cur.company_id AND p.plan_code = cur.plan_code
          AND p.product_line_code = cur.product_line_code
    FULL JOIN (SELECT * FROM customer.contract_month_summary AS m WHERE m.month = v_year_ago) AS o
           ON o.company_id = coalesce(cur.company_id, p.company_id)
          AND o.plan_code = coalesce(cur.plan_code, p.plan_code)
          AND o.product_line_code = coalesce(cur.product_line_code, p.product_line_code)
    WHERE cur.company_id IS NOT NULL OR p.last_seen >= v_window_from
    ORDER BY 2, 3, 4;  -- in key order: cheaper index inserts
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END
$$;


--
-- Name: FUNCTION _derive_contract_month(p_month date, p_top_n integer, p_threshold numeric); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer._derive_contract_month(p_month date, p_top_n integer, p_threshold numeric) IS 'Private to sync_contract_status: write the summary rows of one month, one per contract in force.';


--
-- Name: _known_aliases(); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer._known_aliases() RETURNS bigint
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    SET jit TO 'off'
    SET enable_nestloop TO 'off'
    SET work_mem TO '64MB'
    AS $$
DECLARE
    v_rows bigint;
BEGIN
    -- See customer.resolve_staged_identities for PRAGMA:TABLE.
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_wanted (row_id tid, pos integer, what text, alias text, plan text)';
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_aliases (kind text, plan_code text, alias text, company_id text, '
            'first_month date, last_month date)';
    -- The aliases the rows without a company could use (only those: the alias table can be large),
    -- per source, each with its one company or marked ambiguous (companies > 1), and the step
    -- that uses it (NULL: none). The file's aliases count once more only where the table does
    -- not have them learned already (its key is unique per company).
    CREATE TEMP TABLE wdh_etl_known ON COMMIT DROP AS
    SELECT k.kind, k.plan_code, k.alias, k.source, min(k.company_id) AS company_id, count(*) AS companies,
           CASE WHEN k.source = 'override' THEN CASE k.kind WHEN 'plan_name' THEN 1 WHEN 'name' THEN 2 END
                ELSE CASE k.kind WHEN 'account' THEN 3 WHEN 'plan_name' THEN 4 WHEN 'name' THEN 5 END
           END AS step
    FROM (
        SELECT a.kind, a.plan_code, a.alias, a.company_id, a.source
        FROM customer.company_alias AS a
        WHERE EXISTS (SELECT 1 FROM pg_temp.wdh_etl_wanted AS w WHERE w.alias = a.alias)
        UNION ALL
        SELECT f.kind, f.plan_code, f.alias, f.company_id, 'learned'
        FROM pg_temp.wdh_etl_aliases AS f
        WHERE EXISTS (SELECT 1 FROM pg_temp.wdh_etl_wanted AS w WHERE w.alias = f.alias)
          AND NOT EXISTS (SELECT 1 FROM customer.company_alias AS a
                          WHERE a.kind = f.kind AND a.plan_code = f.plan_code AND a.alias = f.alias
                            AND a.company_id = f.company_id AND a.source = 'learned')
    ) AS k
    GROUP BY 1, 2, 3, 4;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END
$$;


--
-- Name: FUNCTION _known_aliases(); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer._known_aliases() IS 'Private to the ETL''s identity steps: the aliases the rows without company_id could use, each with its company or ambiguous.';


--
-- Name: _lock_mdm(text); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer._lock_mdm(p_caller text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
    v_timeout numeric;
    v_previous text := current_setting('lock_timeout');
BEGIN
    SELECT s.lock_timeout_seconds INTO v_timeout FROM customer.mdm_settings AS s;
    PERFORM set_config('lock_timeout', (round(coalesce(v_timeout, 60) * 1000))::bigint::text, true);
    BEGIN
        PERFORM pg_advisory_xact_lock(742, 1);
    EXCEPTION WHEN lock_not_available THEN
        PERFORM set_config('lock_timeout', v_previous, true);
        RAISE EXCEPTION '% waited % s for another contract sync or snapshot refresh and gave up',
                p_caller, coalesce(v_timeout, 60)
            USING ERRCODE = 'lock_not_available',
                  DETAIL = 'The work_data_hub advisory lock (742, 1) is held by another transaction.',
                  HINT = 'Wait for the running sync or refresh to finish (see pg_locks / pg_stat_activity) '
                         'and run again, or raise customer.mdm_settings.lock_timeout_seconds.';
    END;
    PERFORM set_config('lock_timeout', v_previous, true);
END
$$;


--
-- Name: FUNCTION _lock_mdm(p_caller text); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer._lock_mdm(p_caller text) IS 'Private: take the advisory lock shared by sync_contract_status and refresh_monthly_snapshot, waiting at most mdm_settings.lock_timeout_seconds; 55P03 with a hint on timeout.';


--
-- Name: _lock_source_tables(text); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer._lock_source_tables(p_caller text) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
    v_timeout numeric;
    v_previous text;
BEGIN
    SELECT s.lock_timeout_seconds INTO v_timeout FROM customer.mdm_settings AS s;
    v_previous := current_setting('lock_timeout');
    PERFORM set_config('lock_timeout', (round(coalesce(v_timeout, 60) * 1000))::bigint::text, true);
    BEGIN
        PERFORM pg_advisory_xact_lock(743, t::regclass::oid::integer)
        FROM unnest(ARRAY['business."规模明细"', 'customer."当年中标"', 'customer."当年流失"']) AS t;
    EXCEPTION WHEN lock_not_available THEN
        RAISE EXCEPTION '% waited % s for a load into the source tables and gave up', p_caller, coalesce(v_timeout, 60)
            USING ERRCODE = 'lock_not_available',
                  DETAIL = 'The ETL''s advisory locks (743, oid of 规模明细 / 当年中标 / 当年流失) are held.',
                  HINT = 'Wait for the running load to finish and try again.';
    END;
    PERFORM set_config('lock_timeout', v_previous, true);
END
$$;


--
-- Name: FUNCTION _lock_source_tables(p_caller text); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer._lock_source_tables(p_caller text) IS 'Private: take the ETL''s advisory locks of the three source tables (waiting at most lock_timeout_seconds).';


--
-- Name: _mark_snapshots_stale(date, date, text); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer._mark_snapshots_stale(p_from date, p_to date, p_reason text) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
    v_marked bigint;
BEGIN
    UPDATE customer.snapshot_month_state AS s
    SET stale_since = coalesce(s.stale_since, now()), stale_reason = coalesce(s.stale_reason, p_reason)
    WHERE s.snapshot_month >= p_from AND (p_to IS NULL OR s.snapshot_month <= p_to);
    GET DIAGNOSTICS v_marked = ROW_COUNT;
    RETURN v_marked;
END
$$;


--
-- Name: FUNCTION _mark_snapshots_stale(p_from date, p_to date, p_reason text); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer._mark_snapshots_stale(p_from date, p_to date, p_reason text) IS 'Private: mark built snapshot months from p_from to p_to (NULL: the last) stale, with the reason.';


--
-- Name: _merge_aliases(text, text, text, text[]); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer._merge_aliases(p_from text, p_into text, p_name text, p_plans text[]) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
    v_alias text;
    v_written bigint;
BEGIN
    -- Aliases: p_from's go to p_into (an override stays one), then its name becomes an override.
    WITH moved AS (
        DELETE FROM customer.company_alias AS a WHERE a.company_id = p_from RETURNING a.*
    ), written AS (
        INSERT INTO customer.company_alias AS a (kind, plan_code, alias, company_id, source, first_month, last_month)
        SELECT m.kind, m.plan_code, m.alias, p_into, m.source, m.first_month, m.last_month FROM moved AS m
        ON CONFLICT (kind, plan_code, alias, company_id) DO UPDATE
        SET source = CASE WHEN 'override' IN (a.source, excluded.source) THEN 'override' ELSE 'learned' END,
            first_month = least(a.first_month, excluded.first_month),
            last_month = greatest(a.last_month, excluded.last_month), updated_at = now()
        RETURNING 1
    )
    SELECT count(*) INTO v_written FROM written;
    -- Teach the name, within each plan its rows carried: an override of (plan, name). By the name
    -- alone only when no other company is known by it (an ambiguous name stays ambiguous).
    v_alias := customer.normalise_name(p_name);
    IF v_alias IS NOT NULL THEN
        WITH written AS (
            INSERT INTO customer.company_alias AS a (kind, plan_code, alias, company_id, source)
            SELECT 'plan_name', p.plan_code, v_alias, p_into, 'override'
            FROM unnest(p_plans) AS p (plan_code) WHERE p.plan_code IS NOT NULL
            ON CONFLICT (kind, plan_code, alias, company_id) DO UPDATE SET source = 'override', updated_at = now()
            RETURNING 1
        )
        SELECT v_written + count(*) INTO v_written FROM written;
        IF NOT EXISTS (SELECT 1 FROM customer.company_alias AS a
                       WHERE a.kind = 'name' AND a.alias = v_alias AND a.company_id <> p_into) THEN
            INSERT INTO customer.company_alias AS a (kind, alias, company_id, source)
            VALUES ('name', v_alias, p_into, 'override')
            ON CONFLICT (kind, plan_code, alias, company_id) DO UPDATE SET source = 'override', updated_at = now();
            v_written := v_written + 1;
        END IF;
    END IF;
    RETURN v_written;
END
$$;


--
-- Name: FUNCTION _merge_aliases(p_from text, p_into text, p_name text, p_plans text[]); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer._merge_aliases(p_from text, p_into text, p_name text, p_plans text[]) IS 'Private to merge_company: move p_from''s aliases to p_into and teach p_from''s name as an override.';


--
-- Name: _period_end(date, text); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer._period_end(p_date date, p_argument text) RETURNS date
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
BEGIN
    IF p_date IS NOT NULL AND NOT isfinite(p_date) THEN
        RAISE EXCEPTION '% must be a month-end date, got %', p_argument, p_date
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass the last day of a month, e.g. 2026-01-31 for period 202601.';
    END IF;
    IF p_date IS NOT NULL
       AND p_date <> (date_trunc('month', p_date) + interval '1 month - 1 day')::date THEN
        RAISE EXCEPTION '% must be a month-end date, got %', p_argument, p_date
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Periods are written as the last day of their month.',
                  HINT = format('Pass %s (the end of that month), e.g. 2026-01-31 for period 202601.',
                                (date_trunc('month', p_date) + interval '1 month - 1 day')::date);
    END IF;
    RETURN p_date;
END
$$;


--
-- Name: FUNCTION _period_end(p_date date, p_argument text); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer._period_end(p_date date, p_argument text) IS 'Private: returns p_date if it is a month-end date, else raises 22023 naming p_argument.';


--
-- Name: _refresh_contract_names(); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer._refresh_contract_names() RETURNS bigint
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
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


--
-- Name: FUNCTION _refresh_contract_names(); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer._refresh_contract_names() IS 'Private to the sync: names on current contract versions follow the dimensions; their snapshots become stale.';


--
-- Name: _refresh_snapshot_month(date); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer._refresh_snapshot_month(p_end date) RETURNS TABLE(period_end date, product_line_rows bigint, plan_rows bigint, inserted bigint, updated bigint, deleted bigint)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    SET work_mem TO '64MB'
    SET enable_nestloop TO 'off'
    SET jit TO 'off'
    AS $$
#variable_conflict use_column
DECLARE
    v_end constant date := p_end;
    v_month constant date := date_trunc('month', p_end)::date;
    v_year_start constant date := date_trunc('year', p_end)::date;
    v_inserted bigint;
    v_updated bigint;
    v_deleted bigint;
BEGIN
    WITH plan_rows AS MATERIALIZED (
        SELECT * FROM customer._snapshot_plan_rows(v_end)
    ), line_rows AS MATERIALIZED (
        SELECT g.*, round(g.aum, 2) AS aum_balance,
               g.is_winning_this_year AND NOT g.is_existing AS is_new
        FROM (
            SELECT p.company_id, p.product_line_code, max(p.product_line_name) AS product_line_name,
                   max(p.customer_name) AS customer_name, bool_or(p.is_strategic) AS is_strategic,
                   bool_or(p.is_existing) AS is_existing, sum(p.aum) AS aum,
                   count(DISTINCT p.plan_code)::integer AS plan_count,
                   EXISTS (SELECT 1 FROM customer."当年中标" AS w
                           WHERE w.company_id = p.company_id AND w."产品线代码" = p.product_line_code
                             AND w."上报月份" BETWEEN v_year_start AND v_month) AS is_winning_this_year,
                   EXISTS (SELECT 1 FROM customer."当年流失" AS l
                           WHERE l.company_id = p.company_id AND l."产品线代码" = p.product_line_code
                             AND l."上报月份" BETWEEN v_year_start AND v_month) AS is_churned_this_year
            FROM plan_rows AS p
            GROUP BY p.company_id, p.product_line_code
        ) AS g
    ), plan_deleted AS (
        DELETE FROM customer.fct_customer_plan_monthly AS f
        WHERE f.snapshot_month = v_end
          AND NOT EXISTS (SELECT 1 FROM plan_rows AS p
                          WHERE p.company_id = f.company_id AND p.plan_code = f.plan_code
                            AND p.product_line_code = f.product_line_code)
        RETURNING 1
    ), plan_updated AS (
        UPDATE customer.fct_customer_plan_monthly AS f
        SET customer_name = p.customer_name, plan_name = p.plan_name, product_line_name = p.product_line_name,
            is_churned_this_year = p.is_churned_this_year, contract_status = p.contract_status,
            aum_balance = p.aum_balance, updated_at = now()
        FROM plan_rows AS p
        WHERE f.snapshot_month = v_end AND p.company_id = f.company_id AND p.plan_code = f.plan_code
          AND p.product_line_code = f.product_line_code
          AND (f.customer_name, f.plan_name, f.product_line_name, f.is_churned_this_year,
               f.contract_status, f.aum_balance)
              IS DISTINCT FROM (p.customer_name, p.plan_name, p.product_line_name, p.is_churned_this_year,
                                p.contract_status, p.aum_balance)
        RETURNING 1
    ), plan_inserted AS (
        INSERT INTO customer.fct_customer_plan_monthly (
            snapshot_month, company_id, plan_code, product_line_code, customer_name, plan_name,
            product_line_name, is_churned_this_year, contract_status, aum_balance)
        SELECT v_end, p.company_id, p.plan_code, p.product_line_code, p.customer_name, p.plan_name,
               p.product_line_name, p.is_churned_this_year, p.contract_status, p.aum_balance
        FROM plan_rows AS p
        WHERE NOT EXISTS (SELECT 1 FROM customer.fct_customer_plan_monthly AS f
                          WHERE f.snapshot_month = v_end AND f.company_id = p.company_id
                            AND f.plan_code = p.plan_code AND f.product_line_code = p.product_line_code)
        ORDER BY p.company_id, p.plan_code, p.product_line_code
        RETURNING 1
    ), line_deleted AS (
        DELETE FROM customer.fct_customer_product_line_monthly AS f
        WHERE f.snapshot_month = v_end
          AND NOT EXISTS (SELECT 1 FROM line_rows AS g
                          WHERE g.company_id = f.company_id AND g.product_line_code = f.product_line_code)
        RETURNING 1
    ), line_updated AS (
        UPDATE customer.fct_customer_product_line_monthly AS f
        SET product_line_name = g.product_line_name, customer_name = g.customer_name,
            is_strategic = g.is_strategic, is_existing = g.is_existing, is_new = g.is_new,
            is_winning_this_year = g.is_winning_this_year, is_churned_this_year = g.is_churned_this_year,
            aum_balance = g.aum_balance, plan_count = g.plan_count, updated_at = now()
        FROM line_rows AS g
        WHERE f.snapshot_month = v_end AND g.company_id = f.company_id
          AND g.product_line_code = f.product_line_code
          AND (f.product_line_name, f.customer_name, f.is_strategic, f.is_existing, f.is_new,
               f.is_winning_this_year, f.is_churned_this_year, f.aum_balance, f.plan_count)
              IS DISTINCT FROM (g.product_line_name, g.customer_name, g.is_strategic, g.is_existing, g.is_new,
                                g.is_winning_this_year, g.is_churned_this_year, g.aum_balance, g.plan_count)
        RETURNING 1
    ), line_inserted AS (
        INSERT INTO customer.fct_customer_product_line_monthly (
            snapshot_month, company_id, product_line_code, product_line_name, customer_name,
            is_strategic, is_existing, is_new, is_winning_this_year, is_churned_this_year,
            aum_balance, plan_count)
        SELECT v_end, g.company_id, g.product_line_code, g.product_line_name, g.customer_name,
               g.is_strategic, g.is_existing, g.is_new, g.is_winning_this_year, g.is_churned_this_year,
               g.aum_balance, g.plan_count
        FROM line_rows AS g
        WHERE NOT EXISTS (SELECT 1 FROM customer.fct_customer_product_line_monthly AS f
                          WHERE f.snapshot_month = v_end AND f.company_id = g.company_id
                            AND f.product_line_code = g.product_line_code)
        ORDER BY g.company_id, g.product_line_code
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM plan_inserted) + (SELECT count(*) FROM line_inserted),
           (SELECT count(*) FROM plan_updated) + (SELECT count(*) FROM line_updated),
           (SELECT count(*) FROM plan_deleted) + (SELECT count(*) FROM line_deleted)
    INTO v_inserted, v_updated, v_deleted;

    INSERT INTO customer.snapshot_month_state AS s (snapshot_month, refreshed_at)
    VALUES (v_end, now())
    ON CONFLICT (snapshot_month) DO UPDATE
    SET refreshed_at = excluded.refreshed_at, stale_since = NULL, stale_reason = NULL
    WHERE s.stale_since IS NOT NULL OR v_inserted + v_updated + v_deleted > 0;

    RETURN QUERY
    SELECT v_end,
           (SELECT count(*) FROM customer.fct_customer_product_line_monthly AS f WHERE f.snapshot_month = v_end),
           (SELECT count(*) FROM customer.fct_customer_plan_monthly AS f WHERE f.snapshot_month = v_end),
           v_inserted, v_updated, v_deleted;
END
$$;


--
-- Name: FUNCTION _refresh_snapshot_month(p_end date); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer._refresh_snapshot_month(p_end date) IS 'Private: write one month (month-end date) of both snapshot fact tables from the versions in effect at its end and mark it built; callers hold the lock and own checks, dry run and run log.';


--
-- Name: _require_pg_cron(); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer._require_pg_cron() RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
    v_available boolean := EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = 'pg_cron');
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        RAISE EXCEPTION 'pg_cron is not installed in database %', current_database()
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = CASE WHEN v_available
                                THEN 'The pg_cron extension is available on this server but not created in this database.'
                                ELSE 'The pg_cron extension is not available on this server.' END,
                  HINT = format('Install it (Debian: apt-get install postgresql-15-cron), set shared_preload_libraries = '
                                '''pg_cron'' and cron.database_name = %L in postgresql.conf, restart the server, '
                                'then run CREATE EXTENSION pg_cron in this database.', current_database());
    END IF;
END
$$;


--
-- Name: FUNCTION _require_pg_cron(); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer._require_pg_cron() IS 'Private: 55000 with installation steps when pg_cron is not installed in this database.';


--
-- Name: _rewind_contract_history(date); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer._rewind_contract_history(p_from date) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
    c_open constant date := date '9999-12-31';
    v_end constant date := (p_from + interval '1 month - 1 day')::date;
BEGIN
    IF p_from IS NULL THEN
        DELETE FROM customer.customer_plan_contract;
        DELETE FROM customer.contract_month_summary;
        RETURN;
    END IF;
    DELETE FROM customer.customer_plan_contract AS c WHERE c.valid_from >= v_end;
    UPDATE customer.customer_plan_contract AS c SET valid_to = c_open, updated_at = now()
    WHERE c.valid_to >= v_end AND c.valid_to <> c_open;
    DELETE FROM customer.contract_month_summary AS m WHERE m.month >= p_from;
END
$$;


--
-- Name: FUNCTION _rewind_contract_history(p_from date); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer._rewind_contract_history(p_from date) IS 'Private to the sync: remove the contract history and month summary from month p_from on (NULL: all).';


--
-- Name: _run_scheduled_close(); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer._run_scheduled_close() RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
    v_started timestamptz := clock_timestamp();
    v_synced bigint;
    v_snapshots bigint;
    v_sqlstate text;
    v_message text;
    v_detail text;
BEGIN
    PERFORM set_config('work_data_hub.scheduled', 'on', true);
    PERFORM set_config('application_name', 'pg_cron', true);  -- the run log names the scheduler
    BEGIN
        SELECT count(*) FILTER (WHERE c.step = 'sync'), count(*) FILTER (WHERE c.step = 'snapshot')
        INTO v_synced, v_snapshots
        FROM customer.run_monthly_close() AS c;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_sqlstate = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT, v_detail = PG_EXCEPTION_DETAIL;
        INSERT INTO customer.mdm_run_log (function_name, dry_run, started_at, status, sqlstate, message,
                                          application_name, counts)
        VALUES ('run_monthly_close', false, v_started, 'failed', v_sqlstate,
                v_message || coalesce(' (' || nullif(v_detail, '') || ')', ''), 'pg_cron',
                jsonb_build_object('scheduled', true));
        RETURN format('monthly close failed: SQLSTATE %s: %s', v_sqlstate, v_message);
    END;
    RETURN format('monthly close: %s period(s) synced, %s snapshot month(s) refreshed', v_synced, v_snapshots);
END
$$;


--
-- Name: FUNCTION _run_scheduled_close(); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer._run_scheduled_close() IS 'Private: the pg_cron job command; runs run_monthly_close and records a failure in the run log.';


--
-- Name: _snapshot_months(); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer._snapshot_months() RETURNS TABLE(month date)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
BEGIN
    RETURN QUERY
    WITH RECURSIVE plan_months AS (
        (SELECT f.snapshot_month FROM customer.fct_customer_plan_monthly AS f ORDER BY 1 LIMIT 1)
        UNION ALL
        SELECT (SELECT f.snapshot_month FROM customer.fct_customer_plan_monthly AS f
                WHERE f.snapshot_month > p.snapshot_month ORDER BY 1 LIMIT 1)
        FROM plan_months AS p WHERE p.snapshot_month IS NOT NULL
    ), line_months AS (
        (SELECT f.snapshot_month FROM customer.fct_customer_product_line_monthly AS f ORDER BY 1 LIMIT 1)
        UNION ALL
        SELECT (SELECT f.snapshot_month FROM customer.fct_customer_product_line_monthly AS f
                WHERE f.snapshot_month > l.snapshot_month ORDER BY 1 LIMIT 1)
        FROM line_months AS l WHERE l.snapshot_month IS NOT NULL
    )
    SELECT p.snapshot_month FROM plan_months AS p WHERE p.snapshot_month IS NOT NULL
    UNION
    SELECT l.snapshot_month FROM line_months AS l WHERE l.snapshot_month IS NOT NULL
    UNION
    SELECT s.snapshot_month FROM customer.snapshot_month_state AS s;
END
$$;


--
-- Name: FUNCTION _snapshot_months(); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer._snapshot_months() IS 'Private: every snapshot month present in snapshot_month_state or either fact table.';


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: contract_month_summary; Type: TABLE; Schema: customer; Owner: -
--

CREATE TABLE customer.contract_month_summary (
    month date NOT NULL,
    company_id text NOT NULL,
    plan_code text NOT NULL,
    product_line_code text NOT NULL,
    aum numeric NOT NULL,
    contribution numeric NOT NULL,
    is_strategic boolean NOT NULL,
    last_seen date NOT NULL,
    contribution_12m numeric NOT NULL,
    strategic_ytd boolean NOT NULL,
    is_existing boolean NOT NULL,
    contract_status text GENERATED ALWAYS AS (
CASE
    WHEN ((aum > (0)::numeric) AND (contribution_12m > (0)::numeric)) THEN '正常'::text
    ELSE '停缴'::text
END) STORED NOT NULL,
    CONSTRAINT contract_month_summary_in_force CHECK (((last_seen <= month) AND (last_seen > (month - '1 year'::interval)))),
    CONSTRAINT contract_month_summary_month_check CHECK ((month = (date_trunc('month'::text, (month)::timestamp with time zone))::date))
);


--
-- Name: TABLE contract_month_summary; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON TABLE customer.contract_month_summary IS 'Derived by sync_contract_status for every applied month, one row per contract in force (a source row in the 12 months up to the month): the month''s SUM(期末资产规模), SUM(供款) and whether the contract was strategic that month (rank or threshold within its branch and product line, with the settings in force when the month was applied; 0, 0, false without source rows that month), and what the rules carry from earlier months: last_seen, contribution_12m, strategic_ytd, is_existing. Rewound with the contract history.';


--
-- Name: COLUMN contract_month_summary.last_seen; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON COLUMN customer.contract_month_summary.last_seen IS 'Latest month up to this one with a source row of the contract.';


--
-- Name: COLUMN contract_month_summary.contribution_12m; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON COLUMN customer.contract_month_summary.contribution_12m IS 'SUM(供款) over the 12 months up to this one.';


--
-- Name: COLUMN contract_month_summary.strategic_ytd; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON COLUMN customer.contract_month_summary.strategic_ytd IS 'Strategic in a month from December of the prior year to this one.';


--
-- Name: COLUMN contract_month_summary.is_existing; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON COLUMN customer.contract_month_summary.is_existing IS 'SUM(期末资产规模) in December of the prior year > 0.';


--
-- Name: COLUMN contract_month_summary.contract_status; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON COLUMN customer.contract_month_summary.contract_status IS '正常 when the month''s AUM and contribution_12m are both > 0, else 停缴.';


--
-- Name: customer_plan_contract; Type: TABLE; Schema: customer; Owner: -
--

CREATE TABLE customer.customer_plan_contract (
    contract_id bigint NOT NULL,
    company_id text NOT NULL,
    plan_code text NOT NULL,
    product_line_code text NOT NULL,
    product_line_name text,
    customer_name text,
    plan_name text,
    is_strategic boolean NOT NULL,
    is_existing boolean NOT NULL,
    status_year integer NOT NULL,
    contract_status text NOT NULL,
    valid_from date NOT NULL,
    valid_to date DEFAULT '9999-12-31'::date NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT customer_plan_contract_contract_status_check CHECK ((contract_status = ANY (ARRAY['正常'::text, '停缴'::text]))),
    CONSTRAINT customer_plan_contract_valid_range_check CHECK ((valid_from < valid_to))
);


--
-- Name: TABLE customer_plan_contract; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON TABLE customer.customer_plan_contract IS 'SCD2 history of customer x plan x product-line contracts. A version is in effect on day d iff valid_from <= d < valid_to; the current version has valid_to = 9999-12-31. Written only by customer.sync_contract_status, which never lets versions of a key overlap (closing a version at E opens its successor at E).';


--
-- Name: 当年流失; Type: TABLE; Schema: customer; Owner: -
--

CREATE TABLE customer."当年流失" (
    id bigint NOT NULL,
    "上报月份" date NOT NULL,
    "业务类型" text,
    "产品线代码" text,
    "上报客户名称" text,
    "客户名称" text,
    "年金计划号" text,
    company_id text,
    "机构代码" text,
    "机构名称" text,
    "流失日期" date,
    "计划规模" numeric(18,4),
    "年缴规模" numeric(18,4),
    "计划类型" text,
    "考核有效" boolean,
    "备注" text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT "当年流失_上报月份_check" CHECK (("上报月份" = (date_trunc('month'::text, ("上报月份")::timestamp with time zone))::date))
);


--
-- Name: TABLE "当年流失"; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON TABLE customer."当年流失" IS 'Loss ledger: customers lost this year, reported by month. 年缴规模 is in 亿元.';


--
-- Name: COLUMN "当年流失"."年缴规模"; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON COLUMN customer."当年流失"."年缴规模" IS 'Annual contribution, 亿元.';


--
-- Name: _snapshot_plan_rows(date); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer._snapshot_plan_rows(p_end date) RETURNS TABLE(company_id text, plan_code text, product_line_code text, customer_name text, plan_name text, product_line_name text, is_strategic boolean, is_existing boolean, contract_status text, is_churned_this_year boolean, aum numeric, aum_balance numeric)
    LANGUAGE sql STABLE
    BEGIN ATOMIC
 SELECT c.company_id,
     c.plan_code,
     c.product_line_code,
     c.customer_name,
     c.plan_name,
     c.product_line_name,
     c.is_strategic,
     c.is_existing,
     c.contract_status,
     (EXISTS ( SELECT 1
            FROM customer."当年流失" l
           WHERE ((l.company_id = c.company_id) AND (l."年金计划号" = c.plan_code) AND (l."产品线代码" = c.product_line_code) AND ((l."上报月份" >= (date_trunc('year'::text, (_snapshot_plan_rows.p_end)::timestamp with time zone))::date) AND (l."上报月份" <= (date_trunc('month'::text, (_snapshot_plan_rows.p_end)::timestamp with time zone))::date))))) AS "exists",
     m.aum,
     round(m.aum, 2) AS round
    FROM (customer.contract_month_summary m
      CROSS JOIN LATERAL ( SELECT v.contract_id,
             v.company_id,
             v.plan_code,
             v.product_line_code,
             v.product_line_name,
             v.customer_name,
             v.plan_name,
             v.is_strategic,
             v.is_existing,
             v.status_year,
             v.contract_status,
             v.valid_from,
             v.valid_to,
             v.created_at,
             v.updated_at
            FROM customer.customer_plan_contract v
           WHERE ((v.company_id = m.company_id) AND (v.plan_code = m.plan_code) AND (v.product_line_code = m.product_line_code) AND (v.valid_from <= _snapshot_plan_rows.p_end))
           ORDER BY v.valid_from DESC
          LIMIT 1) c)
   WHERE ((m.month = (date_trunc('month'::text, (_snapshot_plan_rows.p_end)::timestamp with time zone))::date) AND (_snapshot_plan_rows.p_end < c.valid_to));
END;


--
-- Name: FUNCTION _snapshot_plan_rows(p_end date); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer._snapshot_plan_rows(p_end date) IS 'Private to the refresh: the plan-grain snapshot rows of a month end, from the versions in effect then.';


--
-- Name: _stage_aliases(boolean); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer._stage_aliases(p_ledger boolean) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    SET jit TO 'off'
    SET work_mem TO '64MB'
    SET enable_sort TO 'off'
    AS $_$
DECLARE
    v_rows bigint;
BEGIN
    IF to_regclass('pg_temp.wdh_etl_aliases') IS NOT NULL THEN
        DROP TABLE pg_temp.wdh_etl_aliases;
    END IF;
    -- The domain's columns, by name: the only part that differs between the domains.
    EXECUTE format($sql$
        CREATE TEMP TABLE wdh_etl_aliases ON COMMIT DROP AS
        WITH r AS MATERIALIZED (  -- the rows that teach, their names and accounts normalised (inlined: cheap)
            SELECT btrim(s.company_id) AS company_id, s.%1$I AS month, nullif(btrim(s.%2$I), '') AS plan,
                   customer.normalise_name(s."客户名称") AS name1, customer.normalise_name(%3$s) AS name2,
                   customer.normalise_name(%4$s) AS account1,
                   nullif(regexp_replace(customer.normalise_name(%5$s), '^[Cc]', ''), '') AS account2
            FROM pg_temp.wdh_etl_stage AS s
            WHERE nullif(btrim(s.company_id), '') IS NOT NULL AND s.id_source IS NULL
        ), taught AS (  -- one scan of r per kind and column: no row is made only to be dropped
            SELECT 'account'::text AS kind, ''::text AS plan_code, r.account1 AS alias, r.company_id, r.month
            FROM r WHERE r.account1 IS NOT NULL
            UNION ALL
            SELECT 'account', '', r.account2, r.company_id, r.month FROM r WHERE r.account2 IS NOT NULL
            UNION ALL
            SELECT 'name', '', r.name1, r.company_id, r.month FROM r WHERE r.name1 IS NOT NULL
            UNION ALL
            SELECT 'name', '', r.name2, r.company_id, r.month FROM r WHERE r.name2 IS NOT NULL
            UNION ALL
            SELECT 'plan_name', r.plan, r.name1, r.company_id, r.month FROM r WHERE r.name1 IS NOT NULL AND r.plan IS NOT NULL
            UNION ALL
            SELECT 'plan_name', r.plan, r.name2, r.company_id, r.month FROM r WHERE r.name2 IS NOT NULL AND r.plan IS NOT NULL
        )
        SELECT t.kind, t.plan_code, t.alias, t.company_id, min(t.month) AS first_month, max(t.month) AS last_month
        FROM taught AS t
        GROUP BY 1, 2, 3, 4
    $sql$, CASE WHEN p_ledger THEN '上报月份' ELSE '月度' END, CASE WHEN p_ledger THEN '年金计划号' ELSE '计划代码' END,
           CASE WHEN p_ledger THEN 's."上报客户名称"' ELSE 'NULL::text' END,
           CASE WHEN p_ledger THEN 'NULL::text' ELSE 's."年金账户号"' END,
           CASE WHEN p_ledger THEN 'NULL::text' ELSE 's."集团企业客户号"' END);
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;  -- not analysed: its readers join it whole with enable_nestloop = off
END
$_$;


--
-- Name: FUNCTION _stage_aliases(p_ledger boolean); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer._stage_aliases(p_ledger boolean) IS 'Private to the ETL''s identity steps: the aliases a staged file teaches, in pg_temp.wdh_etl_aliases.';


--
-- Name: _stage_wanted_aliases(boolean); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer._stage_wanted_aliases(p_ledger boolean) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    SET jit TO 'off'
    AS $_$
DECLARE
    v_plan text := CASE WHEN p_ledger THEN '年金计划号' ELSE '计划代码' END;
    v_wanted text;
    v_rows bigint;
BEGIN
    -- The domain's columns, by name: the only statement that differs between the domains. One row
    -- per name (pos 1, 2) and account (pos 3, 4) of each row without a company_id, one scan of the
    -- stage for each (a blank one stays NULL and matches nothing: a filter on it would normalise
    -- every value twice); the steps join it to the aliases on equal values only.
    IF to_regclass('pg_temp.wdh_etl_wanted') IS NOT NULL THEN
        DROP TABLE pg_temp.wdh_etl_wanted;
    END IF;
    SELECT string_agg(format($sql$
        SELECT s.ctid AS row_id, %1$s AS pos, %2$L AS what, %3$s AS alias, nullif(btrim(s.%4$I), '') AS plan
        FROM pg_temp.wdh_etl_stage AS s WHERE nullif(btrim(s.company_id), '') IS NULL
        $sql$, c.pos, c.what, c.alias, v_plan), ' UNION ALL ' ORDER BY c.pos)
    INTO v_wanted
    FROM (VALUES (1, 'name', 'customer.normalise_name(s."客户名称")'),
                 (2, 'name', CASE WHEN p_ledger THEN 'customer.normalise_name(s."上报客户名称")' END),
                 (3, 'account', CASE WHEN NOT p_ledger THEN 'customer.normalise_name(s."年金账户号")' END),
                 (4, 'account', CASE WHEN NOT p_ledger
                                     THEN $e$nullif(regexp_replace(customer.normalise_name(s."集团企业客户号"), '^[Cc]', ''), '')$e$
                                END)) AS c (pos, what, alias)
    WHERE c.alias IS NOT NULL;
    EXECUTE 'CREATE TEMP TABLE wdh_etl_wanted ON COMMIT DROP AS ' || v_wanted;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END
$_$;


--
-- Name: FUNCTION _stage_wanted_aliases(p_ledger boolean); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer._stage_wanted_aliases(p_ledger boolean) IS 'Private to the ETL''s identity steps: the normalised names and accounts of the staged rows without company_id.';


--
-- Name: _sync_target(date); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer._sync_target(p_period_end date, OUT first_month date, OUT latest_month date, OUT target date) RETURNS record
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
BEGIN
    SELECT min(d."月度"), max(d."月度") INTO first_month, latest_month FROM business."规模明细" AS d;
    target := coalesce(p_period_end, (latest_month + interval '1 month - 1 day')::date);
    IF latest_month IS NOT NULL AND target > (latest_month + interval '1 month - 1 day')::date THEN
        RAISE EXCEPTION 'Period % is after the latest loaded month %', to_char(target, 'YYYY-MM'),
                to_char(latest_month, 'YYYY-MM')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = format('Load %s first (etl --domain annuity_performance --period %s --execute), or sync '
                                'through the latest loaded month (no period).',
                                to_char(target, 'YYYY-MM'), to_char(target, 'YYYYMM'));
    ELSIF target < first_month THEN
        RAISE EXCEPTION 'Period % is before the first loaded month %', to_char(target, 'YYYY-MM'),
                to_char(first_month, 'YYYY-MM')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = format('Pick a period from %s on, or load the earlier months first.',
                                to_char(first_month, 'YYYYMM'));
    END IF;
END
$$;


--
-- Name: FUNCTION _sync_target(p_period_end date, OUT first_month date, OUT latest_month date, OUT target date); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer._sync_target(p_period_end date, OUT first_month date, OUT latest_month date, OUT target date) IS 'Private to the sync: the first and latest loaded month and the period to sync through.';


--
-- Name: _track_ledger_change(); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer._track_ledger_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
    v_months date[];
    v_reason text := format('%s rows changed', TG_TABLE_NAME);
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE customer.snapshot_month_state AS s
        SET stale_since = coalesce(s.stale_since, now()), stale_reason = coalesce(s.stale_reason, v_reason);
        RETURN NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT array_agg(DISTINCT n."上报月份") INTO v_months FROM new_rows AS n;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        SELECT coalesce(v_months, '{}') || coalesce(array_agg(DISTINCT o."上报月份"), '{}')
        INTO v_months FROM old_rows AS o;
    END IF;
    UPDATE customer.snapshot_month_state AS s
    SET stale_since = coalesce(s.stale_since, now()), stale_reason = coalesce(s.stale_reason, v_reason)
    WHERE EXISTS (SELECT 1 FROM unnest(v_months) AS m (month)
                  WHERE s.snapshot_month >= m.month
                    AND date_trunc('year', s.snapshot_month) = date_trunc('year', m.month));
    RETURN NULL;
END
$$;


--
-- Name: FUNCTION _track_ledger_change(); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer._track_ledger_change() IS 'Private trigger function: marks built snapshot months stale when ledger rows reported in their year, up to them, change.';


--
-- Name: _track_source_change(); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer._track_source_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
    v_min_new date;
    v_min_old date;
    v_changed date;
    v_state customer.contract_sync_state%ROWTYPE;
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT min(n."月度") INTO v_min_new FROM new_rows AS n
        WHERE n.company_id IS NOT NULL AND n."产品线代码" IS NOT NULL;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        SELECT min(o."月度") INTO v_min_old FROM old_rows AS o
        WHERE o.company_id IS NOT NULL AND o."产品线代码" IS NOT NULL;
    END IF;

    IF TG_OP <> 'TRUNCATE' AND v_min_new IS NULL AND v_min_old IS NULL THEN
        RETURN NULL;  -- no contract row changed: nothing to record, and no lock on the state row
    END IF;
    SELECT * INTO v_state FROM customer.contract_sync_state FOR UPDATE;
    IF v_state.last_applied_period IS NULL THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        v_changed := date_trunc('month', v_state.first_applied_period)::date;
    ELSE
        v_changed := least(v_min_new, v_min_old);
    END IF;
    IF v_changed IS NOT NULL AND v_changed <= v_state.last_applied_period THEN
        UPDATE customer.contract_sync_state
        SET dirty_from_month = least(dirty_from_month, v_changed), updated_at = now();
    END IF;
    RETURN NULL;
END
$$;


--
-- Name: FUNCTION _track_source_change(); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer._track_source_change() IS 'Private trigger function: records in contract_sync_state.dirty_from_month the earliest already applied month of business.规模明细 that a statement changed.';


--
-- Name: contract_branches(date); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer.contract_branches(p_period_end date) RETURNS TABLE(company_id text, plan_code text, product_line_code text, branch_code text, branch_name text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    SET jit TO 'off'
    AS $$
#variable_conflict use_column
DECLARE
    v_end date := customer._period_end(p_period_end, 'p_period_end');
BEGIN
    IF v_end IS NULL THEN
        RAISE EXCEPTION 'p_period_end must be a month-end date, not NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    SELECT s.company_id, s.plan_code, s.product_line_code, b.branch_code, coalesce(o."机构名称", b.branch_name)
    FROM customer.contract_month_summary AS s
    CROSS JOIN LATERAL (
        SELECT coalesce(d."机构代码", 'G00') AS branch_code, max(d."机构名称") AS branch_name
        FROM business."规模明细" AS d
        WHERE d.company_id = s.company_id AND d."计划代码" = s.plan_code AND d."产品线代码" = s.product_line_code
          AND d."月度" = s.last_seen
        GROUP BY 1
        ORDER BY sum(d."期末资产规模") DESC NULLS LAST, coalesce(d."机构代码", 'G00') COLLATE "C"
        LIMIT 1) AS b
    LEFT JOIN mapping."组织架构" AS o ON o."机构代码" = b.branch_code
    WHERE s.month = date_trunc('month', v_end)::date;
END
$$;


--
-- Name: FUNCTION contract_branches(p_period_end date); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer.contract_branches(p_period_end date) IS 'Report: the branch of each contract in force at the month (largest AUM in its latest month with rows).';


--
-- Name: contract_movements(date); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer.contract_movements(p_period_end date) RETURNS TABLE(movement text, company_id text, customer_name text, plan_code text, plan_name text, product_line_code text, product_line_name text, branch_code text, branch_name text, aum_balance numeric, previous_aum_balance numeric)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    SET jit TO 'off'
    AS $$
#variable_conflict use_column
DECLARE
    v_end date := customer._period_end(p_period_end, 'p_period_end');
    v_previous date := date_trunc('month', p_period_end)::date - 1;
    v_synced date := (SELECT s.last_applied_period FROM customer.contract_sync_state AS s);
BEGIN
    IF v_end IS NULL THEN
        RAISE EXCEPTION 'p_period_end must be a month-end date, not NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_synced IS NULL THEN
        RAISE EXCEPTION 'Contracts have not been synced yet: there are no movements to report'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Load the AUM detail and run customer-mdm close (in SQL SELECT * FROM customer.run_monthly_close()).';
    ELSIF v_end > v_synced THEN
        RAISE EXCEPTION 'Contracts are synced through % only, not through %', to_char(v_synced, 'YYYY-MM'),
                to_char(v_end, 'YYYY-MM')
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Load the month and run customer-mdm close (in SQL SELECT * FROM customer.run_monthly_close()).';
    END IF;
    RETURN QUERY
    WITH cur AS (
        SELECT c.* FROM customer.customer_plan_contract AS c WHERE c.valid_from <= v_end AND c.valid_to > v_end
    ), prev AS (
        SELECT c.* FROM customer.customer_plan_contract AS c WHERE c.valid_from <= v_previous AND c.valid_to > v_previous
    ), changed AS (
        SELECT coalesce(c.company_id, p.company_id) AS company_id, coalesce(c.plan_code, p.plan_code) AS plan_code,
               coalesce(c.product_line_code, p.product_line_code) AS product_line_code,
               coalesce(c.customer_name, p.customer_name) AS customer_name, coalesce(c.plan_name, p.plan_name) AS plan_name,
               coalesce(c.product_line_name, p.product_line_name) AS product_line_name,
               c.contract_id IS NOT NULL AS in_force, p.contract_id IS NOT NULL AS was_in_force,
               c.contract_status, p.contract_status AS previous_status, c.is_strategic, p.is_strategic AS was_strategic
        FROM cur AS c
        FULL JOIN prev AS p ON p.company_id = c.company_id AND p.plan_code = c.plan_code
                           AND p.product_line_code = c.product_line_code
        WHERE c.contract_id IS DISTINCT FROM p.contract_id
    ), moves AS (
        SELECT m.position, m.movement, x.*
        FROM changed AS x
        CROSS JOIN LATERAL (VALUES
            (1, 'new', x.in_force AND NOT x.was_in_force),
            (2, 'lapsed', x.was_in_force AND NOT x.in_force),
            (3, 'stopped', x.previous_status = '正常' AND x.contract_status = '停缴'),
            (4, 'resumed', x.previous_status = '停缴' AND x.contract_status = '正常'),
            (5, 'became_strategic', NOT x.was_strategic AND x.is_strategic),
            (6, 'lost_strategic', x.was_strategic AND NOT x.is_strategic)) AS m (position, movement, happened)
        WHERE m.happened
    )
    SELECT m.movement, m.company_id, m.customer_name, m.plan_code, m.plan_name, m.product_line_code,
           m.product_line_name, coalesce(b.branch_code, pb.branch_code), coalesce(b.branch_name, pb.branch_name),
           round(coalesce(s.aum, 0), 2), round(coalesce(ps.aum, 0), 2)
    FROM moves AS m
    LEFT JOIN customer.contract_branches(v_end) AS b
           ON b.company_id = m.company_id AND b.plan_code = m.plan_code AND b.product_line_code = m.product_line_code
    LEFT JOIN customer.contract_branches(v_previous) AS pb
           ON m.movement = 'lapsed' AND pb.company_id = m.company_id AND pb.plan_code = m.plan_code
          AND pb.product_line_code = m.product_line_code
    LEFT JOIN customer.contract_month_summary AS s
           ON s.month = date_trunc('month', v_end)::date AND s.company_id = m.company_id
          AND s.plan_code = m.plan_code AND s.product_line_code = m.product_line_code
    LEFT JOIN customer.contract_month_summary AS ps
           ON ps.month = date_trunc('month', v_previous)::date AND ps.company_id = m.company_id
          AND ps.plan_code = m.plan_code AND ps.product_line_code = m.product_line_code
    ORDER BY m.position, coalesce(s.aum, ps.aum, 0) DESC, m.company_id, m.plan_code, m.product_line_code;
END
$$;


--
-- Name: FUNCTION contract_movements(p_period_end date); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer.contract_movements(p_period_end date) IS 'Report: the month''s contract movements (new, lapsed, stopped, resumed, became / lost strategic) with customer, plan, product line, branch and AUM.';


--
-- Name: learn_staged_aliases(boolean); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer.learn_staged_aliases(p_ledger boolean) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    SET jit TO 'off'
    SET enable_nestloop TO 'off'
    SET enable_sort TO 'off'
    AS $$
DECLARE
    v_added bigint;
BEGIN
    IF to_regclass('pg_temp.wdh_etl_aliases') IS NULL THEN
        PERFORM customer._stage_aliases(p_ledger);
    END IF;
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_aliases (kind text, plan_code text, alias text, company_id text, '
            'first_month date, last_month date)';
    -- New aliases first (an anti join, whose row count is the result), then the months of those
    -- already known widened: two hashed joins, where a count and a MERGE took three.
    INSERT INTO customer.company_alias (kind, plan_code, alias, company_id, source, first_month, last_month)
    SELECT f.kind, f.plan_code, f.alias, f.company_id, 'learned', f.first_month, f.last_month
    FROM pg_temp.wdh_etl_aliases AS f
    WHERE NOT EXISTS (SELECT 1 FROM customer.company_alias AS a
                      WHERE a.kind = f.kind AND a.plan_code = f.plan_code AND a.alias = f.alias
                        AND a.company_id = f.company_id);
    GET DIAGNOSTICS v_added = ROW_COUNT;
    UPDATE customer.company_alias AS a
    SET first_month = least(a.first_month, f.first_month), last_month = greatest(a.last_month, f.last_month),
        updated_at = now()
    FROM pg_temp.wdh_etl_aliases AS f
    WHERE a.kind = f.kind AND a.plan_code = f.plan_code AND a.alias = f.alias AND a.company_id = f.company_id
      AND (a.first_month IS NULL OR a.last_month IS NULL OR f.first_month < a.first_month
           OR f.last_month > a.last_month);
    RETURN v_added;
END
$$;


--
-- Name: FUNCTION learn_staged_aliases(p_ledger boolean); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer.learn_staged_aliases(p_ledger boolean) IS 'ETL: keep the aliases the applied file taught in customer.company_alias (new ones learned, months widened).';


--
-- Name: merge_company(text, text, boolean, boolean); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer.merge_company(p_from text, p_into text, p_dry_run boolean DEFAULT false, p_force boolean DEFAULT false) RETURNS TABLE(table_name text, rows_moved bigint)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
#variable_conflict use_column
DECLARE
    v_from customer."年金客户"%ROWTYPE;
    v_from_id text;
    v_into_id text;
    v_moved_plans text[] := '{}'::text[];
    v_merged_into text;
    v_merged_at timestamptz;
    v_into_exists boolean;
    v_counts jsonb := '{}'::jsonb;
    v_rows bigint;
    v_seq_last bigint;
    v_seq_called boolean;
BEGIN
    IF p_dry_run IS NULL OR p_force IS NULL THEN
        RAISE EXCEPTION 'p_dry_run and p_force must be true or false, not NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_from_id := btrim(p_from);
    v_into_id := btrim(p_into);
    IF nullif(v_from_id, '') IS NULL OR nullif(v_into_id, '') IS NULL THEN
        RAISE EXCEPTION 'merge_company needs both ids: p_from % and p_into %',
                coalesce(quote_literal(p_from), 'NULL'), coalesce(quote_literal(p_into), 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'customer-mdm identities lists the provisional ids and their candidate matches.';
    END IF;
    IF v_from_id = v_into_id THEN
        RAISE EXCEPTION 'Cannot merge customer % into itself', v_from_id
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass the id the rows should carry as p_into (--into).';
    END IF;

    PERFORM customer._lock_mdm('merge_company');
    PERFORM customer._lock_source_tables('merge_company');  -- no load runs meanwhile

    SELECT * INTO v_from FROM customer."年金客户" AS c WHERE c.company_id = v_from_id FOR UPDATE;
    IF NOT FOUND THEN
        SELECT l.into_id, l.merged_at INTO v_merged_into, v_merged_at FROM customer.company_merge_log AS l
        WHERE l.from_id = v_from_id ORDER BY l.merged_at DESC, l.id DESC LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'Customer % was already merged into % at %', v_from_id, v_merged_into,
                    to_char(v_merged_at, 'YYYY-MM-DD HH24:MI:SS')
                USING ERRCODE = 'no_data_found',
                      HINT = 'Nothing to do: its rows carry the new id (customer.company_merge_log has the merge).';
        END IF;
        RAISE EXCEPTION 'Customer % does not exist', v_from_id
            USING ERRCODE = 'no_data_found',
                  HINT = 'customer-mdm identities lists the provisional ids; check the id for typos.';
    END IF;
    IF NOT v_from.is_provisional AND NOT p_force THEN
        RAISE EXCEPTION 'Customer % (%) is not provisional: merging it rewrites the history of two real customers',
                v_from_id, v_from."客户名称"
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('If %s really is %s under another id, merge again with --force (p_force => true).',
                                v_from_id, v_into_id);
    END IF;
    v_into_exists := EXISTS (SELECT 1 FROM customer."年金客户" AS c WHERE c.company_id = v_into_id);
    IF NOT v_into_exists AND v_into_id ~* '^IN[0-9A-F]{16}$' THEN
        RAISE EXCEPTION 'Customer % does not exist, and a new customer cannot take a provisional id', v_into_id
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Merge into the real company_id (an existing customer, or a new id that is created).';
    END IF;
    SELECT s.last_value, s.is_called INTO v_seq_last, v_seq_called FROM customer.company_merge_log_id_seq AS s;

    BEGIN  -- every write happens in here; a dry run rolls this block back
        IF NOT v_into_exists THEN
            INSERT INTO customer."年金客户" (company_id, "客户名称", "客户简称", "年金客户类型", tags)
            VALUES (v_into_id, v_from."客户名称", v_from."客户简称", v_from."年金客户类型", v_from.tags);
            v_counts := v_counts || jsonb_build_object('customer.年金客户 (created)', 1);
        END IF;

        SELECT array_agg(DISTINCT d."计划代码") INTO v_moved_plans FROM business."规模明细" AS d
        WHERE d.company_id = v_from_id;
        UPDATE business."规模明细" AS d SET company_id = v_into_id WHERE d.company_id = v_from_id;
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        v_counts := v_counts || jsonb_build_object('business.规模明细', v_rows);
        UPDATE customer."当年中标" AS w SET company_id = v_into_id WHERE w.company_id = v_from_id;
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        v_counts := v_counts || jsonb_build_object('customer.当年中标', v_rows);
        UPDATE customer."当年流失" AS l SET company_id = v_into_id WHERE l.company_id = v_from_id;
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        v_counts := v_counts || jsonb_build_object('customer.当年流失', v_rows);
        UPDATE mapping."年金计划" AS p SET company_id = v_into_id, updated_at = now() WHERE p.company_id = v_from_id;
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        v_counts := v_counts || jsonb_build_object('mapping.年金计划', v_rows);

        v_rows := customer._merge_aliases(v_from_id, v_into_id, v_from."客户名称", v_moved_plans);
        v_counts := v_counts || jsonb_build_object('customer.company_alias', v_rows);

        DELETE FROM customer.customer_plan_contract AS c WHERE c.company_id = v_from_id;
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        v_counts := v_counts || jsonb_build_object('customer.customer_plan_contract (removed)', v_rows);
        DELETE FROM customer."年金客户" AS c WHERE c.company_id = v_from_id;
        v_counts := v_counts || jsonb_build_object('customer.年金客户 (removed)', 1);

        INSERT INTO customer.company_merge_log (from_id, from_name, from_was_provisional, into_id, into_created, rows_moved)
        VALUES (v_from_id, v_from."客户名称", v_from.is_provisional, v_into_id, NOT v_into_exists, v_counts);

        IF p_dry_run THEN
            RAISE EXCEPTION 'dry run' USING ERRCODE = 'WD0DR';
        END IF;
    EXCEPTION WHEN SQLSTATE 'WD0DR' THEN
        PERFORM setval('customer.company_merge_log_id_seq', v_seq_last, v_seq_called);
    END;

    RETURN QUERY
    SELECT e.key, e.value::bigint FROM jsonb_each_text(v_counts) AS e ORDER BY e.key;
END
$_$;


--
-- Name: FUNCTION merge_company(p_from text, p_into text, p_dry_run boolean, p_force boolean); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer.merge_company(p_from text, p_into text, p_dry_run boolean, p_force boolean) IS 'Fold customer p_from (a provisional id) into p_into: re-point source, ledger, plan and alias rows, teach the name, remove p_from; the next sync replays history. Rows moved per table.';


--
-- Name: normalise_name(text); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer.normalise_name(p_name text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN ((p_name IS NFKC NORMALIZED) AND (p_name !~ '[][{}【】〔〕〖〗「」『』〈〉《》 	




-
 

]'::text)) THEN NULLIF(p_name, ''::text) ELSE NULLIF(translate(NORMALIZE(p_name, NFKC), '[]{}【】〔〕〖〗「」『』〈〉《》 	







 

'::text, '()()()()()()()()()'::text), ''::text) END;


--
-- Name: FUNCTION normalise_name(p_name text); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer.normalise_name(p_name text) IS 'Customer names as compared: NFKC, brackets unified to ( ), whitespace removed; NULL when blank.';


--
-- Name: product_line_changes(date); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer.product_line_changes(p_period_end date) RETURNS TABLE(product_line_code text, product_line_name text, measure text, value numeric, previous_month numeric, change_month numeric, prior_december numeric, change_december numeric)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    SET jit TO 'off'
    AS $$
#variable_conflict use_column
DECLARE
    v_end date := customer._period_end(p_period_end, 'p_period_end');
    v_previous date := date_trunc('month', p_period_end)::date - 1;
    v_december date := make_date(extract(year FROM p_period_end)::integer - 1, 12, 31);
BEGIN
    IF v_end IS NULL THEN
        RAISE EXCEPTION 'p_period_end must be a month-end date, not NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    WITH months AS (
        SELECT v.snapshot_month, v.product_line_code, v.product_line_name, m.ordinality AS position, m.measure, m.value
        FROM customer.v_product_line_month AS v
        CROSS JOIN LATERAL unnest(
            ARRAY['customers', 'strategic', 'existing', 'new', 'won', 'lost', 'contracts_normal', 'contracts_stopped',
                  'aum_yi'],
            ARRAY[v.customers, v.strategic, v.existing, v.new, v.won, v.lost, v.contracts_normal, v.contracts_stopped,
                  round(v.aum_balance / 100000000, 2)]) WITH ORDINALITY AS m (measure, value, ordinality)
        WHERE v.snapshot_month IN (v_end, v_previous, v_december)
    ), compared AS (  -- a built month without the product line counts 0; a month not built, NULL
        SELECT c.*,
               CASE WHEN EXISTS (SELECT 1 FROM months AS x WHERE x.snapshot_month = v_previous)
                    THEN coalesce(p.value, 0) END AS previous_value,
               CASE WHEN EXISTS (SELECT 1 FROM months AS x WHERE x.snapshot_month = v_december)
                    THEN coalesce(d.value, 0) END AS december_value
        FROM months AS c
        LEFT JOIN months AS p ON p.snapshot_month = v_previous AND p.measure = c.measure
                             AND p.product_line_code IS NOT DISTINCT FROM c.product_line_code
        LEFT JOIN months AS d ON d.snapshot_month = v_december AND d.measure = c.measure
                             AND d.product_line_code IS NOT DISTINCT FROM c.product_line_code
        WHERE c.snapshot_month = v_end
    )
    SELECT c.product_line_code, c.product_line_name, c.measure, c.value,
           c.previous_value, c.value - c.previous_value, c.december_value, c.value - c.december_value
    FROM compared AS c
    ORDER BY c.product_line_code NULLS LAST, c.position;
END
$$;


--
-- Name: FUNCTION product_line_changes(p_period_end date); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer.product_line_changes(p_period_end date) IS 'Report: per product line (and total) and measure, the month''s value, the previous month''s and the prior December''s, and the changes.';


--
-- Name: provisional_company_id(text); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer.provisional_company_id(p_name text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ('IN'::text || upper("left"(encode(sha256(convert_to(customer.normalise_name(p_name), 'UTF8'::name)), 'hex'::text), 16)));


--
-- Name: FUNCTION provisional_company_id(p_name text); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer.provisional_company_id(p_name text) IS 'IN + the first 16 hex digits of SHA-256 of the normalised name: the same id for the same name everywhere.';


--
-- Name: provisional_identities(); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer.provisional_identities() RETURNS TABLE(company_id text, customer_name text, plans text[], first_month date, last_month date, source_rows bigint, ledger_rows bigint, latest_month date, latest_aum numeric, candidates jsonb)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
#variable_conflict use_column
DECLARE
    v_latest date := (SELECT max(d."月度") FROM business."规模明细" AS d);
BEGIN
    RETURN QUERY
    WITH provisional AS (
        SELECT c.company_id, c."客户名称" AS customer_name, customer.normalise_name(c."客户名称") AS name
        FROM customer."年金客户" AS c WHERE c.is_provisional
    ), used AS (
        SELECT d.company_id, d."计划代码" AS plan_code, d."月度" AS month, 1 AS source_row, 0 AS ledger_row,
               CASE WHEN d."月度" = v_latest THEN d."期末资产规模" END AS aum
        FROM business."规模明细" AS d WHERE d.company_id IN (SELECT p.company_id FROM provisional AS p)
        UNION ALL
        SELECT w.company_id, w."年金计划号", w."上报月份", 0, 1, NULL
        FROM customer."当年中标" AS w WHERE w.company_id IN (SELECT p.company_id FROM provisional AS p)
        UNION ALL
        SELECT l.company_id, l."年金计划号", l."上报月份", 0, 1, NULL
        FROM customer."当年流失" AS l WHERE l.company_id IN (SELECT p.company_id FROM provisional AS p)
    ), usage AS (
        SELECT u.company_id, array_agg(DISTINCT u.plan_code ORDER BY u.plan_code)
                                 FILTER (WHERE u.plan_code IS NOT NULL) AS plans,
               min(u.month) AS first_month, max(u.month) AS last_month,
               sum(u.source_row) AS source_rows, sum(u.ledger_row) AS ledger_rows,
               coalesce(sum(u.aum), 0) AS latest_aum
        FROM used AS u GROUP BY u.company_id
    ), matches AS (
        SELECT p.company_id, a.company_id AS candidate, 'same name' AS reason, 1.0::real AS similarity
        FROM provisional AS p
        JOIN customer.company_alias AS a ON a.kind = 'name' AND a.alias = p.name
        UNION
        SELECT p.company_id, c.company_id, 'same name', 1.0::real
        FROM provisional AS p
        JOIN customer."年金客户" AS c ON customer.normalise_name(c."客户名称") = p.name
        UNION
        SELECT p.company_id, a.company_id, 'similar name', public.similarity(a.alias, p.name)
        FROM provisional AS p
        JOIN usage AS g ON g.company_id = p.company_id
        JOIN customer.company_alias AS a ON a.kind = 'plan_name' AND a.plan_code = ANY (g.plans)
        WHERE public.similarity(a.alias, p.name) >= 0.6
    ), best AS (
        SELECT m.company_id, m.candidate, max(m.similarity) AS similarity,
               min(m.reason) AS reason  -- 'same name' < 'similar name'
        FROM matches AS m WHERE m.candidate <> m.company_id
        GROUP BY m.company_id, m.candidate
    )
    SELECT p.company_id, p.customer_name, coalesce(g.plans, '{}'), g.first_month, g.last_month,
           coalesce(g.source_rows, 0), coalesce(g.ledger_rows, 0), v_latest, coalesce(g.latest_aum, 0),
           coalesce((SELECT jsonb_agg(jsonb_build_object('company_id', b.candidate, 'customer_name', c."客户名称",
                                                         'provisional', c.is_provisional, 'reason', b.reason,
                                                         'similarity', round(b.similarity::numeric, 2))
                                      ORDER BY b.reason, b.similarity DESC, b.candidate)
                     FROM best AS b JOIN customer."年金客户" AS c ON c.company_id = b.candidate
                     WHERE b.company_id = p.company_id), '[]'::jsonb)
    FROM provisional AS p
    LEFT JOIN usage AS g ON g.company_id = p.company_id
    ORDER BY coalesce(g.latest_aum, 0) DESC, p.company_id;
END
$$;


--
-- Name: FUNCTION provisional_identities(); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer.provisional_identities() IS 'Provisional customers with their plans, months, rows, latest-month AUM and candidate real ids (same normalised name; pg_trgm similarity >= 0.6 with an alias of the same plan).';


--
-- Name: record_failed_run(text, text, text, timestamp with time zone, boolean, date); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer.record_failed_run(p_function_name text, p_sqlstate text, p_message text, p_started_at timestamp with time zone, p_dry_run boolean DEFAULT false, p_period_end date DEFAULT NULL::date) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
DECLARE
    v_run_id bigint;
BEGIN
    IF p_function_name IS NULL OR p_function_name NOT IN ('sync_contract_status', 'refresh_monthly_snapshot',
                                                          'refresh_snapshots', 'run_monthly_close') THEN
        RAISE EXCEPTION 'Cannot record a failure of %', coalesce(p_function_name, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Name sync_contract_status, refresh_monthly_snapshot, refresh_snapshots or run_monthly_close.';
    END IF;
    IF coalesce(p_sqlstate, '') !~ '^[0-9A-Z]{5}$' OR coalesce(p_message, '') = '' THEN
        RAISE EXCEPTION 'A failed run needs its SQLSTATE and message'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass the error''s five-character SQLSTATE and its primary message.';
    END IF;
    INSERT INTO customer.mdm_run_log (function_name, period_start, period_end, dry_run, started_at,
                                      status, sqlstate, message)
    VALUES (p_function_name, p_period_end, p_period_end, coalesce(p_dry_run, false),
            coalesce(p_started_at, clock_timestamp()), 'failed', p_sqlstate, p_message)
    RETURNING run_id INTO v_run_id;
    RETURN v_run_id;
END
$_$;


--
-- Name: FUNCTION record_failed_run(p_function_name text, p_sqlstate text, p_message text, p_started_at timestamp with time zone, p_dry_run boolean, p_period_end date); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer.record_failed_run(p_function_name text, p_sqlstate text, p_message text, p_started_at timestamp with time zone, p_dry_run boolean, p_period_end date) IS 'Record a failed call of sync_contract_status, refresh_monthly_snapshot, refresh_snapshots or run_monthly_close in the run log (status failed, SQLSTATE, message); returns its run_id.';


--
-- Name: refresh_monthly_snapshot(date, boolean); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer.refresh_monthly_snapshot(p_period_end date, p_dry_run boolean DEFAULT false) RETURNS TABLE(period_end date, product_line_rows bigint, plan_rows bigint, inserted bigint, updated bigint, deleted bigint)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
#variable_conflict use_column
DECLARE
    v_started timestamptz := clock_timestamp();
    v_end date := customer._period_end(p_period_end, 'p_period_end');
    v_pl_rows bigint;
    v_plan_rows bigint;
    v_inserted bigint := 0;
    v_updated bigint := 0;
    v_deleted bigint := 0;
BEGIN
    IF p_dry_run IS NULL THEN
        RAISE EXCEPTION 'p_dry_run must be true or false, not NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM customer._lock_mdm('refresh_monthly_snapshot');
    v_end := customer._check_snapshot_month(v_end);  -- and locks the sync state row: see there

    BEGIN  -- every write happens in here; a dry run rolls this block back
        SELECT r.product_line_rows, r.plan_rows, r.inserted, r.updated, r.deleted
        INTO v_pl_rows, v_plan_rows, v_inserted, v_updated, v_deleted
        FROM customer._refresh_snapshot_month(v_end) AS r;
        IF p_dry_run THEN
            RAISE EXCEPTION 'dry run' USING ERRCODE = 'WD0DR';
        END IF;
    EXCEPTION WHEN SQLSTATE 'WD0DR' THEN
        NULL;  -- the dry run's writes are undone; its counts stay in the variables
    END;

    INSERT INTO customer.mdm_run_log (function_name, period_start, period_end, dry_run, counts, started_at)
    VALUES ('refresh_monthly_snapshot', v_end, v_end, p_dry_run,
            jsonb_build_object('product_line_rows', v_pl_rows, 'plan_rows', v_plan_rows,
                               'inserted', v_inserted, 'updated', v_updated, 'deleted', v_deleted),
            v_started);

    RETURN QUERY SELECT v_end, v_pl_rows, v_plan_rows, v_inserted, v_updated, v_deleted;
END
$$;


--
-- Name: FUNCTION refresh_monthly_snapshot(p_period_end date, p_dry_run boolean); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer.refresh_monthly_snapshot(p_period_end date, p_dry_run boolean) IS 'Rebuild both monthly snapshot fact tables for p_period_end (month-end date; NULL = last synced period) from the contract versions in effect at that date. Returns period_end, product_line_rows, plan_rows, inserted, updated, deleted. Dry run rolls back, counts exact.';


--
-- Name: refresh_snapshots(boolean); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer.refresh_snapshots(p_dry_run boolean DEFAULT false) RETURNS TABLE(period_end date, product_line_rows bigint, plan_rows bigint, inserted bigint, updated bigint, deleted bigint)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
#variable_conflict use_column
DECLARE
    v_started timestamptz := clock_timestamp();
    v_state customer.contract_sync_state%ROWTYPE;
    v_month date;
    v_plan_deleted bigint;
    v_line_deleted bigint;
    v_touched customer.snapshot_refresh_result[] := '{}'::customer.snapshot_refresh_result[];
    v_row customer.snapshot_refresh_result;
BEGIN
    IF p_dry_run IS NULL THEN
        RAISE EXCEPTION 'p_dry_run must be true or false, not NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM customer._lock_mdm('refresh_snapshots');
    SELECT * INTO v_state FROM customer.contract_sync_state FOR SHARE;
    IF v_state.dirty_from_month IS NOT NULL AND v_state.last_applied_period IS NOT NULL
       AND v_state.dirty_from_month <= v_state.last_applied_period THEN
        RAISE EXCEPTION 'A source correction from % is pending: the contract history is out of date',
                to_char(v_state.dirty_from_month, 'YYYY-MM')
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Run the monthly close, which syncs first: customer-mdm close, in SQL '
                         'SELECT * FROM customer.run_monthly_close().';
    END IF;

    BEGIN  -- every write happens in here; a dry run rolls this block back
        -- Snapshot months outside the applied range go, with their state.
        FOR v_month IN
            SELECT m.month FROM customer._snapshot_months() AS m
            WHERE v_state.last_applied_period IS NULL
               OR m.month < v_state.first_applied_period OR m.month > v_state.last_applied_period
            ORDER BY 1
        LOOP
            DELETE FROM customer.fct_customer_plan_monthly AS f WHERE f.snapshot_month = v_month;
            GET DIAGNOSTICS v_plan_deleted = ROW_COUNT;
            DELETE FROM customer.fct_customer_product_line_monthly AS f WHERE f.snapshot_month = v_month;
            GET DIAGNOSTICS v_line_deleted = ROW_COUNT;
            DELETE FROM customer.snapshot_month_state AS s WHERE s.snapshot_month = v_month;
            v_touched := v_touched || ROW(v_month, 0, 0, 0, 0, v_plan_deleted + v_line_deleted)::customer.snapshot_refresh_result;
        END LOOP;

        -- Applied periods without a snapshot, or with a stale one, are rebuilt.
        IF v_state.last_applied_period IS NOT NULL THEN
            FOR v_month IN
                SELECT (g + interval '1 month - 1 day')::date
                FROM generate_series(date_trunc('month', v_state.first_applied_period),
                                     v_state.last_applied_period, interval '1 month') AS g
                WHERE NOT EXISTS (SELECT 1 FROM customer.snapshot_month_state AS s
                                  WHERE s.snapshot_month = (g + interval '1 month - 1 day')::date
                                    AND s.stale_since IS NULL)
                ORDER BY 1
            LOOP
                SELECT r.* INTO v_row FROM customer._refresh_snapshot_month(v_month) AS r;
                v_touched := v_touched || v_row;
            END LOOP;
        END IF;

        IF p_dry_run THEN
            RAISE EXCEPTION 'dry run' USING ERRCODE = 'WD0DR';
        END IF;
    EXCEPTION WHEN SQLSTATE 'WD0DR' THEN
        NULL;  -- the dry run's writes are undone; what it touched stays in v_touched
    END;

    INSERT INTO customer.mdm_run_log (function_name, period_start, period_end, dry_run, counts, started_at)
    SELECT 'refresh_snapshots', min(t.period_end), max(t.period_end), p_dry_run,
           jsonb_build_object('months', count(*), 'inserted', coalesce(sum(t.inserted), 0),
                              'updated', coalesce(sum(t.updated), 0), 'deleted', coalesce(sum(t.deleted), 0)),
           v_started
    FROM unnest(v_touched) AS t;

    RETURN QUERY SELECT t.* FROM unnest(v_touched) AS t ORDER BY t.period_end;
END
$$;


--
-- Name: FUNCTION refresh_snapshots(p_dry_run boolean); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer.refresh_snapshots(p_dry_run boolean) IS 'Rebuild every applied period whose snapshot is missing or stale and remove snapshot months outside the applied range; one row per month touched (none when up to date). Dry run rolls back, counts exact.';


--
-- Name: request_contract_rebuild(date); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer.request_contract_rebuild(p_from_period date) RETURNS TABLE(dirty_from_month date, last_applied_period date)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
#variable_conflict use_column
DECLARE
    v_month date := date_trunc('month', customer._period_end(p_from_period, 'p_from_period'))::date;
BEGIN
    IF p_from_period IS NULL THEN
        RAISE EXCEPTION 'p_from_period must not be NULL'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass the month-end date of the first period to rebuild, e.g. 2025-01-31.';
    END IF;
    PERFORM customer._lock_mdm('request_contract_rebuild');
    UPDATE customer.contract_sync_state AS s
    SET dirty_from_month = least(s.dirty_from_month, v_month), updated_at = now()
    WHERE s.last_applied_period IS NOT NULL AND v_month <= s.last_applied_period;
    INSERT INTO customer.mdm_run_log (function_name, period_start, dry_run, started_at)
    VALUES ('request_contract_rebuild', p_from_period, false, clock_timestamp());
    RETURN QUERY SELECT s.dirty_from_month, s.last_applied_period FROM customer.contract_sync_state AS s;
END
$$;


--
-- Name: FUNCTION request_contract_rebuild(p_from_period date); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer.request_contract_rebuild(p_from_period date) IS 'Make the next sync_contract_status rewind history to just before the month of p_from_period (month-end date) and replay it.';


--
-- Name: resolve_staged_identities(boolean); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer.resolve_staged_identities(p_ledger boolean) RETURNS TABLE(resolution text, rows bigint, aum numeric)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    SET jit TO 'off'
    SET enable_nestloop TO 'off'
    SET work_mem TO '64MB'
    SET enable_sort TO 'off'
    AS $_$
#variable_conflict use_column
DECLARE
    v_table text;
BEGIN
    IF p_ledger IS NULL THEN
        RAISE EXCEPTION 'p_ledger must be true or false, not NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF to_regclass('pg_temp.wdh_etl_stage') IS NULL THEN
        RAISE EXCEPTION 'There is no staged delivery (pg_temp.wdh_etl_stage) in this session'
            USING ERRCODE = 'undefined_table',
                  HINT = 'The ETL stages a file, then calls this function in the same transaction.';
    END IF;
    -- Only id_source is added to the stage, and written only for the rows resolved here.
    ALTER TABLE pg_temp.wdh_etl_stage ADD COLUMN id_source text;
    -- PRAGMA:TABLE tells plpgsql_check (the catalog test) the columns of a temporary table made at
    -- run time, so that it checks the statements that use it; run, it does nothing.
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_stage (company_id text, id_source text)';
    FOREACH v_table IN ARRAY ARRAY['wdh_etl_aliases', 'wdh_etl_known'] LOOP
        IF to_regclass('pg_temp.' || v_table) IS NOT NULL THEN
            EXECUTE format('DROP TABLE pg_temp.%I', v_table);
        END IF;
    END LOOP;

    -- A file that still carries an id that was merged away gets the id it went into (a chain of
    -- merges is followed), unless a customer of that id exists again.
    FOR v_hop IN 1..10 LOOP
        EXIT WHEN NOT EXISTS (SELECT 1 FROM customer.company_merge_log);  -- no merge yet: nothing to map
        UPDATE pg_temp.wdh_etl_stage AS s SET company_id = m.into_id, id_source = 'merged'
        FROM (SELECT DISTINCT ON (l.from_id) l.from_id, l.into_id
              FROM customer.company_merge_log AS l ORDER BY l.from_id, l.merged_at DESC, l.id DESC) AS m
        WHERE btrim(s.company_id) = m.from_id
          AND NOT EXISTS (SELECT 1 FROM customer."年金客户" AS c WHERE c.company_id = m.from_id);
        EXIT WHEN NOT FOUND;
    END LOOP;

    PERFORM customer._stage_wanted_aliases(p_ledger);
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_wanted (row_id tid, pos integer, what text, alias text, plan text)';

    IF NOT EXISTS (SELECT 1 FROM pg_temp.wdh_etl_wanted) THEN
        -- Every row has its company_id, or neither name nor account: nothing to resolve
        -- (learn_staged_aliases reads what the file teaches when the load is applied).
        CREATE TEMP TABLE wdh_etl_known (kind text, plan_code text, alias text, source text, company_id text,
                                         companies bigint, step integer) ON COMMIT DROP;
    ELSE
        -- What the file teaches, before anything is resolved (learn_staged_aliases keeps it).
        PERFORM customer._stage_aliases(p_ledger);
        PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_aliases (kind text, plan_code text, alias text, company_id text, '
                'first_month date, last_month date)';
        PERFORM customer._known_aliases();
    END IF;
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_known (kind text, plan_code text, alias text, source text, '
            'company_id text, companies bigint, step integer)';

    -- The steps, in the order above, in one statement: each row gathers, per step, the least and
    -- the greatest company its unambiguous aliases of that step name, and takes the company of the
    -- first step where the two are one. A named row nothing resolves gets the provisional id of its
    -- first name. Joins and groupings on equal values of whole sets: all hashed.
    WITH hits AS (
        SELECT w.row_id, w.pos, w.alias, k.step, CASE WHEN k.companies = 1 THEN k.company_id END AS company_id
        FROM pg_temp.wdh_etl_wanted AS w
        LEFT JOIN pg_temp.wdh_etl_known AS k
          ON k.alias = w.alias
         AND k.step IS NOT NULL
         AND w.what = CASE WHEN k.kind = 'account' THEN 'account' ELSE 'name' END
         AND k.plan_code = CASE WHEN k.kind = 'plan_name' THEN w.plan ELSE '' END
    ), per_row AS (
        SELECT h.row_id,
               min(h.company_id) FILTER (WHERE h.step = 1) AS least1, max(h.company_id) FILTER (WHERE h.step = 1) AS greatest1,
               min(h.company_id) FILTER (WHERE h.step = 2) AS least2, max(h.company_id) FILTER (WHERE h.step = 2) AS greatest2,
               min(h.company_id) FILTER (WHERE h.step = 3) AS least3, max(h.company_id) FILTER (WHERE h.step = 3) AS greatest3,
               min(h.company_id) FILTER (WHERE h.step = 4) AS least4, max(h.company_id) FILTER (WHERE h.step = 4) AS greatest4,
               min(h.company_id) FILTER (WHERE h.step = 5) AS least5, max(h.company_id) FILTER (WHERE h.step = 5) AS greatest5,
               coalesce(min(h.alias) FILTER (WHERE h.pos = 1), min(h.alias) FILTER (WHERE h.pos = 2)) AS first_name
        FROM hits AS h
        GROUP BY h.row_id
    ), resolved AS (
        SELECT r.row_id,
               CASE WHEN r.least1 = r.greatest1 THEN r.least1 WHEN r.least2 = r.greatest2 THEN r.least2
                    WHEN r.least3 = r.greatest3 THEN r.least3 WHEN r.least4 = r.greatest4 THEN r.least4
                    WHEN r.least5 = r.greatest5 THEN r.least5
                    ELSE customer.provisional_company_id(r.first_name) END AS company_id,
               CASE WHEN r.least1 = r.greatest1 OR r.least2 = r.greatest2 THEN 'override'
                    WHEN r.least3 = r.greatest3 THEN 'account' WHEN r.least4 = r.greatest4 THEN 'plan_name'
                    WHEN r.least5 = r.greatest5 THEN 'name' WHEN r.first_name IS NOT NULL THEN 'provisional' END
                   AS resolution
        FROM per_row AS r
    )
    UPDATE pg_temp.wdh_etl_stage AS s
    SET company_id = r.company_id, id_source = r.resolution
    FROM resolved AS r
    WHERE s.ctid = r.row_id AND r.resolution IS NOT NULL;

    IF to_regclass('pg_temp.wdh_etl_resolution') IS NOT NULL THEN
        DROP TABLE pg_temp.wdh_etl_resolution;
    END IF;
    EXECUTE format($sql$
        CREATE TEMP TABLE wdh_etl_resolution ON COMMIT DROP AS
        SELECT coalesce(s.id_source, CASE WHEN s.company_id IS NULL THEN 'unresolved' ELSE 'file' END) AS resolution,
               count(*) AS rows, sum(%s) AS aum
        FROM pg_temp.wdh_etl_stage AS s
        GROUP BY 1
    $sql$, CASE WHEN p_ledger THEN 'NULL::numeric' ELSE 's."期末资产规模"' END);
    PERFORM 'PRAGMA:TABLE: pg_temp.wdh_etl_resolution (resolution text, rows bigint, aum numeric)';
    RETURN QUERY
    SELECT r.resolution, r.rows, r.aum
    FROM pg_temp.wdh_etl_resolution AS r
    ORDER BY array_position(ARRAY['file', 'merged', 'override', 'account', 'plan_name', 'name', 'provisional', 'unresolved'],
                            r.resolution);
END
$_$;


--
-- Name: FUNCTION resolve_staged_identities(p_ledger boolean); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer.resolve_staged_identities(p_ledger boolean) IS 'ETL: give the staged rows without company_id one (override, account, plan + name, name aliases; else a provisional id from the name); rows and AUM per resolution.';


--
-- Name: run_monthly_close(boolean); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer.run_monthly_close(p_dry_run boolean DEFAULT false) RETURNS TABLE(step text, period_end date, inserted bigint, updated bigint, deleted bigint)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
#variable_conflict use_column
DECLARE
    v_started timestamptz := clock_timestamp();
    v_before customer.contract_sync_state%ROWTYPE;
    v_steps customer.close_step_result[] := '{}'::customer.close_step_result[];
    v_seq_last bigint;
    v_seq_called boolean;
BEGIN
    IF p_dry_run IS NULL THEN
        RAISE EXCEPTION 'p_dry_run must be true or false, not NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM customer._lock_mdm('run_monthly_close');
    SELECT s.last_value, s.is_called INTO v_seq_last, v_seq_called
    FROM customer.customer_plan_contract_contract_id_seq AS s;
    SELECT * INTO v_before FROM customer.contract_sync_state;

    BEGIN  -- every write happens in here; a dry run rolls this block back
        IF EXISTS (SELECT 1 FROM business."规模明细") OR v_before.last_applied_period IS NOT NULL THEN
            -- A no-op sync returns one row for its target: only periods applied or replayed count.
            SELECT v_steps || coalesce(array_agg(ROW('sync', s.period_end, s.inserted, s.updated, s.lapsed)
                                                 ::customer.close_step_result ORDER BY s.period_end), '{}')
            INTO v_steps
            FROM customer.sync_contract_status() AS s
            WHERE v_before.last_applied_period IS NULL OR s.period_end > v_before.last_applied_period
               OR v_before.dirty_from_month IS NOT NULL;
        END IF;
        SELECT v_steps || coalesce(array_agg(ROW('snapshot', r.period_end, r.inserted, r.updated, r.deleted)
                                             ::customer.close_step_result ORDER BY r.period_end), '{}')
        INTO v_steps
        FROM customer.refresh_snapshots() AS r;

        IF p_dry_run THEN
            RAISE EXCEPTION 'dry run' USING ERRCODE = 'WD0DR';
        END IF;
    EXCEPTION WHEN SQLSTATE 'WD0DR' THEN
        PERFORM setval('customer.customer_plan_contract_contract_id_seq', v_seq_last, v_seq_called);
    END;

    INSERT INTO customer.mdm_run_log (function_name, period_start, period_end, dry_run, counts, started_at)
    SELECT 'run_monthly_close', min(t.period_end), max(t.period_end), p_dry_run,
           -- The sync's versions and the snapshots' fact rows are counted apart: they are not the same thing.
           jsonb_build_object('periods_synced', count(*) FILTER (WHERE t.step = 'sync'),
                              'versions_inserted', coalesce(sum(t.inserted) FILTER (WHERE t.step = 'sync'), 0),
                              'versions_updated', coalesce(sum(t.updated) FILTER (WHERE t.step = 'sync'), 0),
                              'versions_lapsed', coalesce(sum(t.deleted) FILTER (WHERE t.step = 'sync'), 0),
                              'snapshot_months', count(*) FILTER (WHERE t.step = 'snapshot'),
                              'facts_inserted', coalesce(sum(t.inserted) FILTER (WHERE t.step = 'snapshot'), 0),
                              'facts_updated', coalesce(sum(t.updated) FILTER (WHERE t.step = 'snapshot'), 0),
                              'facts_deleted', coalesce(sum(t.deleted) FILTER (WHERE t.step = 'snapshot'), 0),
                              'scheduled', coalesce(current_setting('work_data_hub.scheduled', true), '') = 'on'),
           v_started
    FROM unnest(v_steps) AS t;

    RETURN QUERY SELECT t.step, t.period_end, t.inserted, t.updated, t.deleted
                 FROM unnest(v_steps) WITH ORDINALITY AS t (step, period_end, inserted, updated, deleted, n)
                 ORDER BY t.n;
END
$$;


--
-- Name: FUNCTION run_monthly_close(p_dry_run boolean); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer.run_monthly_close(p_dry_run boolean) IS 'The monthly close: sync_contract_status, then refresh_snapshots, under one lock. One row per step (sync / snapshot) and period; none when up to date. Dry run rolls back, counts exact.';


--
-- Name: schedule_mdm_jobs(text); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer.schedule_mdm_jobs(p_schedule text DEFAULT '0 3 6 * *'::text) RETURNS TABLE(job_name text, jobid bigint, schedule text, command text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
#variable_conflict use_column
DECLARE
    c_job constant text := 'wdh_monthly_close';
    c_command constant text := 'SELECT customer._run_scheduled_close()';
    v_old text;
BEGIN
    PERFORM customer._require_pg_cron();
    IF coalesce(btrim(p_schedule), '') = '' THEN
        RAISE EXCEPTION 'The schedule must not be empty'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass a five-field cron expression, e.g. ''0 3 6 * *'' (the 6th of each month at 03:00).';
    END IF;
    -- pg_cron's objects exist only where it is installed, hence dynamic SQL.
    FOR v_old IN EXECUTE format('SELECT j.jobname::text FROM %I.job AS j WHERE j.jobname = ANY($1)', 'cron')
        USING ARRAY['wdh_contract_status_sync', 'wdh_monthly_snapshot_refresh']
    LOOP
        EXECUTE format('SELECT %I.unschedule($1)', 'cron') USING v_old;
    END LOOP;
    -- cron.schedule(job_name, …) replaces a job of the same name: running this again is safe.
    EXECUTE format('SELECT %I.schedule($1, $2, $3)', 'cron') USING c_job, p_schedule, c_command;
    FOR job_name, jobid, schedule, command IN EXECUTE format(
        'SELECT j.jobname::text, j.jobid, j.schedule::text, j.command::text FROM %I.job AS j WHERE j.jobname = $1',
        'cron') USING c_job
    LOOP
        RETURN NEXT;
    END LOOP;
END
$_$;


--
-- Name: FUNCTION schedule_mdm_jobs(p_schedule text); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer.schedule_mdm_jobs(p_schedule text) IS 'Register or replace the pg_cron job wdh_monthly_close (the monthly close; default the 6th of each month, 03:00). 55000 with a hint when pg_cron is not installed.';


--
-- Name: set_company_alias(text, text, text); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer.set_company_alias(p_name text, p_company_id text, p_plan_code text DEFAULT NULL::text) RETURNS TABLE(kind text, plan_code text, alias text, company_id text, replaced text[], provisional_id text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
#variable_conflict use_column
DECLARE
    v_alias text := customer.normalise_name(p_name);
    v_plan text := nullif(btrim(p_plan_code), '');
    v_kind text := CASE WHEN nullif(btrim(p_plan_code), '') IS NULL THEN 'name' ELSE 'plan_name' END;
    v_company text := btrim(p_company_id);
    v_replaced text[];
    v_provisional text;
BEGIN
    IF v_alias IS NULL OR nullif(v_company, '') IS NULL THEN
        RAISE EXCEPTION 'An alias needs a customer name and a company_id (got % and %)',
                coalesce(quote_literal(p_name), 'NULL'), coalesce(quote_literal(p_company_id), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM customer."年金客户" AS c WHERE c.company_id = v_company) THEN
        RAISE EXCEPTION 'Customer % does not exist', v_company
            USING ERRCODE = 'no_data_found',
                  HINT = 'An alias points at an existing customer (customer."年金客户"); check the id.';
    END IF;
    IF v_plan IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM mapping."年金计划" AS p WHERE p."年金计划号" = v_plan)
       AND NOT EXISTS (SELECT 1 FROM business."规模明细" AS d WHERE d."计划代码" = v_plan) THEN
        RAISE EXCEPTION 'Plan % is not known', v_plan
            USING ERRCODE = 'no_data_found',
                  HINT = 'Pass a 计划代码 of mapping."年金计划", or leave the plan out for the name alone.';
    END IF;

    WITH gone AS (
        DELETE FROM customer.company_alias AS a
        WHERE a.kind = v_kind AND a.plan_code = coalesce(v_plan, '') AND a.alias = v_alias
          AND a.source = 'override' AND a.company_id <> v_company
        RETURNING a.company_id
    )
    SELECT array_agg(g.company_id ORDER BY g.company_id) INTO v_replaced FROM gone AS g;
    INSERT INTO customer.company_alias AS a (kind, plan_code, alias, company_id, source)
    VALUES (v_kind, coalesce(v_plan, ''), v_alias, v_company, 'override')
    ON CONFLICT (kind, plan_code, alias, company_id) DO UPDATE SET source = 'override', updated_at = now();

    v_provisional := customer.provisional_company_id(p_name);
    IF v_provisional = v_company
       OR NOT EXISTS (SELECT 1 FROM customer."年金客户" AS c WHERE c.company_id = v_provisional) THEN
        v_provisional := NULL;
    END IF;
    RETURN QUERY SELECT v_kind, coalesce(v_plan, ''), v_alias, v_company, coalesce(v_replaced, '{}'), v_provisional;
END
$$;


--
-- Name: FUNCTION set_company_alias(p_name text, p_company_id text, p_plan_code text); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer.set_company_alias(p_name text, p_company_id text, p_plan_code text) IS 'Steward override: rows named p_name (in plan p_plan_code) belong to p_company_id; replaces other overrides of that alias; names the provisional id that carries the name, if any.';


--
-- Name: sync_contract_status(boolean, date); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer.sync_contract_status(p_dry_run boolean DEFAULT false, p_period_end date DEFAULT NULL::date) RETURNS TABLE(period_end date, inserted bigint, updated bigint, lapsed bigint, total bigint)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    SET work_mem TO '64MB'
    SET jit TO 'off'
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
        ELSIF v_state.dirty_from_month <= v_state.last_applied_period
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
            END LOOP;
            -- After bulk work (a catch-up, a replay) the planner must see the new sizes at once: a
            -- crash restart or a lagging autovacuum would leave the next month's plans on stale counts.
            IF cardinality(v_periods) > 1 OR v_rewound_from IS NOT NULL THEN
                ANALYZE customer.customer_plan_contract;
                ANALYZE customer.contract_month_summary;
            END IF;
            PERFORM customer._mark_snapshots_stale(v_start, v_source.target, 'contract history replayed');
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
        PERFORM setval('customer.customer_plan_contract_contract_id_seq', v_seq_last, v_seq_called);
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


--
-- Name: FUNCTION sync_contract_status(p_dry_run boolean, p_period_end date); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer.sync_contract_status(p_dry_run boolean, p_period_end date) IS 'Apply every period of contract history not yet applied, through p_period_end (a month-end date; NULL = latest loaded month), rewinding first past any source correction. One row per period: period_end, inserted, updated, lapsed, total. Dry run rolls back its writes, counts exact.';


--
-- Name: unschedule_mdm_jobs(); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer.unschedule_mdm_jobs() RETURNS TABLE(job_name text, removed boolean)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
#variable_conflict use_column
DECLARE
    v_job text;
    v_exists boolean;
BEGIN
    PERFORM customer._require_pg_cron();
    -- pg_cron's objects exist only where it is installed, hence dynamic SQL.
    FOREACH v_job IN ARRAY ARRAY['wdh_monthly_close', 'wdh_contract_status_sync', 'wdh_monthly_snapshot_refresh'] LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.job AS j WHERE j.jobname = $1)', 'cron')
            INTO v_exists USING v_job;
        IF v_exists THEN
            EXECUTE format('SELECT %I.unschedule($1)', 'cron') USING v_job;
        END IF;
        IF v_exists OR v_job = 'wdh_monthly_close' THEN
            job_name := v_job;
            removed := v_exists;
            RETURN NEXT;
        END IF;
    END LOOP;
END
$_$;


--
-- Name: FUNCTION unschedule_mdm_jobs(); Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON FUNCTION customer.unschedule_mdm_jobs() IS 'Remove the pg_cron job registered by schedule_mdm_jobs (and the first release''s two); reports which were there.';


--
-- Name: etl_load_log; Type: TABLE; Schema: business; Owner: -
--

CREATE TABLE business.etl_load_log (
    load_id bigint NOT NULL,
    domain text NOT NULL,
    source text NOT NULL,
    path text NOT NULL,
    sha256 text NOT NULL,
    bytes bigint NOT NULL,
    months date[] NOT NULL,
    rows_loaded bigint NOT NULL,
    rows_replaced bigint NOT NULL,
    loaded_at timestamp with time zone DEFAULT now() NOT NULL,
    loaded_by text DEFAULT SESSION_USER NOT NULL,
    os_user text,
    CONSTRAINT etl_load_log_bytes_check CHECK ((bytes >= 0)),
    CONSTRAINT etl_load_log_domain_check CHECK ((domain = ANY (ARRAY['annuity_performance'::text, 'annual_award'::text, 'annual_loss'::text]))),
    CONSTRAINT etl_load_log_rows_loaded_check CHECK ((rows_loaded >= 0)),
    CONSTRAINT etl_load_log_rows_replaced_check CHECK ((rows_replaced >= 0)),
    CONSTRAINT etl_load_log_sha256_check CHECK ((sha256 ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT etl_load_log_source_check CHECK ((source = ANY (ARRAY['inbox'::text, 'file'::text])))
);


--
-- Name: TABLE etl_load_log; Type: COMMENT; Schema: business; Owner: -
--

COMMENT ON TABLE business.etl_load_log IS 'One row per file the ETL loaded: domain, whether it came from the inbox or --file, the file (absolute path, sha256, size), the months it replaced (first of month), rows loaded and rows replaced, when, the database user and the OS user.';


--
-- Name: etl_load_log_load_id_seq; Type: SEQUENCE; Schema: business; Owner: -
--

ALTER TABLE business.etl_load_log ALTER COLUMN load_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME business.etl_load_log_load_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: 规模明细; Type: TABLE; Schema: business; Owner: -
--

CREATE TABLE business."规模明细" (
    id bigint NOT NULL,
    "月度" date NOT NULL,
    "业务类型" text,
    "计划类型" text,
    "计划代码" text NOT NULL,
    "计划名称" text,
    "组合类型" text,
    "组合代码" text,
    "组合名称" text,
    "客户名称" text,
    "期初资产规模" numeric(18,4),
    "期末资产规模" numeric(18,4),
    "供款" numeric(18,4),
    "流失_含待遇支付" numeric(18,4),
    "流失" numeric(18,4),
    "待遇支付" numeric(18,4),
    "投资收益" numeric(18,4),
    "当期收益率" numeric(10,6),
    "机构代码" text,
    "机构名称" text,
    "产品线代码" text,
    "年金账户号" text,
    "年金账户名" text,
    company_id text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT "规模明细_月度_first_of_month" CHECK (("月度" = (date_trunc('month'::text, ("月度")::timestamp with time zone))::date))
);


--
-- Name: TABLE "规模明细"; Type: COMMENT; Schema: business; Owner: -
--

COMMENT ON TABLE business."规模明细" IS 'Monthly AUM detail, one row per plan, portfolio and branch. 月度 is always the first day of the month. Rows without company_id never form a contract.';


--
-- Name: 规模明细_id_seq; Type: SEQUENCE; Schema: business; Owner: -
--

ALTER TABLE business."规模明细" ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME business."规模明细_id_seq"
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: company_alias; Type: TABLE; Schema: customer; Owner: -
--

CREATE TABLE customer.company_alias (
    kind text NOT NULL,
    plan_code text DEFAULT ''::text NOT NULL,
    alias text NOT NULL,
    company_id text NOT NULL,
    source text NOT NULL,
    first_month date,
    last_month date,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT company_alias_alias_check CHECK ((alias <> ''::text)),
    CONSTRAINT company_alias_check CHECK (((kind = 'plan_name'::text) = (plan_code <> ''::text))),
    CONSTRAINT company_alias_kind_check CHECK ((kind = ANY (ARRAY['account'::text, 'plan_name'::text, 'name'::text]))),
    CONSTRAINT company_alias_source_check CHECK ((source = ANY (ARRAY['learned'::text, 'override'::text])))
)
WITH (fillfactor='40');


--
-- Name: TABLE company_alias; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON TABLE customer.company_alias IS 'What identifies a customer in rows without company_id: kind account | plan_name | name, the normalised alias (plan_code for plan_name), the company, source learned | override, and the first and last month of the rows that taught it. Two companies for one (kind, plan_code, alias) make it ambiguous: never used.';


--
-- Name: company_merge_log; Type: TABLE; Schema: customer; Owner: -
--

CREATE TABLE customer.company_merge_log (
    id bigint NOT NULL,
    merged_at timestamp with time zone DEFAULT now() NOT NULL,
    merged_by text DEFAULT CURRENT_USER NOT NULL,
    from_id text NOT NULL,
    from_name text,
    from_was_provisional boolean NOT NULL,
    into_id text NOT NULL,
    into_created boolean NOT NULL,
    rows_moved jsonb NOT NULL
);


--
-- Name: TABLE company_merge_log; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON TABLE customer.company_merge_log IS 'One row per customer.merge_company: who, when, which customer went into which, rows moved per table.';


--
-- Name: company_merge_log_id_seq; Type: SEQUENCE; Schema: customer; Owner: -
--

ALTER TABLE customer.company_merge_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME customer.company_merge_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: contract_sync_state; Type: TABLE; Schema: customer; Owner: -
--

CREATE TABLE customer.contract_sync_state (
    id boolean DEFAULT true NOT NULL,
    last_applied_period date,
    first_applied_period date,
    dirty_from_month date,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT contract_sync_state_dirty_from_month_check CHECK (((dirty_from_month IS NULL) OR (dirty_from_month = (date_trunc('month'::text, (dirty_from_month)::timestamp with time zone))::date))),
    CONSTRAINT contract_sync_state_id_check CHECK (id),
    CONSTRAINT contract_sync_state_last_applied_period_check CHECK (((last_applied_period IS NULL) OR (last_applied_period = ((date_trunc('month'::text, (last_applied_period)::timestamp with time zone) + '1 mon -1 days'::interval))::date)))
);


--
-- Name: TABLE contract_sync_state; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON TABLE customer.contract_sync_state IS 'How far contract history is applied (last_applied_period, a month-end date) and the earliest source month changed since it was applied (dirty_from_month, first of month), which the next sync rewinds to and replays from.';


--
-- Name: customer_plan_contract_contract_id_seq; Type: SEQUENCE; Schema: customer; Owner: -
--

ALTER TABLE customer.customer_plan_contract ALTER COLUMN contract_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME customer.customer_plan_contract_contract_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: fct_customer_plan_monthly; Type: TABLE; Schema: customer; Owner: -
--

CREATE TABLE customer.fct_customer_plan_monthly (
    snapshot_month date NOT NULL,
    company_id text NOT NULL,
    plan_code text NOT NULL,
    product_line_code text NOT NULL,
    customer_name text,
    plan_name text,
    product_line_name text,
    is_churned_this_year boolean NOT NULL,
    contract_status text NOT NULL,
    aum_balance numeric(20,2) DEFAULT 0 NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT fct_customer_plan_monthly_contract_status_check CHECK ((contract_status = ANY (ARRAY['正常'::text, '停缴'::text])))
);


--
-- Name: TABLE fct_customer_plan_monthly; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON TABLE customer.fct_customer_plan_monthly IS 'Monthly snapshot, grain month x contract. snapshot_month is the month-end date. Written only by customer.refresh_monthly_snapshot.';


--
-- Name: fct_customer_product_line_monthly; Type: TABLE; Schema: customer; Owner: -
--

CREATE TABLE customer.fct_customer_product_line_monthly (
    snapshot_month date NOT NULL,
    company_id text NOT NULL,
    product_line_code text NOT NULL,
    product_line_name text,
    customer_name text,
    is_strategic boolean NOT NULL,
    is_existing boolean NOT NULL,
    is_new boolean NOT NULL,
    is_winning_this_year boolean NOT NULL,
    is_churned_this_year boolean NOT NULL,
    aum_balance numeric(20,2) DEFAULT 0 NOT NULL,
    plan_count integer NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: TABLE fct_customer_product_line_monthly; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON TABLE customer.fct_customer_product_line_monthly IS 'Monthly snapshot, grain month x customer x product line. snapshot_month is the month-end date. Written only by customer.refresh_monthly_snapshot.';


--
-- Name: mdm_run_log; Type: TABLE; Schema: customer; Owner: -
--

CREATE TABLE customer.mdm_run_log (
    run_id bigint NOT NULL,
    function_name text NOT NULL,
    period_start date,
    period_end date,
    dry_run boolean NOT NULL,
    counts jsonb DEFAULT '{}'::jsonb NOT NULL,
    started_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    db_user text DEFAULT SESSION_USER NOT NULL,
    application_name text DEFAULT current_setting('application_name'::text, true),
    status text DEFAULT 'succeeded'::text NOT NULL,
    sqlstate text,
    message text,
    CONSTRAINT mdm_run_log_failure_described CHECK (((status = 'succeeded'::text) OR ((sqlstate IS NOT NULL) AND (message IS NOT NULL)))),
    CONSTRAINT mdm_run_log_status_check CHECK ((status = ANY (ARRAY['succeeded'::text, 'failed'::text])))
);


--
-- Name: TABLE mdm_run_log; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON TABLE customer.mdm_run_log IS 'One row per call of sync_contract_status, refresh_monthly_snapshot, refresh_snapshots, run_monthly_close and request_contract_rebuild: periods, counts, timing, who ran it; failed calls (status failed, sqlstate, message) as recorded by the caller or the scheduled close.';


--
-- Name: mdm_run_log_run_id_seq; Type: SEQUENCE; Schema: customer; Owner: -
--

ALTER TABLE customer.mdm_run_log ALTER COLUMN run_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME customer.mdm_run_log_run_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: mdm_settings; Type: TABLE; Schema: customer; Owner: -
--

CREATE TABLE customer.mdm_settings (
    id boolean DEFAULT true NOT NULL,
    strategic_top_n integer DEFAULT 10 NOT NULL,
    strategic_threshold numeric(20,4) DEFAULT 500000000 NOT NULL,
    lock_timeout_seconds numeric(8,2) DEFAULT 60 NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT mdm_settings_id_check CHECK (id),
    CONSTRAINT mdm_settings_lock_timeout_seconds_check CHECK ((lock_timeout_seconds >= (0)::numeric)),
    CONSTRAINT mdm_settings_strategic_threshold_check CHECK ((strategic_threshold > (0)::numeric)),
    CONSTRAINT mdm_settings_strategic_top_n_check CHECK ((strategic_top_n >= 0))
);


--
-- Name: TABLE mdm_settings; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON TABLE customer.mdm_settings IS 'One row of settings. strategic_top_n: rank within (branch, product line) that makes a contract strategic; strategic_threshold: month AUM (inclusive) that makes it strategic whatever its rank; lock_timeout_seconds: how long sync and refresh wait for each other before failing with 55P03.';


--
-- Name: snapshot_month_state; Type: TABLE; Schema: customer; Owner: -
--

CREATE TABLE customer.snapshot_month_state (
    snapshot_month date NOT NULL,
    refreshed_at timestamp with time zone NOT NULL,
    stale_since timestamp with time zone,
    stale_reason text
);


--
-- Name: TABLE snapshot_month_state; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON TABLE customer.snapshot_month_state IS 'One row per built snapshot month (month-end date): when refresh_monthly_snapshot last built it, and, when its inputs changed since (contract history replayed by a sync, ledger rows of its year up to it changed), since when and why it is stale. A refresh clears the mark.';


--
-- Name: 产品线; Type: TABLE; Schema: mapping; Owner: -
--

CREATE TABLE mapping."产品线" (
    "产品线代码" text NOT NULL,
    "产品线" text NOT NULL,
    "产品类别" text,
    "业务大类" text
);


--
-- Name: TABLE "产品线"; Type: COMMENT; Schema: mapping; Owner: -
--

COMMENT ON TABLE mapping."产品线" IS 'Product lines. 业务类型 in the AUM detail file is a product line name and maps to its code here.';


--
-- Name: v_customer_product_line_status; Type: VIEW; Schema: customer; Owner: -
--

CREATE VIEW customer.v_customer_product_line_status AS
 SELECT f.snapshot_month,
    to_char((f.snapshot_month)::timestamp with time zone, 'YYYYMM'::text) AS period,
    f.company_id,
    f.customer_name,
    f.product_line_code,
    f.product_line_name,
    pl."产品类别" AS product_category,
    pl."业务大类" AS business_category,
    f.is_strategic,
    f.is_existing,
    f.is_new,
    f.is_winning_this_year,
    f.is_churned_this_year,
    f.aum_balance,
    round((f.aum_balance / (100000000)::numeric), 4) AS aum_balance_yi,
    f.plan_count
   FROM (customer.fct_customer_product_line_monthly f
     LEFT JOIN mapping."产品线" pl ON ((pl."产品线代码" = f.product_line_code)));


--
-- Name: VIEW v_customer_product_line_status; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON VIEW customer.v_customer_product_line_status IS 'Customer status by product line and month (month-end snapshot_month, period YYYYMM), with the product line''s category and AUM in 亿元.';


--
-- Name: v_mdm_runs; Type: VIEW; Schema: customer; Owner: -
--

CREATE VIEW customer.v_mdm_runs AS
 SELECT r.run_id,
    r.function_name,
    r.period_start,
    r.period_end,
    r.dry_run,
    r.counts,
    r.started_at,
    r.finished_at,
    (r.finished_at - r.started_at) AS duration,
    r.db_user,
    r.application_name,
    r.status,
    r.sqlstate,
    r.message
   FROM customer.mdm_run_log r;


--
-- Name: VIEW v_mdm_runs; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON VIEW customer.v_mdm_runs IS 'Every call of the sync, the snapshot refreshes, the monthly close and the rebuild request, succeeded or failed (status, sqlstate, message), dry runs included, with its periods, counts, duration and who ran it (application_name pg_cron for the scheduled close).';


--
-- Name: 年金计划; Type: TABLE; Schema: mapping; Owner: -
--

CREATE TABLE mapping."年金计划" (
    "年金计划号" text NOT NULL,
    "计划全称" text,
    "计划简称" text,
    "计划类型" text,
    company_id text,
    "管理资格" text,
    "计划状态" text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT "年金计划_计划类型_check" CHECK (("计划类型" = ANY (ARRAY['集合计划'::text, '单一计划'::text])))
);


--
-- Name: TABLE "年金计划"; Type: COMMENT; Schema: mapping; Owner: -
--

COMMENT ON TABLE mapping."年金计划" IS 'Annuity plans. company_id is the sponsoring customer of a single plan (单一计划); collective plans have many customers.';


--
-- Name: v_plan_status; Type: VIEW; Schema: customer; Owner: -
--

CREATE VIEW customer.v_plan_status AS
 SELECT f.snapshot_month,
    to_char((f.snapshot_month)::timestamp with time zone, 'YYYYMM'::text) AS period,
    f.company_id,
    f.customer_name,
    f.plan_code,
    f.plan_name,
    p."计划类型" AS plan_type,
    f.product_line_code,
    f.product_line_name,
    f.contract_status,
    f.is_churned_this_year,
    f.aum_balance,
    round((f.aum_balance / (100000000)::numeric), 4) AS aum_balance_yi
   FROM (customer.fct_customer_plan_monthly f
     LEFT JOIN mapping."年金计划" p ON ((p."年金计划号" = f.plan_code)));


--
-- Name: VIEW v_plan_status; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON VIEW customer.v_plan_status IS 'Plan (contract) status by month (month-end snapshot_month, period YYYYMM), with the plan type and AUM in 亿元.';


--
-- Name: v_product_line_month; Type: VIEW; Schema: customer; Owner: -
--

CREATE VIEW customer.v_product_line_month AS
 WITH customers AS (
         SELECT f.snapshot_month,
            f.product_line_code,
            max(f.product_line_name) AS product_line_name,
            count(*) AS customers,
            count(*) FILTER (WHERE f.is_strategic) AS strategic,
            count(*) FILTER (WHERE f.is_existing) AS existing,
            count(*) FILTER (WHERE f.is_new) AS new,
            count(*) FILTER (WHERE f.is_winning_this_year) AS won,
            count(*) FILTER (WHERE f.is_churned_this_year) AS lost,
            sum(f.aum_balance) AS aum_balance
           FROM customer.fct_customer_product_line_monthly f
          GROUP BY f.snapshot_month, f.product_line_code
        ), contracts AS (
         SELECT p.snapshot_month,
            p.product_line_code,
            count(*) FILTER (WHERE (p.contract_status = '正常'::text)) AS contracts_normal,
            count(*) FILTER (WHERE (p.contract_status = '停缴'::text)) AS contracts_stopped
           FROM customer.fct_customer_plan_monthly p
          GROUP BY p.snapshot_month, p.product_line_code
        ), totals AS (
         SELECT f.snapshot_month,
            count(*) AS customers,
            count(*) FILTER (WHERE f.is_strategic) AS strategic,
            count(*) FILTER (WHERE f.is_existing) AS existing,
            count(*) FILTER (WHERE f.is_new) AS new,
            count(*) FILTER (WHERE f.is_won) AS won,
            count(*) FILTER (WHERE f.is_lost) AS lost,
            sum(f.aum_balance) AS aum_balance
           FROM ( SELECT c.snapshot_month,
                    c.company_id,
                    bool_or(c.is_strategic) AS is_strategic,
                    bool_or(c.is_existing) AS is_existing,
                    bool_or(c.is_new) AS is_new,
                    bool_or(c.is_winning_this_year) AS is_won,
                    bool_or(c.is_churned_this_year) AS is_lost,
                    sum(c.aum_balance) AS aum_balance
                   FROM customer.fct_customer_product_line_monthly c
                  GROUP BY c.snapshot_month, c.company_id) f
          GROUP BY f.snapshot_month
        )
 SELECT c.snapshot_month,
    to_char((c.snapshot_month)::timestamp with time zone, 'YYYYMM'::text) AS period,
    c.product_line_code,
    c.product_line_name,
    c.customers,
    c.strategic,
    c.existing,
    c.new,
    c.won,
    c.lost,
    k.contracts_normal,
    k.contracts_stopped,
    c.aum_balance,
    round((c.aum_balance / (100000000)::numeric), 4) AS aum_balance_yi
   FROM (customers c
     JOIN contracts k ON (((k.snapshot_month = c.snapshot_month) AND (k.product_line_code = c.product_line_code))))
UNION ALL
 SELECT t.snapshot_month,
    to_char((t.snapshot_month)::timestamp with time zone, 'YYYYMM'::text) AS period,
    NULL::text AS product_line_code,
    '全部'::text AS product_line_name,
    t.customers,
    t.strategic,
    t.existing,
    t.new,
    t.won,
    t.lost,
    k.contracts_normal,
    k.contracts_stopped,
    t.aum_balance,
    round((t.aum_balance / (100000000)::numeric), 4) AS aum_balance_yi
   FROM (totals t
     CROSS JOIN LATERAL ( SELECT count(*) FILTER (WHERE (p.contract_status = '正常'::text)) AS contracts_normal,
            count(*) FILTER (WHERE (p.contract_status = '停缴'::text)) AS contracts_stopped
           FROM customer.fct_customer_plan_monthly p
          WHERE (p.snapshot_month = t.snapshot_month)) k);


--
-- Name: VIEW v_product_line_month; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON VIEW customer.v_product_line_month IS 'Per snapshot month (month-end date, period YYYYMM) and product line: customers, strategic, existing, new, won, lost (product-line fact), contracts 正常 / 停缴 (plan fact), AUM and AUM in 亿元; one more row per month with product_line_code NULL (全部) counts each customer once.';


--
-- Name: 年金客户; Type: TABLE; Schema: customer; Owner: -
--

CREATE TABLE customer."年金客户" (
    company_id text NOT NULL,
    "客户名称" text NOT NULL,
    "客户简称" text,
    "年金客户类型" text,
    tags jsonb DEFAULT '[]'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    is_provisional boolean DEFAULT false NOT NULL
);


--
-- Name: TABLE "年金客户"; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON TABLE customer."年金客户" IS 'Annuity customers, keyed by company_id.';


--
-- Name: COLUMN "年金客户".is_provisional; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON COLUMN customer."年金客户".is_provisional IS 'Created by the loader for a customer name it could not resolve (id IN + 16 characters derived from the normalised name); merge_company folds it into the real customer.';


--
-- Name: 当年中标; Type: TABLE; Schema: customer; Owner: -
--

CREATE TABLE customer."当年中标" (
    id bigint NOT NULL,
    "上报月份" date NOT NULL,
    "业务类型" text,
    "产品线代码" text,
    "上报客户名称" text,
    "客户名称" text,
    "年金计划号" text,
    company_id text,
    "机构代码" text,
    "机构名称" text,
    "中标日期" date,
    "计划规模" numeric(18,4),
    "年缴规模" numeric(18,4),
    "计划类型" text,
    "考核有效" boolean,
    "备注" text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT "当年中标_上报月份_check" CHECK (("上报月份" = (date_trunc('month'::text, ("上报月份")::timestamp with time zone))::date))
);


--
-- Name: TABLE "当年中标"; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON TABLE customer."当年中标" IS 'Award ledger: customers won this year, reported by month. 年缴规模 is in 亿元.';


--
-- Name: COLUMN "当年中标"."年缴规模"; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON COLUMN customer."当年中标"."年缴规模" IS 'Annual contribution, 亿元.';


--
-- Name: 当年中标_id_seq; Type: SEQUENCE; Schema: customer; Owner: -
--

ALTER TABLE customer."当年中标" ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME customer."当年中标_id_seq"
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: 当年流失_id_seq; Type: SEQUENCE; Schema: customer; Owner: -
--

ALTER TABLE customer."当年流失" ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME customer."当年流失_id_seq"
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: 组织架构; Type: TABLE; Schema: mapping; Owner: -
--

CREATE TABLE mapping."组织架构" (
    "机构代码" text NOT NULL,
    "机构名称" text NOT NULL,
    CONSTRAINT "组织架构_机构代码_check" CHECK (("机构代码" ~ '^G[0-9]{2,}$'::text))
);


--
-- Name: TABLE "组织架构"; Type: COMMENT; Schema: mapping; Owner: -
--

COMMENT ON TABLE mapping."组织架构" IS 'Branches. Branch names map to codes here; an unknown branch maps to G00 (总部).';


--
-- Name: etl_load_log etl_load_log_pkey; Type: CONSTRAINT; Schema: business; Owner: -
--

ALTER TABLE ONLY business.etl_load_log
    ADD CONSTRAINT etl_load_log_pkey PRIMARY KEY (load_id);


--
-- Name: 规模明细 规模明细_pkey; Type: CONSTRAINT; Schema: business; Owner: -
--

ALTER TABLE ONLY business."规模明细"
    ADD CONSTRAINT "规模明细_pkey" PRIMARY KEY (id);


--
-- Name: company_alias company_alias_pkey; Type: CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer.company_alias
    ADD CONSTRAINT company_alias_pkey PRIMARY KEY (kind, plan_code, alias, company_id);


--
-- Name: company_merge_log company_merge_log_pkey; Type: CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer.company_merge_log
    ADD CONSTRAINT company_merge_log_pkey PRIMARY KEY (id);


--
-- Name: contract_month_summary contract_month_summary_pkey; Type: CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer.contract_month_summary
    ADD CONSTRAINT contract_month_summary_pkey PRIMARY KEY (month, company_id, plan_code, product_line_code);


--
-- Name: contract_sync_state contract_sync_state_pkey; Type: CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer.contract_sync_state
    ADD CONSTRAINT contract_sync_state_pkey PRIMARY KEY (id);


--
-- Name: customer_plan_contract customer_plan_contract_key_valid_from_key; Type: CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer.customer_plan_contract
    ADD CONSTRAINT customer_plan_contract_key_valid_from_key UNIQUE (company_id, plan_code, product_line_code, valid_from);


--
-- Name: customer_plan_contract customer_plan_contract_pkey; Type: CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer.customer_plan_contract
    ADD CONSTRAINT customer_plan_contract_pkey PRIMARY KEY (contract_id);


--
-- Name: fct_customer_plan_monthly fct_customer_plan_monthly_pkey; Type: CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer.fct_customer_plan_monthly
    ADD CONSTRAINT fct_customer_plan_monthly_pkey PRIMARY KEY (snapshot_month, company_id, plan_code, product_line_code);


--
-- Name: fct_customer_product_line_monthly fct_customer_product_line_monthly_pkey; Type: CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer.fct_customer_product_line_monthly
    ADD CONSTRAINT fct_customer_product_line_monthly_pkey PRIMARY KEY (snapshot_month, company_id, product_line_code);


--
-- Name: mdm_run_log mdm_run_log_pkey; Type: CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer.mdm_run_log
    ADD CONSTRAINT mdm_run_log_pkey PRIMARY KEY (run_id);


--
-- Name: mdm_settings mdm_settings_pkey; Type: CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer.mdm_settings
    ADD CONSTRAINT mdm_settings_pkey PRIMARY KEY (id);


--
-- Name: snapshot_month_state snapshot_month_state_pkey; Type: CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer.snapshot_month_state
    ADD CONSTRAINT snapshot_month_state_pkey PRIMARY KEY (snapshot_month);


--
-- Name: 年金客户 年金客户_pkey; Type: CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer."年金客户"
    ADD CONSTRAINT "年金客户_pkey" PRIMARY KEY (company_id);


--
-- Name: 当年中标 当年中标_pkey; Type: CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer."当年中标"
    ADD CONSTRAINT "当年中标_pkey" PRIMARY KEY (id);


--
-- Name: 当年流失 当年流失_pkey; Type: CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer."当年流失"
    ADD CONSTRAINT "当年流失_pkey" PRIMARY KEY (id);


--
-- Name: 产品线 产品线_pkey; Type: CONSTRAINT; Schema: mapping; Owner: -
--

ALTER TABLE ONLY mapping."产品线"
    ADD CONSTRAINT "产品线_pkey" PRIMARY KEY ("产品线代码");


--
-- Name: 产品线 产品线_产品线_key; Type: CONSTRAINT; Schema: mapping; Owner: -
--

ALTER TABLE ONLY mapping."产品线"
    ADD CONSTRAINT "产品线_产品线_key" UNIQUE ("产品线");


--
-- Name: 年金计划 年金计划_pkey; Type: CONSTRAINT; Schema: mapping; Owner: -
--

ALTER TABLE ONLY mapping."年金计划"
    ADD CONSTRAINT "年金计划_pkey" PRIMARY KEY ("年金计划号");


--
-- Name: 组织架构 组织架构_pkey; Type: CONSTRAINT; Schema: mapping; Owner: -
--

ALTER TABLE ONLY mapping."组织架构"
    ADD CONSTRAINT "组织架构_pkey" PRIMARY KEY ("机构代码");


--
-- Name: 组织架构 组织架构_机构名称_key; Type: CONSTRAINT; Schema: mapping; Owner: -
--

ALTER TABLE ONLY mapping."组织架构"
    ADD CONSTRAINT "组织架构_机构名称_key" UNIQUE ("机构名称");


--
-- Name: etl_load_log_domain_idx; Type: INDEX; Schema: business; Owner: -
--

CREATE INDEX etl_load_log_domain_idx ON business.etl_load_log USING btree (domain, load_id DESC);


--
-- Name: etl_load_log_months_idx; Type: INDEX; Schema: business; Owner: -
--

CREATE INDEX etl_load_log_months_idx ON business.etl_load_log USING gin (months);


--
-- Name: 规模明细_contract_月度_idx; Type: INDEX; Schema: business; Owner: -
--

CREATE INDEX "规模明细_contract_月度_idx" ON business."规模明细" USING btree (company_id, "计划代码", "产品线代码", "月度");


--
-- Name: 规模明细_月度_contract_idx; Type: INDEX; Schema: business; Owner: -
--

CREATE INDEX "规模明细_月度_contract_idx" ON business."规模明细" USING btree ("月度", company_id, "计划代码", "产品线代码");


--
-- Name: company_alias_alias_idx; Type: INDEX; Schema: customer; Owner: -
--

CREATE INDEX company_alias_alias_idx ON customer.company_alias USING btree (alias);


--
-- Name: company_alias_company_idx; Type: INDEX; Schema: customer; Owner: -
--

CREATE INDEX company_alias_company_idx ON customer.company_alias USING btree (company_id);


--
-- Name: customer_plan_contract_current_key; Type: INDEX; Schema: customer; Owner: -
--

CREATE UNIQUE INDEX customer_plan_contract_current_key ON customer.customer_plan_contract USING btree (company_id, plan_code, product_line_code) WHERE (valid_to = '9999-12-31'::date);


--
-- Name: mdm_run_log_started_at_idx; Type: INDEX; Schema: customer; Owner: -
--

CREATE INDEX mdm_run_log_started_at_idx ON customer.mdm_run_log USING btree (started_at DESC);


--
-- Name: 当年中标_company_product_line_idx; Type: INDEX; Schema: customer; Owner: -
--

CREATE INDEX "当年中标_company_product_line_idx" ON customer."当年中标" USING btree (company_id, "产品线代码", "上报月份");


--
-- Name: 当年流失_company_product_line_idx; Type: INDEX; Schema: customer; Owner: -
--

CREATE INDEX "当年流失_company_product_line_idx" ON customer."当年流失" USING btree (company_id, "产品线代码", "上报月份");


--
-- Name: 规模明细 规模明细_track_delete; Type: TRIGGER; Schema: business; Owner: -
--

CREATE TRIGGER "规模明细_track_delete" AFTER DELETE ON business."规模明细" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION customer._track_source_change();


--
-- Name: 规模明细 规模明细_track_insert; Type: TRIGGER; Schema: business; Owner: -
--

CREATE TRIGGER "规模明细_track_insert" AFTER INSERT ON business."规模明细" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer._track_source_change();


--
-- Name: 规模明细 规模明细_track_truncate; Type: TRIGGER; Schema: business; Owner: -
--

CREATE TRIGGER "规模明细_track_truncate" AFTER TRUNCATE ON business."规模明细" FOR EACH STATEMENT EXECUTE FUNCTION customer._track_source_change();


--
-- Name: 规模明细 规模明细_track_update; Type: TRIGGER; Schema: business; Owner: -
--

CREATE TRIGGER "规模明细_track_update" AFTER UPDATE ON business."规模明细" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer._track_source_change();


--
-- Name: 当年中标 当年中标_track_delete; Type: TRIGGER; Schema: customer; Owner: -
--

CREATE TRIGGER "当年中标_track_delete" AFTER DELETE ON customer."当年中标" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION customer._track_ledger_change();


--
-- Name: 当年中标 当年中标_track_insert; Type: TRIGGER; Schema: customer; Owner: -
--

CREATE TRIGGER "当年中标_track_insert" AFTER INSERT ON customer."当年中标" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer._track_ledger_change();


--
-- Name: 当年中标 当年中标_track_truncate; Type: TRIGGER; Schema: customer; Owner: -
--

CREATE TRIGGER "当年中标_track_truncate" AFTER TRUNCATE ON customer."当年中标" FOR EACH STATEMENT EXECUTE FUNCTION customer._track_ledger_change();


--
-- Name: 当年中标 当年中标_track_update; Type: TRIGGER; Schema: customer; Owner: -
--

CREATE TRIGGER "当年中标_track_update" AFTER UPDATE ON customer."当年中标" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer._track_ledger_change();


--
-- Name: 当年流失 当年流失_track_delete; Type: TRIGGER; Schema: customer; Owner: -
--

CREATE TRIGGER "当年流失_track_delete" AFTER DELETE ON customer."当年流失" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION customer._track_ledger_change();


--
-- Name: 当年流失 当年流失_track_insert; Type: TRIGGER; Schema: customer; Owner: -
--

CREATE TRIGGER "当年流失_track_insert" AFTER INSERT ON customer."当年流失" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer._track_ledger_change();


--
-- Name: 当年流失 当年流失_track_truncate; Type: TRIGGER; Schema: customer; Owner: -
--

CREATE TRIGGER "当年流失_track_truncate" AFTER TRUNCATE ON customer."当年流失" FOR EACH STATEMENT EXECUTE FUNCTION customer._track_ledger_change();


--
-- Name: 当年流失 当年流失_track_update; Type: TRIGGER; Schema: customer; Owner: -
--

CREATE TRIGGER "当年流失_track_update" AFTER UPDATE ON customer."当年流失" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer._track_ledger_change();


--
-- Name: company_alias company_alias_company_id_fkey; Type: FK CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer.company_alias
    ADD CONSTRAINT company_alias_company_id_fkey FOREIGN KEY (company_id) REFERENCES customer."年金客户"(company_id);


--
-- Name: customer_plan_contract customer_plan_contract_company_id_fkey; Type: FK CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer.customer_plan_contract
    ADD CONSTRAINT customer_plan_contract_company_id_fkey FOREIGN KEY (company_id) REFERENCES customer."年金客户"(company_id);


--
-- Name: customer_plan_contract customer_plan_contract_product_line_code_fkey; Type: FK CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer.customer_plan_contract
    ADD CONSTRAINT customer_plan_contract_product_line_code_fkey FOREIGN KEY (product_line_code) REFERENCES mapping."产品线"("产品线代码");


--
-- Name: SCHEMA business; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA business TO wdh_operator;


--
-- Name: SCHEMA customer; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA customer TO wdh_operator;
GRANT USAGE ON SCHEMA customer TO wdh_reader;


--
-- Name: SCHEMA mapping; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA mapping TO wdh_operator;


--
-- Name: FUNCTION _apply_contract_month(p_month date, OUT inserted bigint, OUT updated bigint, OUT lapsed bigint); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer._apply_contract_month(p_month date, OUT inserted bigint, OUT updated bigint, OUT lapsed bigint) FROM PUBLIC;


--
-- Name: FUNCTION _check_snapshot_month(p_period_end date); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer._check_snapshot_month(p_period_end date) FROM PUBLIC;


--
-- Name: FUNCTION _check_sync_source(p_start date, p_target date); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer._check_sync_source(p_start date, p_target date) FROM PUBLIC;


--
-- Name: FUNCTION _derive_contract_month(p_month date, p_top_n integer, p_threshold numeric); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer._derive_contract_month(p_month date, p_top_n integer, p_threshold numeric) FROM PUBLIC;


--
-- Name: FUNCTION _known_aliases(); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer._known_aliases() FROM PUBLIC;


--
-- Name: FUNCTION _lock_mdm(p_caller text); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer._lock_mdm(p_caller text) FROM PUBLIC;


--
-- Name: FUNCTION _lock_source_tables(p_caller text); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer._lock_source_tables(p_caller text) FROM PUBLIC;


--
-- Name: FUNCTION _mark_snapshots_stale(p_from date, p_to date, p_reason text); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer._mark_snapshots_stale(p_from date, p_to date, p_reason text) FROM PUBLIC;


--
-- Name: FUNCTION _merge_aliases(p_from text, p_into text, p_name text, p_plans text[]); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer._merge_aliases(p_from text, p_into text, p_name text, p_plans text[]) FROM PUBLIC;


--
-- Name: FUNCTION _period_end(p_date date, p_argument text); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer._period_end(p_date date, p_argument text) FROM PUBLIC;


--
-- Name: FUNCTION _refresh_contract_names(); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer._refresh_contract_names() FROM PUBLIC;


--
-- Name: FUNCTION _refresh_snapshot_month(p_end date); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer._refresh_snapshot_month(p_end date) FROM PUBLIC;


--
-- Name: FUNCTION _require_pg_cron(); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer._require_pg_cron() FROM PUBLIC;


--
-- Name: FUNCTION _rewind_contract_history(p_from date); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer._rewind_contract_history(p_from date) FROM PUBLIC;


--
-- Name: FUNCTION _run_scheduled_close(); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer._run_scheduled_close() FROM PUBLIC;


--
-- Name: FUNCTION _snapshot_months(); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer._snapshot_months() FROM PUBLIC;


--
-- Name: TABLE contract_month_summary; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT ON TABLE customer.contract_month_summary TO wdh_operator;


--
-- Name: TABLE customer_plan_contract; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT ON TABLE customer.customer_plan_contract TO wdh_operator;


--
-- Name: TABLE "当年流失"; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE customer."当年流失" TO wdh_operator;


--
-- Name: FUNCTION _snapshot_plan_rows(p_end date); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer._snapshot_plan_rows(p_end date) FROM PUBLIC;


--
-- Name: FUNCTION _stage_aliases(p_ledger boolean); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer._stage_aliases(p_ledger boolean) FROM PUBLIC;


--
-- Name: FUNCTION _stage_wanted_aliases(p_ledger boolean); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer._stage_wanted_aliases(p_ledger boolean) FROM PUBLIC;


--
-- Name: FUNCTION _sync_target(p_period_end date, OUT first_month date, OUT latest_month date, OUT target date); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer._sync_target(p_period_end date, OUT first_month date, OUT latest_month date, OUT target date) FROM PUBLIC;


--
-- Name: FUNCTION _track_ledger_change(); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer._track_ledger_change() FROM PUBLIC;


--
-- Name: FUNCTION _track_source_change(); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer._track_source_change() FROM PUBLIC;


--
-- Name: FUNCTION contract_branches(p_period_end date); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer.contract_branches(p_period_end date) FROM PUBLIC;
GRANT ALL ON FUNCTION customer.contract_branches(p_period_end date) TO wdh_reader;
GRANT ALL ON FUNCTION customer.contract_branches(p_period_end date) TO wdh_operator;


--
-- Name: FUNCTION contract_movements(p_period_end date); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer.contract_movements(p_period_end date) FROM PUBLIC;
GRANT ALL ON FUNCTION customer.contract_movements(p_period_end date) TO wdh_reader;
GRANT ALL ON FUNCTION customer.contract_movements(p_period_end date) TO wdh_operator;


--
-- Name: FUNCTION learn_staged_aliases(p_ledger boolean); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer.learn_staged_aliases(p_ledger boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION customer.learn_staged_aliases(p_ledger boolean) TO wdh_operator;


--
-- Name: FUNCTION merge_company(p_from text, p_into text, p_dry_run boolean, p_force boolean); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer.merge_company(p_from text, p_into text, p_dry_run boolean, p_force boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION customer.merge_company(p_from text, p_into text, p_dry_run boolean, p_force boolean) TO wdh_operator;


--
-- Name: FUNCTION normalise_name(p_name text); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer.normalise_name(p_name text) FROM PUBLIC;
GRANT ALL ON FUNCTION customer.normalise_name(p_name text) TO wdh_operator;


--
-- Name: FUNCTION product_line_changes(p_period_end date); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer.product_line_changes(p_period_end date) FROM PUBLIC;
GRANT ALL ON FUNCTION customer.product_line_changes(p_period_end date) TO wdh_reader;
GRANT ALL ON FUNCTION customer.product_line_changes(p_period_end date) TO wdh_operator;


--
-- Name: FUNCTION provisional_company_id(p_name text); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer.provisional_company_id(p_name text) FROM PUBLIC;
GRANT ALL ON FUNCTION customer.provisional_company_id(p_name text) TO wdh_operator;


--
-- Name: FUNCTION provisional_identities(); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer.provisional_identities() FROM PUBLIC;
GRANT ALL ON FUNCTION customer.provisional_identities() TO wdh_operator;


--
-- Name: FUNCTION record_failed_run(p_function_name text, p_sqlstate text, p_message text, p_started_at timestamp with time zone, p_dry_run boolean, p_period_end date); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer.record_failed_run(p_function_name text, p_sqlstate text, p_message text, p_started_at timestamp with time zone, p_dry_run boolean, p_period_end date) FROM PUBLIC;
GRANT ALL ON FUNCTION customer.record_failed_run(p_function_name text, p_sqlstate text, p_message text, p_started_at timestamp with time zone, p_dry_run boolean, p_period_end date) TO wdh_operator;


--
-- Name: FUNCTION refresh_monthly_snapshot(p_period_end date, p_dry_run boolean); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer.refresh_monthly_snapshot(p_period_end date, p_dry_run boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION customer.refresh_monthly_snapshot(p_period_end date, p_dry_run boolean) TO wdh_operator;


--
-- Name: FUNCTION refresh_snapshots(p_dry_run boolean); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer.refresh_snapshots(p_dry_run boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION customer.refresh_snapshots(p_dry_run boolean) TO wdh_operator;


--
-- Name: FUNCTION request_contract_rebuild(p_from_period date); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer.request_contract_rebuild(p_from_period date) FROM PUBLIC;
GRANT ALL ON FUNCTION customer.request_contract_rebuild(p_from_period date) TO wdh_operator;


--
-- Name: FUNCTION resolve_staged_identities(p_ledger boolean); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer.resolve_staged_identities(p_ledger boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION customer.resolve_staged_identities(p_ledger boolean) TO wdh_operator;


--
-- Name: FUNCTION run_monthly_close(p_dry_run boolean); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer.run_monthly_close(p_dry_run boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION customer.run_monthly_close(p_dry_run boolean) TO wdh_operator;


--
-- Name: FUNCTION schedule_mdm_jobs(p_schedule text); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer.schedule_mdm_jobs(p_schedule text) FROM PUBLIC;
GRANT ALL ON FUNCTION customer.schedule_mdm_jobs(p_schedule text) TO wdh_operator;


--
-- Name: FUNCTION set_company_alias(p_name text, p_company_id text, p_plan_code text); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer.set_company_alias(p_name text, p_company_id text, p_plan_code text) FROM PUBLIC;
GRANT ALL ON FUNCTION customer.set_company_alias(p_name text, p_company_id text, p_plan_code text) TO wdh_operator;


--
-- Name: FUNCTION sync_contract_status(p_dry_run boolean, p_period_end date); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer.sync_contract_status(p_dry_run boolean, p_period_end date) FROM PUBLIC;
GRANT ALL ON FUNCTION customer.sync_contract_status(p_dry_run boolean, p_period_end date) TO wdh_operator;


--
-- Name: FUNCTION unschedule_mdm_jobs(); Type: ACL; Schema: customer; Owner: -
--

REVOKE ALL ON FUNCTION customer.unschedule_mdm_jobs() FROM PUBLIC;
GRANT ALL ON FUNCTION customer.unschedule_mdm_jobs() TO wdh_operator;


--
-- Name: TABLE etl_load_log; Type: ACL; Schema: business; Owner: -
--

GRANT SELECT,INSERT ON TABLE business.etl_load_log TO wdh_operator;


--
-- Name: SEQUENCE etl_load_log_load_id_seq; Type: ACL; Schema: business; Owner: -
--

GRANT USAGE ON SEQUENCE business.etl_load_log_load_id_seq TO wdh_operator;


--
-- Name: TABLE "规模明细"; Type: ACL; Schema: business; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE business."规模明细" TO wdh_operator;


--
-- Name: SEQUENCE "规模明细_id_seq"; Type: ACL; Schema: business; Owner: -
--

GRANT USAGE ON SEQUENCE business."规模明细_id_seq" TO wdh_operator;


--
-- Name: TABLE company_alias; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE customer.company_alias TO wdh_operator;


--
-- Name: TABLE company_merge_log; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT ON TABLE customer.company_merge_log TO wdh_operator;


--
-- Name: TABLE contract_sync_state; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT ON TABLE customer.contract_sync_state TO wdh_operator;
GRANT SELECT ON TABLE customer.contract_sync_state TO wdh_reader;


--
-- Name: TABLE fct_customer_plan_monthly; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT ON TABLE customer.fct_customer_plan_monthly TO wdh_operator;
GRANT SELECT ON TABLE customer.fct_customer_plan_monthly TO wdh_reader;


--
-- Name: TABLE fct_customer_product_line_monthly; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT ON TABLE customer.fct_customer_product_line_monthly TO wdh_operator;
GRANT SELECT ON TABLE customer.fct_customer_product_line_monthly TO wdh_reader;


--
-- Name: TABLE mdm_run_log; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT ON TABLE customer.mdm_run_log TO wdh_operator;


--
-- Name: TABLE mdm_settings; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT ON TABLE customer.mdm_settings TO wdh_operator;


--
-- Name: TABLE snapshot_month_state; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT ON TABLE customer.snapshot_month_state TO wdh_operator;
GRANT SELECT ON TABLE customer.snapshot_month_state TO wdh_reader;


--
-- Name: TABLE "产品线"; Type: ACL; Schema: mapping; Owner: -
--

GRANT SELECT ON TABLE mapping."产品线" TO wdh_operator;


--
-- Name: TABLE v_customer_product_line_status; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT ON TABLE customer.v_customer_product_line_status TO wdh_reader;
GRANT SELECT ON TABLE customer.v_customer_product_line_status TO wdh_operator;


--
-- Name: TABLE v_mdm_runs; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT ON TABLE customer.v_mdm_runs TO wdh_operator;


--
-- Name: TABLE "年金计划"; Type: ACL; Schema: mapping; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE mapping."年金计划" TO wdh_operator;


--
-- Name: TABLE v_plan_status; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT ON TABLE customer.v_plan_status TO wdh_reader;
GRANT SELECT ON TABLE customer.v_plan_status TO wdh_operator;


--
-- Name: TABLE v_product_line_month; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT ON TABLE customer.v_product_line_month TO wdh_reader;
GRANT SELECT ON TABLE customer.v_product_line_month TO wdh_operator;


--
-- Name: TABLE "年金客户"; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE customer."年金客户" TO wdh_operator;


--
-- Name: TABLE "当年中标"; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE customer."当年中标" TO wdh_operator;


--
-- Name: SEQUENCE "当年中标_id_seq"; Type: ACL; Schema: customer; Owner: -
--

GRANT USAGE ON SEQUENCE customer."当年中标_id_seq" TO wdh_operator;


--
-- Name: SEQUENCE "当年流失_id_seq"; Type: ACL; Schema: customer; Owner: -
--

GRANT USAGE ON SEQUENCE customer."当年流失_id_seq" TO wdh_operator;


--
-- Name: TABLE "组织架构"; Type: ACL; Schema: mapping; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE mapping."组织架构" TO wdh_operator;


--
-- PostgreSQL database dump complete
--
