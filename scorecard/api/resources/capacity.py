"""Components' yearly capacity assessments with each domain's score, narrative and evidence."""
import sqlalchemy as sa
import sqlalchemy.orm as so

from scorecard.api import schemas as s
from scorecard.api.base import Blueprint, get_or_404, page
from scorecard.extensions import db
from scorecard.models import CapacityAssessment

blp = Blueprint("api_capacity", __name__, description="Capacity assessments (A-11 self-assessments, one per component "
                                                  "and fiscal year).")
OPTIONS = (so.joinedload(CapacityAssessment.component), so.selectinload(CapacityAssessment.domain_scores))


@blp.route("/capacity-assessments")
@blp.arguments(s.CapacityArgs, location="query")
@blp.response(200, s.page_of(s.CapacityAssessmentSchema))
def assessments(args):
    """Capacity assessments, by id."""
    query = sa.select(CapacityAssessment).order_by(CapacityAssessment.id)
    for name in ("component_id", "fiscal_year", "status"):
        if args.get(name) is not None:
            query = query.where(getattr(CapacityAssessment, name) == args[name])
    return page(db.session, query, args, options=OPTIONS)


@blp.route("/capacity-assessments/<int(max=2147483647):assessment_id>")
@blp.response(200, s.CapacityAssessmentSchema)
def assessment(assessment_id):
    """One capacity assessment."""
    return get_or_404(db.session, CapacityAssessment, assessment_id, "capacity assessment")
