"""The API schemas' shared pieces: the base schema, the field types every resource uses (whole
numbers, texts a column can keep, periods), problem details and the page envelope."""
import re
from datetime import UTC, datetime
from functools import cache
from typing import Optional

import marshmallow as ma
import sqlalchemy as sa
from marshmallow import fields, validate

from scorecard import periods
from scorecard.extensions import db
from scorecard.fields import LARGEST, whole_number
from scorecard.models import Component, Function, Metric
from scorecard.periods import PLANNED_YEARS, PeriodError, parse_period
from scorecard.text import bidi_problem, line_breaks, name_key, unkept_character, words

MAX_PAGE_SIZE = 500
ID = {"validate": validate.Range(min=1, max=2**31 - 1)}


class Schema(ma.Schema):
    class Meta:
        ordered = True

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        """A field left out, or a text of a length it does not take, is named in its message ("Missing data for
        required field." and "Longer than maximum length 10000." named nothing a client reading the message
        alone could act on)."""
        name = field_obj.data_key or field_name
        field_obj.error_messages = {**field_obj.error_messages, "required": f"{name} is required and was not sent."}
        if isinstance(field_obj, fields.String):
            for validator in field_obj.validators:
                if isinstance(validator, validate.Length) and validator.error is None:
                    validator.error = _length_words(name, validator)


def _length_words(name: str, length: validate.Length) -> str:
    """A text's length refused, in words naming the field and its limits (marshmallow fills in the numbers)."""
    if length.equal is not None:
        return f"{name} is {{equal:,}} characters long, no more and no fewer."
    if length.min in (None, 0):
        return f"{name} is longer than {{max:,}} characters: it is at most {{max:,}}."
    if length.max is None:
        return f"{name} is shorter than {{min:,}} characters: it is at least {{min:,}}."
    return f"{name} takes {{min:,}} to {{max:,}} characters."


# ----------------------------------------------------------------------------- shared pieces

# A text the API takes holds no character a text column cannot keep, nor a hidden text-direction
# control (scorecard.text; the web forms refuse them too, and a stored one would block every later web
# edit of the record): its document says so as every string's pattern, so a client (and Schemathesis)
# knows such a text is refused (422). An unpaired surrogate (sent as a JSON escape, "\ud800") is refused
# too, by its own check: a pattern naming that range is one Schemathesis cannot use, and it then sent
# texts with control characters as valid ones.
KEPT_PATTERN = r"^[^\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]*$"
SURROGATES = re.compile(r"[\ud800-\udfff]")


class WholeNumber(fields.Integer):
    """An integer (a count, an id) that refuses a fraction, which marshmallow's Integer would cut (2.7
    read as 2); a whole number sent as 12.0 is 12. Sent as text (a query parameter), it is the digits 0-9
    alone, as the web forms take it (scorecard.fields.whole_number): marshmallow reads it with int(), which
    took "1_0" as 10, "+3", " 3 " and other scripts' digits ("５", "١") too."""

    default_error_messages = {"fraction": "Not a whole number: {input} was sent."}

    def _validated(self, value):
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("fraction", input=value)
        if isinstance(value, str):
            try:
                value = whole_number(value, "parameter", takes=self._takes(), most=self._most())
            except ValueError as error:
                raise ma.ValidationError(str(error)) from None
        return super()._validated(value)

    def _takes(self) -> str:
        """What the parameter takes, from its range ("a whole number from 1 to 1,000,000"): page=-1 was told it
        takes "a whole number of 0 or more", and page=0 was then refused too."""
        for check in self.validators:
            if isinstance(check, Within):
                return check.takes
            if isinstance(check, validate.Range) and check.min is not None:
                return whole_numbers(check.min, check.max)
        return whole_numbers(0)


    def _most(self) -> int:
        """The largest number the parameter takes (its range's top, else scorecard.fields.LARGEST)."""
        return min([LARGEST] + [check.max for check in self.validators
                                if isinstance(check, validate.Range) and check.max is not None])


def whole_numbers(low: int, high: int | None = None) -> str:
    """The whole numbers a parameter takes, in words: "a whole number from 1 to 1,000,000", "... of 0 or more"."""
    return f"a whole number from {low:,} to {high:,}" if high is not None else f"a whole number of {low:,} or more"


class _JsonNumber:
    """A number in a JSON body: sent as a string ("10"), it is refused as its document's `type` says (a
    query parameter, always text, is read by the plain fields)."""

    default_error_messages = {"text": "A number is sent as a JSON number, not a string: {input!r} was sent."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            raise self.make_error("text", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


class BodyWholeNumber(_JsonNumber, WholeNumber):
    """A whole number in a JSON body."""


class BodyNumber(_JsonNumber, fields.Float):
    """A number in a JSON body."""


class Filter(fields.String):
    """A query parameter's text: one holding such a character matches nothing stored (the parser
    reads it so: scorecard.api.base), so it is no error and its document states no pattern."""


def metric_with_code(session, code: str) -> Optional[Metric]:
    """The metric a parameter names by its code, compared as an import compares it (text.name_key:
    "TRUST" is `trust`); None when no metric has it."""
    key = name_key(code)
    return next((m for m in session.scalars(sa.select(Metric)) if name_key(m.code) == key), None)


def function_with_code(session, code: str) -> Optional[Function]:
    """The C-suite function a parameter names by its code, in any case ("cfo" is CFO); None when none has it."""
    return session.scalar(sa.select(Function).where(sa.func.upper(Function.code) == code.strip().upper()))


def component_with_code(session, code: str) -> Optional[Component]:
    """The component a parameter names by its code, in any case ("dps-ba" is DPS-BA); None when none has it."""
    return session.scalar(sa.select(Component).where(sa.func.upper(Component.code) == code.strip().upper())
                          .order_by(Component.id).limit(1))


def no_metric_words(code: str) -> str:
    return f"There is no metric with the code {code!r}; GET /api/v1/metrics lists them."


def no_function_words(code: str) -> str:
    return f"There is no function with the code {code!r}; GET /api/v1/functions lists them."


def no_component_words(code: str) -> str:
    return f"There is no component with the code {code!r}; GET /api/v1/components lists them."


class KnownCode(Filter):
    """A record's code (a filter: empty is none); a code no such record has is refused in the same 422 as
    the other parameters' errors, each named at once (checked after the query was read, it came alone, and
    only once the others were put right): an empty page read as "none of them", of a code mistyped. A
    subclass names how the record is found and what is said of a code none has."""

    find = staticmethod(metric_with_code)
    unknown = staticmethod(no_metric_words)

    def __init__(self, *, validate=None, **kwargs):
        others = [] if validate is None else list(validate) if isinstance(validate, (list, tuple)) else [validate]
        super().__init__(validate=[*others, self._known], **kwargs)

    def _known(self, code: str) -> None:
        if code and self.find(db.session, code) is None:
            raise ma.ValidationError(self.unknown(code))


class MetricCode(KnownCode):
    """A metric's code."""


class FunctionCode(KnownCode):
    """A C-suite function's code, in any case."""

    find = staticmethod(function_with_code)
    unknown = staticmethod(no_function_words)


class ComponentCode(KnownCode):
    """A component's code, in any case."""

    find = staticmethod(component_with_code)
    unknown = staticmethod(no_component_words)


class Text(fields.String):
    """A string without a NUL, an unpaired surrogate or a text-direction control (scorecard.text), and
    its other checks; Word's line and page breaks read as line breaks (scorecard.text.line_breaks)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return line_breaks(super()._deserialize(value, attr, data, **kwargs))

    def __init__(self, *args, validate=None, **kwargs):
        others = [] if validate is None else list(validate) if isinstance(validate, (list, tuple)) else [validate]
        super().__init__(*args, validate=[_Kept(KEPT_PATTERN), _paired, *others], **kwargs)


UNKEPT = ("The text holds a control character (a NUL, U+0001 to U+001F but tab and line and page breaks, DEL "
          "or U+0080 to U+009F), an unpaired surrogate or a hidden text-direction character, which cannot be kept.")


def unkept_words(text: str) -> str:
    """Why `text` cannot be kept, naming the character as the web forms do ("a hidden text-direction
    character (U+202E)"); UNKEPT, which lists them all, when none is found."""
    code = bidi_problem(text)
    if code:
        return f"The text holds a hidden text-direction character ({code}), which cannot be kept: remove it."
    code = unkept_character(text)
    return f"The text holds {words(code)}, which cannot be kept: remove it." if code else UNKEPT


class _Kept(validate.Regexp):
    """KEPT_PATTERN (documented as the string's pattern), its refusal naming the character found."""

    def __call__(self, value):
        if self.regex.match(value) is None:
            raise ma.ValidationError(unkept_words(value))
        return value


def _paired(text: str) -> None:
    """No unpaired surrogate (KEPT_PATTERN's comment): checked apart from the pattern documented."""
    if SURROGATES.search(text):
        raise ma.ValidationError(unkept_words(text))


PERIOD_PATTERN = r"^FY(19\d\d|20\d\d|21\d\d|2200)-Q[1-4]$"


class Period(fields.String):
    """A fiscal quarter in its canonical spelling, FY2025-Q1 (machines get one spelling; the import
    files take every spelling analysts use). The spelling is checked as sent: the validator (which
    documents the pattern) sees the text read, and every spelling reads as the canonical one, so
    "2025-01" (January, FY2025-Q2) or "Q1 2026" passed as a quarter the document refuses."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Regexp(PERIOD_PATTERN, error="a fiscal quarter such as FY2025-Q1"),
                         **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        shaped = re.fullmatch(r"FY(\d{4})-Q(\d)", text)
        if shaped and not re.fullmatch(PERIOD_PATTERN, text):  # the spelling, of a year or quarter there is none of
            try:
                periods.Period(int(shaped.group(1)), int(shaped.group(2)))
            except PeriodError as error:
                raise ma.ValidationError(f"{text!r} is no fiscal quarter: {error}.") from None
        if not re.fullmatch(PERIOD_PATTERN, text):
            raise ma.ValidationError(f"{text[:64]!r} is not a fiscal quarter written as FY2025-Q1 (the API takes this "
                                     "spelling only).")
        try:
            return str(parse_period(text))
        except PeriodError as error:
            raise ma.ValidationError(str(error)) from None


# A problem's texts are answers, not requests: they name what was sent as it was sent (a key, an address,
# a value holding the very control character refused), so they are plain strings, without KEPT_PATTERN.

class ProblemItemSchema(Schema):
    row = WholeNumber(allow_none=True, metadata={"description": "The row (an item of a JSON array counted from "
                                                                   "1, or a spreadsheet row); null outside rows."})
    column = fields.String(allow_none=True)
    value = fields.Raw(allow_none=True, metadata={"description": "The value sent, as sent; a text longer than "
                                                                 "200 characters is cut there and ends in \"…\"."})
    message = fields.String()


class ProblemSchema(Schema):
    """RFC 9457 problem details; a rejected import adds its summary as extension members."""

    class Meta:
        ordered = True
        unknown = ma.INCLUDE  # extension members (RFC 9457 §3.2)

    type = fields.String(metadata={"description": "A URI reference naming the kind of problem."})
    title = fields.String()
    status = WholeNumber()
    detail = fields.String()
    errors = fields.List(fields.Nested(ProblemItemSchema),
                         metadata={"description": "Each bad value, for data problems."})


class Within(validate.Range):
    """A parameter's range, its refusal in the words a signed or non-digit value gets ("'0' is not a number this
    parameter takes: ..."), not marshmallow's "Must be greater than or equal to 1 and less than or equal to
    1000000."; `takes` says it in other words than a count's (a year is no "2,000")."""

    def __init__(self, low: int, high: int, takes: str | None = None):
        self.takes = takes or whole_numbers(low, high)
        super().__init__(min=low, max=high, error=f"'{{input}}' is not a number this parameter takes: it takes "
                                                   f"{self.takes}")


FISCAL_YEAR = Within(*PLANNED_YEARS, "a year from {} to {}".format(*PLANNED_YEARS))  # the years the product plans for


class PageArgs(Schema):
    page = WholeNumber(load_default=1, validate=Within(1, 1_000_000))
    page_size = WholeNumber(load_default=50, validate=Within(1, MAX_PAGE_SIZE))
    after_id = WholeNumber(validate=Within(0, 2**31 - 1), metadata={"description": (
        "Only the items after this id (a score's: its program's id), `total` counting those too. Paging by the last "
        "id of the page before, rather than by `page`, skips and repeats nothing when rows are added or removed "
        "during a pull (a revert removes its rows: by `page`, those after them moved back across a page's edge "
        "unseen).")})


class Moment(fields.AwareDateTime):
    """A date and time with its offset, as ISO 8601 writes it (2026-12-01T06:00:00Z, or +00:00): read by
    datetime.fromisoformat, which takes every form RFC 3339 gives (marshmallow's own pattern refused an
    offset with seconds). One without an offset is refused, naming what to add: read as UTC or as the
    server's time, it would silently be hours off for a client elsewhere."""

    default_error_messages = {
        "invalid": "{input!r} is not a date and time: write one as ISO 8601 does, with its offset "
                   "(2026-12-01T06:00:00Z).",
        "invalid_awareness": "{input!r} has no offset from UTC: add one (Z for UTC, or -05:00).",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid", input=value)
        try:
            moment = datetime.fromisoformat(value.strip().replace("z", "Z").replace("t", "T"))
        except ValueError:
            raise self.make_error("invalid", input=value) from None
        if moment.tzinfo is None:
            raise self.make_error("invalid_awareness", input=value)
        try:
            return moment.astimezone(UTC)
        except OverflowError:  # 0001-01-01T00:00:00+01:00 is before the first moment a datetime holds: that one
            return (datetime.min if moment.year == datetime.min.year else datetime.max).replace(tzinfo=UTC)


UPDATED_SINCE = {"metadata": {"description": (
    "Only those changed at or after this moment (their `updated_at`, with its offset: 2026-12-01T06:00:00Z): a "
    "sync asks from the latest `updated_at` it holds. Rows a revert removed are no longer listed: `GET "
    "/imports?status=reverted` names the batches reverted, with `reverted_at`.")}}


class PageSchema(Schema):
    page = WholeNumber()
    page_size = WholeNumber()
    total = WholeNumber(metadata={"description": "Items matching the filters on all pages (after `after_id` when "
                                                        "given)."})


@cache
def page_of(item: type[Schema]) -> type[Schema]:
    """The envelope of one page of `item`s: {items, page, page_size, total}."""
    name = item.__name__.removesuffix("Schema") + "PageSchema"
    return type(name, (PageSchema,), {"items": fields.List(fields.Nested(item))})


class Ref(Schema):
    id = WholeNumber()
    code = Text()
    name = Text()
