"""Plan pages: who sees a plan is checked on the server for every request."""
from functools import partial
from typing import Optional

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from scorecard.clock import agency_today, moment
from scorecard.extensions import db
from scorecard.models import Leader, PerformancePlan, PlanElement
from scorecard.paging import page_of
from scorecard.people import person_seen_by
from scorecard.periods import read_planned_year, year_begins
from scorecard.permissions import can, requires
from scorecard.plans import bp
from scorecard.plans.basis import answered
from scorecard.plans.forms import DecisionForm
from scorecard.plans.services import (
    OWN_PLAN,
    UNSEEN,
    DecidedMeanwhile,
    RatingError,
    decide,
    decided_summaries,
    ended_year_words,
    may_see,
    not_begun_words,
    own_plan,
    plan_view,
    visible_plans,
    year_ended,
)
from scorecard.ratings import RATING_LABELS

PLANS_PAGE = 100  # plans a page of the list shows


@bp.route("/")
@requires("view_plans")
def index():
    """The plans the user may see, newest fiscal year first, a page at a time, of one year when chosen
    (`?year=`): at 4,000 plans the list stopped at its first 2,000, and no earlier year's plan could be
    reached from it."""
    query = visible_plans(db.session, current_user)
    years = sorted(db.session.scalars(query.with_only_columns(PerformancePlan.fiscal_year).order_by(None)
                                      .distinct()), reverse=True)
    year, problem = None, None
    if request.args.get("year", "").strip():  # a year out of the years planned for is named, and all years shown
        try:
            year = read_planned_year(request.args["year"])
        except ValueError as error:
            problem = f"Fiscal year: {error}"
    if year is not None:
        query = query.where(PerformancePlan.fiscal_year == year)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    shown = page_of(total, request.args.get("page", 1, type=int), PLANS_PAGE)
    # The leader with each plan in one query, and where each plan's decisions stand in two more: not per plan.
    plans = db.session.scalars(query.order_by(PerformancePlan.id)
                               .options(sa.orm.contains_eager(PerformancePlan.leader).joinedload(Leader.component),
                                        sa.orm.contains_eager(PerformancePlan.leader).joinedload(Leader.function))
                               .offset(shown.start).limit(PLANS_PAGE)).all()
    return render_template("plans/index.html", plans=plans, total=total, page=shown.number, pages=shown.pages,
                           years=years, year=year, problem=problem, first=shown.first, labels=RATING_LABELS,
                           begins=partial(year_begins, today=agency_today()),  # a year not begun: its first day
                           decided=decided_summaries(db.session, [p.id for p in plans]))


@bp.route("/<int:plan_id>")
@requires("view_plans")
def show(plan_id):
    return _page(_visible_plan(plan_id))


def _page(plan: PerformancePlan, refused: Optional[dict] = None):
    """The plan's page; `refused`: a decision not recorded (its element id, what was typed, the problems),
    shown again at its element's form with the problems, focused."""
    own = own_plan(current_user, plan)
    view = plan_view(db.session, plan)
    deciders = {e.element.id: person_seen_by(db.session, e.decision.decided_by_id, current_user)
                for e in view.elements if e.decision}
    rates = can(current_user, "rate_plans") and not own
    today = agency_today()
    begins = year_begins(plan.fiscal_year, today) if rates else None
    may_rate = rates and begins is None  # a year not begun has no form: its page says when it begins
    ended = year_ended(plan, today) if may_rate else None
    return render_template("plans/show.html", view=view, labels=RATING_LABELS, deciders=deciders,
                           answered=answered(db.session, [e.decision for e in view.elements]),
                           form=DecisionForm(), may_rate=may_rate,
                           own_plan_words=OWN_PLAN if own and can(current_user, "rate_plans") else None,
                           ended_year_words=ended_year_words(plan, ended) if ended else None,
                           not_begun_words=not_begun_words(plan.fiscal_year, begins) if begins else None,
                           refused=refused)


@bp.route("/<int:plan_id>/elements/<int:element_id>/decision", methods=["GET", "POST"])
@requires("rate_plans")
def decision(plan_id, element_id):
    """A rating official's decision on an element. Opened (a refused decision's page reloaded later, or
    its address bookmarked), the address leads to the element on the plan's page: there is nothing to
    show at it but that page."""
    plan = _visible_plan(plan_id)
    element = db.session.scalar(sa.select(PlanElement).where(PlanElement.id == element_id,
                                                             PlanElement.plan_id == plan.id))
    if request.method != "POST":
        anchor = f"element-{element.id}" if element is not None else None
        return redirect(url_for("plans.show", plan_id=plan.id, _anchor=anchor), 303)
    if element is None:
        abort(404)
    if own_plan(current_user, plan):
        abort(403, description=OWN_PLAN[:1].upper() + OWN_PLAN[1:] + ".")
    form = DecisionForm()

    def refused(problems: list[tuple[Optional[str], str]], fields: set[str], status: int = 422):
        """The page again, the decision's form with what was typed, its problems (each with the field it is of,
        for the summary's link to it, or None) and the fields at fault."""
        # the justification as the form holds it (a character no text column keeps is taken out: BaseForm)
        justification = form.justification.data if isinstance(form.justification.data, str) else \
            request.form.get("justification", "")
        typed = {"element_id": element.id, "rating": request.form.get("rating", "")[:20],
                 "justification": justification, "problems": problems, "fields": fields}
        return _page(plan, typed), status
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            return refused([(None, "The form expired or was sent from elsewhere; open the page again and retry.")],
                           set())
        return refused([(name, _labelled(form[name].label.text, errors)) for name, errors in form.errors.items()],
                       set(form.errors))
    try:
        decide(db.session, element, form.rating.data, form.justification.data, current_user,
               replaces=_replaces(form.replaces.data), proposal_shown=_proposal(form.proposal.data))
    except DecidedMeanwhile as meanwhile:
        db.session.rollback()
        if _same(meanwhile.decision, form):  # this form sent twice (a double click, the back button): recorded once
            flash(f"Rating for '{element.name}' recorded: {form.rating.data}.", "success")
            return redirect(url_for("plans.show", plan_id=plan.id), 303)
        return refused([(None, _decided_meanwhile(meanwhile.decision, form.rating.data))], set(), 409)
    except RatingError as error:
        db.session.rollback()
        said = str(error)  # the rules' own words: a justification missing, a rating out of range, a year not begun
        said = said[:1].upper() + said[1:] + ("" if said.endswith(".") else ".")
        return refused([(error.field, said)], {error.field} - {None})
    ended = year_ended(plan, agency_today())
    flash(f"Rating for '{element.name}' recorded: {form.rating.data}."
          + (f" {ended_year_words(plan, ended, recorded=True)}" if ended else ""), "success")
    return redirect(url_for("plans.show", plan_id=plan.id))


def _labelled(label: str, errors: list[str]) -> str:
    """A field's problems after its label, once: a message that names the field itself (a hidden
    text-direction character's) is not put after the label again."""
    said = " ".join(errors)
    return said if said.startswith(label) else f"{label}: {said}"


def _proposal(sent: Optional[str]):
    """The proposal the form showed: a rating 1-5, None for none ("") or UNSEEN when not sent as the page sends
    it (a form from before this field, or made by hand: nothing is said of it)."""
    if sent is None:
        return UNSEEN
    sent = sent.strip()
    if not sent:
        return None
    return int(sent) if sent in ("1", "2", "3", "4", "5") else UNSEEN


def _replaces(sent: Optional[str]) -> Optional[int]:
    """The decision id the form was opened on: none when blank, -1 (no decision's) when not an id."""
    sent = (sent or "").strip()
    if not sent:
        return None
    return int(sent) if sent.isascii() and sent.isdigit() and len(sent) < 19 else -1


def _same(decision, form) -> bool:
    """Whether `decision` is this official's own, of the rating and justification the form sends again."""
    justification = (form.justification.data or "").strip() or None
    return (decision is not None and decision.decided_by_id == current_user.id
            and decision.confirmed_rating == form.rating.data and decision.justification == justification)


def _decided_meanwhile(decision, rating: int) -> str:
    """What was recorded since the official opened the page, and that their rating was not."""
    if decision is None:
        return (f"The decision this page showed is no longer the element's; your rating of {rating} was not "
                "recorded. Read the element as it stands now, and record yours again if it still stands.")
    who = person_seen_by(db.session, decision.decided_by_id, current_user)
    why = f", justified: “{decision.justification}”" if decision.justification else ""
    return (f"Since you opened this page, {who} recorded a rating of {decision.confirmed_rating} "
            f"({RATING_LABELS.get(decision.confirmed_rating, '')}) at {moment(decision.at)}{why}. "
            f"Your rating of {rating} was not recorded: read theirs above, and record yours again if it still "
            "stands.")


def _visible_plan(plan_id: int) -> PerformancePlan:
    plan = db.session.get(PerformancePlan, plan_id)
    if plan is None:
        abort(404)
    if not may_see(db.session, current_user, plan_id):
        abort(404)  # as for a plan that is not there: another leader's plan is not confirmed to exist
    return plan
