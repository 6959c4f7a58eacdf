"""Text that every layer writes the same way: a long list cut short in a message or a table, and
what a web page or an input method hides in text."""

from __future__ import annotations


def elided(texts: list[str], *, head: int, tail: int = 0) -> str:
    """Every text when there are at most head + tail of them; else the first `head` and the last
    `tail` around an ellipsis. Callers say the count where it matters."""
    if len(texts) <= head + tail:
        return ", ".join(texts)
    return ", ".join([*texts[:head], "…", *(texts[-tail:] if tail else [])])


# What a web page or an input method hides in text: zero-width characters and marks, bidi controls,
# word joiner and invisible operators, BOM, soft hyphen, combining grapheme joiner, Arabic letter
# mark, Mongolian vowel separator, variation selectors. Never data: removed from every text cell and
# header. The same set as customer.canonical_key's (SQL, for keys); a test holds the two equal.
INVISIBLE_CHARACTERS = (
    "\u00ad\u034f\u061c\u180e"
    + "".join(map(chr, range(0x200B, 0x2010)))
    + "".join(map(chr, range(0x202A, 0x202F)))
    + "".join(map(chr, range(0x2060, 0x2065)))
    + "".join(map(chr, range(0x2066, 0x206A)))
    + "".join(map(chr, range(0xFE00, 0xFE10)))
    + "\ufeff"
)
INVISIBLE = dict.fromkeys(map(ord, INVISIBLE_CHARACTERS))  # for str.translate
