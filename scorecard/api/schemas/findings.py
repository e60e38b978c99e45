"""The findings' schemas: what the rules engine found, each naming its rule version and inputs."""

from marshmallow import fields, validate

from scorecard.api.schemas.common import ID, Filter, PageArgs, Period, Schema, Text, WholeNumber
from scorecard.models import (
    RuleSubject,
)
from scorecard.rules.evaluator import FINDING_STATUSES

STATUS_WORDS = (", ".join(FINDING_STATUSES) + ": a status finding's status (no_data: the rule could read nothing for "
                "its quarter); a rating or score the rules could not give for too little data reads insufficient_data, "
                "a score read from nothing at all no_data")


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
    status = Text(allow_none=True, metadata={"description": STATUS_WORDS})
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
    status = Filter(validate=validate.OneOf(FINDING_STATUSES), metadata={"description": STATUS_WORDS})
