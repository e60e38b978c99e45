"""Form fields the forms share. `WholeNumberField` is WTForms' IntegerField that refuses a number
too large to be any count, version or rating here (WTForms' NumberRange reads the value as a float,
and a 400-digit number overflowed it into a 500); the message quotes the value, shortened. A value
typed that is no whole number gets that one message: the validators after it (a range) are not run
on the nothing it read, which added "Number must be between 1 and 5" to "Not a valid integer value";
an empty one still goes to them (Optional: no value; InputRequired: required).

`whole_number` is the rule itself, which the REST API's integer query parameters follow too
(scorecard.api.schemas.WholeNumber); `counting_number` reads a page or an id from a page's address."""
import re
import unicodedata

from wtforms import IntegerField
from wtforms.validators import NumberRange, StopValidation

LARGEST = 2**31 - 1  # what an INTEGER column holds on PostgreSQL; every whole number a form takes is below it
DIGITS = re.compile("[0-9]+")  # not \d, which is every script's digits
DECIMAL = re.compile(r"[0-9]*\.[0-9]+|[0-9]+\.")  # "1.5", ".5", "2.": the digits 0-9, with a point


def whole_number(text: str, taker: str = "field", takes: str = "a whole number of 0 or more",
                 most: int = LARGEST) -> int:
    """`text` as a whole number written with the digits 0-9 alone, at most LARGEST; else a ValueError
    naming it, and what a `taker` ("field", "parameter") takes. Python's int() reads more than anyone
    types as a number here: digits of other scripts ("٣" Arabic-Indic, "５" fullwidth), "1_0", "+3",
    " 3 ". No whole number taken here is negative (ids, counts, pages, versions, ratings, years, days),
    so a sign is refused too. One beyond LARGEST (`most`, the largest this taker takes, when less) is said
    to be beyond it: page=99999999999999999999 was told of 2,147,483,647 where pages go to 1,000,000."""
    shown = text if len(text) <= 20 else f"{text[:20]}..."
    if text[:1] in ("-", "+") and DIGITS.fullmatch(text[1:]):
        raise ValueError(f"{shown!r} is not a number this {taker} takes: it takes {takes}, written without a sign")
    if DECIMAL.fullmatch(text):  # written with the digits 0-9 already: telling them to was no help
        raise ValueError(f"{shown!r} is not a number this {taker} takes: it takes {takes}, written without a "
                         "decimal point")
    if not DIGITS.fullmatch(text):
        raise ValueError(f"{shown!r} is not a number this {taker} takes: write it with the digits 0-9")
    if len(text.lstrip("0")) > len(str(LARGEST)) or int(text) > LARGEST:  # no int() of thousands of digits
        if most < LARGEST:
            raise ValueError(f"{shown!r} is not a number this {taker} takes: it takes {takes}")
        raise ValueError(f"{shown!r} is not a number this {taker} takes: it is larger than {LARGEST:,}")
    return int(text)


def other_script_digit(text: str) -> str:
    """The first digit of `text` that is not one of 0-9 ("٣" Arabic-Indic, "５" fullwidth), or "": Python
    reads many of them as 0-9 (int(), date parsing), where every way in refuses them by name."""
    return next((ch for ch in text if ch.isdecimal() and not ch.isascii()), "")


def script_of(digit: str) -> str:
    """The script a digit is written in, for a message: "Fullwidth", "Arabic-Indic"."""
    return unicodedata.name(digit, "").rsplit(" DIGIT ", 1)[0].title() or "another script's"


def counting_number(text: str, digits: int = 9) -> int | None:
    """`text` as a whole number from 1 written with the digits 0-9 alone, at most `digits` of them (a page or
    an id in a page's address), else None: the caller says what it could not read, in its own words."""
    if DIGITS.fullmatch(text) and len(text) <= digits and int(text) >= 1:  # not isdigit(), which "²" passes
        return int(text)
    return None


class WholeNumberField(IntegerField):
    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)  # WTForms' own message for what int() cannot read either ("abc")
        if valuelist and isinstance(valuelist[0], str) and self.data is not None:  # none sent: the object's kept
            try:
                self.data = whole_number(valuelist[0].strip(), takes=self._takes(),  # spaces around it: no part
                                         most=self._most())
            except ValueError:
                self.data = None
                raise

    def _takes(self) -> str:
        """What the field takes, from its range ("a whole number from 1 to 5"): a rating of "-1" was told the
        field takes "a whole number of 0 or more", and 0 was then refused too."""
        for check in self.validators:
            if isinstance(check, NumberRange) and check.min is not None:
                if check.max is not None:
                    return f"a whole number from {check.min} to {check.max}"
                return f"a whole number of {check.min} or more"
        return "a whole number of 0 or more"

    def _most(self) -> int:
        """The largest number the field takes (its range's top, else LARGEST)."""
        return min([LARGEST] + [int(check.max) for check in self.validators
                                if isinstance(check, NumberRange) and check.max is not None])

    def pre_validate(self, form):
        # A value typed that is no whole number this field takes is said once. An empty one is left to the
        # validators (Optional clears it, InputRequired says it is required), spaces alone too.
        if not self.process_errors:
            return
        if self.raw_data and str(self.raw_data[0]).strip():
            raise StopValidation()
        if self.flags.required:  # InputRequired takes spaces for a value: it is not one
            self.errors.clear()
            raise StopValidation(self.gettext("This field is required."))
