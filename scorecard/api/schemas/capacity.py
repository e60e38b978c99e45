"""The capacity assessments' schemas: a component's self-scores in the five A-11 domains."""

from marshmallow import fields

from scorecard.api.schemas.common import FISCAL_YEAR, ID, PageArgs, Ref, Schema, Text, WholeNumber
from scorecard.models.capacity import CapacityStatus


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
    fiscal_year = WholeNumber(validate=FISCAL_YEAR)
    status = fields.Enum(CapacityStatus, by_value=True)
