"""The performance plans' schemas: elements, CX requirements, proposed and decided ratings, the summary."""

from marshmallow import fields

from scorecard.api.schemas.commitments import LeaderRef
from scorecard.api.schemas.common import FISCAL_YEAR, ID, PageArgs, Schema, Text, WholeNumber


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
    summary = fields.Nested(SummarySchema, attribute="decided_summary", metadata={"description": (
        "OPM's summary of the rating official's decisions alone: `rated` counts the elements decided, `complete` "
        "is every element decided, and the level is given once it is (or a critical element is decided at 1). "
        "None while the weights break OPM's rules.")})
    projected_summary = fields.Nested(SummarySchema, attribute="summary", metadata={"description": (
        "The summary the plan's page shows while decisions are outstanding: each element's decision where "
        "made, the rules' proposal otherwise (`rated` counts either). Not a rating of the leader.")})
    weight_problems = fields.List(Text())


class LeaderDetail(LeaderRef):
    title = Text(allow_none=True)
    function_id = WholeNumber(allow_none=True)
    component_id = WholeNumber(allow_none=True)


class PlanArgs(PageArgs):
    fiscal_year = WholeNumber(validate=FISCAL_YEAR)
    leader_id = WholeNumber(**ID)
