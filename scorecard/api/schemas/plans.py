"""The performance plans' schemas: elements, CX requirements, proposed and decided ratings, the summary."""

from marshmallow import fields

from scorecard.api.schemas.commitments import LeaderRef
from scorecard.api.schemas.common import FISCAL_YEAR, ID, PageArgs, Schema, Text, WholeNumber


class BasisInputSchema(Schema):
    role = Text()
    metric_id = WholeNumber(allow_none=True)
    subject_key = Text(allow_none=True)
    period = Text(allow_none=True)
    value = fields.Float(allow_none=True)
    n = WholeNumber(allow_none=True)
    target_id = WholeNumber(allow_none=True)
    observation_ids = fields.List(WholeNumber())


class BasisSchema(Schema):
    """One requirement's proposal as the decision answered it (scorecard.plans.basis)."""
    requirement_id = WholeNumber()
    requirement = Text()
    rating = WholeNumber(allow_none=True)
    finding_id = WholeNumber(allow_none=True, metadata={"description": (
        "The finding that made the proposal; it may have been evaluated again or deleted since")})
    rule = Text(allow_none=True)
    rule_version = WholeNumber(allow_none=True)
    period = Text(allow_none=True)
    evaluated_at = Text(allow_none=True, metadata={"description": "When the proposal was evaluated (ISO 8601)"})
    explanation = Text(allow_none=True)
    observations = WholeNumber(allow_none=True)
    import_batches = fields.List(WholeNumber())
    inputs = fields.List(fields.Nested(BasisInputSchema))


class DecisionSchema(Schema):
    rating = WholeNumber(attribute="confirmed_rating")
    proposed_rating = WholeNumber(allow_none=True)
    justification = Text(allow_none=True)
    decided_by_id = WholeNumber(allow_none=True)
    at = fields.AwareDateTime()
    basis = fields.List(fields.Nested(BasisSchema), allow_none=True, metadata={"description": (
        "Each requirement's proposal as it stood when the decision was recorded: its rating, rule version, "
        "quarter, explanation and the observations and targets it read. Null for a decision recorded before "
        "it was kept")})


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
