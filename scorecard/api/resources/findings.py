"""The rules' findings with their inputs (lineage) and explanation."""
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import current_user

from scorecard.api import schemas as s
from scorecard.api.base import Blueprint, page
from scorecard.api.problems import ApiProblem
from scorecard.extensions import db
from scorecard.findings.services import may_see_finding
from scorecard.models import Finding, PerformancePlan, PlanElement, PlanRequirement, Rule, RuleSubject, RuleVersion
from scorecard.plans.services import visible_plans

blp = Blueprint("api_findings", __name__, description="What the rules concluded, with the data each finding read.")
OPTIONS = (so.selectinload(Finding.inputs), so.joinedload(Finding.rule_version).joinedload(RuleVersion.rule))


def visible_findings(user) -> sa.Select:
    """Findings `user` may see: all but those about plan requirements of plans they may not see."""
    plans = visible_plans(db.session, user).with_only_columns(PerformancePlan.id).order_by(None)
    requirements = (sa.select(PlanRequirement.id).join(PlanElement, PlanElement.id == PlanRequirement.element_id)
                    .where(PlanElement.plan_id.in_(plans)))
    return sa.select(Finding).where(sa.or_(Finding.subject_type != RuleSubject.requirement,
                                           Finding.subject_id.in_(requirements)))


@blp.route("/findings")
@blp.arguments(s.FindingArgs, location="query")
@blp.response(200, s.page_of(s.FindingSchema))
def findings(args):
    """Findings, by id; those about plan requirements only for people who may see the plan."""
    query = visible_findings(current_user).order_by(Finding.id)
    for name in ("subject_type", "subject_id", "period", "outcome", "status"):
        if args.get(name) is not None:
            query = query.where(getattr(Finding, name) == args[name])
    if args.get("rule"):
        query = query.where(Finding.rule_version_id.in_(
            sa.select(RuleVersion.id).join(Rule, Rule.id == RuleVersion.rule_id).where(Rule.key == args["rule"])))
    return page(db.session, query, args, options=OPTIONS)


@blp.route("/findings/<int(max=2147483647):finding_id>")
@blp.response(200, s.FindingSchema)
def finding(finding_id):
    """One finding with its inputs and explanation."""
    found = db.session.scalar(sa.select(Finding).where(Finding.id == finding_id).options(*OPTIONS))
    if found is None or not may_see_finding(db.session, current_user, found):
        raise ApiProblem(404, f"There is no finding {finding_id} you may see.")
    return found
