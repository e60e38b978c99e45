"""The ratings export: leaders' element ratings, one row per plan element — the proposal, the
rating official's decision, the plan's summary score and level (of the decisions alone, as the plans
list, the leaders dashboard and the API's `summary` give it: blank until every element is decided, or a critical
element is decided at 1, which makes it level 1 at once)
and, apart, its projected summary (decisions where made, the rules' proposals otherwise, as the plan's
page shows it while decisions are outstanding: not a rating) — as .csv or .xlsx
(`scorecard export ratings`)."""
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from scorecard.models import Component, ElementRating, Leader, PerformancePlan, PlanElement, User
from scorecard.plans.services import plan_views
from scorecard.spreadsheets import safe_for_export, write_table

PLANS_AT_ONCE = 200
# The leader's e-mail, component (a C-suite leader's function), its agency and the plan id beside the name: two
# leaders of one name (each named by e-mail in the plans import) read as one once the file has left the app. Each
# column holds one thing, so a filter on a component finds every row of it.
# A decision with the proposal it answered, who made it, when and why: the rules may propose otherwise since (the
# data or the published rules changed), and "proposed 4, confirmed 2" read as a decision against a 4 it never saw.
RATING_COLUMNS = ("leader", "leader_email", "component_or_function", "agency", "plan_id", "fy", "element", "weight",
                  "proposed_rating", "confirmed_rating", "decision_answered_proposal", "decided_by", "decided_at_utc",
                  "justification", "summary_score", "summary_level", "projected_summary_score",
                  "projected_summary_level")


def rating_rows(session, fiscal_year: Optional[int] = None) -> Iterator[tuple]:
    """Rows of RATING_COLUMNS: one per element of every plan (of one FY if given)."""
    query = (sa.select(PerformancePlan).join(Leader)
             .options(so.selectinload(PerformancePlan.elements).selectinload(PlanElement.requirements),
                      so.joinedload(PerformancePlan.leader).joinedload(Leader.component).joinedload(Component.agency),
                      so.joinedload(PerformancePlan.leader).joinedload(Leader.function))
             .order_by(PerformancePlan.fiscal_year, Leader.name, PerformancePlan.id))
    if fiscal_year is not None:
        query = query.where(PerformancePlan.fiscal_year == fiscal_year)
    plans = iter(session.scalars(query))
    officials = dict(session.execute(sa.select(User.id, User.email).where(
        User.id.in_(sa.select(ElementRating.decided_by_id)))).all())
    # Viewed PLANS_AT_ONCE at a time: their findings, decisions and commitments in one query each, not
    # three a plan (6,000 for an agency's 2,000 plans).
    while chunk := list(islice(plans, PLANS_AT_ONCE)):
        for view in plan_views(session, chunk):
            plan, decided, projected = view.plan, view.decided_summary, view.summary
            for e in view.elements:
                leader = plan.leader
                agency = leader.component.agency.name if leader.component else None
                decision = e.decision
                made = (decision.proposed_rating, officials.get(decision.decided_by_id),
                        decision.at.strftime("%Y-%m-%dT%H:%M:%SZ") if decision.at else None,
                        decision.justification) if decision and decision.confirmed_rating is not None \
                    else (None, None, None, None)
                yield (leader.name, leader.email, leader.unit, agency, plan.id,
                       f"FY{plan.fiscal_year}", e.element.name, e.element.weight, e.proposed, e.confirmed, *made,
                       decided.score, decided.level, projected.score, projected.level)


def export_ratings(session, out: Path, fiscal_year: Optional[int] = None) -> int:
    """Write the ratings (of one FY if given) to `out` (.csv or .xlsx); returns the number of rows.
    Leaders' and elements' names that a spreadsheet would run as a formula are neutralised."""
    rows = ((safe_for_export(leader), safe_for_export(email), safe_for_export(component), safe_for_export(agency),
             plan_id, fy, safe_for_export(element), weight, proposed, confirmed, answered, by, at,
             safe_for_export(justification), *rest)
            for leader, email, component, agency, plan_id, fy, element, weight, proposed, confirmed, answered, by, at,
            justification, *rest in rating_rows(session, fiscal_year))
    return write_table(out, RATING_COLUMNS, rows, "ratings")
