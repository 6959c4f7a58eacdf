"""Stage a validated file in SQL and plan its load, writing nothing outside the stage.

The rows go by COPY into a temporary staging table (pg_temp.wdh_etl_stage, dropped at the end of
the transaction), where SQL makes every key canonical (customer.canonical_key), resolves 产品线代码,
机构代码 and the company_id of rows without one, and computes the plan: the months replaced, new
customers and plans, renames, the control figures' deviations (the anomaly gate) and warnings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

import psycopg
from psycopg import sql
from psycopg.rows import class_row, dict_row

from work_data_hub.db.connect import exact_json
from work_data_hub.errors import InvalidInput
from work_data_hub.etl.domains import Domain
from work_data_hub.etl.validate import MAX_LISTED_ERRORS, ParsedFile, progress

DERIVED = ("产品线代码", "机构代码")
ANALYZED = (
    "company_id",
    "业务类型",
    "机构名称",
    "客户名称",
    "上报客户名称",
    "计划代码",
    "年金计划号",
    "月度",
    "上报月份",
)


@dataclass(frozen=True)
class Deviation:
    """A finding of the anomaly gate (business._staged_load_deviations): `refused` findings refuse
    the file unless accepted; the others (a tiny product line that vanished) are only reported."""

    deviation: str  # unformed, vanished, unchanged, total_aum, line_aum, unseen_ids, replacement_rows,
    # replacement_aum, ledger_year_rows
    subject: str
    compared_month: date
    baseline: Decimal
    value: Decimal
    allowed: str
    refused: bool = True

    def describe(self) -> str:
        money = self.deviation in ("total_aum", "line_aum", "replacement_aum", "vanished", "unchanged", "unformed")
        show = (lambda v: f"{v / 10**8:,.4f} 亿元") if money else (lambda v: f"{v:,.0f}")
        ratio = f" (×{float(self.value / self.baseline):.4g})" if self.baseline else ""
        share = f" ({float(self.value / self.baseline):.1%})" if self.baseline else ""
        month = f"{self.compared_month:%Y-%m}"
        against = {
            "unseen_ids": f"{show(self.value)} of the file's {show(self.baseline)} rows under never-seen ids{share}",
            "ledger_year_rows": f"{self.subject}: {show(self.value)} rows replace {show(self.baseline)}",
            "unformed": f"{show(self.value)} of the file's {show(self.baseline)} in rows that cannot form a "
            f"contract{share}",
            "vanished": f"{show(self.value)} of {month}'s {show(self.baseline)} is held by contracts the file does "
            f"not hold{share}",
            "unchanged": f"{show(self.value)} of {month}'s {show(self.baseline)} is repeated to the cent by the "
            f"file's contracts{share} (a month's rows under another month?)",
        }
        text = against.get(self.deviation) or (
            f"{self.subject}: {show(self.value)} against {show(self.baseline)} in {month}{ratio}"
        )
        return f"{self.deviation}: {text}; allowed {self.allowed}"

    def as_json(self) -> dict:
        return {
            "deviation": self.deviation,
            "subject": self.subject,
            "compared_month": self.compared_month.isoformat(),
            "baseline": str(self.baseline),
            "value": str(self.value),
            "allowed": self.allowed,
            "refused": self.refused,
        }


class NewEntry(NamedTuple):
    """A customer or plan the load adds: its key and name."""

    key: str
    name: str | None


class Counted(NamedTuple):
    """A branch name or product line, with its rows."""

    name: str
    rows: int


class Unformed(NamedTuple):
    """Rows that cannot form a contract (business._staged_unformed), with their AUM."""

    reason: str
    rows: int
    aum: Decimal | None


class Resolved(NamedTuple):
    """Where rows' company_id comes from (customer.resolve_staged_identities): file, override,
    account, plan_name, name, provisional or unresolved; its rows and (规模明细) AUM."""

    resolution: str
    rows: int
    aum: Decimal | None


class Ambiguous(NamedTuple):
    kind: str
    plan_code: str
    alias: str
    companies: int


class Rename(NamedTuple):
    kind: str  # customer or plan
    key: str
    old_name: str
    new_name: str


@dataclass(frozen=True)
class LoadPlan:
    """business.plan_staged_load's plan, with the file's rows per month and what staging changed."""

    rows_per_month: dict[date, int]
    rows_to_delete: dict[date, int]  # every month the load replaces (a ledger: January … its latest month)
    new_customers: list[NewEntry]  # the first 20 by company_id (of new_customer_count)
    new_plans: list[NewEntry]
    unknown_branches: list[Counted]  # branch names 组织架构 does not know (mapped to G00)
    unusable: list[Unformed] = field(default_factory=list)
    aum_total: Decimal | None = None  # 规模明细: the file's SUM(期末资产规模)
    aum_replaced: Decimal | None = None  # 规模明细: the SUM(期末资产规模) of the rows it replaces
    vanishing_lines: list[Counted] = field(default_factory=list)  # 产品线代码 replaced but absent
    identities: list[Resolved] = field(default_factory=list)
    ambiguous: list[Ambiguous] = field(default_factory=list)
    canonicalised: dict[str, int] = field(default_factory=dict)  # key column → cells made canonical
    renames: list[Rename] = field(default_factory=list)
    new_customer_count: int = 0
    deviations: list[Deviation] = field(default_factory=list)  # the anomaly gate's findings that refuse
    gate_notes: list[Deviation] = field(default_factory=list)  # its findings below materiality: reported
    control_figures: dict = field(default_factory=dict)  # business._staged_control_figures, recorded with the load


def _stage_columns(domain: Domain) -> list[str]:
    """The target's columns the stage holds (stage-only columns come on top)."""
    return [c.target for c in domain.columns if not c.stage_only] + [d for d in DERIVED if domain.column(d) is None]


@dataclass(frozen=True)
class Staged:
    identities: list[Resolved]  # rows and AUM per identity resolution
    canonicalised: dict[str, int]  # key column → cells made canonical


def stage(conn: psycopg.Connection, parsed: ParsedFile) -> Staged:
    """COPY the rows into pg_temp.wdh_etl_stage (dropped at the end of the transaction) and resolve
    there, in SQL: every key in canonical form (a key that is still not well formed refuses the
    file, its cells named), 产品线代码 from 业务类型, 机构代码 from the branch name (unknown → G00),
    and a company_id for the rows without one (customer.resolve_staged_identities)."""
    canonicalised = copy_to_stage(conn, parsed)
    with conn.cursor(row_factory=class_row(Resolved)) as cur:
        identities = cur.execute(RESOLVE_IDENTITIES, (parsed.domain.is_ledger,)).fetchall()
    return Staged(identities=identities, canonicalised=canonicalised)


RESOLVE_IDENTITIES = "SELECT resolution, rows, aum FROM customer.resolve_staged_identities(%s)"


def copy_to_stage(conn: psycopg.Connection, parsed: ParsedFile) -> dict[str, int]:
    """The first half of `stage`: the rows COPYed, their keys made canonical (returns the cells
    changed per column), 产品线代码 and 机构代码 resolved."""
    domain = parsed.domain
    conn.execute(
        CREATE_STAGE,
        {
            "table": domain.table.as_string(conn),
            "columns": _stage_columns(domain),
            "stage_only": [c.target for c in domain.columns if c.stage_only],
        },
    )
    copy_sql = sql.SQL("COPY pg_temp.wdh_etl_stage (source_row, {columns}) FROM STDIN").format(
        columns=sql.SQL(", ").join(map(sql.Identifier, parsed.columns))
    )
    parsed.copy_data.seek(0)
    with conn.cursor() as cur, progress(f"Staging {parsed.path.name}", parsed.row_count) as advance:
        with cur.copy(copy_sql) as copy:
            while block := parsed.copy_data.read(1 << 20):
                copy.write(block)
        advance(parsed.row_count)
    keys = [c.target for c in domain.columns if c.key and c.target in parsed.columns]
    counts = conn.execute(CANONICALISE, (keys,)).fetchall()
    if any(problems for _, _, problems in counts):
        _refuse_key_problems(conn, parsed, sum(problems for _, _, problems in counts))
    if any(cells for _, cells, _ in counts):
        _refuse_canonical_repeats(conn, parsed)
    # Statistics of the columns the plan's queries join and group on (all of them: twice the time).
    conn.execute(
        sql.SQL("ANALYZE pg_temp.wdh_etl_stage ({})").format(
            sql.SQL(", ").join(map(sql.Identifier, [c for c in ANALYZED if c in _stage_columns(domain)]))
        )
    )
    conn.execute(RESOLVE_CODES)
    conn.execute(NAME_SPELLINGS)
    return {column: cells for column, cells, _ in counts if cells}


# The staging table's one shape, made in SQL (its readers are SQL): business._create_stage.
CREATE_STAGE = "SELECT business._create_stage(%(table)s::regclass, %(columns)s, %(stage_only)s)"
CANONICALISE = "SELECT column_name, cells, problems FROM business._canonicalise_staged_keys(%s)"
KEY_PROBLEMS = """
SELECT source_row, key_problem FROM pg_temp.wdh_etl_stage WHERE key_problem IS NOT NULL ORDER BY source_row LIMIT %s
"""


# Rows the reader saw as different that are the same once their keys are canonical (a row pasted
# again with full-width ids).
CANONICAL_REPEATS = """
SELECT min(r.source_row) AS first, max(r.source_row) AS last, count(*) OVER () AS repeats
FROM (SELECT s.source_row, to_jsonb(s) - 'source_row' - 'key_problem' AS row_values FROM pg_temp.wdh_etl_stage AS s) AS r
GROUP BY r.row_values HAVING count(*) > 1
ORDER BY 2 LIMIT %s
"""


def _refuse_canonical_repeats(conn: psycopg.Connection, parsed: ParsedFile) -> None:
    with conn.cursor(row_factory=dict_row) as cur:
        repeats = cur.execute(CANONICAL_REPEATS, (MAX_LISTED_ERRORS,)).fetchall()
    if not repeats:
        return
    count = repeats[0]["repeats"]
    raise InvalidInput(
        f"{parsed.path}: {count} row(s) repeat another row once their ids are made canonical (pasted again with "
        "full-width or invisible characters in the ids?); nothing was loaded",
        detail="\n".join(f"{parsed.ref(r['last'])} repeats {parsed.ref(r['first'])}" for r in repeats),
        hint="Delete the repeated rows and load the file again.",
    )


def _refuse_key_problems(conn: psycopg.Connection, parsed: ParsedFile, count: int) -> None:
    listed = conn.execute(KEY_PROBLEMS, (MAX_LISTED_ERRORS,)).fetchall()
    more = f"\n… and {count - len(listed)} more" if count > len(listed) else ""
    raise InvalidInput(
        f"{parsed.path}: {count} key cell(s) are not well formed even after removing what Excel or a web page adds "
        "(full-width characters, invisible characters, spaces at the ends, a leading apostrophe); nothing was loaded",
        detail="\n".join(f"{parsed.ref(row)}, column {problem}" for row, problem in listed) + more,
        hint="Correct these ids in the file (an id is one word: letters and digits) and load it again.",
    )


# 业务类型 through its one mapping, mapping."业务类型别名" (every spelling, for 规模明细 and the ledgers
# alike); 机构代码 from the branch name, unknown → G00 (customer._branch_code). A spelling other than the product line's
# name (企业年金受托, 受托) is then stored as the name: few rows, a second statement.
RESOLVE_CODES = """
UPDATE pg_temp.wdh_etl_stage AS s
SET "产品线代码" = (SELECT a.product_line_code FROM mapping."业务类型别名" AS a WHERE a.spelling = s."业务类型"),
    "机构代码" = customer._branch_code(coalesce(
                     s."机构代码", (SELECT min(o."机构代码") FROM mapping."组织架构" AS o WHERE o."机构名称" = s."机构名称"))),
    branch_unknown = s."机构代码" IS NULL AND s."机构名称" IS NOT NULL
                     AND NOT EXISTS (SELECT 1 FROM mapping."组织架构" AS o WHERE o."机构名称" = s."机构名称")
"""
NAME_SPELLINGS = """
UPDATE pg_temp.wdh_etl_stage AS s
SET "业务类型" = p."产品线"
FROM mapping."产品线" AS p
WHERE p."产品线代码" = s."产品线代码" AND s."业务类型" IS DISTINCT FROM p."产品线"
"""

PLAN = "SELECT * FROM business.plan_staged_load(%s)"


def plan_load(conn: psycopg.Connection, parsed: ParsedFile, staged: Staged | None = None) -> LoadPlan:
    """What an apply would do: business.plan_staged_load over the staged rows (call `stage` first,
    and pass what it returned). It keeps the plan where business.apply_staged_load reads it, so
    that the load writes what this plan says; writes nothing else."""
    with conn.cursor(row_factory=dict_row) as cur:
        exact_json(cur)  # AUM and the gate's figures as exact decimals
        p = cur.execute(PLAN, (parsed.domain.name,)).fetchone()
    findings = [
        Deviation(
            **{
                **d,
                "compared_month": date.fromisoformat(d["compared_month"]) if d["compared_month"] else None,
                "baseline": _exact(d["baseline"]),
                "value": _exact(d["value"]),
            }
        )
        for d in p["deviations"]
    ]
    return LoadPlan(
        rows_per_month=parsed.months,
        rows_to_delete={date.fromisoformat(m): n for m, n in p["rows_replaced"].items()},
        new_customers=[NewEntry(c["company_id"], c["customer_name"]) for c in p["new_customers"]],
        new_customer_count=p["new_customer_count"],
        new_plans=[NewEntry(c["plan_code"], c["plan_name"]) for c in p["new_plans"]],
        unknown_branches=[Counted(b["branch"], b["rows"]) for b in p["unknown_branches"]],
        unusable=[Unformed(u["reason"], u["rows"], _exact(u["aum"])) for u in p["unformed"]],
        aum_total=p["aum_total"],
        aum_replaced=p["aum_replaced"],
        vanishing_lines=[Counted(v["product_line"], v["rows"]) for v in p["vanishing_lines"]],
        identities=list(staged.identities) if staged else [],
        ambiguous=[Ambiguous(**a) for a in p["ambiguous"]],
        canonicalised=dict(staged.canonicalised) if staged else {},
        renames=[Rename(**r) for r in p["renames"]],
        deviations=[d for d in findings if d.refused],
        gate_notes=[d for d in findings if not d.refused],
        control_figures=p["control_figures"],
    )


def _exact(value: int | Decimal | None) -> Decimal | None:
    """A jsonb number as the numeric it was (json gives a whole number as int)."""
    return None if value is None else Decimal(value)
