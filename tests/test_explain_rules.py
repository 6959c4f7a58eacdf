"""customer.explain_contract against the rules as docs/RULES.md states them, computed here in
Python from the 规模明细 rows alone: in force, AUM, twelve-month contributions, status, existing and
strategic (rank in branch × product line, threshold, the ratchet from the prior December). The
history is not consulted, so a wrong rule in the sync (which explain reads) fails this test where
comparing explain with the history cannot."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from psycopg.rows import dict_row

from source import EXPLAIN_ALL, Scenario, sync


def _month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def _month(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


class Rules:
    """docs/RULES.md, "Contracts", over the loaded rows."""

    def __init__(self, rows: list[dict], *, top_n: int, threshold: Decimal) -> None:
        self.aum: dict = defaultdict(Decimal)  # (contract, month index) → AUM
        self.contribution: dict = defaultdict(Decimal)
        self.seen: dict = defaultdict(set)  # contract → month indexes with a row
        groups: dict = defaultdict(Decimal)  # (month index, contract, branch) → AUM
        for r in rows:
            if r["company_id"] is None or r["产品线代码"] is None:
                continue  # no contract without all three keys
            key = (r["company_id"], r["计划代码"], r["产品线代码"])
            m = _month_index(r["月度"])
            self.aum[key, m] += r["期末资产规模"] or 0
            self.contribution[key, m] += r["供款"] or 0
            self.seen[key].add(m)
            groups[m, key, r["机构代码"] or "G00"] += r["期末资产规模"] or 0
        ranked: dict = defaultdict(list)  # (month, branch, line) → groups with AUM above zero
        for (m, key, branch), aum in groups.items():
            if aum > 0:
                ranked[m, branch, key[2]].append((aum, key))
        self.strategic_in: set = set()  # (contract, month index) strategic that month
        for (m, _branch, _line), members in ranked.items():
            members.sort(key=lambda g: (-g[0], g[1][0].encode(), g[1][1].encode()))
            for position, (aum, key) in enumerate(members, 1):
                if position <= top_n or aum >= threshold:
                    self.strategic_in.add((key, m))

    def judge(self, key, period_end: date) -> dict[str, str]:
        m = _month_index(period_end)
        if not any(m - 11 <= s <= m for s in self.seen[key]):
            return {"in_force": "false"}
        aum = self.aum.get((key, m), Decimal(0))
        contribution_12m = sum((self.contribution.get((key, i), Decimal(0)) for i in range(m - 11, m + 1)), Decimal(0))
        december = _month_index(date(period_end.year - 1, 12, 1))
        return {
            "in_force": "true",
            "aum": f"{aum:,.2f}",
            "contribution_12m": f"{contribution_12m:,.2f}",
            "contract_status": "正常" if aum > 0 and contribution_12m > 0 else "停缴",
            "is_existing": str(self.aum.get((key, december), Decimal(0)) > 0).lower(),
            "is_strategic": str(any((key, i) in self.strategic_in for i in range(december, m + 1))).lower(),
        }


RULES = ("in_force", "aum", "contribution_12m", "contract_status", "is_existing", "is_strategic")


@pytest.mark.parametrize("top_n", [10, 1])
def test_explain_equals_the_rules_computed_from_the_rows(conn, top_n):
    Scenario(customers=25, months=24).load(conn)
    conn.execute("UPDATE customer.mdm_settings SET strategic_top_n = %s", (top_n,))
    sync(conn)
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            'SELECT company_id, "计划代码", "产品线代码", "机构代码", "月度", "期末资产规模", "供款" FROM business."规模明细"'
        ).fetchall()
        threshold = cur.execute("SELECT strategic_threshold FROM customer.mdm_settings").fetchone()[
            "strategic_threshold"
        ]
        explained = cur.execute(EXPLAIN_ALL).fetchall()
    rules = Rules(rows, top_n=top_n, threshold=threshold)
    got: dict = defaultdict(dict)
    for r in explained:
        if r["rule"] in RULES:
            got[r["company_id"], r["plan_code"], r["product_line_code"], r["period_end"]][r["rule"]] = r["outcome"]
    expected = {k: rules.judge(k[:3], k[3]) for k in got}
    wrong = {k: (got[k], expected[k]) for k in got if got[k] != expected[k]}
    assert wrong == {}
    assert {v["is_strategic"] for v in expected.values() if "is_strategic" in v} == {"true", "false"}
    assert {v["contract_status"] for v in expected.values() if "contract_status" in v} == {"正常", "停缴"}
