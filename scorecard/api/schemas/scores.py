"""The pooled scores' schemas: a program's measure in a quarter, with its n and confidence interval."""

from marshmallow import fields, validate

from scorecard.api.schemas.common import ID, MetricCode, PageArgs, Period, Ref, Schema, Text, WholeNumber


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
    value = fields.Float(allow_none=True, metadata={"description": (
        "Mean on the 1-5 scale of the pooled answer counts (a 1-5 question), else the pooled value (a v2 aspect's "
        "share in percent, an operational measure): weighted by respondents where every row pooled gives them, "
        "else the plain mean of the rows' values (a row without respondents cannot be weighed; `n` then sums "
        "the respondents of the rows that give them).")})
    n = WholeNumber(allow_none=True, metadata={"description": (
        "Respondents pooled: the answers counted, else the sum of the rows' respondents where given; null when no "
        "row gives them (an administrative measure).")})
    count_1 = _pooled_count(0)
    count_2 = _pooled_count(1)
    count_3 = _pooled_count(2)
    count_4 = _pooled_count(3)
    count_5 = _pooled_count(4)
    ci_low = fields.Float(allow_none=True, metadata={
        "description": "The 95% interval of the mean, within 1-5; null below two answers, or when every answer is "
                       "the same (its standard error is 0: no interval can be estimated)."})
    ci_high = fields.Float(allow_none=True, metadata={"description": "The upper end of that interval (see ci_low)."})
    share_who_trust = fields.Float(allow_none=True, metadata={
        "description": "From A-11's v2 survey (FY2024-Q2) on, trust as the share who trust, in percent: answers "
                       "of 4 or 5, a thumbs up counted as 5 (the program page's measure); null otherwise. `value` "
                       "is still the 1-5 mean the status is judged on."})
    target = fields.Float(allow_none=True)
    status = Text(metadata={"description": (
        "green, amber, red, insufficient_data or no_target. A program without a score in the quarter is not listed "
        "(its status finding, GET /findings, says no_data).")})
    non_standard_wording = fields.Boolean()


class ScoreArgs(PageArgs):
    metric = MetricCode(required=True, validate=validate.Length(min=1, max=64),
                           metadata={"description": "A metric's code, e.g. trust (422 when no metric has it)."})
    period = Period(required=True, metadata={"description": "A fiscal quarter, e.g. FY2025-Q1."})
    agency_id = WholeNumber(**ID)
    component_id = WholeNumber(**ID)
    program_id = WholeNumber(**ID)
