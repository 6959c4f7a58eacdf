"""The process's streams, whatever the locale: line-buffered into a pipe, and under a locale that
cannot encode the product's words (LANG=C with Python's UTF-8 mode off) ASCII output with a '?' a
cell for what it cannot write, JSON escaped, and file names read as the UTF-8 they are."""

from __future__ import annotations

import codecs
import io
import os
import sys

from rich.cells import cell_len

_SAMPLE = "规模明细 ✓ — │"


def can_encode(stream) -> bool:
    """Whether `stream` can write the product's words (Chinese, ✓, box lines)."""
    try:
        _SAMPLE.encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _cells(error: UnicodeEncodeError) -> tuple[str, int]:
    """A '?' for each terminal cell of what cannot be encoded: a table's columns stay aligned."""
    return "?" * cell_len(error.object[error.start : error.end]), error.end


codecs.register_error("wdh-cells", _cells)


class _Replacing(io.TextIOBase):
    """A text stream that writes what its encoding can and '?'s for the rest. It has no binary
    buffer to reach, so Click (typer.echo) writes through it too instead of re-encoding to UTF-8."""

    def __init__(self, stream) -> None:
        stream.reconfigure(errors="wdh-cells")
        self._stream = stream

    @property
    def encoding(self) -> str:
        return self._stream.encoding

    def write(self, text: str) -> int:
        return self._stream.write(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    def writable(self) -> bool:
        return True


def prepare() -> None:
    """Set the streams up for a command (see the module's docstring)."""
    _utf8_file_names()
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(line_buffering=True)  # each line as it is said, into a pipe too
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if not can_encode(stream) and hasattr(stream, "reconfigure"):
            setattr(sys, name, _Replacing(stream))


def _utf8_file_names() -> None:
    """Python reads file names in the locale's encoding: under an ASCII one (LANG=C with UTF-8 mode
    off) the inbox's Chinese names would not be names at all. Start again in UTF-8 mode (-X utf8),
    the output still in the locale's encoding (PYTHONIOENCODING), once."""
    if sys.flags.utf8_mode or codecs.lookup(sys.getfilesystemencoding()).name != "ascii":
        return
    if os.environ.get("WDH_UTF8_RESTART") or not sys.executable:
        return
    os.environ["WDH_UTF8_RESTART"] = "1"
    os.environ.setdefault("PYTHONIOENCODING", f"{getattr(sys.stdout, 'encoding', None) or 'ascii'}:strict")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-X", "utf8", *sys.orig_argv[1:]])
