"""Rewrite the function reference of docs/DBA.md from the catalog of a migrated database
(DATABASE_URL or .wdh_env; `db migrate` it first): who each function runs as, its body, who may
execute it, the SQLSTATEs it raises, its comment. tests/test_docs.py fails while the committed
block differs from what a fresh migrate builds.

    uv run python scripts/dba_reference.py
"""

from __future__ import annotations

from pathlib import Path

from work_data_hub.db.connect import connect
from work_data_hub.tooling.reference import function_reference, replace_block

DBA = Path(__file__).resolve().parents[1] / "docs" / "DBA.md"


def main() -> None:
    with connect() as conn:
        block = function_reference(conn)
    DBA.write_text(replace_block(DBA.read_text(encoding="utf-8"), block), encoding="utf-8")
    print(f"{DBA}: function reference rewritten ({block.count(chr(10)) - 6} functions)")


if __name__ == "__main__":
    main()
