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
-- Name: merge_move; Type: TYPE; Schema: customer; Owner: -
--

CREATE TYPE customer.merge_move AS (
	table_name text,
	rows_moved bigint,
	action text
);


--
-- Name: TYPE merge_move; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON TYPE customer.merge_move IS 'One table customer.merge_company touched: its name, the rows, and what was done (moved, created, removed).';


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
-- Name: _canonicalise_staged_keys(text[]); Type: FUNCTION; Schema: business; Owner: -
--
-- Name: _create_stage(regclass, text[], text[]); Type: FUNCTION; Schema: business; Owner: -
--
-- Name: _domain_target(text); Type: FUNCTION; Schema: business; Owner: -
--
-- Name: _month_holes(date, date, date[]); Type: FUNCTION; Schema: business; Owner: -
--
-- Name: _remove_month_customers(date, text[]); Type: FUNCTION; Schema: business; Owner: -
--
-- Name: _stage_state(); Type: FUNCTION; Schema: business; Owner: -
--
-- Name: _staged_continuity(date); Type: FUNCTION; Schema: business; Owner: -
--
-- Name: _staged_control_figures(text); Type: FUNCTION; Schema: business; Owner: -
--
-- Name: _staged_ledger_deviations(text, date[], jsonb); Type: FUNCTION; Schema: business; Owner: -
--
-- Name: _staged_line_deviations(date, numeric, jsonb); Type: FUNCTION; Schema: business; Owner: -
--
-- Name: _staged_load_deviations(text, date[], jsonb); Type: FUNCTION; Schema: business; Owner: -
--
-- Name: _staged_months(text); Type: FUNCTION; Schema: business; Owner: -
--
-- Name: _staged_new_customers(text); Type: FUNCTION; Schema: business; Owner: -
--
-- Name: _staged_plans(text); Type: FUNCTION; Schema: business; Owner: -
--
-- Name: _staged_renames(text, date[]); Type: FUNCTION; Schema: business; Owner: -
--
-- Name: _staged_unformed(text); Type: FUNCTION; Schema: business; Owner: -
--
-- Name: apply_staged_load(text, date[], jsonb, jsonb, jsonb); Type: FUNCTION; Schema: business; Owner: -
--
-- Name: plan_staged_load(text); Type: FUNCTION; Schema: business; Owner: -
--
-- Name: withdraw_month(date, boolean, boolean, text); Type: FUNCTION; Schema: business; Owner: -
--
-- Name: _analyse_written(regclass[]); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _apply_contract_month(date); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _branch_code(text); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _check_snapshot_month(date); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _check_sync_source(date, date); Type: FUNCTION; Schema: customer; Owner: -
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
-- Name: _contract_branch(text, text, text, date); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _contract_month_groups(date, integer, numeric); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _customer_loads(text); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _deployment_problem(); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _derive_contract_month(date, integer, numeric); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _explain_activity(text, text, text, date, boolean); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _explain_strategic(text, text, text, date, boolean); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _explain_subject(text, text, text, date); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _explain_versions(text, text, text, date); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _key_problem(text); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _known_aliases(); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _lock_class(text); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _lock_mdm(text); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _lock_source_table(regclass, text); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _lock_source_tables(text); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _mark_snapshots_stale(date, date, text); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _merge_aliases(text, text, text, text[]); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _merged_into(text); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _month_list(date[]); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _pending_correction(); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _period_end(date, text); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _progress(text, date, date[]); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _record_snapshot_edition(); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _refresh_contract_names(); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _refresh_snapshot_month(date); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _require_deployed(text); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _require_pg_cron(); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _required_period_end(date, text); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _rewind_contract_history(date); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _run_scheduled_close(); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _run_state(bigint, text); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _settle_interrupted_runs(); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _snapshot_month_states(); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _snapshot_months(); Type: FUNCTION; Schema: customer; Owner: -
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
-- Name: _spell_product_line(); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _stage_aliases(boolean); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _stage_wanted_aliases(boolean); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _stamp_snapshot_edition(); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _status_reason(numeric, numeric); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _strategic_reason(boolean, boolean, integer, numeric); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _sync_target(date); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _timeline_versions(text); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _track_ledger_change(); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: _track_source_change(); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: begin_run(text, date); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: branch_figures(date); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: canonical_key(text); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: contract_branches(date); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: contract_movements(date); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: customer_timeline(text); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: end_run(bigint); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: explain_contract(text, text, text, date); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: learn_staged_aliases(boolean); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: mdm_status(); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: merge_company(text, text, boolean, boolean); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: monitoring_check(); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: movement_export(date); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: normalise_name(text); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: plan_export(date); Type: FUNCTION; Schema: customer; Owner: -
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
-- Name: plan_snapshot_as_of(date, timestamp with time zone); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: product_line_changes(date); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: product_line_export(date); Type: FUNCTION; Schema: customer; Owner: -
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
-- Name: product_line_snapshot_as_of(date, timestamp with time zone); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: provisional_company_id(text); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: provisional_identities(); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: prune_snapshot_editions(timestamp with time zone, boolean); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: record_failed_run(text, text, text, timestamp with time zone, boolean, date); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: refresh_monthly_snapshot(date, boolean); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: refresh_snapshots(boolean); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: repair_canonical_keys(); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: request_contract_rebuild(date); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: resolve_staged_identities(boolean); Type: FUNCTION; Schema: customer; Owner: -
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
    CONSTRAINT mdm_run_log_failure_described CHECK (((status = ANY (ARRAY['running'::text, 'succeeded'::text])) OR ((sqlstate IS NOT NULL) AND (message IS NOT NULL)))),
    CONSTRAINT mdm_run_log_status_check CHECK ((status = ANY (ARRAY['running'::text, 'succeeded'::text, 'failed'::text, 'refused'::text, 'interrupted'::text])))
);


--
-- Name: TABLE mdm_run_log; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON TABLE customer.mdm_run_log IS 'One row per call of sync_contract_status, refresh_monthly_snapshot, refresh_snapshots, run_monthly_close and request_contract_rebuild: periods, counts, timing, who ran it; failed calls (status failed, sqlstate, message) as recorded by the caller or the scheduled close.';


--
-- Name: COLUMN mdm_run_log.status; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON COLUMN customer.mdm_run_log.status IS 'running (registered by the CLI before its work; its session holds advisory lock 744/run_id), succeeded, failed, refused (bad input, no failure for monitoring), interrupted (its backend went away).';


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
-- Name: run_log(); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: run_monthly_close(boolean); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: schedule_mdm_jobs(text); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: set_company_alias(text, text, text); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: set_snapshot_as_of(timestamp with time zone, date); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: snapshot_restatements(date); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: sync_contract_status(boolean, date); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: top_customers(date, integer); Type: FUNCTION; Schema: customer; Owner: -
--
-- Name: unschedule_mdm_jobs(); Type: FUNCTION; Schema: customer; Owner: -
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
    action text DEFAULT 'load'::text NOT NULL,
    control_figures jsonb,
    deviations_accepted jsonb,
    accepted_by text,
    customers_added text[] DEFAULT '{}'::text[] NOT NULL,
    plans_added text[] DEFAULT '{}'::text[] NOT NULL,
    renames jsonb,
    CONSTRAINT etl_load_log_acceptance_signed CHECK (((deviations_accepted IS NULL) OR (accepted_by IS NOT NULL))),
    CONSTRAINT etl_load_log_action_check CHECK ((action = ANY (ARRAY['load'::text, 'withdrawal'::text]))),
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

COMMENT ON TABLE business.etl_load_log IS 'One row per file the ETL loaded (action load) or per month withdrawn (action withdrawal, with the withdrawn load''s file): domain, whether it came from the inbox or --file, the file (absolute path, sha256, size), the months it replaced (first of month), rows loaded and rows replaced, when, the database user and the OS user; the file''s control figures (rows, customers, contracts, AUM and contributions in total and per product line, shares of rows under never-seen and provisional ids), the anomaly-gate deviations accepted and who accepted them, the customers and plans the load added, and the renames it made (kind, key, old and new name: a withdrawal gives the old names back).';


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
    recorded_by text DEFAULT SESSION_USER NOT NULL,
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
-- Name: COLUMN company_alias.recorded_by; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON COLUMN customer.company_alias.recorded_by IS 'The login that set the alias or override last (session_user; the owner for rows before 0024).';


--
-- Name: company_merge_log; Type: TABLE; Schema: customer; Owner: -
--

CREATE TABLE customer.company_merge_log (
    id bigint NOT NULL,
    merged_at timestamp with time zone DEFAULT now() NOT NULL,
    merged_by text DEFAULT SESSION_USER NOT NULL,
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
-- Name: COLUMN company_merge_log.merged_by; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON COLUMN customer.company_merge_log.merged_by IS 'The login that merged (session_user; before 0024 the owner, current_user inside the merge).';


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
    keys_canonical_at timestamp with time zone,
    CONSTRAINT contract_sync_state_dirty_from_month_check CHECK (((dirty_from_month IS NULL) OR (dirty_from_month = (date_trunc('month'::text, (dirty_from_month)::timestamp with time zone))::date))),
    CONSTRAINT contract_sync_state_id_check CHECK (id),
    CONSTRAINT contract_sync_state_last_applied_period_check CHECK (((last_applied_period IS NULL) OR (last_applied_period = ((date_trunc('month'::text, (last_applied_period)::timestamp with time zone) + '1 mon -1 days'::interval))::date)))
);


--
-- Name: TABLE contract_sync_state; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON TABLE customer.contract_sync_state IS 'How far contract history is applied (last_applied_period, a month-end date) and the earliest source month changed since it was applied (dirty_from_month, first of month), which the next sync rewinds to and replays from.';


--
-- Name: COLUMN contract_sync_state.keys_canonical_at; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON COLUMN customer.contract_sync_state.keys_canonical_at IS 'When customer.repair_canonical_keys put the stored keys in canonical form (NULL: not yet).';


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
-- Name: mdm_deployment; Type: TABLE; Schema: customer; Owner: -
--

CREATE TABLE customer.mdm_deployment (
    singleton boolean DEFAULT true NOT NULL,
    procedures_digest text NOT NULL,
    migration_id text NOT NULL,
    package_version text NOT NULL,
    deployed_at timestamp with time zone DEFAULT now() NOT NULL,
    deployed_by text DEFAULT SESSION_USER NOT NULL,
    CONSTRAINT mdm_deployment_procedures_digest_check CHECK ((procedures_digest ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT mdm_deployment_singleton_check CHECK (singleton)
);


--
-- Name: TABLE mdm_deployment; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON TABLE customer.mdm_deployment IS 'The procedures deployed: sha256 of db/procedures (path and text of every file, in order), the last migration applied at their deploy, the package version; written by db migrate with the deploy.';


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
    gate_total_aum_min_ratio numeric(10,4) DEFAULT 0.5 NOT NULL,
    gate_total_aum_max_ratio numeric(10,4) DEFAULT 2 NOT NULL,
    gate_line_aum_min_ratio numeric(10,4) DEFAULT 0.2 NOT NULL,
    gate_line_aum_max_ratio numeric(10,4) DEFAULT 5 NOT NULL,
    gate_max_unseen_share numeric(6,4) DEFAULT 0.2 NOT NULL,
    gate_min_replacement_ratio numeric(6,4) DEFAULT 0.5 NOT NULL,
    gate_min_rows integer DEFAULT 50 NOT NULL,
    gate_min_ledger_rows integer DEFAULT 10 NOT NULL,
    delivery_due_day integer DEFAULT 10 NOT NULL,
    gate_max_vanished_share numeric(6,4) DEFAULT 0.2 NOT NULL,
    gate_max_unformed_share numeric(6,4) DEFAULT 0.05 NOT NULL,
    gate_max_unchanged_share numeric(6,4) DEFAULT 0.8 NOT NULL,
    gate_min_line_share numeric(6,4) DEFAULT 0.05 NOT NULL,
    inbox_settle_seconds integer DEFAULT 60 NOT NULL,
    CONSTRAINT mdm_settings_delivery_due_day_check CHECK (((delivery_due_day >= 1) AND (delivery_due_day <= 28))),
    CONSTRAINT mdm_settings_gate_line_aum_max_ratio_check CHECK ((gate_line_aum_max_ratio > (0)::numeric)),
    CONSTRAINT mdm_settings_gate_line_aum_min_ratio_check CHECK ((gate_line_aum_min_ratio >= (0)::numeric)),
    CONSTRAINT mdm_settings_gate_max_unchanged_share_check CHECK (((gate_max_unchanged_share >= (0)::numeric) AND (gate_max_unchanged_share <= (1)::numeric))),
    CONSTRAINT mdm_settings_gate_max_unformed_share_check CHECK (((gate_max_unformed_share >= (0)::numeric) AND (gate_max_unformed_share <= (1)::numeric))),
    CONSTRAINT mdm_settings_gate_max_unseen_share_check CHECK (((gate_max_unseen_share >= (0)::numeric) AND (gate_max_unseen_share <= (1)::numeric))),
    CONSTRAINT mdm_settings_gate_max_vanished_share_check CHECK (((gate_max_vanished_share >= (0)::numeric) AND (gate_max_vanished_share <= (1)::numeric))),
    CONSTRAINT mdm_settings_gate_min_ledger_rows_check CHECK ((gate_min_ledger_rows >= 0)),
    CONSTRAINT mdm_settings_gate_min_line_share_check CHECK (((gate_min_line_share >= (0)::numeric) AND (gate_min_line_share <= (1)::numeric))),
    CONSTRAINT mdm_settings_gate_min_replacement_ratio_check CHECK (((gate_min_replacement_ratio >= (0)::numeric) AND (gate_min_replacement_ratio <= (1)::numeric))),
    CONSTRAINT mdm_settings_gate_min_rows_check CHECK ((gate_min_rows >= 0)),
    CONSTRAINT mdm_settings_gate_total_aum_max_ratio_check CHECK ((gate_total_aum_max_ratio > (0)::numeric)),
    CONSTRAINT mdm_settings_gate_total_aum_min_ratio_check CHECK ((gate_total_aum_min_ratio >= (0)::numeric)),
    CONSTRAINT mdm_settings_id_check CHECK (id),
    CONSTRAINT mdm_settings_inbox_settle_seconds_check CHECK ((inbox_settle_seconds >= 0)),
    CONSTRAINT mdm_settings_lock_timeout_seconds_check CHECK ((lock_timeout_seconds >= (0)::numeric)),
    CONSTRAINT mdm_settings_strategic_threshold_check CHECK ((strategic_threshold > (0)::numeric)),
    CONSTRAINT mdm_settings_strategic_top_n_check CHECK ((strategic_top_n >= 0))
);


--
-- Name: TABLE mdm_settings; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON TABLE customer.mdm_settings IS 'One row of settings. strategic_top_n: rank within (branch, product line) that makes a contract strategic; strategic_threshold: month AUM (inclusive) that makes it strategic whatever its rank; lock_timeout_seconds: how long sync, refresh and loads wait for each other before failing with 55P03; gate_*: the anomaly gate of every load, judged against the compared month (the month a file replaces, else the latest loaded one): at most gate_max_vanished_share of its AUM in contracts absent from the file, at most gate_max_unchanged_share repeated to the cent by a new month, at most gate_max_unformed_share of the file''s AUM in rows that cannot form a contract, at most gate_max_unseen_share of the file''s rows under ids the master has never seen, the total AUM and each product line holding at least gate_min_line_share of either side within [gate_*_aum_min_ratio, gate_*_aum_max_ratio], a replacement keeping gate_min_replacement_ratio of the rows and AUM it replaces; nothing comparative while the compared month holds fewer than gate_min_rows rows (a ledger year: gate_min_ledger_rows). inbox_settle_seconds: the inbox passes over files modified more recently than this (still being copied).';


--
-- Name: COLUMN mdm_settings.delivery_due_day; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON COLUMN customer.mdm_settings.delivery_due_day IS 'The day of the month by which the previous month''s 规模明细 is due: later, status --check warns.';


--
-- Name: snapshot_delta; Type: TABLE; Schema: customer; Owner: -
--

CREATE TABLE customer.snapshot_delta (
    snapshot_month date NOT NULL,
    edition integer NOT NULL,
    grain text NOT NULL,
    company_id text NOT NULL,
    plan_code text NOT NULL,
    product_line_code text NOT NULL,
    "row" jsonb,
    CONSTRAINT snapshot_delta_check CHECK (((grain = 'plan'::text) = (plan_code <> ''::text))),
    CONSTRAINT snapshot_delta_grain_check CHECK ((grain = ANY (ARRAY['product_line'::text, 'plan'::text])))
);


--
-- Name: TABLE snapshot_delta; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON TABLE customer.snapshot_delta IS 'The rows an edition of a snapshot month replaced (only those): per grain and key, the row of the edition before (jsonb of the fact table''s columns), NULL when the key was new.';


--
-- Name: snapshot_edition; Type: TABLE; Schema: customer; Owner: -
--

CREATE TABLE customer.snapshot_edition (
    snapshot_month date NOT NULL,
    edition integer NOT NULL,
    built_at timestamp with time zone DEFAULT now() NOT NULL,
    built_by text DEFAULT SESSION_USER NOT NULL,
    built_in xid8 DEFAULT pg_current_xact_id() NOT NULL,
    reason text NOT NULL,
    load_ids bigint[] DEFAULT '{}'::bigint[] NOT NULL,
    merge_ids bigint[] DEFAULT '{}'::bigint[] NOT NULL,
    pruned_at timestamp with time zone,
    pruned_by text,
    CONSTRAINT snapshot_edition_check CHECK (((pruned_at IS NULL) = (pruned_by IS NULL))),
    CONSTRAINT snapshot_edition_edition_check CHECK ((edition >= 1))
);


--
-- Name: TABLE snapshot_edition; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON TABLE customer.snapshot_edition IS 'One row per edition of a snapshot month: 1 the first build, then one per transaction that changed its rows; built_at (transaction start), built_by, why (reason), the loads and merges since the edition before, and when and by whom its delta was pruned (customer.prune_snapshot_editions).';


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
-- Name: v_product_line_rows; Type: VIEW; Schema: customer; Owner: -
--

CREATE VIEW customer.v_product_line_rows AS
 SELECT f.snapshot_month,
    f.company_id,
    f.product_line_code,
    f.product_line_name,
    f.customer_name,
    f.is_strategic,
    f.is_existing,
    f.is_new,
    f.is_winning_this_year,
    f.is_churned_this_year,
    f.aum_balance,
    f.plan_count,
    f.updated_at
   FROM customer.fct_customer_product_line_monthly f
  WHERE (NULLIF(current_setting('wdh.as_of'::text, true), ''::text) IS NULL)
UNION ALL
 SELECT f.snapshot_month,
    f.company_id,
    f.product_line_code,
    f.product_line_name,
    f.customer_name,
    f.is_strategic,
    f.is_existing,
    f.is_new,
    f.is_winning_this_year,
    f.is_churned_this_year,
    f.aum_balance,
    f.plan_count,
    f.updated_at
   FROM customer.fct_customer_product_line_monthly f
  WHERE ((NULLIF(current_setting('wdh.as_of'::text, true), ''::text) IS NOT NULL) AND (EXISTS ( SELECT 1
           FROM customer.snapshot_edition e
          WHERE ((e.snapshot_month = f.snapshot_month) AND (e.built_at <= (NULLIF(current_setting('wdh.as_of'::text, true), ''::text))::timestamp with time zone)))) AND (NOT (EXISTS ( SELECT 1
           FROM (customer.snapshot_delta d
             JOIN customer.snapshot_edition e ON (((e.snapshot_month = d.snapshot_month) AND (e.edition = d.edition))))
          WHERE ((d.grain = 'product_line'::text) AND (d.snapshot_month = f.snapshot_month) AND (d.company_id = f.company_id) AND (d.product_line_code = f.product_line_code) AND (e.built_at > (NULLIF(current_setting('wdh.as_of'::text, true), ''::text))::timestamp with time zone))))))
UNION ALL
 SELECT r.snapshot_month,
    r.company_id,
    r.product_line_code,
    r.product_line_name,
    r.customer_name,
    r.is_strategic,
    r.is_existing,
    r.is_new,
    r.is_winning_this_year,
    r.is_churned_this_year,
    r.aum_balance,
    r.plan_count,
    r.updated_at
   FROM (( SELECT DISTINCT ON (d.snapshot_month, d.company_id, d.product_line_code) d."row"
           FROM (customer.snapshot_delta d
             JOIN customer.snapshot_edition e ON (((e.snapshot_month = d.snapshot_month) AND (e.edition = d.edition))))
          WHERE ((NULLIF(current_setting('wdh.as_of'::text, true), ''::text) IS NOT NULL) AND (d.grain = 'product_line'::text) AND (e.built_at > (NULLIF(current_setting('wdh.as_of'::text, true), ''::text))::timestamp with time zone) AND (EXISTS ( SELECT 1
                   FROM customer.snapshot_edition b
                  WHERE ((b.snapshot_month = d.snapshot_month) AND (b.built_at <= (NULLIF(current_setting('wdh.as_of'::text, true), ''::text))::timestamp with time zone)))))
          ORDER BY d.snapshot_month, d.company_id, d.product_line_code, d.edition) x
     CROSS JOIN LATERAL jsonb_populate_record(NULL::customer.fct_customer_product_line_monthly, x."row") r(snapshot_month, company_id, product_line_code, product_line_name, customer_name, is_strategic, is_existing, is_new, is_winning_this_year, is_churned_this_year, aum_balance, plan_count, updated_at))
  WHERE (x."row" IS NOT NULL);


--
-- Name: VIEW v_product_line_rows; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON VIEW customer.v_product_line_rows IS 'The rows of fct_customer_product_line_monthly as they are, or as they stood at the moment a transaction set with customer.set_snapshot_as_of.';


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
   FROM (customer.v_product_line_rows f
     LEFT JOIN mapping."产品线" pl ON ((pl."产品线代码" = f.product_line_code)));


--
-- Name: VIEW v_customer_product_line_status; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON VIEW customer.v_customer_product_line_status IS 'Customer status by product line and month (month-end snapshot_month, period YYYYMM), with the product line''s category and AUM in 亿元.';


--
-- Name: v_plan_rows; Type: VIEW; Schema: customer; Owner: -
--

CREATE VIEW customer.v_plan_rows AS
 SELECT f.snapshot_month,
    f.company_id,
    f.plan_code,
    f.product_line_code,
    f.customer_name,
    f.plan_name,
    f.product_line_name,
    f.is_churned_this_year,
    f.contract_status,
    f.aum_balance,
    f.updated_at
   FROM customer.fct_customer_plan_monthly f
  WHERE (NULLIF(current_setting('wdh.as_of'::text, true), ''::text) IS NULL)
UNION ALL
 SELECT f.snapshot_month,
    f.company_id,
    f.plan_code,
    f.product_line_code,
    f.customer_name,
    f.plan_name,
    f.product_line_name,
    f.is_churned_this_year,
    f.contract_status,
    f.aum_balance,
    f.updated_at
   FROM customer.fct_customer_plan_monthly f
  WHERE ((NULLIF(current_setting('wdh.as_of'::text, true), ''::text) IS NOT NULL) AND (EXISTS ( SELECT 1
           FROM customer.snapshot_edition e
          WHERE ((e.snapshot_month = f.snapshot_month) AND (e.built_at <= (NULLIF(current_setting('wdh.as_of'::text, true), ''::text))::timestamp with time zone)))) AND (NOT (EXISTS ( SELECT 1
           FROM (customer.snapshot_delta d
             JOIN customer.snapshot_edition e ON (((e.snapshot_month = d.snapshot_month) AND (e.edition = d.edition))))
          WHERE ((d.grain = 'plan'::text) AND (d.snapshot_month = f.snapshot_month) AND (d.company_id = f.company_id) AND (d.product_line_code = f.product_line_code) AND (d.plan_code = f.plan_code) AND (e.built_at > (NULLIF(current_setting('wdh.as_of'::text, true), ''::text))::timestamp with time zone))))))
UNION ALL
 SELECT r.snapshot_month,
    r.company_id,
    r.plan_code,
    r.product_line_code,
    r.customer_name,
    r.plan_name,
    r.product_line_name,
    r.is_churned_this_year,
    r.contract_status,
    r.aum_balance,
    r.updated_at
   FROM (( SELECT DISTINCT ON (d.snapshot_month, d.company_id, d.product_line_code, d.plan_code) d."row"
           FROM (customer.snapshot_delta d
             JOIN customer.snapshot_edition e ON (((e.snapshot_month = d.snapshot_month) AND (e.edition = d.edition))))
          WHERE ((NULLIF(current_setting('wdh.as_of'::text, true), ''::text) IS NOT NULL) AND (d.grain = 'plan'::text) AND (e.built_at > (NULLIF(current_setting('wdh.as_of'::text, true), ''::text))::timestamp with time zone) AND (EXISTS ( SELECT 1
                   FROM customer.snapshot_edition b
                  WHERE ((b.snapshot_month = d.snapshot_month) AND (b.built_at <= (NULLIF(current_setting('wdh.as_of'::text, true), ''::text))::timestamp with time zone)))))
          ORDER BY d.snapshot_month, d.company_id, d.product_line_code, d.plan_code, d.edition) x
     CROSS JOIN LATERAL jsonb_populate_record(NULL::customer.fct_customer_plan_monthly, x."row") r(snapshot_month, company_id, plan_code, product_line_code, customer_name, plan_name, product_line_name, is_churned_this_year, contract_status, aum_balance, updated_at))
  WHERE (x."row" IS NOT NULL);


--
-- Name: VIEW v_plan_rows; Type: COMMENT; Schema: customer; Owner: -
--

COMMENT ON VIEW customer.v_plan_rows IS 'The rows of fct_customer_plan_monthly as they are, or as they stood at the moment a transaction set with customer.set_snapshot_as_of.';


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
   FROM (customer.v_plan_rows f
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
           FROM customer.v_product_line_rows f
          GROUP BY f.snapshot_month, f.product_line_code
        ), contracts AS (
         SELECT p.snapshot_month,
            p.product_line_code,
            count(*) FILTER (WHERE (p.contract_status = '正常'::text)) AS contracts_normal,
            count(*) FILTER (WHERE (p.contract_status = '停缴'::text)) AS contracts_stopped
           FROM customer.v_plan_rows p
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
                   FROM customer.v_product_line_rows c
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
           FROM customer.v_plan_rows p
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
-- Name: 业务类型别名; Type: TABLE; Schema: mapping; Owner: -
--

CREATE TABLE mapping."业务类型别名" (
    spelling text NOT NULL,
    product_line_code text NOT NULL,
    CONSTRAINT "业务类型别名_spelling_check" CHECK (((spelling = btrim(spelling)) AND (spelling <> ''::text)))
);


--
-- Name: TABLE "业务类型别名"; Type: COMMENT; Schema: mapping; Owner: -
--

COMMENT ON TABLE mapping."业务类型别名" IS 'Every accepted spelling of 业务类型 and the product line it names, for 规模明细 and both ledgers alike (a row''s 业务类型 is stored as the product line''s name). A product line''s own name is always a spelling of it. A DBA adds a spelling with one INSERT.';


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
-- Name: mdm_deployment mdm_deployment_pkey; Type: CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer.mdm_deployment
    ADD CONSTRAINT mdm_deployment_pkey PRIMARY KEY (singleton);


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
-- Name: snapshot_delta snapshot_delta_pkey; Type: CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer.snapshot_delta
    ADD CONSTRAINT snapshot_delta_pkey PRIMARY KEY (snapshot_month, edition, grain, company_id, plan_code, product_line_code);


--
-- Name: snapshot_edition snapshot_edition_pkey; Type: CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer.snapshot_edition
    ADD CONSTRAINT snapshot_edition_pkey PRIMARY KEY (snapshot_month, edition);


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
-- Name: 业务类型别名 业务类型别名_pkey; Type: CONSTRAINT; Schema: mapping; Owner: -
--

ALTER TABLE ONLY mapping."业务类型别名"
    ADD CONSTRAINT "业务类型别名_pkey" PRIMARY KEY (spelling);


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
-- Name: company_merge_log_from_idx; Type: INDEX; Schema: customer; Owner: -
--

CREATE INDEX company_merge_log_from_idx ON customer.company_merge_log USING btree (from_id, id);


--
-- Name: customer_plan_contract_current_key; Type: INDEX; Schema: customer; Owner: -
--

CREATE UNIQUE INDEX customer_plan_contract_current_key ON customer.customer_plan_contract USING btree (company_id, plan_code, product_line_code) WHERE (valid_to = '9999-12-31'::date);


--
-- Name: fct_customer_plan_monthly_company_idx; Type: INDEX; Schema: customer; Owner: -
--

CREATE INDEX fct_customer_plan_monthly_company_idx ON customer.fct_customer_plan_monthly USING btree (company_id, snapshot_month);


--
-- Name: fct_customer_product_line_monthly_company_idx; Type: INDEX; Schema: customer; Owner: -
--

CREATE INDEX fct_customer_product_line_monthly_company_idx ON customer.fct_customer_product_line_monthly USING btree (company_id, snapshot_month);


--
-- Name: mdm_run_log_running_idx; Type: INDEX; Schema: customer; Owner: -
--

CREATE INDEX mdm_run_log_running_idx ON customer.mdm_run_log USING btree (run_id) WHERE (status = 'running'::text);


--
-- Name: mdm_run_log_started_at_idx; Type: INDEX; Schema: customer; Owner: -
--

CREATE INDEX mdm_run_log_started_at_idx ON customer.mdm_run_log USING btree (started_at DESC);


--
-- Name: snapshot_delta_key_idx; Type: INDEX; Schema: customer; Owner: -
--

CREATE INDEX snapshot_delta_key_idx ON customer.snapshot_delta USING btree (grain, snapshot_month, company_id, product_line_code, plan_code, edition);


--
-- Name: snapshot_edition_built_at_idx; Type: INDEX; Schema: customer; Owner: -
--

CREATE INDEX snapshot_edition_built_at_idx ON customer.snapshot_edition USING btree (built_at);


--
-- Name: 当年中标_company_product_line_idx; Type: INDEX; Schema: customer; Owner: -
--

CREATE INDEX "当年中标_company_product_line_idx" ON customer."当年中标" USING btree (company_id, "产品线代码", "上报月份");


--
-- Name: 当年流失_company_product_line_idx; Type: INDEX; Schema: customer; Owner: -
--

CREATE INDEX "当年流失_company_product_line_idx" ON customer."当年流失" USING btree (company_id, "产品线代码", "上报月份");


--
-- Name: 业务类型别名_product_line_code_idx; Type: INDEX; Schema: mapping; Owner: -
--

CREATE INDEX "业务类型别名_product_line_code_idx" ON mapping."业务类型别名" USING btree (product_line_code);


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
-- Name: fct_customer_plan_monthly fct_customer_plan_monthly_edition_delete; Type: TRIGGER; Schema: customer; Owner: -
--

CREATE TRIGGER fct_customer_plan_monthly_edition_delete AFTER DELETE ON customer.fct_customer_plan_monthly REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION customer._record_snapshot_edition();


--
-- Name: fct_customer_plan_monthly fct_customer_plan_monthly_edition_insert; Type: TRIGGER; Schema: customer; Owner: -
--

CREATE TRIGGER fct_customer_plan_monthly_edition_insert AFTER INSERT ON customer.fct_customer_plan_monthly REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer._record_snapshot_edition();


--
-- Name: fct_customer_plan_monthly fct_customer_plan_monthly_edition_update; Type: TRIGGER; Schema: customer; Owner: -
--

CREATE TRIGGER fct_customer_plan_monthly_edition_update AFTER UPDATE ON customer.fct_customer_plan_monthly REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION customer._record_snapshot_edition();


--
-- Name: fct_customer_product_line_monthly fct_customer_product_line_monthly_edition_delete; Type: TRIGGER; Schema: customer; Owner: -
--

CREATE TRIGGER fct_customer_product_line_monthly_edition_delete AFTER DELETE ON customer.fct_customer_product_line_monthly REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION customer._record_snapshot_edition();


--
-- Name: fct_customer_product_line_monthly fct_customer_product_line_monthly_edition_insert; Type: TRIGGER; Schema: customer; Owner: -
--

CREATE TRIGGER fct_customer_product_line_monthly_edition_insert AFTER INSERT ON customer.fct_customer_product_line_monthly REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer._record_snapshot_edition();


--
-- Name: fct_customer_product_line_monthly fct_customer_product_line_monthly_edition_update; Type: TRIGGER; Schema: customer; Owner: -
--

CREATE TRIGGER fct_customer_product_line_monthly_edition_update AFTER UPDATE ON customer.fct_customer_product_line_monthly REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION customer._record_snapshot_edition();


--
-- Name: snapshot_edition snapshot_edition_stamp; Type: TRIGGER; Schema: customer; Owner: -
--

CREATE CONSTRAINT TRIGGER snapshot_edition_stamp AFTER INSERT ON customer.snapshot_edition DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION customer._stamp_snapshot_edition();


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
-- Name: 产品线 产品线_spelling; Type: TRIGGER; Schema: mapping; Owner: -
--

CREATE TRIGGER "产品线_spelling" AFTER INSERT OR UPDATE OF "产品线" ON mapping."产品线" FOR EACH ROW EXECUTE FUNCTION customer._spell_product_line();


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
-- Name: snapshot_delta snapshot_delta_snapshot_month_edition_fkey; Type: FK CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer.snapshot_delta
    ADD CONSTRAINT snapshot_delta_snapshot_month_edition_fkey FOREIGN KEY (snapshot_month, edition) REFERENCES customer.snapshot_edition(snapshot_month, edition);


--
-- Name: 业务类型别名 业务类型别名_product_line_code_fkey; Type: FK CONSTRAINT; Schema: mapping; Owner: -
--

ALTER TABLE ONLY mapping."业务类型别名"
    ADD CONSTRAINT "业务类型别名_product_line_code_fkey" FOREIGN KEY (product_line_code) REFERENCES mapping."产品线"("产品线代码") ON UPDATE CASCADE;


--
-- Name: SCHEMA business; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA business TO wdh_operator;
GRANT USAGE ON SCHEMA business TO wdh_reader;


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
-- Name: TABLE "规模明细"; Type: ACL; Schema: business; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE business."规模明细" TO wdh_operator;


--
-- Name: TABLE "组织架构"; Type: ACL; Schema: mapping; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE mapping."组织架构" TO wdh_operator;


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
-- Name: TABLE v_mdm_runs; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT ON TABLE customer.v_mdm_runs TO wdh_operator;
GRANT SELECT ON TABLE customer.v_mdm_runs TO wdh_reader;


--
-- Name: TABLE etl_load_log; Type: ACL; Schema: business; Owner: -
--

GRANT SELECT,INSERT ON TABLE business.etl_load_log TO wdh_operator;
GRANT SELECT ON TABLE business.etl_load_log TO wdh_reader;


--
-- Name: SEQUENCE etl_load_log_load_id_seq; Type: ACL; Schema: business; Owner: -
--

GRANT USAGE ON SEQUENCE business.etl_load_log_load_id_seq TO wdh_operator;


--
-- Name: SEQUENCE "规模明细_id_seq"; Type: ACL; Schema: business; Owner: -
--

GRANT USAGE ON SEQUENCE business."规模明细_id_seq" TO wdh_operator;


--
-- Name: TABLE company_alias; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE customer.company_alias TO wdh_operator;
GRANT SELECT ON TABLE customer.company_alias TO wdh_reader;


--
-- Name: TABLE company_merge_log; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT ON TABLE customer.company_merge_log TO wdh_operator;
GRANT SELECT ON TABLE customer.company_merge_log TO wdh_reader;


--
-- Name: TABLE contract_sync_state; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT ON TABLE customer.contract_sync_state TO wdh_operator;
GRANT SELECT ON TABLE customer.contract_sync_state TO wdh_reader;


--
-- Name: TABLE mdm_deployment; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT ON TABLE customer.mdm_deployment TO wdh_operator;
GRANT SELECT ON TABLE customer.mdm_deployment TO wdh_reader;


--
-- Name: TABLE mdm_settings; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT ON TABLE customer.mdm_settings TO wdh_operator;


--
-- Name: TABLE snapshot_delta; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT ON TABLE customer.snapshot_delta TO wdh_reader;
GRANT SELECT ON TABLE customer.snapshot_delta TO wdh_operator;


--
-- Name: TABLE snapshot_edition; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT ON TABLE customer.snapshot_edition TO wdh_reader;
GRANT SELECT ON TABLE customer.snapshot_edition TO wdh_operator;


--
-- Name: TABLE snapshot_month_state; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT ON TABLE customer.snapshot_month_state TO wdh_operator;
GRANT SELECT ON TABLE customer.snapshot_month_state TO wdh_reader;


--
-- Name: TABLE v_product_line_rows; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT ON TABLE customer.v_product_line_rows TO wdh_reader;
GRANT SELECT ON TABLE customer.v_product_line_rows TO wdh_operator;


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
-- Name: TABLE v_plan_rows; Type: ACL; Schema: customer; Owner: -
--

GRANT SELECT ON TABLE customer.v_plan_rows TO wdh_reader;
GRANT SELECT ON TABLE customer.v_plan_rows TO wdh_operator;


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
GRANT SELECT ON TABLE customer."年金客户" TO wdh_reader;


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
-- Name: TABLE "业务类型别名"; Type: ACL; Schema: mapping; Owner: -
--

GRANT SELECT ON TABLE mapping."业务类型别名" TO wdh_operator;


--
-- PostgreSQL database dump complete
--
