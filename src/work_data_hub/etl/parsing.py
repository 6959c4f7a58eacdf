"""Cell parsers. Each returns the typed value or raises ValueError with what is wrong."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from work_data_hub.etl.domains import BOOL, DATE, ID, MONTH, NUMBER, RATE, TEXT
from work_data_hub.texts import INVISIBLE

_BLANKS = {"", "-", "—", "--", "null", "NULL", "Null", "None", "nan", "NaN", "NAN"}
# What Excel shows for a formula that failed; a cell holding one is never data.
EXCEL_ERRORS = {
    "#N/A",
    "#DIV/0!",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#NULL!",
    "#GETTING_DATA",
    "#SPILL!",
    "#CALC!",
    "#FIELD!",
    "#BLOCKED!",
    "#UNKNOWN!",
    "#CONNECT!",
    "#BUSY!",
}
_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d*)?[eE][+-]?\d+$")
_DECIMAL_ID = re.compile(r"^[+-]?\d+\.\d*$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_ID_FLOAT_LIMIT = 10**15  # a double holds every integer below this exactly
_MONTH_PATTERNS = (
    re.compile(r"^(\d{4})(\d{2})$"),  # 202601
    re.compile(r"^(\d{4})[-/.](\d{1,2})$"),  # 2026-01, 2026/1
    re.compile(r"^(\d{4})年(\d{1,2})月$"),  # 2026年1月
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.]\d{1,2}(?:[ T][\d:.]+)?$"),  # 2026-01-15 [10:00:00]
    re.compile(r"^(\d{4})年(\d{1,2})月\d{1,2}日$"),  # 2026年1月15日
)
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T][\d:.]+)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_TRUE = {"是", "y", "yes", "true", "1", "有效", "t"}
_FALSE = {"否", "n", "no", "false", "0", "无效", "f"}
_NUMBER_LIMIT = Decimal(10) ** 14  # NUMERIC(18,4)
_RATE_LIMIT = Decimal(10) ** 4  # NUMERIC(10,6)
_FLOAT_LIMIT = float(10**14)


_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")


def _text(value: Any, *, visible: bool = True) -> str | None:
    """The cell as text, trimmed; `visible`: without invisible characters (an id keeps them: SQL
    makes it canonical, customer.canonical_key, and counts what it changed)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores codes typed as numbers as floats
    text = str(value)
    if visible and not text.isascii():
        text = text.translate(INVISIBLE)
    text = text.strip()
    if "\n" in text or "\r" in text:  # a line break typed in the cell (Alt+Enter, a quoted CSV field): a space
        text = _LINE_BREAKS.sub(" ", text)
    if text in _BLANKS:
        return None
    if text in EXCEL_ERRORS:
        raise ValueError("an Excel error value (fix the formula or type the value)")
    return text


def parse_id(value: Any) -> str | None:
    """A code (company_id, 计划代码, 年金计划号): text or a whole number; never what Excel made of a
    long number (6.00000002E+08, 600000002.5)."""
    if isinstance(value, float):
        if not value.is_integer() or abs(value) >= _ID_FLOAT_LIMIT:
            raise ValueError("a number Excel rounded, not a code (format the column as text and export again)")
        return str(int(value))
    text = _text(value, visible=False)
    if text is not None and (_SCIENTIFIC.match(text) or _DECIMAL_ID.match(text)):
        raise ValueError(
            "a number in scientific or decimal notation, not a code "
            "(Excel mangled it: format the column as text and export again)"
        )
    return text


def _excel_serial(value: Any) -> date | None:
    """A date cell that lost its format arrives as Excel's day number (45674 = 2025-01-17)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 20000 <= value < 80000:
        return date.fromordinal(date(1899, 12, 30).toordinal() + int(value))
    return None


_AMBIGUOUS_MONTH = re.compile(r"^\d{4}\.1$")


def parse_month(value: Any) -> date | None:
    if isinstance(value, (datetime, date)):
        return date(value.year, value.month, 1)
    serial = _excel_serial(value)
    if serial is not None:
        return serial.replace(day=1)
    if isinstance(value, float) and not value.is_integer():
        value = repr(value)
    text = _text(value)
    if text is None:
        return None
    if _AMBIGUOUS_MONTH.match(text):
        raise ValueError("ambiguous: Excel shows 2026.10 as 2026.1 (write 202601 or 202610)")
    for pattern in _MONTH_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month = int(match.group(1)), int(match.group(2))
            if 1900 <= year <= 2999 and 1 <= month <= 12:
                return date(year, month, 1)
            break
    raise ValueError("not a month (use 202601, 2026-01, 2026年1月 or a date)")


def parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    serial = _excel_serial(value)
    if serial is not None:
        return serial
    text = _text(value)
    if text is None:
        return None
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                break
    raise ValueError("not a date (use 2026-01-15 or 2026年1月15日)")


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("not a number")
        return Decimal(repr(value))
    text = _text(value)
    if text is None:
        return None
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).replace("\u2212", "-")  # full-width digits and ．, a minus sign
    if " " in text:
        raise ValueError(
            "a number with a space inside: write it without spaces (a space is no thousands separator "
            "here: 6455 5573.07 could be 6455 or 64555573.07)"
        )
    cleaned = text.replace("，", ",")
    if "_" in cleaned:
        raise ValueError("not a number")
    if _UNIT.match(cleaned) or _CURRENCY.match(cleaned):
        raise ValueError(_why_not_a_number(cleaned))
    if _SCIENTIFIC.match(cleaned) and "-" not in cleaned.lower().split("e", 1)[1]:
        raise ValueError(
            "a number in scientific notation typed as text (Excel shows long numbers so, rounded): "
            "format the column as a number with its decimals and export again"
        )
    if cleaned.startswith("(") and cleaned.endswith(")"):
        cleaned = "-" + cleaned[1:-1]  # accounting negative
    if "," in cleaned:
        if not _GROUPED.match(cleaned):
            raise ValueError("not a number (its commas are not thousands separators)")
        cleaned = cleaned.replace(",", "")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(_why_not_a_number(cleaned)) from None
    if not number.is_finite():
        raise ValueError("not a number")
    return number


_UNIT = re.compile(r"^[+-]?[\d.,]+(万元|亿元|元|万|亿|RMB|CNY|rmb|cny)$")
_CURRENCY = re.compile(r"^[+-]?[¥￥$]")


def _why_not_a_number(text: str) -> str:
    """What is wrong with a measure cell, in the user's terms."""
    unit = _UNIT.match(text)
    if unit:
        scale = (
            " (and in 元: the file's amounts are all in 元)" if unit.group(1) in ("万元", "亿元", "万", "亿") else ""
        )
        return f"a number with the unit suffix {unit.group(1)}: write the number alone{scale}"
    if _CURRENCY.match(text):
        return "a number with a currency sign: write the number alone, in 元"
    return "not a number"


def parse_number(value: Any) -> Decimal | float | None:
    if type(value) is float:  # the common case in a workbook: checked, and sent to COPY as it is
        if value != value or not -_FLOAT_LIMIT < value < _FLOAT_LIMIT:
            raise ValueError("not a number" if value != value else "too large for NUMERIC(18,4)")
        return value
    number = _decimal(value)
    if number is not None and abs(number) >= _NUMBER_LIMIT:
        raise ValueError("too large for NUMERIC(18,4)")
    return number


def parse_rate(value: Any) -> Decimal | None:
    text = _text(value) if isinstance(value, str) else None
    if text is not None and text.endswith(("%", "％")):
        number = _decimal(text[:-1])
        number = None if number is None else number / 100
    else:
        number = _decimal(value)
    if number is not None and abs(number) >= _RATE_LIMIT:
        raise ValueError("too large for NUMERIC(10,6)")
    return number


def parse_percent(value: Any) -> Decimal | None:
    """A rate in a column headed (%): 1.35 is 1.35% (0.0135); a cell written 1.35% says so itself."""
    if isinstance(value, str) and value.strip().endswith(("%", "％")):
        return parse_rate(value)
    number = parse_rate(value)
    return None if number is None else number / 100


def parse_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value)
    if text is None:
        return None
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("not yes/no (use 是/否)")


PARSERS = {
    TEXT: _text,
    ID: parse_id,
    MONTH: parse_month,
    DATE: parse_date,
    NUMBER: parse_number,
    RATE: parse_rate,
    BOOL: parse_bool,
}
