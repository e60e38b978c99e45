"""Problems an import reports: whole-file errors, per-cell errors, and unreadable formula cells."""
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Optional

# A float at or beyond this size is written in exponent form (1e+16) by the file and by Python alike; as an
# int it would be named by every one of its digits (1e308 has 309). Below it Python writes every digit and a
# ".0" (2000000000000000.0): a whole number is named as an int.
WHOLE_AS_DIGITS_BELOW = 1e16


def as_shown(value):
    """A cell's value as the file shows it: a whole number a workbook keeps as a float (200.0) is 200; a
    huge one (1e308) stays in its exponent form rather than hundreds of digits."""
    if isinstance(value, float) and value.is_integer() and abs(value) < WHOLE_AS_DIGITS_BELOW:
        return int(value)
    return value


class ImportFileError(Exception):
    """A problem with the whole file. `message` says what is wrong, `hint` what to do about it;
    str(error) gives both. `format`: the layout, when the file was recognised before it was refused."""

    def __init__(self, message: str, hint: Optional[str] = None, format: Optional[str] = None):  # noqa: A002
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.format = format  # the layout the file was read as, when it was known before the refusal

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


@dataclass
class CellError:
    """A bad value in one cell: `row` is the 1-based spreadsheet row, `column` its header or letter."""

    row: int
    column: Optional[str]
    value: object
    message: str

    def as_dict(self) -> dict:
        value = self.value
        if isinstance(value, (date, datetime, time, timedelta)):
            value = value.isoformat() if hasattr(value, "isoformat") else str(value)
        elif value is not None and not isinstance(value, (str, int, float, bool)):
            value = str(value)
        return {"row": self.row, "column": self.column, "value": value, "message": self.message}


@dataclass(frozen=True)
class SpreadsheetError:
    """The raw value of an xlsx cell holding a spreadsheet error (#DIV/0!, #REF!, #N/A ...), which the
    workbook parser reads as an empty cell. Every normalizer rejects it, naming the error."""

    error: str
    cell: str = ""

    def __str__(self) -> str:
        return self.error

    @property
    def message(self) -> str:
        return f"the cell holds the spreadsheet error {self.error}, not a value"


@dataclass(frozen=True)
class UncachedFormula:
    """The raw value of an xlsx formula cell whose file stores no calculated result (files written
    by openpyxl and similar libraries). Every normalizer rejects it with a message for that cell."""

    formula: str
    cell: str = ""

    def __str__(self) -> str:
        return "=" + self.formula

    @property
    def message(self) -> str:
        return (f"the formula ={self.formula} has no saved result (the file was written by a program that "
                "does not calculate formulas); open the file in Excel or LibreOffice, save it, and upload it again")


@dataclass(frozen=True)
class AmbiguousNumber:
    """A cell such as "1,234" (or, where semicolons separate the columns, "1.234": one separator before
    exactly three digits) in a CSV file whose columns are separated by semicolons or tabs: files written
    that way (Excel in most of Europe) use the comma as the decimal point and the point between
    thousands, others the other way round. Read as text it is the text; as a number it is refused, with
    a message for that cell, rather than guessed (importers.readers says which cells)."""

    text: str

    def __str__(self) -> str:
        return self.text

    @property
    def message(self) -> str:
        text = self.text.strip()
        mark = "comma" if "," in text else "point"
        whole = text.replace(",", "").replace(".", "")
        decimal = text.replace(",", ".")
        # a fourth decimal: no thousands separator is followed by four digits, so it reads one way only
        longer = re.sub(r"\.(\d{3})", r".\g<1>0", decimal)
        where = "semicolons or tabs" if mark == "comma" else "semicolons"
        return (f"{self.text!r} is ambiguous in a file separated by {where}: the {mark} may be a "
                f"decimal point ({decimal}) or a thousands separator ({whole}); write {whole} for the whole "
                f"number, or {longer} for the decimal, which read one way only (or save the file as .xlsx)")
