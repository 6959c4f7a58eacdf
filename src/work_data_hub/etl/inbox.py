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
from enum import Enum
from pathlib import Path

import psycopg

from work_data_hub.errors import InvalidInput
from work_data_hub.etl.domains import Domain

PATTERNS = {
    "annuity_performance": ("*规模明细*", "*规模收入数据*", "*规模及收入数据*"),
    "annual_award": ("*当年中标*", "*台账登记*"),
    "annual_loss": ("*当年流失*", "*台账登记*"),
}
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
_MONTH_FOLDER = re.compile(r"^(\d{4})(0[1-9]|1[0-2])$|^(\d{4})年(0?[1-9]|1[0-2])月$")
# V2, v2, V2(更正), V2 更正, V2_修正, V1.1: a V, a number, optionally .minor, then anything but a digit.
_VERSION_FOLDER = re.compile(r"^[Vv]\s*(\d+)(?:\.(\d+))?(?!\d)")


@dataclass(frozen=True)
class Candidate:
    path: Path
    relative: str  # the path below the inbox
    month: date | None  # first day of the month folder's month
    version: tuple[int, int]  # (n, minor) of the V<n>[.minor] folder, (0, 0) outside one


class FileStatus(Enum):
    """Where an inbox file stands against the load ledger (file_state says how each is judged)."""

    NEW = "new"
    CHANGED = "changed"
    MISSING = "missing"
    LOADED = "loaded"
    KEPT = "kept"
    WITHDRAWN = "withdrawn"

    @property
    def done(self) -> bool:
        """Nothing to load unless forced: loaded as it is, kept behind a --file load, or withdrawn."""
        return self in (FileStatus.LOADED, FileStatus.KEPT, FileStatus.WITHDRAWN)


@dataclass(frozen=True)
class FileState:
    state: FileStatus
    sha256: str
    bytes: int
    loaded_at: datetime | None = None  # when the latest load of the same key happened
    loaded_path: str | None = None


def _is_candidate_name(name: str, domain: Domain) -> bool:
    if name.startswith(("~$", ".")) or "回复" in name or not name.lower().endswith(SUFFIXES):
        return False
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in PATTERNS[domain.name])


def _folders(relative: Path) -> tuple[date | None, tuple[int, int]]:
    month, version = None, (0, 0)
    for part in relative.parts[:-1]:
        if (m := _MONTH_FOLDER.match(part)) is not None:
            year, mon = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            month, version = date(int(year), int(mon), 1), (0, 0)  # the nearest month folder counts
        elif (v := _VERSION_FOLDER.match(part)) is not None:
            version = (int(v.group(1)), int(v.group(2) or 0))
    return month, version


def folder_month(path: Path) -> date | None:
    """The month of the nearest month folder above `path` (YYYYMM or YYYY年M月), if any."""
    return _folders(path.resolve())[0]


def _version_name(version: tuple[int, int]) -> str:
    return "no version folder" if version == (0, 0) else f"V{version[0]}" + (f".{version[1]}" if version[1] else "")


def discover(root: Path, domain: Domain, period: date | None = None) -> tuple[list[Candidate], list[str]]:
    """The files to load for `domain`, oldest month first, and notes on the files passed over.
    Two files for one month at the same (highest) version are an error naming both."""
    if root.exists() and not root.is_dir():
        raise InvalidInput(
            f"The inbox {root} is a file, not a folder",
            hint="Point WDH_DATA_DIR at the folder that holds the month folders, or use --file.",
        )
    if not root.is_dir():
        raise InvalidInput(
            f"The inbox {root} does not exist",
            hint="Put the deliveries there as <YYYYMM>/…/<file> (or set WDH_DATA_DIR, in the environment or in "
            ".wdh_env), or load one file with --file.",
        )
    found: list[Candidate] = []
    notes: list[str] = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if not path.is_file() or any(p.startswith(".") for p in relative.parts):
            continue
        try:
            str(relative).encode("utf-8")
        except UnicodeEncodeError:  # a name in GBK bytes, from a Windows archive unpacked here
            notes.append(
                f"{str(relative).encode('utf-8', 'surrogateescape').decode('utf-8', 'replace')}: its name "
                "is not UTF-8 (unpacked from a Windows archive?); rename it (convmv -f gbk -t utf8)"
            )
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
        notes += [f"{c.relative}: superseded by version {_version_name(top)}" for c in group if c.version < top]
        if len(best) > 1:
            label = f"{month:%Y-%m}" if month else "the inbox (outside month folders)"
            raise InvalidInput(
                f"Two {domain.name} files for {label}: " + " and ".join(c.relative for c in best),
                detail=f"In {root}. Both are at the highest version ({_version_name(top)}).",
                hint="Remove or rename the one that is not the delivery (or put a correction in a higher V<n> "
                "folder), or load one of them with --file.",
            )
        chosen.append(best[0])
    if domain.is_ledger and len(chosen) > 1:
        # A ledger workbook is cumulative: the newest delivery holds everything; older ones would
        # only be replaced again (and loading them would undo a later correction).
        notes += [f"{c.relative}: superseded by the newer ledger delivery {chosen[-1].relative}" for c in chosen[:-1]]
        chosen = chosen[-1:]
    return chosen, notes


# The loads of one inbox key: a 规模明细 month, or a ledger domain (its workbook is cumulative).
LOADS_OF_KEY = """
SELECT sha256, loaded_at, path, source, action FROM business.etl_load_log
WHERE domain = %(domain)s AND (%(month)s::date IS NULL OR %(month)s::date = ANY(months))
ORDER BY load_id DESC
"""


MONTH_PRESENT = 'SELECT EXISTS (SELECT 1 FROM business."规模明细" WHERE "月度" = %(month)s)'


def file_state(conn: psycopg.Connection, domain: Domain, candidate: Candidate, sha256: str, size: int) -> FileState:
    """Against the latest load of the same key (a 规模明细 month; for a ledger, the domain):
    loaded   the latest load had this content;
    kept     a --file load replaced this content after it was loaded: a manual correction, which
             an inbox run does not undo (--force does);
    changed  the key was loaded from other content (a V2 arrived, the file was edited or restored);
    missing  a 规模明细 month that was loaded but has no rows any more (deleted by hand);
    withdrawn  `etl withdraw` removed the month loaded from this content: not loaded again unless
             the content changes (or --force);
    new      never loaded."""
    month = None if domain.is_ledger else candidate.month
    loads = conn.execute(LOADS_OF_KEY, {"domain": domain.name, "month": month}).fetchall()
    if not loads:
        return FileState(FileStatus.NEW, sha256, size)
    latest_sha, latest_at, latest_path, latest_source, latest_action = loads[0]
    if latest_action == "withdrawal":
        state = FileStatus.WITHDRAWN if latest_sha == sha256 else FileStatus.CHANGED
        return FileState(state, sha256, size, loaded_at=latest_at, loaded_path=latest_path)
    if month is not None and not conn.execute(MONTH_PRESENT, {"month": month}).fetchone()[0]:
        # Loaded once, but its rows were deleted since (by hand): load it again.
        return FileState(FileStatus.MISSING, sha256, size, loaded_at=latest_at, loaded_path=latest_path)
    if latest_sha == sha256:
        return FileState(FileStatus.LOADED, sha256, size, loaded_at=latest_at, loaded_path=latest_path)
    if latest_source == "file" and any(sha == sha256 and action == "load" for sha, _, _, _, action in loads[1:]):
        return FileState(FileStatus.KEPT, sha256, size, loaded_at=latest_at, loaded_path=latest_path)
    return FileState(FileStatus.CHANGED, sha256, size, loaded_at=latest_at, loaded_path=latest_path)
