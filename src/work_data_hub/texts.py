"""Text that every layer writes the same way: a long list cut short in a message or a table."""

from __future__ import annotations


def elided(texts: list[str], *, head: int, tail: int = 0) -> str:
    """Every text when there are at most head + tail of them; else the first `head` and the last
    `tail` around an ellipsis. Callers say the count where it matters."""
    if len(texts) <= head + tail:
        return ", ".join(texts)
    return ", ".join([*texts[:head], "…", *(texts[-tail:] if tail else [])])
