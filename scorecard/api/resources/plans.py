"""Leaders' performance plans: elements, requirements, proposed and decided ratings, the summary;
each person sees the plans the web shows them (scorecard.plans.services)."""
from flask_login import current_user

from scorecard.api import schemas as s
from scorecard.api.base import Blueprint, page
from scorecard.api.problems import ApiProblem
from scorecard.extensions import db
from scorecard.models import PerformancePlan
from scorecard.plans.services import PLAN_LOADING, plan_view, plan_views, visible_plans

blp = Blueprint("api_plans", __name__, description="Performance plans as the web shows them to each role.")


@blp.route("/plans")
@blp.arguments(s.PlanArgs, location="query")
@blp.response(200, s.page_of(s.PlanSchema))
def plans(args):
    """The plans you may see, by id."""
    query = visible_plans(db.session, current_user).order_by(None).order_by(PerformancePlan.id)
    if args.get("fiscal_year"):
        query = query.where(PerformancePlan.fiscal_year == args["fiscal_year"])
    if args.get("leader_id"):
        query = query.where(PerformancePlan.leader_id == args["leader_id"])
    return page(db.session, query, args, options=PLAN_LOADING, as_items=lambda found: plan_views(db.session, found))


@blp.route("/plans/<int(max=2147483647):plan_id>")
@blp.response(200, s.PlanSchema)
def plan(plan_id):
    """One plan with its elements, requirements, ratings and summary."""
    found = db.session.scalar(visible_plans(db.session, current_user).where(PerformancePlan.id == plan_id))
    if found is None:
        raise ApiProblem(404, f"There is no plan {plan_id} you may see.")
    return plan_view(db.session, found)
