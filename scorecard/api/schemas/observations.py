"""The observations' schemas: a stored observation, the rows a POST brings in, and an import's summary."""

import marshmallow as ma
from marshmallow import fields, validate

from scorecard.api.schemas.common import (
    ID,
    UPDATED_SINCE,
    BodyNumber,
    BodyWholeNumber,
    Filter,
    MetricCode,
    Moment,
    PageArgs,
    Period,
    ProblemItemSchema,
    Schema,
    Text,
    WholeNumber,
)
from scorecard.models import (
    Driver,
)
from scorecard.models.metrics import CHANNEL_MAX, MAX_COUNT, MAX_MAGNITUDE, NOTE_MAX, TOUCHPOINT_MAX
from scorecard.spreadsheets import means_no_value


class MetricRef(Schema):
    id = WholeNumber()
    code = Text()
    driver = fields.Enum(Driver, by_value=True, allow_none=True)


class ObservationSchema(Schema):
    id = WholeNumber()
    metric = fields.Nested(MetricRef)
    agency_id = WholeNumber()
    component_id = WholeNumber(allow_none=True)
    program_id = WholeNumber(allow_none=True)
    function_id = WholeNumber(allow_none=True)
    period = Text()
    channel = Text()
    touchpoint = Text()
    value = fields.Float(allow_none=True)
    n = WholeNumber(allow_none=True)
    count_1 = WholeNumber(allow_none=True)
    count_2 = WholeNumber(allow_none=True)
    count_3 = WholeNumber(allow_none=True)
    count_4 = WholeNumber(allow_none=True)
    count_5 = WholeNumber(allow_none=True)
    question_text = Text(allow_none=True)
    non_standard_wording = fields.Boolean()
    notes = Text(allow_none=True)
    import_batch_id = WholeNumber(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class ObservationArgs(PageArgs):
    program_id = WholeNumber(**ID)
    function_id = WholeNumber(**ID)
    metric = MetricCode(validate=validate.Length(max=64),
                    metadata={"description": "A metric's code, e.g. trust (422 when no metric has it)."})
    period_from = Period(metadata={"description": "First fiscal quarter, e.g. FY2025-Q1."})
    period_to = Period(metadata={"description": "Last fiscal quarter, e.g. FY2025-Q4."})
    channel = Filter(validate=validate.Length(max=64), metadata={
        "description": "A channel as imported (any case; spaces or underscores alike), e.g. web; empty (channel=) "
                       "for the rows recorded without one."})
    import_batch_id = WholeNumber(**ID)
    updated_since = Moment(**UPDATED_SINCE)

    @ma.validates_schema
    def in_order(self, data, **_):
        """A range that ends before it begins is refused, naming both: it matched nothing, and an empty page
        read as "no results in those quarters"."""
        first, last = data.get("period_from"), data.get("period_to")
        if first and last and str(first) > str(last):
            raise ma.ValidationError({"period_to": [f"{last} is before period_from, {first}"]})


def _count():
    return BodyWholeNumber(allow_none=True, validate=validate.Range(min=0, max=MAX_COUNT))


def _text(size: int, **kwargs):
    return Text(allow_none=True, validate=validate.Length(max=size), **kwargs)


ROWS_MAX = 50_000  # rows of one POST /api/v1/observations
COUNTS = [f"count_{k}" for k in range(1, 6)]


class ObservationRowSchema(Schema):
    """One row of the canonical `metrics` layout (README, "Importing data"), as JSON."""

    class Meta:
        ordered = True
        unknown = ma.RAISE
        # what the import asks of a row as a whole (importers: canonical_records), documented (api.base.RowRules)
        json_schema = {"allOf": [
            {"oneOf": [{"required": [name], "properties": {name: {"type": "string", "pattern": r"\S"}}}
                       for name in ("program", "function")]},
            {"anyOf": [{"required": [name], "properties": {name: {"type": "number" if name == "value" else "integer"}}}
                       for name in ("value", *COUNTS)]}]}

    @ma.validates_schema
    def no_words_for_none(self, data, **_):
        """A text a file's cell would mean "no value" by ("N/A", "none", "-") is refused: the rows are
        imported as a file, which would read it as none, and in JSON null says that (a touchpoint sent as
        "N/A" was stored as none, and a second row then read as the first one's duplicate)."""
        refused = {key: [f"{value!r} is read as no value, as in a file; send null, or leave the key out, for none"]
                   for key, value in data.items() if isinstance(value, str) and value.strip() and means_no_value(value)}
        if refused:
            raise ma.ValidationError(refused)

    @ma.pre_load(pass_collection=True)
    def at_most(self, data, many, **_):
        """A body of more rows than one request takes is refused before any row is read (read first, a
        body of millions of rows held a server thread for minutes)."""
        if many and isinstance(data, list) and len(data) > ROWS_MAX:
            from scorecard.api.problems import ApiProblem
            raise ApiProblem(413, f"At most {ROWS_MAX:,} rows in one request, not {len(data):,}; split them, or "
                                  "upload a file to /api/v1/imports.")
        return data

    # For a body that is not an array, or an item of it that is not an object (marshmallow: "Invalid input type.")
    error_messages = {"type": "The body is a JSON array of rows, each an object with the metrics layout's columns."}

    agency = _text(200)
    component = _text(200)
    program = _text(300, metadata={"description": "A program's name or code; a row names a program or a function."})
    function = _text(200)
    metric = Text(required=True, validate=validate.Length(min=1, max=200))
    driver = _text(64)
    period = Text(required=True, validate=validate.Length(min=1, max=64),
                           metadata={"description": "A fiscal quarter, e.g. FY2025-Q1."})
    channel = _text(CHANNEL_MAX)
    touchpoint = _text(TOUCHPOINT_MAX)
    # The size every metric's range stays within, documented; the import checks the metric's own range
    # (a 1-5 mean, a percent ...), naming it.
    value = BodyNumber(allow_none=True, allow_nan=False, metadata={
        "minimum": -MAX_MAGNITUDE, "maximum": MAX_MAGNITUDE,
        "description": "Within the metric's own range: 1-5 for a survey mean, 0-100 for a percent ..."})
    n = _count()
    count_1 = _count()
    count_2 = _count()
    count_3 = _count()
    count_4 = _count()
    count_5 = _count()
    question_text = _text(NOTE_MAX)
    notes = _text(NOTE_MAX)


class DryRunArgs(Schema):
    dry_run = fields.Boolean(load_default=False, metadata={"description": "Validate and plan; write nothing."})


class DriverNoteSchema(Schema):
    row = WholeNumber(allow_none=True)
    program = Text(allow_none=True)
    period = Text(allow_none=True)
    channel = Text(allow_none=True)
    slot = WholeNumber(allow_none=True)
    driver = Text(allow_none=True)
    note = Text(allow_none=True)
    question = Text(allow_none=True)


class ImportSummarySchema(Schema):
    """What the import pipeline did (or, in a dry run, would do) with the rows."""

    batch = WholeNumber(allow_none=True)
    format = Text(allow_none=True)
    status = Text(metadata={"description": "imported, would_import or duplicate"})
    inserted = WholeNumber()
    updated = WholeNumber()
    unchanged = WholeNumber()
    removed = WholeNumber(metadata={"description": "Stored rows taken away: a touchpoint's figures that its new "
                                                   "Touchpoints export no longer gives."})
    rejected = WholeNumber()
    errors = fields.List(fields.Nested(ProblemItemSchema))
    message = Text()
    driver_notes = fields.List(fields.Dict())
    placements = fields.List(Text())
    created = fields.Dict(keys=Text(), values=WholeNumber())
    unknown_columns = fields.List(Text())
    warnings = fields.List(Text(), metadata={"description": "What the importer noticed and imported anyway; a posted "
                                                            "row is named as its item, counting from 1."})
