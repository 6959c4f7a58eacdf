"""The procedure catalog: one function per file, one overload, pinned search_path, a comment,
privileges as docs/DBA.md (Roles) says, idempotent deployment, and plpgsql_check finds nothing."""

from __future__ import annotations

import re

import pytest

from helpers import missing_extension
from work_data_hub.db.deploy import deploy_procedures, procedure_files, sql_root

CREATE = re.compile(r"CREATE\s+OR\s+REPLACE\s+FUNCTION\s+([a-z_]+)\.([a-z_]+)\s*\(", re.IGNORECASE)
TRIGGER_FUNCTIONS = {
    "_track_source_change": 'business."规模明细"',
    "_track_ledger_change": 'customer."当年流失"',
    "_record_snapshot_edition": "customer.fct_customer_plan_monthly",
    "_stamp_snapshot_edition": "customer.snapshot_edition",
    "_spell_product_line": 'mapping."产品线"',
}


def procedure_functions() -> dict[str, str]:
    """function name → file, checking that each file holds exactly one function named after it."""
    found = {}
    for path in procedure_files():
        creates = CREATE.findall(path.read_text(encoding="utf-8"))
        assert len(creates) == 1, f"{path.name}: {len(creates)} CREATE OR REPLACE FUNCTION statements"
        schema, name = creates[0]
        assert (schema, name) == (path.parent.name, path.stem), f"{path} defines {schema}.{name}"
        found[name] = path.name
    return found


def catalog(conn) -> list[tuple]:
    return conn.execute(
        "SELECT p.proname, p.oid::regprocedure::text, p.proconfig, obj_description(p.oid, 'pg_proc'), "
        "       p.prosecdef, md5(pg_get_functiondef(p.oid)), p.prosqlbody IS NOT NULL, l.lanname "
        "FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace "
        "JOIN pg_language AS l ON l.oid = p.prolang "
        "WHERE n.nspname IN ('customer', 'business') ORDER BY 1, 2"
    ).fetchall()


def test_each_file_is_one_function_with_one_overload_a_pinned_search_path_and_a_comment(conn):
    files = procedure_functions()
    rows = catalog(conn)
    names = [r[0] for r in rows]
    assert sorted(names) == sorted(files), "functions in schemas customer and business and procedure files differ"
    assert len(names) == len(set(names)), "a function has more than one overload"
    for _name, signature, config, comment, _, _, sql_body, _ in rows:
        # A SQL-standard body (RETURN …) is bound when created, whatever the search_path; a SET clause
        # would only stop the planner from inlining it.
        assert sql_body or (config and "search_path=pg_catalog, pg_temp" in config), (
            f"{signature}: search_path not pinned"
        )
        assert comment, f"{signature} has no COMMENT"


def test_each_file_is_at_most_160_lines_with_one_job():
    """A function that grows past a screen has more than one job: an orchestrator over helpers."""
    long = {p.name: n for p in procedure_files() if (n := len(p.read_text(encoding="utf-8").splitlines())) > 160}
    assert long == {}


def test_each_file_has_a_header_comment_that_names_its_one_job():
    """The header names the function, then its one job ("One job: …", once); a file whose header
    needs two has two functions in it."""
    for path in procedure_files():
        text = path.read_text(encoding="utf-8").lstrip()
        first = text.splitlines()[0]
        assert first.startswith(f"-- {path.parent.name}.{path.stem}("), f"{path.name}: header should name the function"
        header = text.split("\nCREATE ", 1)[0]
        jobs = re.findall(r"\bone job\b[^:]*:", header, flags=re.IGNORECASE)
        assert len(jobs) == 1, f"{path.name}: the header names {len(jobs)} jobs (say 'One job: …' once)"


def test_privileges(conn):
    public = {
        "sync_contract_status",
        "refresh_monthly_snapshot",
        "request_contract_rebuild",
        "refresh_snapshots",
        "run_monthly_close",
        "record_failed_run",
        "schedule_mdm_jobs",
        "unschedule_mdm_jobs",
        "normalise_name",
        "provisional_company_id",
        "resolve_staged_identities",
        "learn_staged_aliases",
        "merge_company",
        "set_company_alias",
        # the loader's: it runs as the operator, on its own temporary stage
        "canonical_key",
        "_key_problem",
        "_lock_source_table",
        "_lock_class",
        "_stage_wanted_aliases",
        "_known_aliases",
        "_stage_aliases",
        "_canonicalise_staged_keys",
        "_staged_control_figures",
        "_staged_load_deviations",
        "_staged_continuity",
        "_create_stage",
        "_staged_months",
        "_staged_unformed",
        "_staged_ledger_deviations",
        "_staged_line_deviations",
        "_staged_renames",
        "apply_staged_load",
        "plan_staged_load",
        "_stage_state",
        "_domain_target",
        "_staged_new_customers",
        "_staged_plans",
        "withdraw_month",
        # a CLI run on record before its work, and the checks before a write (release 4)
        "begin_run",
        "end_run",
        "_require_deployed",
        "_analyse_written",
    }
    report = {
        "product_line_changes",
        "contract_movements",
        "contract_branches",  # the report's figures
        "canonical_key",  # a reader looks an id up in the form it is stored in
        "mdm_status",
        # one answer per state question, for every caller (release 4)
        "monitoring_check",
        "_merged_into",
        "_pending_correction",
        "_snapshot_month_states",
        "_month_holes",
        "_month_list",
        "_branch_code",
        "provisional_identities",  # the read commands status and identities
        "explain_contract",
        "customer_timeline",  # explain, history and the customer page
        # a month as it stood, and what each rebuild changed (prune_snapshot_editions: the owner's only)
        "set_snapshot_as_of",
        "product_line_snapshot_as_of",
        "plan_snapshot_as_of",
        "snapshot_restatements",
        # the report's and the export's figures
        "top_customers",
        "branch_figures",
        "product_line_export",
        "plan_export",
        "movement_export",
        # the state of a run and of the deployment, for `runs`, `status` and `db status`
        "_run_state",
        "run_log",
        "_deployment_problem",
    }
    for name, signature, *_ in catalog(conn):
        operator = conn.execute(
            "SELECT has_function_privilege('wdh_operator', %s, 'EXECUTE')", (signature,)
        ).fetchone()[0]
        reader = conn.execute("SELECT has_function_privilege('wdh_reader', %s, 'EXECUTE')", (signature,)).fetchone()[0]
        assert operator == (name in public | report), signature
        assert reader == (name in report), signature
    assert public | report <= set(procedure_functions())


def test_deploying_twice_is_clean(db_url, conn):
    before = catalog(conn)
    deploy_procedures(db_url)
    deploy_procedures(db_url)
    assert catalog(conn) == before


def test_a_broken_procedure_file_changes_nothing(db_url, conn, monkeypatch, tmp_path):
    import shutil

    from work_data_hub.db import deploy
    from work_data_hub.errors import WdhError

    copy = tmp_path / "db"
    shutil.copytree(sql_root(), copy)
    broken = copy / "procedures" / "customer" / "zz_broken.sql"
    broken.write_text("CREATE OR REPLACE FUNCTION customer.zz_broken() RETURNS int LANGUAGE sql AS $$ SELEC 1 $$;")
    (copy / "procedures" / "customer" / "sync_contract_status.sql").write_text(
        "CREATE OR REPLACE FUNCTION customer.sync_contract_status(p_dry_run boolean DEFAULT false, "
        "p_period_end date DEFAULT NULL) RETURNS TABLE (period_end date, inserted bigint, updated bigint, "
        "lapsed bigint, total bigint) LANGUAGE sql AS $$ SELECT NULL::date, 0::bigint, 0::bigint, 0::bigint, 0::bigint $$;"
    )
    monkeypatch.setattr(deploy, "sql_root", lambda: copy)
    before = catalog(conn)
    with pytest.raises(WdhError, match="Deploying customer/zz_broken.sql failed"):
        deploy.deploy_procedures(db_url)
    assert catalog(conn) == before


def test_plpgsql_check_finds_nothing(conn):
    if not conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'plpgsql_check'").fetchone():
        pytest.skip(missing_extension("plpgsql_check", "postgresql-15-plpgsql-check"))
    conn.execute("CREATE EXTENSION IF NOT EXISTS plpgsql_check")
    findings = []
    for name, signature, *_, language in catalog(conn):
        if language != "plpgsql":
            continue
        if name in TRIGGER_FUNCTIONS:
            rows = conn.execute(
                "SELECT lineno, message FROM plpgsql_check_function_tb(%s::regprocedure, %s::regclass, "
                "oldtable => 'old_rows', newtable => 'new_rows')",
                (signature, TRIGGER_FUNCTIONS[name]),
            ).fetchall()
        else:
            rows = conn.execute(
                "SELECT lineno, message FROM plpgsql_check_function_tb(%s::regprocedure)", (signature,)
            ).fetchall()
        findings += [(signature, *row) for row in rows]
    assert findings == []
