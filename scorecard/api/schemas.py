"""marshmallow schemas of the API: what every operation accepts (validated before anything touches
the session) and returns (and so what the OpenAPI document says)."""
import re
from functools import cache

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import fields, validate
from werkzeug.datastructures import FileStorage

from scorecard.commitments.services import MAX_LINK_LENGTH, MAX_LINKS, MAX_TEXT_LENGTH
from scorecard.fields import whole_number
from scorecard.models import (
    CAPACITY_DOMAINS,
    CommitmentStatus,
    Direction,
    Driver,
    MetricKind,
    RuleSubject,
)
from scorecard.models.capacity import CapacityStatus
from scorecard.models.imports import BatchStatus
from scorecard.models.metrics import CHANNEL_MAX, MAX_COUNT, MAX_MAGNITUDE, NOTE_MAX, TOUCHPOINT_MAX
from scorecard.periods import PeriodError, parse_period
from scorecard.spreadsheets import means_no_value
from scorecard.text import line_breaks

MAX_PAGE_SIZE = 500
ID = {"validate": validate.Range(min=1, max=2**31 - 1)}


class Schema(ma.Schema):
    class Meta:
        ordered = True


# ----------------------------------------------------------------------------- shared pieces

# A text the API takes holds no character a text column cannot keep, nor a hidden text-direction
# control (scorecard.text; the web forms refuse them too, and a stored one would block every later web
# edit of the record): its document says so as every string's pattern, so a client (and Schemathesis)
# knows such a text is refused (422). An unpaired surrogate (sent as a JSON escape, "\ud800") is refused
# too, by its own check: a pattern naming that range is one Schemathesis cannot use, and it then sent
# texts with control characters as valid ones.
KEPT_PATTERN = r"^[^\x00-\x08\x0e-\x1f\u202a-\u202e\u2066-\u2069]*$"
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
                value = whole_number(value, "parameter")
            except ValueError as error:
                raise ma.ValidationError(str(error)) from None
        return super()._validated(value)


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


class Text(fields.String):
    """A string without a NUL, an unpaired surrogate or a text-direction control (scorecard.text), and
    its other checks; Word's line and page breaks read as line breaks (scorecard.text.line_breaks)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return line_breaks(super()._deserialize(value, attr, data, **kwargs))

    def __init__(self, *args, validate=None, **kwargs):
        kept = ma.validate.Regexp(KEPT_PATTERN, error=UNKEPT)
        others = [] if validate is None else list(validate) if isinstance(validate, (list, tuple)) else [validate]
        super().__init__(*args, validate=[kept, _paired, *others], **kwargs)


UNKEPT = ("The text holds a control character (a NUL, U+0001 to U+001F but tab and line and page breaks), an "
          "unpaired surrogate or a hidden text-direction character, which cannot be kept.")


def _paired(text: str) -> None:
    """No unpaired surrogate (KEPT_PATTERN's comment): checked apart from the pattern documented."""
    if SURROGATES.search(text):
        raise ma.ValidationError(UNKEPT)


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
    value = fields.Raw(allow_none=True)
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


class PageArgs(Schema):
    page = WholeNumber(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    page_size = WholeNumber(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


class PageSchema(Schema):
    page = WholeNumber()
    page_size = WholeNumber()
    total = WholeNumber(metadata={"description": "Items matching the filters on all pages."})


@cache
def page_of(item: type[Schema]) -> type[Schema]:
    """The envelope of one page of `item`s: {items, page, page_size, total}."""
    name = item.__name__.removesuffix("Schema") + "PageSchema"
    return type(name, (PageSchema,), {"items": fields.List(fields.Nested(item))})


class Ref(Schema):
    id = WholeNumber()
    code = Text()
    name = Text()


# ----------------------------------------------------------------------------- organisation

class AgencySchema(Ref):
    external_id = Text(allow_none=True)


class ComponentSchema(Ref):
    agency = fields.Nested(Ref)
    is_hisp = fields.Boolean()
    external_id = Text(allow_none=True)


class LifeExperienceSchema(Schema):
    id = WholeNumber()
    name = Text()


class ProgramSchema(Ref):
    description = Text(allow_none=True)
    external_id = Text(allow_none=True)
    component = fields.Nested(Ref)
    agency = fields.Nested(Ref, attribute="component.agency")
    life_experiences = fields.List(fields.Nested(LifeExperienceSchema))


class FunctionSchema(Ref):
    pass


class MetricSchema(Ref):
    kind = fields.Enum(MetricKind, by_value=True)
    unit = Text(allow_none=True)
    direction = fields.Enum(Direction, by_value=True)
    driver = fields.Enum(Driver, by_value=True, allow_none=True)
    description = Text(allow_none=True)


class AgencyArgs(PageArgs):
    code = Filter(validate=validate.Length(max=64))


class ComponentArgs(PageArgs):
    agency_id = WholeNumber(**ID)
    is_hisp = fields.Boolean()


class ProgramArgs(PageArgs):
    agency_id = WholeNumber(**ID)
    component_id = WholeNumber(**ID)
    life_experience = Filter(validate=validate.Length(max=200),
                                    metadata={"description": "Programs tagged with this life experience (its name)."})


class MetricArgs(PageArgs):
    driver = fields.Enum(Driver, by_value=True)
    kind = fields.Enum(MetricKind, by_value=True)


# ----------------------------------------------------------------------------- observations

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
    metric = Filter(validate=validate.Length(max=64), metadata={"description": "A metric's code."})
    period_from = Period(metadata={"description": "First fiscal quarter, e.g. FY2025-Q1."})
    period_to = Period(metadata={"description": "Last fiscal quarter, e.g. FY2025-Q4."})
    channel = Filter(validate=validate.Length(max=64))
    import_batch_id = WholeNumber(**ID)

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


class ObservationRowSchema(Schema):
    """One row of the canonical `metrics` layout (README, "Importing data"), as JSON."""

    class Meta:
        ordered = True
        unknown = ma.RAISE

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
    rejected = WholeNumber()
    errors = fields.List(fields.Nested(ProblemItemSchema))
    message = Text()
    driver_notes = fields.List(fields.Dict())
    placements = fields.List(Text())
    created = fields.Dict(keys=Text(), values=WholeNumber())
    unknown_columns = fields.List(Text())
    warnings = fields.List(Text())


# ----------------------------------------------------------------------------- scores

class ProgramRef(Schema):
    id = WholeNumber()
    code = Text()
    name = Text()
    component = fields.Nested(Ref)
    agency = fields.Nested(Ref, attribute="component.agency")


def _pooled_count(index: int):
    return fields.Function(lambda score: score.counts[index] if score.counts else None, allow_none=True,
                           metadata={"type": "integer", "description": f"Answers {index + 1}, pooled."})


class ScoreSchema(Schema):
    program = fields.Nested(ProgramRef)
    metric = Text(attribute="metric.code")
    driver = fields.Function(lambda s: s.metric.driver.value if s.metric.driver else None, allow_none=True,
                             metadata={"type": "string"})
    period = Text()
    value = fields.Float(allow_none=True, metadata={"description": "Mean on the 1-5 scale of the pooled answer "
                                                                   "counts (a 1-5 question), else the pooled value, "
                                                                   "weighted by respondents (a v2 aspect's share in "
                                                                   "percent, an operational measure)."})
    n = WholeNumber(allow_none=True)
    count_1 = _pooled_count(0)
    count_2 = _pooled_count(1)
    count_3 = _pooled_count(2)
    count_4 = _pooled_count(3)
    count_5 = _pooled_count(4)
    ci_low = fields.Float(allow_none=True)
    ci_high = fields.Float(allow_none=True)
    share_who_trust = fields.Float(allow_none=True, metadata={
        "description": "From A-11's v2 survey (FY2024-Q2) on, trust as the share who trust, in percent: answers "
                       "of 4 or 5, a thumbs up counted as 5 (the program page's measure); null otherwise. `value` "
                       "is still the 1-5 mean the status is judged on."})
    target = fields.Float(allow_none=True)
    status = Text(metadata={"description": "green, amber, red, insufficient_data, no_data or no_target"})
    non_standard_wording = fields.Boolean()


class ScoreArgs(PageArgs):
    metric = Filter(required=True, validate=validate.Length(min=1, max=64),
                           metadata={"description": "A metric's code, e.g. trust (422 when no metric has it)."})
    period = Period(required=True, metadata={"description": "A fiscal quarter, e.g. FY2025-Q1."})
    agency_id = WholeNumber(**ID)
    component_id = WholeNumber(**ID)
    program_id = WholeNumber(**ID)


# ----------------------------------------------------------------------------- findings

class FindingInputSchema(Schema):
    id = WholeNumber()
    role = Text()
    value = fields.Float(allow_none=True)
    metric_id = WholeNumber(allow_none=True)
    subject_key = Text(allow_none=True)
    period = Text(allow_none=True)
    n = WholeNumber(allow_none=True)
    observation_id = WholeNumber(allow_none=True)
    observation_ids = fields.List(WholeNumber(), allow_none=True)
    target_id = WholeNumber(allow_none=True)


class RuleRef(Schema):
    key = Text(attribute="rule_version.rule.key")
    title = Text(attribute="rule_version.rule.title")
    version = WholeNumber(attribute="rule_version.version")
    status = Text(attribute="rule_version.status.value")


class FindingSchema(Schema):
    id = WholeNumber()
    rule = fields.Function(lambda f: RuleRef().dump(f), metadata={"type": "object"})
    subject_type = fields.Enum(RuleSubject, by_value=True)
    subject_id = WholeNumber()
    subject_detail = Text(allow_none=True)
    period = Text()
    outcome = Text()
    rating = WholeNumber(allow_none=True)
    status = Text(allow_none=True)
    flag = Text(allow_none=True)
    severity = Text(allow_none=True)
    score = fields.Float(allow_none=True)
    explanation = Text()
    facts = fields.Dict()
    evaluated_at = fields.AwareDateTime()
    inputs = fields.List(fields.Nested(FindingInputSchema))


class FindingArgs(PageArgs):
    subject_type = fields.Enum(RuleSubject, by_value=True)
    subject_id = WholeNumber(**ID)
    period = Period()
    rule = Filter(validate=validate.Length(max=100), metadata={"description": "A rule's key."})
    outcome = Filter(validate=validate.OneOf(["rating", "status", "flag", "score"]))


# ----------------------------------------------------------------------------- commitments

class HistorySchema(Schema):
    id = WholeNumber()
    at = fields.AwareDateTime()
    user_id = WholeNumber(allow_none=True)
    by = Text()
    status = fields.Enum(CommitmentStatus, by_value=True)
    reason = Text(allow_none=True)
    note = Text(allow_none=True)
    changes = fields.Dict(metadata={"description": "Each changed field: [before, after]."})
    import_batch_id = WholeNumber(allow_none=True, metadata={
        "description": "The import that wrote this update (null: the web or the API)."})


class LeaderRef(Schema):
    id = WholeNumber()
    name = Text()
    email = Text(allow_none=True)


class CommitmentSchema(Schema):
    id = WholeNumber()
    function = fields.Nested(Ref)
    leader = fields.Nested(LeaderRef, allow_none=True)
    component_id = WholeNumber(allow_none=True)
    capacity_domain = Text(allow_none=True)
    title = Text()
    description = Text(allow_none=True)
    due_date = fields.Date(allow_none=True)
    status = fields.Enum(CommitmentStatus, by_value=True)
    reason = Text(allow_none=True)
    next_step = Text(allow_none=True)
    evidence_links = fields.List(Text())
    program_ids = fields.List(WholeNumber())
    metric_ids = fields.List(WholeNumber())
    last_update_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    version = WholeNumber(metadata={"description": "Also the ETag; send it back as If-Match to change it."})
    history = fields.List(fields.Nested(HistorySchema), metadata={"description": "Newest first."})


class CommitmentArgs(PageArgs):
    function = Filter(validate=validate.Length(max=16), metadata={"description": "A function's code."})
    component = Filter(validate=validate.Length(max=32), metadata={"description": "A component's code."})
    status = fields.List(fields.Enum(CommitmentStatus, by_value=True), validate=validate.Length(
        max=len(CommitmentStatus),
        error="Given more than {max} times: there are {max} statuses; give each at most once."))
    domain = Filter(validate=validate.OneOf(CAPACITY_DOMAINS))
    leader_id = WholeNumber(**ID)


class Day(fields.Date):
    """A date as the document states it, YYYY-MM-DD (RFC 3339's full-date) in the digits 0-9: marshmallow reads
    it with date.fromisoformat, which also took 20270331 and the week date 2027-W13-3."""

    default_error_messages = {"invalid": "{input!r} is not a date: write one that exists, as YYYY-MM-DD (2027-03-31)."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


class CommitmentPatchSchema(Schema):
    """The fields an update may change, as an officer keeps them current on the web (status, reason, next
    step, due date, evidence; a leader: status and reason), and a note."""

    class Meta:
        ordered = True
        unknown = ma.RAISE

    status = fields.Enum(CommitmentStatus, by_value=True)
    reason = Text(allow_none=True, validate=validate.Length(max=MAX_TEXT_LENGTH))
    next_step = Text(allow_none=True, validate=validate.Length(max=MAX_TEXT_LENGTH))
    due_date = Day(allow_none=True, metadata={
        "description": "YYYY-MM-DD; moving (or removing) a due date needs a reason in the same change."})
    evidence_links = fields.List(Text(validate=validate.Length(max=MAX_LINK_LENGTH)),
                                 validate=validate.Length(max=MAX_LINKS), metadata={
        "description": "Each link one web address starting with http:// or https:// and naming a site, with no "
                       "space, control or invisible character in it (write a space as %20)."})
    note = Text(allow_none=True, validate=validate.Length(max=MAX_TEXT_LENGTH), metadata={
        "description": "Kept in the history; a note alone confirms the commitment is current."})


# "*", or a list of entity tags (RFC 9110, 8.8.3), as the document states them: quoted, printable ASCII, weak
# ones marked W/. The operation reads the header itself (commitments._if_match), so it is not checked here:
# a schema's 422 would come before the operation's 404 and 403.
IF_MATCH_PATTERN = (r'^[ \t]*(\*|(W/)?"[\x21\x23-\x7e]*"([ \t]*,[ \t]*(W/)?"[\x21\x23-\x7e]*")*)[ \t]*$')


class IfMatchHeader(Schema):
    # webargs reads headers case-insensitively; the key is how the header is spelled.
    # Documented as required (base.PreconditionRequired): the operation answers 428 without it.
    if_match = fields.String(data_key="If-Match", metadata={
        "minLength": 1, "pattern": IF_MATCH_PATTERN,
        "description": "The ETag of the commitment as read (428 without it or empty; 400 when it is not a list of "
                       "entity tags; 412 when it names no current version; * overwrites whatever is current)."})


# ----------------------------------------------------------------------------- plans

class DecisionSchema(Schema):
    rating = WholeNumber(attribute="confirmed_rating")
    proposed_rating = WholeNumber(allow_none=True)
    justification = Text(allow_none=True)
    decided_by_id = WholeNumber(allow_none=True)
    at = fields.AwareDateTime()


class RequirementSchema(Schema):
    id = WholeNumber(attribute="requirement.id")
    text = Text(attribute="requirement.text")
    metric_id = WholeNumber(attribute="requirement.metric_id", allow_none=True)
    target_id = WholeNumber(attribute="requirement.target_id", allow_none=True)
    commitment_id = WholeNumber(attribute="requirement.commitment_id", allow_none=True)
    program_ids = fields.Function(lambda r: sorted(p.id for p in r.requirement.programs),
                                  metadata={"type": "array", "items": {"type": "integer"}})
    is_cx = fields.Boolean(attribute="requirement.is_cx")
    proposed_rating = WholeNumber(attribute="proposed", allow_none=True)
    finding_id = fields.Function(lambda r: r.finding.id if r.finding else None, allow_none=True,
                                 metadata={"type": "integer"})


class ElementSchema(Schema):
    id = WholeNumber(attribute="element.id")
    name = Text(attribute="element.name")
    position = WholeNumber(attribute="element.position")
    weight = WholeNumber(attribute="element.weight")
    is_results_driven = fields.Boolean(attribute="element.is_results_driven")
    is_critical = fields.Boolean(attribute="element.is_critical")
    proposed_rating = WholeNumber(attribute="proposed", allow_none=True)
    decided_rating = WholeNumber(attribute="confirmed", allow_none=True)
    decision = fields.Nested(DecisionSchema, allow_none=True)
    requirements = fields.List(fields.Nested(RequirementSchema))


class SummarySchema(Schema):
    score = WholeNumber(allow_none=True)
    level = WholeNumber(allow_none=True)
    rated = WholeNumber()
    elements = WholeNumber()
    complete = fields.Boolean()


class PlanSchema(Schema):
    id = WholeNumber(attribute="plan.id")
    fiscal_year = WholeNumber(attribute="plan.fiscal_year")
    rating_method = Text(attribute="plan.rating_method.value")
    leader = fields.Function(lambda v: LeaderDetail().dump(v.plan.leader), metadata={"type": "object"})
    elements = fields.List(fields.Nested(ElementSchema))
    summary = fields.Nested(SummarySchema)
    weight_problems = fields.List(Text())


class LeaderDetail(LeaderRef):
    title = Text(allow_none=True)
    function_id = WholeNumber(allow_none=True)
    component_id = WholeNumber(allow_none=True)


class PlanArgs(PageArgs):
    fiscal_year = WholeNumber(validate=validate.Range(min=2000, max=2100))
    leader_id = WholeNumber(**ID)


# ----------------------------------------------------------------------------- capacity

class DomainScoreSchema(Schema):
    id = WholeNumber()
    domain = Text()
    position = WholeNumber()
    score = fields.Float(allow_none=True)
    narrative = Text(allow_none=True)
    evidence = Text(allow_none=True)


class CapacityAssessmentSchema(Schema):
    id = WholeNumber()
    component = fields.Nested(Ref)
    fiscal_year = WholeNumber()
    scale_min = WholeNumber()
    scale_max = WholeNumber()
    status = fields.Enum(CapacityStatus, by_value=True)
    submitted_at = fields.AwareDateTime(allow_none=True)
    submitted_by_id = WholeNumber(allow_none=True)
    total = fields.Float(allow_none=True)
    version = WholeNumber()
    domain_scores = fields.List(fields.Nested(DomainScoreSchema))


class CapacityArgs(PageArgs):
    component_id = WholeNumber(**ID)
    fiscal_year = WholeNumber(validate=validate.Range(min=2000, max=2100))
    status = fields.Enum(CapacityStatus, by_value=True)


# ----------------------------------------------------------------------------- imports

class ProgressSchema(Schema):
    stage = Text()
    rows = WholeNumber()


class ImportBatchSchema(Schema):
    id = WholeNumber()
    filename = Text()
    format = Text(allow_none=True)
    sheet = Text(allow_none=True)
    status = fields.Enum(BatchStatus, by_value=True)
    user_id = WholeNumber(allow_none=True)
    created_at = fields.AwareDateTime()
    committed_at = fields.AwareDateTime(allow_none=True)
    reverted_at = fields.AwareDateTime(allow_none=True)
    inserted = WholeNumber()
    updated = WholeNumber()
    unchanged = WholeNumber()
    rejected = WholeNumber()
    total_rows = WholeNumber()
    message = Text(allow_none=True)
    options = fields.Dict()
    errors = fields.List(fields.Nested(ProblemItemSchema))
    preview = fields.Dict(metadata={"description": "The plan: sample changes in words, driver-rule notes, what "
                                                   "would be created, unknown columns, warnings."})
    progress = fields.Nested(ProgressSchema)


# The import layouts' names: the importers' registry, handed in by the app factory (scorecard.api.init_app)
# before the operations are documented; the domain does not import `importers`.
LAYOUTS: list[str] = []


class Layout(validate.Validator):
    """One of LAYOUTS. Its `choices` are read when the document is written (an enum, so a client knows
    the values) and at each request."""

    @property
    def choices(self) -> list[str]:
        return LAYOUTS

    def __call__(self, value):
        if value not in LAYOUTS:
            raise ma.ValidationError(f"{value!r} is not a layout; choose one of {', '.join(LAYOUTS)}.")
        return value


class ImportArgs(PageArgs):
    status = fields.Enum(BatchStatus, by_value=True)
    format = Filter(validate=Layout())


class UploadForm(Schema):
    format = Text(validate=Layout(), metadata={"description": "The layout; recognised from the header when left "
                                                              "out."})
    sheet = Text(validate=validate.Length(max=200))
    program = Text(validate=validate.Length(max=300),
                            metadata={"description": "Touchpoints responses: the program."})
    period = Text(validate=[validate.Length(max=64), lambda text: _a_quarter(text)],
                  metadata={"description": "Touchpoints responses: the quarter, in any spelling the import files "
                                           "take (FY2025-Q1, FY25 Q1, 2025Q1, a date in it)."})
    touchpoint = Text(validate=validate.Length(max=800))
    trust_scale = Text(validate=validate.OneOf(["thumbs", "five"]))


def _a_quarter(text: str) -> None:
    """A quarter in any spelling parse_period reads (an upload's option, as the import page takes it)."""
    if text.strip():
        try:
            parse_period(text)
        except PeriodError:
            raise ma.ValidationError(f"{text[:64]!r} is not a fiscal quarter: write it as FY2025-Q1 (or FY25 Q1, "
                                     "2025Q1, or a date in the quarter).") from None


class FilePart(Upload):
    """A file part of a multipart body (with its filename): a text part of the same name is refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage) or not value.filename:
            raise ma.ValidationError("Send the spreadsheet as a file part with its filename (curl -F file=@name.xlsx), "
                                     "not as text.")
        return value


class UploadSchema(UploadForm):
    """An upload: the file and the options the import page offers (multipart/form-data)."""

    file = FilePart(required=True, metadata={"description": "The spreadsheet: xlsx, xlsm, xls, ods, csv or tsv."})


class RevertSchema(Schema):
    batch = fields.Nested(ImportBatchSchema)
    deleted = WholeNumber()
    restored = WholeNumber()
    kept = fields.Dict(keys=fields.String(), values=WholeNumber(), metadata={
        "description": "The organisations the batch created (agencies, components, programs), which a revert "
                       "keeps: other data may name them now."})
    evaluation = Text(allow_none=True, metadata={
        "description": "What became of the findings' evaluation: `queued` (in the background), `not_queued` (the "
                       "job service did not answer; the next evaluation catches up), `done`, or null when the "
                       "revert changed nothing the rules read."})
