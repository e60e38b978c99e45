"""Capacity-assessment pages. Every route checks the role (`requires`), then the assessment
itself: a submitted year refuses every change until an admin reopens it."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from scorecard.capacity import bp
from scorecard.capacity.forms import ReopenForm, SubmitForm, assessment_form
from scorecard.capacity.services import (
    NARRATIVE_MAX,
    CapacityError,
    EditConflict,
    Locked,
    domains_of,
    find,
    may_edit,
    may_reopen,
    reopen,
    save,
    submit,
)
from scorecard.capacity.view import assessment_view, grid
from scorecard.clock import agency_today, moment
from scorecard.extensions import db
from scorecard.models import Component
from scorecard.periods import planned_year
from scorecard.permissions import can, requires
from scorecard.rules import tasks


def _flash_evaluated(done: str, component: Component, fiscal_year: int) -> None:
    """Say what was done and what became of the evaluation it queues: the rules read the assessment
    again (its evidence scores, and the notes saying they were evaluated before the change)."""
    became = tasks.reevaluate(current_app._get_current_object(),
                              reason=f"a change to the FY{fiscal_year} capacity assessment of {component.name}")
    flash(f"{done} {tasks.WORDS[became]}", "warning" if became == tasks.NOT_QUEUED else "success")


@bp.route("/")
@requires("view_capacity")
def index():
    return render_template("capacity/index.html", grid=grid(db.session, agency_today(), request.args.get("agency")))


@bp.route("/<int:component_id>/<int:fiscal_year>")
@requires("view_capacity")
def show(component_id, fiscal_year):
    return _show(_component(component_id, fiscal_year), fiscal_year)


@bp.route("/<int:component_id>/<int:fiscal_year>/edit", methods=["GET", "POST"])
@requires("edit_capacity")
def edit(component_id, fiscal_year):
    component = _component(component_id, fiscal_year)
    assessment = find(db.session, component.id, fiscal_year)
    if assessment is not None and assessment.is_submitted:
        if request.method != "POST":
            flash(Locked(assessment).problems[(None, "status")], "error")
            return redirect(url_for("capacity.show", component_id=component.id, fiscal_year=fiscal_year), 303)
        return _show(component, fiscal_year, refused=str(Locked(assessment)), status=409)
    form = assessment_form(domains_of(assessment))
    problems, conflict, changes, status = {}, None, [], 200
    if request.method != "POST":
        form.fill(assessment)
        form.version.data = assessment.version if assessment else 0
        form.mark_opened()
    elif form.validate_on_submit():
        try:
            saved, changed = save(db.session, component, fiscal_year, form.posted(), user=current_user,
                                  version=form.version.data)
        except Locked as error:
            db.session.rollback()
            return _show(component, fiscal_year, refused=str(error), status=409)
        except EditConflict as error:
            db.session.rollback()
            conflict, status = error, 409
            _reset_version(form, error.assessment)
            saved = assessment_form(domains_of(error.assessment), formdata=None)
            saved.fill(error.assessment)
            changes = form.merged(saved)
        except CapacityError as error:
            db.session.rollback()
            problems, status = error.problems, 400
        else:
            if saved is None:
                flash("Nothing was entered, so nothing was saved.", "info")
            elif changed:
                _flash_evaluated(f"Saved the FY{fiscal_year} assessment of {component.name}.", component,
                                 fiscal_year)
            else:
                flash("Nothing changed, so nothing was saved.", "info")
            return redirect(url_for("capacity.show", component_id=component.id, fiscal_year=fiscal_year), 303)
    else:
        problems, status = form.field_problems(), 400
    return render_template("capacity/edit.html", component=component, fiscal_year=fiscal_year, form=form,
                           assessment=assessment, problems=problems, conflict=conflict, changes=changes,
                           narrative_max=NARRATIVE_MAX), status


@bp.route("/<int:component_id>/<int:fiscal_year>/submit", methods=["POST"], endpoint="submit")
@requires("edit_capacity")
def submit_assessment(component_id, fiscal_year):
    component = _component(component_id, fiscal_year)
    assessment = _assessment(component, fiscal_year)
    form = SubmitForm()
    if not form.validate_on_submit():
        return _show(component, fiscal_year, refused="The form expired or lost its version; open the page again "
                                                     "and submit once more.", status=400)
    try:
        submit(db.session, assessment, user=current_user, version=form.version.data)
    except Locked as error:
        db.session.rollback()
        if not _submitted_by_this_form(assessment, form.version.data):
            return _show(component, fiscal_year, refused=str(error), status=409)
        # the form sent twice (a double click, the back button): submitted once, and said so once more
    except EditConflict as error:
        db.session.rollback()
        return _show(component, fiscal_year, refused=_conflict_words(error) + " Check it, then submit again.",
                     status=409)
    except CapacityError as error:
        db.session.rollback()
        return _show(component, fiscal_year, refused=str(error), status=400)
    _flash_evaluated(f"Submitted the FY{fiscal_year} assessment of {component.name}. The year is locked; an admin "
                     "can reopen it.", component, fiscal_year)
    return redirect(url_for("capacity.show", component_id=component.id, fiscal_year=fiscal_year), 303)


def _submitted_by_this_form(assessment, version: int) -> bool:
    """Whether the submission recorded is this person's, from the very version this form was opened on."""
    return (assessment is not None and assessment.is_submitted and assessment.submitted_by_id == current_user.id
            and assessment.version == version + 1)


@bp.route("/<int:component_id>/<int:fiscal_year>/reopen", methods=["GET", "POST"], endpoint="reopen")
@requires("reopen_capacity")
def reopen_assessment(component_id, fiscal_year):
    component = _component(component_id, fiscal_year)
    assessment = _assessment(component, fiscal_year)
    if not assessment.is_submitted:
        flash(f"The FY{fiscal_year} assessment of {component.name} is a draft: nothing to reopen.", "info")
        return redirect(url_for("capacity.show", component_id=component.id, fiscal_year=fiscal_year), 303)
    form = ReopenForm()
    problem, status, reason_problem = None, 200, None
    if request.method != "POST":
        form.version.data = assessment.version
    elif form.validate_on_submit():
        try:
            reopen(db.session, assessment, form.reason.data, user=current_user, version=form.version.data)
        except EditConflict as error:
            db.session.rollback()
            problem, status = _conflict_words(error), 409
            _reset_version(form, error.assessment)
        except CapacityError as error:
            db.session.rollback()
            problem, status, reason_problem = str(error), 400, error.problems.get((None, "reason"))
        else:
            _flash_evaluated(f"Reopened the FY{fiscal_year} assessment of {component.name}: it is a draft again.",
                             component, fiscal_year)
            return redirect(url_for("capacity.show", component_id=component.id, fiscal_year=fiscal_year), 303)
    elif form.reason.errors:  # the reason's own problem (a hidden text-direction character), named beside it
        problem = reason_problem = " ".join(form.reason.errors)
        status = 400
    else:
        problem, status = "The form expired or lost its version; open the page again.", 400
    return render_template("capacity/reopen.html", component=component, assessment=assessment, form=form,
                           problem=problem, reason_problem=reason_problem), status


# ----------------------------------------------------------------------------- helpers

def _component(component_id: int, fiscal_year: int) -> Component:
    """The component, or 404 (as for a fiscal year no assessment can have)."""
    component = db.session.get(Component, component_id)
    if component is None or not planned_year(fiscal_year):
        abort(404)
    return component


def _assessment(component: Component, fiscal_year: int):
    assessment = find(db.session, component.id, fiscal_year)
    if assessment is None:
        abort(404)
    return assessment


def _show(component: Component, fiscal_year: int, *, refused: str | None = None, status: int = 200):
    view = assessment_view(db.session, current_user, component, fiscal_year, agency_today(),
                           lambda commitment_id: url_for("commitments.show", commitment_id=commitment_id))
    form = SubmitForm()
    form.version.data = view.version
    return render_template("capacity/show.html", view=view, submit_form=form, refused=refused,
                           may_edit=may_edit(current_user, view.assessment),
                           may_reopen=may_reopen(current_user, view.assessment),
                           may_create_commitment=can(current_user, "create_commitment")), status


def _reset_version(form, assessment) -> None:
    """After a conflict the form carries the version saved now, so saving again replaces it knowingly."""
    form.version.raw_data = None
    form.version.data = assessment.version if assessment else 0


def _conflict_words(error: EditConflict) -> str:
    when = f" at {moment(error.at)}" if error.at else ""
    who = "You (in another tab or window)" if error.by_you(current_user) else error.by or "Someone else"
    return f"{who} saved this assessment{when}, after you opened it; nothing was saved."
