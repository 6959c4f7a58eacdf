"""Where a report or an export goes, and writing it whole or not at all."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from work_data_hub.db.settings import project_root
from work_data_hub.errors import InvalidInput


def target(out: str | None, default_name: str) -> Path:
    """The file to write: `out`, or `default_name` inside it when `out` is a folder (or ends in /),
    or without `out` reports/`default_name` in the project's folder (settings.project_root: as from
    a subfolder). The suffix must be the default's."""
    suffix = Path(default_name).suffix
    if out is None:
        return project_root() / "reports" / default_name
    if not out.strip():
        raise InvalidInput("--out is empty", hint=f"Name a {suffix} file or a folder, or leave --out out.")
    path = Path(out).expanduser()
    if out.endswith(("/", "\\")) or path.is_dir():
        return path / default_name
    if path.suffix.lower() != suffix:
        raise InvalidInput(
            f"--out {out} does not end in {suffix}: this command writes a {suffix} file",
            hint=f"Name the file …{suffix}, or pass a folder to write {default_name} into.",
        )
    return path


def write_whole(path: Path, write: Callable[[Path], None]) -> Path:
    """Call `write` on a hidden file beside `path` (this process's own: two runs at once do not
    share it), then rename it to `path`: a reader never sees a half-written file, and a failure or
    Ctrl-C leaves nothing behind. What a killed run left (a hidden file of a process that is gone)
    is removed first."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(path)
        write(partial)
        partial.replace(path)
    except BaseException as exc:
        with contextlib.suppress(OSError):  # nothing was written, or it cannot be reached either
            partial.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InvalidInput(
                f"Cannot write {path}: {exc.strerror or exc}",
                hint="Pass a writable place with --out (a file or a folder).",
            ) from None
        raise
    return path


def remove_leftovers(path: Path) -> list[Path]:
    """Remove the hidden .NAME.PID.partial files beside `path` whose process is gone (a killed
    run's); those of a live process (another run writing now) stay. Returns what was removed."""
    removed = []
    for leftover in path.parent.glob(f".{path.name}.*.partial"):
        pid = leftover.name[len(path.name) + 2 : -len(".partial")]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        with contextlib.suppress(OSError):
            leftover.unlink()
            removed.append(leftover)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    except OSError:
        return False
    return True
