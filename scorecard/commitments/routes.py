"""Commitment pages. Every route checks the role (`requires`) and then the commitment itself:
a commitment outside the person's scope is not found, one they may see but not change is
forbidden, so a POST to another function's commitment never saves."""
import io
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
from flask import abort, current_app, flash, g, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from itsdangerous import BadData, URLSafeSerializer
from wtforms.fields.choices import SelectChoice

from scorecard import json_bodies
from scorecard.clock import agency_today, day_of
from scorecard.commitments import bp
from scorecard.commitments.attention import overdue_days, past_due_warning
from scorecard.commitments.export import write_commitments
from scorecard.commitments.forms import (
    CommitmentForm,
    DropForm,
    NewCommitmentForm,
    StatusForm,
    status_choices,
)
from scorecard.commitments.listing import SORTS, Filters, list_commitments
from scorecard.commitments.services import (
    CLOSED,
    FIELD_LABELS,
    STATUS_LABELS,
    STATUS_ORDER,
    CommitmentError,
    EditConflict,
    check,
    conflict,
    create_commitment,
    created_again,
    drop_commitment,
    dropped_beyond,
    functions_for_new,
    may_drop,
    may_edit,
    may_see,
    parse_links,
    sent_again,
    snapshot,
    update_commitment,
)
from scorecard.commitments.view import commitment_view
from scorecard.extensions import db
from scorecard.models import (
    CAPACITY_DOMAINS,
    Agency,
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    Component,
    Function,
    Leader,
    Metric,
    Program,
    Role,
    utcnow,
)
from scorecard.people import person_seen_by
from scorecard.permissions import can, requires
from scorecard.rules import tasks
from scorecard.text import filters_in_file_name, line_breaks, refused_download


@bp.app_context_processor
def _commitment_links() -> dict:
    """`may_see_commitment(c)` for every page: a commitment is linked only where its page would open
    for the viewer (a leader sees their own, an officer their function's), never a link to a 404. And
    the commitment pages' words for a commitment shown elsewhere (a plan's requirement): its status
    (`commitment_status_labels`) and the days it is overdue, or None (`commitment_overdue_days(c)`)."""
    return {"may_see_commitment": lambda commitment: may_see(current_user, commitment),
            "commitment_status_labels": STATUS_LABELS,
            "commitment_overdue_days": lambda commitment: overdue_days(commitment, agency_today())}


@bp.route("/")
@requires("view_commitments")
def index():
    filters = Filters.from_args(request.args, db.session, current_user)
    listing = list_commitments(db.session, current_user, filters, agency_today(),
                               page=request.args.get("page", 1, type=int))
    functions = list(db.session.scalars(sa.select(Function).order_by(Function.code)))
    if current_user.role is Role.officer:
        functions = [f for f in functions if f.id == current_user.function_id]
    components = _components()
    agencies = list(db.session.scalars(sa.select(Agency).order_by(Agency.name)))
    return render_template("commitments/index.html", listing=listing, filters=filters, functions=functions,
                           agencies=agencies, components=components, domains=CAPACITY_DOMAINS, sorts=SORTS,
                           labels=STATUS_LABELS, order=STATUS_ORDER, may_create=can(current_user, "create_commitment"),
                           may_upload=can(current_user, "upload_commitments"))


@bp.route("/download.<any(xlsx, csv):kind>")
@requires("view_commitments")
def download(kind):
    """The commitments the list shows (the person's scope, the same filters), to edit offline and
    upload back through the import (each row carries its id and the version it was downloaded at)."""
    filters = Filters.from_args(request.args, db.session, current_user)
    if filters.problems:
        abort(400, description=refused_download(filters.problems))
    listing = list_commitments(db.session, current_user, filters, agency_today(), page=None)
    scope = {Role.officer: current_user.function.code if current_user.function else "none",
             Role.leader: "mine"}.get(current_user.role, "all")
    # the filters said too: a file of the at-risk two bore the name of the whole list
    chosen = filters_in_file_name(filters.args(sort=None), flags=("overdue",))
    name = f"commitments-{scope}{chosen}-{agency_today().isoformat()}.{kind}"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"commitments.{kind}"  # the name the browser is given may be long (filters)
        write_commitments(db.session, [row.commitment for row in listing.rows], path)
        data = io.BytesIO(path.read_bytes())
    mimetype = ("text/csv" if kind == "csv"
                else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return send_file(data, as_attachment=True, download_name=name, mimetype=mimetype)


@bp.route("/<int:commitment_id>")
@requires("view_commitments")
def show(commitment_id):
    commitment = _visible(commitment_id)
    view = commitment_view(db.session, commitment, agency_today(), min_n=current_app.config["SURVEY_MIN_N"])
    beyond = dropped_beyond(current_user, commitment)  # a leader's dropped commitment: said, not an update form
    return render_template("commitments/show.html", view=view, labels=STATUS_LABELS,
                           may_edit=may_edit(current_user, commitment) and not beyond,
                           dropped_note=beyond and _dropped_beyond(commitment),
                           may_drop=may_drop(current_user, commitment))


@bp.route("/<int:commitment_id>/edit", methods=["GET", "POST"])
@requires("edit_commitment")
def edit(commitment_id):
    commitment = _visible(commitment_id)
    if not may_edit(current_user, commitment):
        abort(403)
    if dropped_beyond(current_user, commitment):  # the form would offer only statuses refused them: its page says why
        if request.method == "POST":
            flash(NOT_SAVED_DROPPED, "info")
        return redirect(url_for("commitments.show", commitment_id=commitment.id), 303)
    form = _update_form(commitment)
    found_conflict, status = None, 200
    if request.method != "POST":
        form.fill(snapshot(commitment))
        _opened_at(form, commitment)
    elif form.validate_on_submit():
        due_before, was_closed = commitment.due_date, commitment.status in CLOSED
        values = _sent_values(form)
        try:
            update = update_commitment(db.session, commitment, values, user=current_user,
                                       version=form.version.data, note=form.note.data)
        except EditConflict as error:
            db.session.rollback()
            commitment = error.commitment
            if dropped_beyond(current_user, commitment):  # dropped while the form was open: theirs cannot be saved
                flash(NOT_SAVED_DROPPED, "info")
                return redirect(url_for("commitments.show", commitment_id=commitment.id), 303)
            if sent_again(commitment, values, current_user, form.note.data):
                flash(f"Saved: {commitment.title}. The form was sent twice; it was saved once.", "success")
                return redirect(url_for("commitments.show", commitment_id=commitment.id), 303)
            opened = _opened(form)
            found_conflict = conflict(db.session, commitment, opened, values, current_user,
                                      since=_opened_since(opened))
            form.fill(found_conflict.merged)
            _opened_at(form, commitment)
            form.status.choices = _statuses(commitment)
            status = 409
        except CommitmentError as error:
            db.session.rollback()
            _show_problems(form, error)
            status = 400
        else:
            flash(f"Saved: {commitment.title}." if update else "Nothing changed, so nothing was saved.",
                  "success" if update else "info")
            _flash_past_due(commitment, due_before, was_closed=was_closed)
            _flash_unevaluated()
            return redirect(url_for("commitments.show", commitment_id=commitment.id), 303)
    else:
        _ask_the_domain_too(form, commitment)
        _show_stored_date(form, commitment)
        status = 400
    return render_template("commitments/edit.html", commitment=commitment, form=form, conflict=found_conflict,
                           leader_only=isinstance(form, StatusForm) and not isinstance(form, CommitmentForm),
                           labels_status=STATUS_LABELS), status


@bp.route("/new", methods=["GET", "POST"])
@requires("create_commitment")
def new():
    functions = functions_for_new(db.session, current_user)
    if not functions:
        abort(403)
    form = NewCommitmentForm()
    # one function (an officer's) is chosen already; of several (an admin's), none is until the person
    # chooses: a browser shows the first option of a list without a blank one, and would file it there
    form.function_id.choices = ([] if len(functions) == 1 else [SelectChoice("", "Choose the function")]) + [
        SelectChoice(str(f.id), f"{f.code} — {f.name}") for f in functions]
    _choices(form, functions[0] if len(functions) == 1 else None)
    form.status.choices = status_choices()
    status = 200
    if request.method != "POST":
        form.function_id.data = functions[0].id if len(functions) == 1 else None
        _prefill_from_capacity(form)
    elif form.validate_on_submit():
        try:
            commitment = create_commitment(db.session, form.values(), user=current_user,
                                           function_id=form.function_id.data, note=form.note.data)
        except CommitmentError as error:
            db.session.rollback()
            earlier = "title" in error.problems and created_again(
                db.session, form.values(), user=current_user, function_id=form.function_id.data, note=form.note.data)
            if earlier:  # this form sent again (a double click, Back and send): made once, said so
                flash(f"Already saved: {earlier.title}. The form was sent twice; the commitment was created once.",
                      "info")
                return redirect(url_for("commitments.show", commitment_id=earlier.id), 303)
            _show_problems(form, error)
            status = 400
        except PermissionError:
            db.session.rollback()
            abort(403)
        else:
            flash(f"Created: {commitment.title}.", "success")
            _flash_past_due(commitment)
            _flash_unevaluated()
            return redirect(url_for("commitments.show", commitment_id=commitment.id), 303)
    else:
        _ask_the_domain_too(form, None, None if form.function_id.errors else form.function_id.data)
        status = 400
    return render_template("commitments/new.html", form=form), status


def _prefill_from_capacity(form) -> None:
    """An action-plan item started from a capacity domain (/capacity/...): its domain and component
    are filled in when they are among the form's choices; anything else in the query is ignored."""
    domain = request.args.get("capacity_domain")
    if domain in {value for value, *_ in form.capacity_domain.choices}:
        form.capacity_domain.data = domain
    component = request.args.get("component_id", "")
    if component and component in {str(value) for value, *_ in form.component_id.choices}:
        form.component_id.data = int(component)


@bp.route("/<int:commitment_id>/drop", methods=["GET", "POST"])
@requires("drop_commitment")
def drop(commitment_id):
    commitment = _visible(commitment_id)
    if commitment.status is CommitmentStatus.dropped and may_edit(current_user, commitment):
        # sent twice, or dropped by someone else while this form was open: said so, not a refusal
        flash(_dropped_already(commitment), "info")
        return redirect(url_for("commitments.show", commitment_id=commitment.id), 303)
    if not may_drop(current_user, commitment):
        abort(403)
    form = DropForm()
    status, changed = 200, None
    if request.method != "POST":
        _opened_at(form, commitment)
    elif form.validate_on_submit():
        try:
            drop_commitment(db.session, commitment, form.reason.data, user=current_user,
                            version=form.version.data, note=form.note.data)
        except EditConflict as error:
            db.session.rollback()
            commitment = error.commitment
            if commitment.status is CommitmentStatus.dropped:  # dropped meanwhile (a double click): said so
                flash(_dropped_already(commitment), "info")
                return redirect(url_for("commitments.show", commitment_id=commitment.id), 303)
            # what was saved meanwhile, field by field (nothing of the drop's own is compared: it sets the status)
            opened = _opened(form)
            changed = conflict(db.session, commitment, opened, {}, current_user, since=_opened_since(opened))
            _opened_at(form, commitment)
            status = 409
        except CommitmentError as error:
            db.session.rollback()
            _show_problems(form, error)
            status = 400
        else:
            flash(f"Dropped: {commitment.title}. It stays in the list, with its history.", "success")
            _flash_unevaluated()
            return redirect(url_for("commitments.show", commitment_id=commitment.id), 303)
    else:
        status = 400
    return render_template("commitments/drop.html", commitment=commitment, form=form, changed=changed,
                           labels=STATUS_LABELS), status


# ----------------------------------------------------------------------------- helpers

def _dropped_already(commitment: Commitment) -> str:
    """"Already dropped by ... on ...: reason"; nothing more was changed."""
    return f"{commitment.title} was already {_dropped_words(commitment)}; nothing more was changed."


# A leader's update of a commitment dropped (dropped_beyond) is not saved: said above the page's own note of why
# (it was said twice, the note's words once more in the message, "nothing was changed" after a mere link too).
NOT_SAVED_DROPPED = "Your update was not saved: nothing was changed."


def _dropped_beyond(commitment: Commitment) -> str:
    """To a leader (dropped_beyond), who dropped the commitment and who may take it back up."""
    return (f"{commitment.title} was {_dropped_words(commitment)}. Only the {commitment.function.code} function's "
            "officers and administrators can take it back up.")


def _dropped_words(commitment: Commitment) -> str:
    """"dropped by ... on ... (reason)", or "dropped" when no update says so."""
    # the update that dropped it, not a note added since (its status reads dropped too)
    update = next((u for u in db.session.scalars(sa.select(CommitmentUpdate).where(
        CommitmentUpdate.commitment_id == commitment.id, CommitmentUpdate.status == CommitmentStatus.dropped)
        .order_by(CommitmentUpdate.at.desc(), CommitmentUpdate.id.desc())) if "status" in (u.changes or {})), None)
    if update is None:
        return "dropped"
    who = person_seen_by(db.session, update.user_id, current_user)
    reason = (update.reason or "").strip()
    # a reason is up to 10,000 characters; the message travels in the session cookie (4 KB at most)
    why = f" ({reason if len(reason) <= 200 else reason[:200].rstrip() + '…'})" if reason else ""
    return f"dropped by {who} on {day_of(update.at)}{why}"


def _visible(commitment_id: int) -> Commitment:
    """The commitment; 404 when there is none, 403 saying whose it is when it is outside the person's scope
    (every role sees every function's commitments listed on the dashboards: "no page at this address" read
    as a link out of date)."""
    commitment = db.session.get(Commitment, commitment_id)
    if commitment is None:
        abort(404)
    if not may_see(current_user, commitment):
        own = ("the commitments that name you" if current_user.role is Role.leader else
               f"the {current_user.function.code}'s commitments" if current_user.function is not None else
               "no commitment's page")
        abort(403, description=f"This commitment is one of the {commitment.function.code}'s: your role opens {own}. "
                               "Every function's commitments are listed on the dashboards' C-suite functions page.")
    return commitment


def _update_form(commitment: Commitment):
    if current_user.role is Role.leader:
        form = StatusForm()
    else:
        form = CommitmentForm()
        _choices(form, commitment.function)
    form.status.choices = _statuses(commitment)
    return form


def _statuses(commitment: Commitment):
    return status_choices(commitment.status)


def _components() -> list[Component]:
    """Every component, by agency then name (each labelled with its agency: two may share a name)."""
    return list(db.session.scalars(sa.select(Component).join(Agency).order_by(Agency.name, Component.name)
                                   .options(sa.orm.contains_eager(Component.agency))))


def _choices(form, function) -> None:
    session = db.session
    form.set_choices(
        leaders=list(session.scalars(sa.select(Leader).order_by(Leader.name).options(  # each one's labels in one read
            sa.orm.joinedload(Leader.component).joinedload(Component.agency), sa.orm.joinedload(Leader.function)))),
        components=_components(),
        # a component's programs together under its label (two agencies' components may share a name)
        programs=list(session.scalars(sa.select(Program).join(Component).join(Agency)
                                      .order_by(Agency.name, Component.name, Program.name)
                                      .options(sa.orm.joinedload(Program.component).joinedload(Component.agency)))),
        metrics=list(session.scalars(sa.select(Metric).order_by(Metric.name))),
        function=function)


def _opened_signer() -> URLSafeSerializer:
    """Signs the form's record of the fields as opened: it names records (a leader, programs) that a
    conflict's table shows by name, so one altered by hand counts as none rather than naming others."""
    return URLSafeSerializer(current_app.secret_key, salt="commitment-form-opened")


def _opened_at(form, commitment: Commitment) -> None:
    """The form now stands for the stored version: its number and every field as it is (those the form
    does not show too: a conflict then shows what someone else changed in them)."""
    form.version.data, form.version.raw_data = commitment.version, None
    opened = {**snapshot(commitment), OPENED_AT: utcnow().isoformat()}  # when: a conflict lists the notes since
    form.opened.data, form.opened.raw_data = _opened_signer().dumps(opened), None


OPENED_AT = "_opened_at"  # no field's name


def _opened_since(opened: dict) -> Optional[datetime]:
    """When the form was opened, from its record of how it was opened (`_opened`); None: a form from before it
    said so, or altered."""
    try:
        return datetime.fromisoformat(opened.get(OPENED_AT) or "")
    except (TypeError, ValueError):
        return None


def _sent_values(form) -> dict:
    """The update form's values as the domain takes them, a line of its evidence box that is a link it was opened
    with kept whole: read again (evidence.split_links), a link stored before that reading (a final semicolon,
    through the API) changed in the officer's name on a save that only added a note or another link, unsaid."""
    values = form.values()
    shown = _opened(form).get("evidence_links")
    if "evidence_links" in values and isinstance(shown, list) and all(isinstance(link, str) for link in shown):
        values["evidence_links"] = parse_links(line_breaks(form.evidence_links.data or ""), kept=frozenset(shown))
    return values


def _opened(form) -> dict:
    """The fields as the form was opened (a signed hidden field; anything unreadable or altered counts as
    none)."""
    try:
        opened = json_bodies.refusing_depth(lambda: _opened_signer().loads(form.opened.data or ""))
    except (ValueError, BadData):  # malformed, altered, or nested too deeply to read
        return {}
    if not isinstance(opened, dict):
        return {}
    return {name: value for name, value in opened.items() if _plain(value)}


def _plain(value) -> bool:
    """A value a field is stored as: a text, a number, none, or a list of ids or texts (an object or a
    nested list in the hidden field was never written by this form)."""
    scalar = (str, int, float, type(None))
    return isinstance(value, scalar) or (isinstance(value, list) and all(isinstance(v, scalar) for v in value))


def _flash_past_due(commitment: Commitment, due_before=None, *, was_closed: bool = False) -> None:
    """After a save that set an open commitment's due date to a day already past, or took a closed one back up
    past it: say what it reads as now."""
    warning = past_due_warning(commitment, current_user, due_before, was_closed=was_closed)
    if warning:
        flash(warning, "warning")


def _flash_unevaluated() -> None:
    """After a save: say so when the rules could not be queued to judge the commitment again (its flags
    and the ratings reading it stay as they were until the next evaluation)."""
    if g.get("commitment_evaluation") == tasks.NOT_QUEUED:
        flash(tasks.WORDS[tasks.NOT_QUEUED], "warning")


def _show_stored_date(form, commitment: Commitment) -> None:
    """A due date refused as half typed (forms.DayField) is shown again as stored: the browser sends such a box
    blank, and a box shown empty was saved empty by the next press of Save, the due date lost."""
    field = getattr(form, "due_date", None)
    if field is not None and getattr(field, "incomplete", False):
        field.raw_data, field.data = None, commitment.due_date


def _ask_the_domain_too(form, commitment, function_id=None) -> None:
    """The form's own checks refused a field (an empty title): the domain's rules are asked about the
    fields that passed, so one submit shows every problem (the missing reason too), each beside its
    field. A form whose CSRF token failed is answered as it is."""
    if "csrf_token" in form.errors:
        return
    problems = check(db.session, commitment, form.passed_values(), user=current_user, function_id=function_id)
    _show_problems(form, CommitmentError({name: message for name, message in problems.items()
                                          if not any(f.name == name and f.errors for f in form)}))


def _show_problems(form, error: CommitmentError) -> None:
    """Each refused field's message beside the field (or at the top when the form has none)."""
    for name, message in error.problems.items():
        target = next((field for field in form if field.name == name), None)
        text = f"{FIELD_LABELS.get(name, name)}: {message}" if target is None else message
        if target is None:
            form.form_errors.append(text)
        else:
            target.errors = list(target.errors) + [message]
