"""Cell value normalizers: each takes a raw value and returns a clean one, None, or raises ValueError(message)."""
import math
import re
import unicodedata
from datetime import date, datetime, time, timedelta
from numbers import Real
from typing import Optional

from importers.errors import AmbiguousNumber, SpreadsheetError, UncachedFormula
from scorecard.fields import other_script_digit, script_of
from scorecard.spreadsheets import MISSING_WORDS, means_no_value, unneutralized
from scorecard.text import (
    bidi_problem,
    line_breaks,
    look_alike_letter,
    look_alike_message,
    unkept_character,
    visible,
    words,
)

MISSING = MISSING_WORDS
EXCEL_ERRORS = frozenset({"#div/0!", "#value!", "#ref!", "#name?", "#num!", "#null!", "#spill!", "#calc!",
                          "#getting_data"})
# "85 %" with a space or the non-breaking one (U+00A0, U+202F) a French-locale Excel or a pasted report puts there
_DIGITS = (r"(?P<body>\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)"
           "(?P<pct>[\\s\u00a0\u202f]?%)?")
# ASCII: in a text pattern \d is any script's digit, and float() and int() read "١٢٣" as 123 (`_digits_of_0_to_9`)
_NUMBER = re.compile(r"(?P<sign>[-+])?\$?(?P<sign2>[-+])?" + _DIGITS, re.ASCII)
_INT = re.compile(r"[-+]?\d+", re.ASCII)
# European spellings: "4,5", "1.234,5", "12,5 %", "(1.234,50)" -- a comma for decimals, points or spaces for thousands
_DECIMAL_COMMA = re.compile(r"\(?[-+]?\$?(?:\d{1,3}(?:[. \u00a0]\d{3})+|\d+),\d+\s?%?\)?")
_TRUE = frozenset({"true", "t", "yes", "y", "1", "x"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})
_DATE_FORMATS = ("%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y", "%Y/%m/%d", "%b %d, %Y", "%B %d, %Y", "%d-%b-%Y",
                 "%d %b %Y", "%d %B %Y", "%Y%m%d")
EXCEL_EPOCH = date(1899, 12, 30)


def is_missing(raw) -> bool:
    """None, or a text that means "no value": "", N/A, NA, No Data, #N/A, -, em dash, null, None."""
    return raw is None or (isinstance(raw, str) and means_no_value(raw))


def _present(raw):
    """Raise for a formula cell without a stored result or a cell holding a spreadsheet error; None
    for a missing value; else the value."""
    if isinstance(raw, (UncachedFormula, SpreadsheetError)):
        raise ValueError(raw.message)
    return None if is_missing(raw) else raw


def _excel_error(text: str) -> None:
    if text.strip().casefold() in EXCEL_ERRORS:
        raise ValueError(f"the cell holds the spreadsheet error {text.strip()}, not a value")


def _digits_of_0_to_9(text: str) -> None:
    """Refuse a number written with another script's digits ("١٢٣" Arabic-Indic, "１２３" fullwidth):
    Python reads some as 123 and not others ("١٢٣٫٥"), and the web forms refuse them all by name
    (scorecard.fields.WholeNumberField), so a file is held to the same."""
    other = other_script_digit(text)
    if other:
        raise ValueError(f"{text!r} is written with digits of another script ({script_of(other)}); write the number "
                         "with the digits 0-9")


def _unseen_character(text: str) -> str:
    """Why a text that looks like a number to its reader is none: an invisible character in it (a zero-width
    space or a byte-order mark pasted from a web page), or a dash that is not the minus sign ("\u2212 5",
    "\u2013 5" from a word processor). "" when it holds neither."""
    for at, character in enumerate(text, start=1):
        code, name = f"U+{ord(character):04X}", unicodedata.name(character, "").lower()
        if unicodedata.category(character) in ("Cf", "Cc"):
            return (f": character {at} is an invisible {name or 'character'} ({code}), which the cell shows as "
                    "nothing; delete it")
        if character.isspace() and not character.isascii():  # a no-break or thin space: drawn as a space
            return (f": character {at} is a {name or 'space'} ({code}), which the cell shows as a space (a "
                    "thousands separator in some languages); a number is written without spaces: delete it")
        if character != "-" and (unicodedata.category(character) == "Pd" or character == "\u2212"):
            return (f": its {character} ({name}, {code}) is not the hyphen-minus a number is written with; write - "
                    "for a negative number")
    return ""


def to_number(raw):
    """A float from a number or a text such as "1,234.5", "9707552.0", "$1,200", "(1,200)" (accounting
    negative), "-5" or "85%". A percentage stays in percent units: "85%" -> 85.0, not 0.85 (A-11 values
    are published as percentages). True/false, dates, NaN and infinities are refused."""
    raw = _present(raw)
    if raw is None:
        return None
    if isinstance(raw, AmbiguousNumber):
        raise ValueError(raw.message)
    if isinstance(raw, bool):
        raise ValueError(f"expected a number, not the true/false value {raw}")
    if isinstance(raw, Real):
        value = float(raw)
    elif isinstance(raw, (date, time, timedelta)):
        raise ValueError(f"expected a number, not the date or time {raw}")
    else:
        text = str(raw).strip()
        _excel_error(text)
        _digits_of_0_to_9(text)
        negative = text.startswith("(") and text.endswith(")")
        match = _NUMBER.fullmatch(text[1:-1].strip() if negative else text)
        if not match or (match["sign"] and match["sign2"]):
            hint = (" (use a point for decimals and no thousands separator, as in 1234.5)"
                    if _DECIMAL_COMMA.fullmatch(text) else _unseen_character(text))
            raise ValueError(f"{text!r} is not a number{hint}")
        value = float(match["body"].replace(",", ""))
        if negative or "-" in (match["sign"] or "", match["sign2"] or ""):
            value = -value
    if not math.isfinite(value):
        raise ValueError(f"{raw!r} is not a finite number")
    return value


def to_int(raw):
    """A whole number: 12, 12.0, "12", "12.0" and "1,200" are fine; "12.5" and "12%" are not. Negative
    numbers pass (range checks belong to the validator)."""
    raw = _present(raw)
    if raw is None:
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        text = raw.strip()
        _digits_of_0_to_9(text)
        if _INT.fullmatch(text):
            return int(text)
        if text.endswith("%"):
            raise ValueError(f"{text!r} is a percentage, not a whole number")
    value = to_number(raw)
    if not value.is_integer():
        raise ValueError(f"{raw!r} is not a whole number")
    return int(value)


def to_text(raw):
    """Text trimmed at both ends (inside spacing kept), None when missing. Numbers from a workbook read
    as written: 2129.0 -> "2129". The apostrophe an export puts before a formula-like text
    (scorecard.spreadsheets.neutralize_formula) is taken off again (`unneutralized`), as a spreadsheet
    reads it: what was stored comes back as it was, so importing an unedited download changes nothing."""
    raw = _present(raw)
    if raw is None:
        return None
    if isinstance(raw, bool):
        text = "TRUE" if raw else "FALSE"
    elif isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    elif isinstance(raw, (date, time)):
        text = raw.isoformat(sep=" ") if isinstance(raw, datetime) else raw.isoformat()
    else:
        # Checked before it is trimmed: str.strip() takes U+0085 and U+001C to U+001F for spaces, so one at
        # either end was dropped unsaid where the web forms and the API refuse it.
        text = line_breaks(str(raw))
        code = unkept_character(text)  # a NUL (xlsx "_x0000_"), an unpaired surrogate: no column keeps it
        if code:
            raise ValueError(f"the text holds {words(code)}, which cannot be kept; remove it")
        code = bidi_problem(text)  # refused as the web forms refuse it (scorecard.text)
        if code:
            raise ValueError(f"the text holds a hidden text-direction character ({code}); remove it")
        text = text.strip()
        if not text:
            return None
        text = unneutralized(text)
    return text


def to_name(raw):
    """A text that names a survey or an organisation (a program, a channel, a touchpoint): `to_text`
    without the characters that draw nothing and mean nothing (scorecard.text.visible), so names
    that look the same are the same."""
    text = to_text(raw)
    if text:
        refuse_look_alikes(text)
    return visible(text).strip() or None if text else text


def refuse_look_alikes(text: str) -> None:
    """ValueError naming the letter when a word of `text` has a Cyrillic or Greek letter among Latin ones
    (scorecard.text.look_alike_letter): a name spelt so draws as the name it copies and is another."""
    letter = look_alike_letter(text)
    if letter is not None:
        raise ValueError(look_alike_message(text, letter))


def to_bool(raw):
    """True/False from booleans, 1/0, or the texts true/false, yes/no, y/n, t/f, x (checked), 1/0."""
    raw = _present(raw)
    if raw is None:
        return None
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, Real) and raw in (0, 1):
        return bool(raw)
    text = str(raw).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{raw!r} is not a yes/no value (use TRUE or FALSE)")


def to_date(raw):
    """A date from a date or datetime, an Excel serial number (1900 system; 45000 -> 2023-03-15), an ISO
    text ("2023-03-15", with or without a time), a US text (3/15/2023, 3/15/23) or "Mar 15, 2023"."""
    raw = _present(raw)
    if raw is None:
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, bool):
        raise ValueError(f"expected a date, not the true/false value {raw}")
    if isinstance(raw, Real):
        return _serial_date(float(raw))
    text = str(raw).strip()
    _excel_error(text)
    _digits_of_0_to_9(text)
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return _serial_date(float(text))
    try:
        return datetime.fromisoformat(text.replace("/", "-") if re.match(r"\d{4}/", text) else text).date()
    except ValueError:
        pass
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD or MM/DD/YYYY)")


def _serial_date(serial: float) -> date:
    if not math.isfinite(serial) or not 1 <= serial < 2958466 or int(serial) == 60:
        raise ValueError(f"{serial:g} is not a valid Excel date number")
    days = int(serial)
    return date(1899, 12, 31) + timedelta(days=days) if days < 60 else EXCEL_EPOCH + timedelta(days=days)


def value_mark(raw) -> Optional[str]:
    """"%" for a value written as a percent ("12%"), "$" for one written as money ("$5", "($1,200)"); the
    sink checks the mark against the metric (12% of a wait in minutes is a mistake, not 12 minutes)."""
    if not isinstance(raw, str):
        return None
    text = raw.strip().strip("()").strip()
    return "%" if text.endswith("%") else "$" if text.lstrip("+-").lstrip().startswith("$") else None
