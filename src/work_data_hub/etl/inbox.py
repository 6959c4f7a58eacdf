"""The inbox: the monthly deliveries as the business files them, and which of them are loaded.

    <WDH_DATA_DIR>/<YYYYMM>/…/[V<n>/]<file>

The month is the nearest six-digit folder above the file; among version folders V1, V2, … the
highest one holding a matching file wins. Office lock files (~$…), files named …回复… (replies)
and hidden files or folders are never candidates.
"""

from __future__ import annotations

import fnmatch
import re
import time
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from work_data_hub.errors import InvalidInput
from work_data_hub.etl.domains import Domain

PATTERNS = {
    "annuity_performance": ("*规模明细*", "*规模收入数据*", "*规模及收入数据*"),
    "annual_award": ("*当年中标*", "*台账登记*"),
    "annual_loss": ("*当年流失*", "*台账登记*"),
}
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
# What the inbox names and passes over, with what to do: archives and formats it does not read.
PASSED_OVER = {
    ".zip": "a .zip archive: unpack it into its month folder",
    ".rar": "a .rar archive: unpack it into its month folder",
    ".7z": "a .7z archive: unpack it into its month folder",
    ".ods": "an OpenDocument spreadsheet: save it as .xlsx (LibreOffice: File ▸ Save As ▸ Excel 2007-365)",
    ".et": "a WPS spreadsheet: save it as .xlsx (WPS: 另存为 ▸ Excel 工作簿)",
    ".numbers": "a Numbers spreadsheet: export it as .xlsx",
}
_MONTH_FOLDER = re.compile(r"^(\d{4})(0[1-9]|1[0-2])$|^(\d{4})年(0?[1-9]|1[0-2])月$")
# V2, v2, V2(更正), V2 更正, V2_修正, V1.1: a V, a number, optionally .minor, then anything but a digit.
_VERSION_FOLDER = re.compile(r"^[Vv]\s*(\d+)(?:\.(\d+))?(?!\d)")


@dataclass(frozen=True)
class Inbox:
    """What the inbox holds for a domain: the files to load (oldest month first), notes on the files
    passed over, and the months whose only delivery was passed over (nothing of them is loadable:
    the command exits 1 after loading the rest)."""

    candidates: list[Candidate]
    notes: list[str]
    unloadable: list[str]  # "2026-12: …" for each such month


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


def _matches(name: str, domain: Domain) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in PATTERNS[domain.name])


def _stem_matches(name: str, domain: Domain) -> bool:
    """The name would be a delivery of the domain but for its extension."""
    stem = name.rsplit(".", 1)[0] + ".xlsx"
    return _matches(stem.removeprefix("~$"), domain)


def discover(
    root: Path, domain: Domain, period: date | None = None, *, settle_seconds: int = 0, now: float | None = None
) -> Inbox:
    """The files to load for `domain`, oldest month first, and notes on the files passed over. Only
    regular files inside the inbox are read (a symbolic link is passed over); a file modified less
    than `settle_seconds` ago is still being copied and passed over too. Archives and spreadsheets
    it does not read (.zip, .ods, .et) and Excel's lock files are named with what to do. Two files
    for one month at the same (highest) version are an error naming both."""
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
    now = time.time() if now is None else now
    found: list[Candidate] = []
    notes: list[str] = []
    blocked: dict[date | None, tuple[str, tuple[int, int]]] = {}  # a month → why its delivery was passed over, version
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(p.startswith(".") for p in relative.parts):
            continue
        try:
            str(relative).encode("utf-8")
        except UnicodeEncodeError:  # a name in GBK bytes, from a Windows archive unpacked here
            if path.is_file():
                notes.append(
                    f"{str(relative).encode('utf-8', 'surrogateescape').decode('utf-8', 'replace')}: its name "
                    "is not UTF-8 (unpacked from a Windows archive?); rename it (convmv -f gbk -t utf8)"
                )
            continue
        if path.is_symlink():
            if _matches(path.name, domain):
                notes.append(f"{relative}: a symbolic link, not a file of the inbox; copy the file itself there")
            continue
        if not path.is_file() or not path.resolve().is_relative_to(root.resolve()):
            continue  # a folder, or a file reached through a linked folder outside the inbox
        month, version = _folders(relative)
        name, suffix = path.name, path.suffix.lower()
        if name.startswith("~$"):
            if _stem_matches(name, domain):
                notes.append(f"{relative}: an Excel lock file (the workbook is open in Excel); close it there")
            continue
        why = PASSED_OVER.get(suffix)
        if why is not None and (_stem_matches(name, domain) or month is not None):
            notes.append(f"{relative}: {why}")
            if _stem_matches(name, domain):
                _block(blocked, month, why.split(":")[0], version)
            continue
        if not _is_candidate_name(name, domain):
            continue
        if month is None and not domain.is_ledger:
            notes.append(f"{relative}: not in a month folder (YYYYMM); load it with --file")
            continue
        age = now - path.stat().st_mtime
        if age < settle_seconds:
            notes.append(
                f"{relative}: modified {max(0, int(age))} s ago, less than inbox_settle_seconds ({settle_seconds} s): "
                "still being copied? run again when it is complete"
            )
            _block(blocked, month, "still being copied", version)
            continue
        found.append(Candidate(path=path, relative=relative.as_posix(), month=month, version=version))
    if period is not None:
        found = [c for c in found if c.month == period.replace(day=1)]
        blocked = {m: why for m, why in blocked.items() if m == period.replace(day=1)}
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
    top = {c.month: c.version for c in chosen}
    unloadable = []
    for m, (why, version) in sorted(blocked.items(), key=lambda item: (item[0] is not None, item[0])):
        label = f"{m:%Y-%m}" if m else "(outside month folders)"
        if domain.is_ledger and chosen:
            continue  # the ledger is cumulative: the newest loadable delivery holds it
        if m not in top:
            unloadable.append(f"{label}: {why}")
        elif version > top[m]:  # a correction (V2) that cannot be read: the month would stay as V1 has it
            unloadable.append(
                f"{label}: {why} in {_version_name(version)}, a later version than the {_version_name(top[m])} "
                "that is loadable: the correction is not loaded"
            )
    return Inbox(chosen, notes, unloadable)


def _block(blocked: dict, month: date | None, why: str, version: tuple[int, int]) -> None:
    """Note that `month`'s delivery at `version` was passed over (the highest version counts)."""
    if month not in blocked or version > blocked[month][1]:
        blocked[month] = (why, version)


SETTLE_SECONDS = "SELECT inbox_settle_seconds FROM customer.mdm_settings"


def settle_seconds(conn: psycopg.Connection) -> int:
    """customer.mdm_settings.inbox_settle_seconds: how long a file must be left alone before the inbox takes it."""
    row = conn.execute(SETTLE_SECONDS).fetchone()
    conn.rollback()
    return row[0] if row else 0


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
    with conn.cursor(row_factory=dict_row) as cur:
        loads = cur.execute(LOADS_OF_KEY, {"domain": domain.name, "month": month}).fetchall()
    if not loads:
        return FileState(FileStatus.NEW, sha256, size)
    latest = loads[0]
    latest_sha, latest_at, latest_path = latest["sha256"], latest["loaded_at"], latest["path"]
    latest_source, latest_action = latest["source"], latest["action"]
    if latest_action == "withdrawal":
        state = FileStatus.WITHDRAWN if latest_sha == sha256 else FileStatus.CHANGED
        return FileState(state, sha256, size, loaded_at=latest_at, loaded_path=latest_path)
    if month is not None and not conn.execute(MONTH_PRESENT, {"month": month}).fetchone()[0]:
        # Loaded once, but its rows were deleted since (by hand): load it again.
        return FileState(FileStatus.MISSING, sha256, size, loaded_at=latest_at, loaded_path=latest_path)
    if latest_sha == sha256:
        return FileState(FileStatus.LOADED, sha256, size, loaded_at=latest_at, loaded_path=latest_path)
    if latest_source == "file" and any(r["sha256"] == sha256 and r["action"] == "load" for r in loads[1:]):
        return FileState(FileStatus.KEPT, sha256, size, loaded_at=latest_at, loaded_path=latest_path)
    return FileState(FileStatus.CHANGED, sha256, size, loaded_at=latest_at, loaded_path=latest_path)
