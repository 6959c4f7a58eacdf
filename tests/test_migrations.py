"""The schema (docs/GUIDE.md, Schema): tables, seeds, constraints, roles; migrate is idempotent."""

from __future__ import annotations

import psycopg
import pytest

from source import Scenario, sync
from work_data_hub.db.deploy import migrate, migrations_dir, pending_migrations

TABLES = {
    ("mapping", "产品线"),
    ("mapping", "组织架构"),
    ("mapping", "年金计划"),
    ("customer", "年金客户"),
    ("business", "规模明细"),
    ("customer", "当年中标"),
    ("customer", "当年流失"),
    ("customer", "customer_plan_contract"),
    ("customer", "fct_customer_product_line_monthly"),
    ("customer", "fct_customer_plan_monthly"),
    ("customer", "mdm_settings"),
    ("customer", "contract_sync_state"),
    ("customer", "mdm_run_log"),
    ("customer", "contract_month_summary"),
    ("customer", "snapshot_month_state"),
    ("business", "etl_load_log"),
    ("customer", "company_alias"),
    ("customer", "company_merge_log"),
}


def columns(conn, schema: str, table: str) -> list[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
        (schema, table),
    )
    return [r[0] for r in rows]


def test_every_table_exists(conn):
    rows = conn.execute(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_schema IN ('mapping', 'business', 'customer')"
    ).fetchall()
    assert TABLES <= set(rows)


def test_columns_named_as_the_spec(conn):
    assert columns(conn, "business", "规模明细") == [
        "id",
        "月度",
        "业务类型",
        "计划类型",
        "计划代码",
        "计划名称",
        "组合类型",
        "组合代码",
        "组合名称",
        "客户名称",
        "期初资产规模",
        "期末资产规模",
        "供款",
        "流失_含待遇支付",
        "流失",
        "待遇支付",
        "投资收益",
        "当期收益率",
        "机构代码",
        "机构名称",
        "产品线代码",
        "年金账户号",
        "年金账户名",
        "company_id",
        "created_at",
    ]
    assert columns(conn, "customer", "customer_plan_contract") == [
        "contract_id",
        "company_id",
        "plan_code",
        "product_line_code",
        "product_line_name",
        "customer_name",
        "plan_name",
        "is_strategic",
        "is_existing",
        "status_year",
        "contract_status",
        "valid_from",
        "valid_to",
        "created_at",
        "updated_at",
    ]
    assert columns(conn, "customer", "fct_customer_product_line_monthly") == [
        "snapshot_month",
        "company_id",
        "product_line_code",
        "product_line_name",
        "customer_name",
        "is_strategic",
        "is_existing",
        "is_new",
        "is_winning_this_year",
        "is_churned_this_year",
        "aum_balance",
        "plan_count",
        "updated_at",
    ]
    assert columns(conn, "customer", "fct_customer_plan_monthly") == [
        "snapshot_month",
        "company_id",
        "plan_code",
        "product_line_code",
        "customer_name",
        "plan_name",
        "product_line_name",
        "is_churned_this_year",
        "contract_status",
        "aum_balance",
        "updated_at",
    ]
    for ledger, date_column in (("当年中标", "中标日期"), ("当年流失", "流失日期")):
        assert columns(conn, "customer", ledger) == [
            "id",
            "上报月份",
            "业务类型",
            "产品线代码",
            "上报客户名称",
            "客户名称",
            "年金计划号",
            "company_id",
            "机构代码",
            "机构名称",
            date_column,
            "计划规模",
            "年缴规模",
            "计划类型",
            "考核有效",
            "备注",
            "created_at",
        ]


def test_money_types(conn):
    rows = dict(
        conn.execute(
            "SELECT table_name || '.' || column_name, format_type(atttypid, atttypmod) "
            "FROM information_schema.columns c JOIN pg_attribute a "
            "  ON a.attrelid = (quote_ident(table_schema) || '.' || quote_ident(table_name))::regclass "
            " AND a.attname = c.column_name "
            "WHERE column_name IN ('期末资产规模', '当期收益率', 'aum_balance')"
        ).fetchall()
    )
    assert rows["规模明细.期末资产规模"] == "numeric(18,4)"
    assert rows["规模明细.当期收益率"] == "numeric(10,6)"
    assert rows["fct_customer_plan_monthly.aum_balance"] == "numeric(20,2)"
    assert rows["fct_customer_product_line_monthly.aum_balance"] == "numeric(20,2)"


def test_seeds(conn):
    lines = dict(conn.execute('SELECT "产品线代码", "产品线" FROM mapping."产品线"').fetchall())
    assert lines == {
        "PL201": "企年投资",
        "PL202": "企年受托",
        "PL203": "职年投资",
        "PL204": "职年受托",
        "PL205": "自有险资",
        "PL206": "直投",
        "PL207": "三方",
        "PL208": "团养",
        "PL209": "企康",
        "PL210": "企业年金",
        "PL211": "职业年金",
        "PL301": "其他",
    }
    assert conn.execute('SELECT "机构名称" FROM mapping."组织架构" WHERE "机构代码" = \'G00\'').fetchone() == ("总部",)
    assert conn.execute("SELECT strategic_top_n, strategic_threshold FROM customer.mdm_settings").fetchall() == [
        (10, 500000000)
    ]
    assert conn.execute(
        "SELECT last_applied_period, dirty_from_month FROM customer.contract_sync_state"
    ).fetchall() == [(None, None)]


def test_roles_exist_and_cannot_log_in(conn):
    rows = conn.execute(
        "SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname IN ('wdh_operator', 'wdh_reader') ORDER BY rolname"
    ).fetchall()
    assert rows == [("wdh_operator", False), ("wdh_reader", False)]


def test_month_must_be_first_of_month(conn):
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute('INSERT INTO business."规模明细" ("月度", "计划代码") VALUES (\'2026-01-15\', \'P1\')')
    conn.execute('INSERT INTO business."规模明细" ("月度", "计划代码") VALUES (\'2026-01-01\', \'P1\')')
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute('INSERT INTO customer."当年流失" ("上报月份") VALUES (\'2026-03-31\')')


def _insert_version(conn, valid_from: str, valid_to: str = "9999-12-31") -> None:
    conn.execute(
        "INSERT INTO customer.customer_plan_contract (company_id, plan_code, product_line_code, "
        " is_strategic, is_existing, status_year, contract_status, valid_from, valid_to) "
        "VALUES ('C1', 'P1', 'PL202', false, false, 2026, '正常', %s, %s)",
        (valid_from, valid_to),
    )


def test_contract_constraints(conn):
    conn.execute("INSERT INTO customer.\"年金客户\" (company_id, \"客户名称\") VALUES ('C1', '甲公司')")
    _insert_version(conn, "2026-01-31", "2026-02-28")
    _insert_version(conn, "2026-02-28")  # the successor starts where the first ends: no overlap
    with pytest.raises(psycopg.errors.UniqueViolation):  # a second current version
        _insert_version(conn, "2026-03-31")
    with pytest.raises(psycopg.errors.UniqueViolation):  # a second version from the same day
        _insert_version(conn, "2026-02-28", "2026-03-31")
    with pytest.raises(psycopg.errors.CheckViolation):
        _insert_version(conn, "2025-05-31", "2025-05-31")
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        conn.execute(
            "INSERT INTO customer.customer_plan_contract (company_id, plan_code, product_line_code, "
            " is_strategic, is_existing, status_year, contract_status, valid_from) "
            "VALUES ('NOPE', 'P1', 'PL202', false, false, 2026, '正常', '2026-01-31')"
        )


def _fingerprint(conn) -> list:
    return conn.execute(
        "SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname IN ('mapping', 'business', 'customer', 'public') ORDER BY 1, 2"
    ).fetchall()


def test_migrate_twice_is_a_no_op(db_url, conn):
    before = _fingerprint(conn)
    seeds = conn.execute('SELECT count(*) FROM mapping."产品线"').fetchone()
    assert pending_migrations(db_url) == []
    result = migrate(db_url)
    assert result.applied == []
    assert _fingerprint(conn) == before
    assert conn.execute('SELECT count(*) FROM mapping."产品线"').fetchone() == seeds


def test_migrate_accepts_a_key_value_conninfo(db_url):
    from psycopg.conninfo import make_conninfo

    from work_data_hub.db.deploy import yoyo_url

    assert yoyo_url("postgresql://u:p@h:5/db") == "postgresql+psycopg://u:p@h:5/db"
    assert yoyo_url("host=h port=5 user=u password='p w' dbname=d") == "postgresql+psycopg://u:p%20w@h:5/d"
    assert migrate(make_conninfo(db_url)).applied == []


def test_0013_completes_existing_summary_rows_as_the_sync_derives_them(conn):
    """Migration 0013 adds the carried columns and the rows of contracts in force without source rows
    to a summary written before it: its backfill must give what the sync now writes itself."""
    Scenario(months=30, customers=40).load(conn)
    sync(conn)
    summary = "SELECT * FROM customer.contract_month_summary ORDER BY month, company_id, plan_code, product_line_code"
    expected = conn.execute(summary).fetchall()
    assert any(r[7] < r[0] for r in expected)  # rows of contracts in force without a source row that month
    # Back to the shape 0012 left: source-row months only, without the carried columns.
    conn.execute("""
        DELETE FROM customer.contract_month_summary WHERE last_seen < month;
        ALTER TABLE customer.contract_month_summary
            DROP CONSTRAINT contract_month_summary_in_force, DROP COLUMN contract_status,
            ALTER COLUMN last_seen DROP NOT NULL, ALTER COLUMN contribution_12m DROP NOT NULL,
            ALTER COLUMN strategic_ytd DROP NOT NULL, ALTER COLUMN is_existing DROP NOT NULL;
        UPDATE customer.contract_month_summary
        SET last_seen = NULL, contribution_12m = NULL, strategic_ytd = NULL, is_existing = NULL;
    """)
    text = (migrations_dir() / "0013_carry_contract_state_in_summary.sql").read_text(encoding="utf-8")
    conn.execute(text[text.index("DO $$") :])
    assert conn.execute(summary).fetchall() == expected


def test_released_migrations_are_immutable():
    """yoyo keys a migration by its file name and never sees an edit: a released migration's bytes
    are fixed in db/migrations.sha256. A new migration is added to it in the change that adds it
    (cd db/migrations && sha256sum *.sql > ../migrations.sha256); an edit of a released one fails
    here: write a new migration instead."""
    import hashlib

    folder = migrations_dir()
    manifest = dict(reversed(line.split()) for line in (folder.parent / "migrations.sha256").read_text().splitlines())
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.sql")}
    assert sorted(files) == sorted(manifest), "a migration is missing from db/migrations.sha256, or listed but gone"
    edited = [name for name, digest in files.items() if manifest[name] != digest]
    assert not edited, f"released migrations edited: {edited}; restore them and put the change in a new migration"
