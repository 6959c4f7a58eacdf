"""The README and docs/ stand on their own: every link points inside the repository, at a file that
exists and, with #, at a heading it has."""

from __future__ import annotations

import difflib
import os
import re

from helpers import REPO
from work_data_hub.tooling.reference import current_block, function_reference, replace_block

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
DBA = REPO / "docs" / "DBA.md"
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def anchors(path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_every_link_stays_in_the_repository_and_resolves():
    broken = []
    for doc in DOCS:
        for target in LINK.findall(doc.read_text(encoding="utf-8")):
            if re.match(r"^[a-z]+:", target) or target.startswith("//"):
                broken.append(f"{doc.name}: {target} leaves the repository")
                continue
            file, _, anchor = target.partition("#")
            path = (doc.parent / file).resolve() if file else doc
            if not path.exists():
                broken.append(f"{doc.name}: {target} (no such file)")
            elif anchor and path.suffix == ".md" and anchor not in anchors(path):
                broken.append(f"{doc.name}: {target} (no such heading)")
    assert not broken, "\n".join(broken)


def test_the_function_reference_of_dba_md_is_the_catalog(conn):
    """DBA.md's function table (who runs as whom, who may execute what, the SQL-standard bodies,
    the errors) is what the catalog of a fresh migrate says: regenerate it with
    scripts/dba_reference.py (or WDH_UPDATE_DOCS=1 and this test) after a procedure changes."""
    generated = function_reference(conn)
    if os.environ.get("WDH_UPDATE_DOCS"):
        DBA.write_text(replace_block(DBA.read_text(encoding="utf-8"), generated), encoding="utf-8")
    committed = current_block(DBA)
    assert committed == generated, "\n".join(
        difflib.unified_diff(committed.splitlines(), generated.splitlines(), "docs/DBA.md", "the catalog", lineterm="")
    )
