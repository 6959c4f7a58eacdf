"""The schema a fresh `db migrate` builds is the one committed in db/schema.sql (pg_dump
--schema-only: tables, views, types, indexes, triggers, grants, and each function's signature).
A migration that changes it must come with the new dump, so that a reviewer sees the change and
CI sees the drift. Function bodies, comments and grants stay out: db/procedures/ owns them (the
catalog test checks them), and a copy here would have to follow every procedure edit.

    WDH_UPDATE_SCHEMA=1 uv run pytest tests/test_schema_drift.py    # rewrite db/schema.sql
"""

from __future__ import annotations

import difflib
import os
import re
import subprocess

import pytest

from helpers import REPO
from work_data_hub.tooling import local

SCHEMA = REPO / "db" / "schema.sql"


def schema_dump(url: str) -> str:
    """pg_dump --schema-only of the product's schemas, without what differs between machines."""
    dump = subprocess.run(
        [
            str(local.find_bindir() / "pg_dump"),
            "--schema-only",
            "--no-owner",
            "--schema=mapping",
            "--schema=business",
            "--schema=customer",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    varying = ("-- Dumped from", "-- Dumped by", "\\restrict", "\\unrestrict")  # versions, a random key
    dump = "\n".join(line for line in dump.splitlines() if not line.startswith(varying))
    entries = []
    for entry in re.split(r"(?m)^--\n(?=-- Name: )", dump):  # one per object: "-- Name: …; Type: …"
        if re.match(r"-- Name: FUNCTION .*; Type: (COMMENT|ACL);", entry):
            continue  # the procedure file's
        if re.match(r"-- Name: .*; Type: FUNCTION;", entry):
            entry = entry.splitlines()[0] + "\n"  # the signature, not the body
        entries.append(entry)
    return "--\n".join(entries).strip() + "\n"


DUMPED_BY = "15"  # the PostgreSQL major whose pg_dump wrote db/schema.sql (Debian's, which CI runs first)


def test_migrated_schema_equals_the_committed_dump(template_url):
    major = local.binaries_version().split(".")[0]
    if major != DUMPED_BY:
        pytest.skip(
            f"db/schema.sql is PostgreSQL {DUMPED_BY}'s pg_dump; PostgreSQL {major}'s writes the same schema "
            "in other words (the run on Debian's PostgreSQL 15 checks it)"
        )
    dump = schema_dump(template_url)
    if os.environ.get("WDH_UPDATE_SCHEMA"):
        SCHEMA.write_text(dump, encoding="utf-8")
    committed = SCHEMA.read_text(encoding="utf-8") if SCHEMA.exists() else ""
    diff = "".join(
        difflib.unified_diff(
            committed.splitlines(True), dump.splitlines(True), "db/schema.sql (committed)", "db migrate (now)", n=1
        )
    )
    assert not diff, (
        "The migrated schema differs from db/schema.sql. If the change is meant, rewrite the dump "
        "with `WDH_UPDATE_SCHEMA=1 uv run pytest tests/test_schema_drift.py` and commit it.\n" + diff[:6000]
    )
