"""The message catalogue: every message renders in both languages, every key is used, and the
customer page and explain word every rule of every contract from the SQL's facts."""

from __future__ import annotations

import re
import string

import psycopg

from helpers import REPO, run_cli
from work_data_hub.reporting import messages

SOURCES = [*(REPO / "src" / "work_data_hub").rglob("*.py"), *(REPO / "src" / "work_data_hub").rglob("*.j2")]


def test_every_message_has_every_language_with_the_same_fields():
    for key, texts in messages.MESSAGES.items():
        assert set(texts) == set(messages.LANGUAGES), key
        fields = [{f for _, f, _, _ in string.Formatter().parse(texts[lang]) if f} for lang in messages.LANGUAGES]
        assert fields[0] == fields[1], (key, fields)
        for lang in messages.LANGUAGES:  # renders with its fields filled
            texts[lang].format(**dict.fromkeys(fields[0], "x"))


def test_every_key_is_used_and_every_used_key_exists():
    code = "\n".join(path.read_text(encoding="utf-8") for path in SOURCES if path.name != "messages.py")
    code += (
        (REPO / "src" / "work_data_hub" / "reporting" / "messages.py")
        .read_text(encoding="utf-8")
        .split("MESSAGES: dict", 1)[0]
    )
    body = (REPO / "src" / "work_data_hub" / "reporting" / "messages.py").read_text(encoding="utf-8")
    logic = body.split("\nMONEY = ", 1)[1]
    prefixes = "explain|word|field|unit|list|rule|outcome|timeline|alias_kind|alias_source|domain|notes|sheet"
    used = set(re.findall(rf'"((?:{prefixes})\.[a-z_.]+)"', code + logic))
    dynamic = {
        k
        for k in messages.MESSAGES
        if k.startswith(
            ("explain.", "rule.", "outcome.", "field.", "timeline.", "alias_kind.", "alias_source.", "domain.")
            + (
                "column.",
                "movement.",
                "sheet.",
                "reason.",
                "moved.",
            )  # the export's columns, movements, sheets (test_report), REASONS
        )
    }
    unused = set(messages.MESSAGES) - used - dynamic
    assert unused == set(), f"keys no code says: {sorted(unused)}"
    assert used - set(messages.MESSAGES) == set(), "keys the code says that the catalogue lacks"


def test_every_rule_of_every_contract_is_worded_from_its_facts_in_both_languages(sample_url):
    """Over the sample, each explain row's (rule, case) has a message; nothing falls back to the
    SQL's English sentence, and the zh words hold no English sentence."""
    with psycopg.connect(sample_url) as conn:
        contracts = conn.execute(
            "SELECT DISTINCT company_id, plan_code, product_line_code FROM customer.customer_plan_contract "
            "ORDER BY 1, 2, 3 LIMIT 12"
        ).fetchall()
        seen = set()
        for company, plan, line in contracts:
            for month in ("2026-01-31", "2026-06-30", "2026-12-31"):
                for rule, facts in conn.execute(
                    "SELECT rule, facts FROM customer.explain_contract(%s, %s, %s, %s)", (company, plan, line, month)
                ):
                    seen.add((rule, facts["case"]))
                    for lang in messages.LANGUAGES:
                        words = messages.explain(rule, facts, lang)
                        assert words, (rule, facts)
                    assert not re.search(r"\b(the|of|in|is|and)\b", messages.explain(rule, facts, "zh")), (rule, facts)
    rules = {rule for rule, _ in seen}
    assert rules >= {
        "contract",
        "in_force",
        "aum",
        "contribution_12m",
        "contract_status",
        "is_strategic",
        "is_existing",
        "status_year",
        "version",
        "previous_version",
    }


def test_explain_speaks_the_language_asked_for(sample_url):
    with psycopg.connect(sample_url) as conn:
        company, plan, line = conn.execute(
            "SELECT company_id, plan_code, product_line_code FROM customer.customer_plan_contract "
            "WHERE valid_to = '9999-12-31' ORDER BY 1 LIMIT 1"
        ).fetchone()
    args = [
        "customer-mdm",
        "explain",
        "--company",
        company,
        "--plan",
        plan,
        "--product-line",
        line,
        "--period",
        "202612",
    ]
    english = run_cli(*args, database_url=sample_url)
    chinese = run_cli(*args, "--lang", "zh", database_url=sample_url)
    by_env = run_cli(*args, database_url=sample_url, env={"WDH_LANG": "zh"})
    assert english.returncode == chinese.returncode == by_env.returncode == 0, english.stderr + chinese.stderr
    assert "Contract " in english.stdout and "In force" in english.stdout
    assert chinese.stdout == by_env.stdout and "存续" in chinese.stdout and "In force" not in chinese.stdout
    wrong = run_cli(*args, "--lang", "fr", database_url=sample_url)
    assert wrong.returncode == 1 and "Unknown language 'fr'" in wrong.stderr


def test_the_customer_page_is_wholly_chinese(sample_url):
    """The page of the busiest customer, rendered as the CLI writes it: no English sentence outside
    the commands and names it quotes (code, ids, SQL names)."""
    from datetime import datetime

    from work_data_hub.customer_mdm.explain import customer_page
    from work_data_hub.reporting.html import render_customer_html

    with psycopg.connect(sample_url, autocommit=True) as conn:
        company = conn.execute(
            "SELECT company_id FROM customer.customer_plan_contract GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        ).fetchone()[0]
        page = customer_page(conn, company_id=company, period_end=None)
    html = render_customer_html(page, generated_at=datetime(2026, 12, 8))
    text = re.sub(r"<(style|script|svg|code)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", "\n", text)
    english = [line.strip() for line in text.splitlines() if re.search(r"[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}", line)]
    assert english == []


REASONS_AS_RECORDED = [
    "first build",
    "contract history replayed from 2025-07: loaded rows of 2025-07 changed",
    "contract history replayed",
    "names changed",
    "当年中标 rows changed",
    "rebuilt by a snapshot refresh",
    "removed: no month is synced any more (every month was withdrawn)",
    "removed: outside the synced range 202501–202511 (withdrawn or rewound)",
    "withdrawal of 2025-03: customers only it brought removed",
    "outside the synced range",
    "rows changed outside a refresh by postgres",
    "source data changed from 2025-02; the contract history is not replayed yet",
]


def test_every_reason_the_sql_records_is_worded_in_chinese():
    """Each form the SQL writes into snapshot_edition.reason and stale_reason reads in Chinese, and
    in English as recorded. The list is the writers' forms: _record_snapshot_edition, the sync
    (_mark_snapshots_stale), _refresh_contract_names, _track_ledger_change, _refresh_snapshot_month,
    refresh_snapshots, _remove_month_customers and _snapshot_month_states."""
    for text in REASONS_AS_RECORDED:
        assert messages.reason(text, "en") == text
        zh = messages.reason(text, "zh")
        assert zh != text and not re.search(r"[A-Za-z]{3,} [A-Za-z]{3,}", zh), (text, zh)


def test_every_movement_is_worded_from_its_facts_as_the_sql_says_it(sample_url):
    """customer.contract_movements' facts, worded in Chinese, are its reason word for word (one
    meaning, two forms); in English they are worded too."""
    seen = set()
    with psycopg.connect(sample_url) as conn:
        for (month,) in conn.execute(
            "SELECT DISTINCT snapshot_month FROM customer.fct_customer_plan_monthly"
        ).fetchall():
            for movement, reason, facts in conn.execute(
                "SELECT movement, reason, facts FROM customer.contract_movements(%s)", (month,)
            ):
                assert messages.moved(movement, facts, "zh") == reason, (movement, facts)
                assert messages.moved(movement, facts, "en"), (movement, facts)
                seen.add(movement)
    assert seen >= {"stopped", "resumed"}
