"""The inbox: the monthly deliveries as the business files them, and which of them are loaded.

    <WDH_DATA_DIR>/<YYYYMM>/…/[V<n>/]<file>

The month is the nearest six-digit folder above the file; among version folders V1, V2, … the
highest one holding a matching file wins. Office lock files (~$…), files named …回复… (replies)
and hidden files or folders are never candidates.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import psycopg

from work_data_hub.errors import InvalidInput
from work_data_hub.etl.domains import Domain

PATTERNS = {
    "annuity_performance": ("*规模明细*", "*规模收入数据*", "*规模及收入数据*"),
    "annual_award": ("*当年中标*", "*台账登记*"),
    "annual_loss": ("*当年流失*", "*台账登记*"),
}
SUFFIXES = (".xlsx", ".xls", ".csv")
_MONTH_FOLDER = re.compile(r"^(\d{4})(0[1-9]|1[0-2])$")
_VERSION_FOLDER = re.compile(r"^[Vv](\d+)$")


@dataclass(frozen=True)
class Candidate:
    path: Path
    relative: str  # the path below the inbox
    month: date | None  # first day of the month folder's month
    version: int  # n of the V<n> folder, 0 outside one


@dataclass(frozen=True)
class FileState:
    state: str  # 'new', 'changed' or 'loaded'
    sha256: str
    bytes: int
    loaded_at: datetime | None = None  # when the same content was loaded ('loaded'), or the last load ('changed')
    loaded_path: str | None = None


def _is_candidate_name(name: str, domain: Domain) -> bool:
    if name.startswith(("~$", ".")) or "回复" in name or not name.lower().endswith(SUFFIXES):
        return False
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in PATTERNS[domain.name])


def _folders(relative: Path) -> tuple[date | None, int]:
    month, version = None, 0
    for part in relative.parts[:-1]:
        if (m := _MONTH_FOLDER.match(part)) is not None:
            month, version = date(int(m.group(1)), int(m.group(2)), 1), 0  # the nearest month folder counts
        elif (v := _VERSION_FOLDER.match(part)) is not None:
            version = int(v.group(1))
    return month, version


def discover(root: Path, domain: Domain, period: date | None = None) -> tuple[list[Candidate], list[str]]:
    """The files to load for `domain`, oldest month first, and notes on the files passed over.
    Two files for one month at the same (highest) version are an error naming both."""
    if not root.is_dir():
        raise InvalidInput(
            f"The inbox {root} does not exist",
            hint="Put the deliveries there as <YYYYMM>/…/<file> (or set WDH_DATA_DIR, in the environment or in "
                 ".wdh_env), or load one file with --file.")
    found: list[Candidate] = []
    notes: list[str] = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if not path.is_file() or any(p.startswith(".") for p in relative.parts):
            continue
        if not _is_candidate_name(path.name, domain):
            continue
        month, version = _folders(relative)
        if month is None and not domain.is_ledger:
            notes.append(f"{relative}: not in a month folder (YYYYMM); load it with --file")
            continue
        found.append(Candidate(path=path, relative=relative.as_posix(), month=month, version=version))
    if period is not None:
        found = [c for c in found if c.month == period.replace(day=1)]
    chosen: list[Candidate] = []
    for month in sorted({c.month for c in found}, key=lambda m: (m is not None, m)):
        group = [c for c in found if c.month == month]
        top = max(c.version for c in group)
        best = [c for c in group if c.version == top]
        notes += [f"{c.relative}: superseded by version V{top}" for c in group if c.version < top]
        if len(best) > 1:
            label = f"{month:%Y-%m}" if month else "the inbox (outside month folders)"
            raise InvalidInput(
                f"Two {domain.name} files for {label}: " + " and ".join(c.relative for c in best),
                detail=f"In {root}. Both are at the highest version ({f'V{top}' if top else 'no version folder'}).",
                hint="Remove or rename the one that is not the delivery (or put a correction in a higher V<n> "
                     "folder), or load one of them with --file.")
        chosen.append(best[0])
    return chosen, notes


STATE_BY_MONTH = """
SELECT sha256, loaded_at, path FROM business.etl_load_log
WHERE domain = %(domain)s AND %(month)s = ANY(months)
ORDER BY load_id DESC LIMIT 1
"""
STATE_BY_FILE = """
SELECT sha256, loaded_at, path FROM business.etl_load_log
WHERE domain = %(domain)s AND (sha256 = %(sha256)s OR path = %(path)s)
ORDER BY sha256 = %(sha256)s DESC, load_id DESC LIMIT 1
"""


def file_state(conn: psycopg.Connection, domain: Domain, candidate: Candidate, sha256: str, size: int) -> FileState:
    """new (never loaded), changed (its month, or for a ledger its path, was loaded from other
    content) or loaded (the latest load of its month, or for a ledger any load, had this sha256)."""
    if domain.is_ledger or candidate.month is None:
        row = conn.execute(STATE_BY_FILE, {"domain": domain.name, "sha256": sha256,
                                           "path": str(candidate.path.resolve())}).fetchone()
    else:
        row = conn.execute(STATE_BY_MONTH, {"domain": domain.name, "month": candidate.month}).fetchone()
    if row is None:
        return FileState("new", sha256, size)
    state = "loaded" if row[0] == sha256 else "changed"
    return FileState(state, sha256, size, loaded_at=row[1], loaded_path=row[2])
