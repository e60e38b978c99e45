"""The Users pages (administrators) and the audit log (administrators and executives)."""
import math
from datetime import timedelta

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from scorecard.admin import bp
from scorecard.admin.forms import ROLE_WORDS, AccountForm, ActionForm, AddressUnlockForm, NewUserForm, PasswordForm
from scorecard.admin.services import (
    AccountChanged,
    AuditFilters,
    UserChangeError,
    account_fields,
    audit_choices,
    audit_csv,
    audit_page,
    object_hrefs,
    recent_events,
    reset_password,
    set_active,
    unlock_user,
    update_account,
)
from scorecard.auth.services import account_delay, create_user, new_user_problems, sign_in_state, unlock
from scorecard.clock import agency_now, agency_zone
from scorecard.extensions import db
from scorecard.models import AuditEvent, Function, LoginFailure, Role, User, utcnow
from scorecard.paging import page_of
from scorecard.permissions import requires
from scorecard.text import counted, filters_in_file_name, listed, refused_download

LIST_LIMIT = 500


def _function_choices(form) -> None:
    functions = db.session.scalars(sa.select(Function).order_by(Function.code)).all()
    form.function.choices = [SelectChoice("", "None")] + [SelectChoice(f.code, f"{f.code} — {f.name}")
                                                          for f in functions]


def _delayed_accounts() -> dict:
    """E-mail -> seconds its next sign-in from an untrusted browser must still wait (0: delayed, but
    the wait is over), for accounts past the free failures."""
    config = current_app.config
    now = utcnow()
    rows = db.session.execute(
        sa.select(LoginFailure.email, sa.func.count(), sa.func.max(LoginFailure.at))
        .where(LoginFailure.device.is_(None), LoginFailure.cleared_at.is_(None),
               LoginFailure.at > now - timedelta(hours=config["LOGIN_WINDOW_HOURS"]))
        .group_by(LoginFailure.email).having(sa.func.count() >= config["LOGIN_MAX_FAILURES"])).all()
    return {email: max(0, math.ceil((last + timedelta(seconds=account_delay(count)) - now).total_seconds()))
            for email, count, last in rows}


@bp.route("/users")
@requires("manage_users")
def users():
    return _users_page()


def _users_page(address_form=None, status=200):
    """The users list (filtered by the address's q and role) with the form that unlocks a client address:
    as sent back refusing an address, with its message at the field and the address as typed."""
    q = request.args.get("q", "").strip()[:254]
    roles, problems = _roles_asked(request.args.getlist("role"))
    query = sa.select(User).order_by(User.email)
    if q:
        pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(sa.or_(sa.func.lower(User.email).like(pattern, escape="\\"),
                                   sa.func.lower(User.name).like(pattern, escape="\\")))
    if roles:
        query = query.where(User.role.in_(roles))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    # A page at a time: the list stopped at its first 500, and a user beyond them was found only by guessing a search.
    shown = page_of(total, request.args.get("page", 1, type=int), LIST_LIMIT)
    found = db.session.scalars(query.order_by(User.id).offset(shown.start).limit(LIST_LIMIT)).all()
    return render_template("admin/users.html", users=found, total=total, q=q, chosen=roles, problems=problems,
                           page=shown.number, pages=shown.pages, first=shown.first, roles=list(Role),
                           delayed=_delayed_accounts(), role_words=ROLE_WORDS,
                           address_form=address_form or AddressUnlockForm(prefix="address")), status


def _roles_asked(sent: list[str]) -> tuple[list[Role], list[str]]:
    """The roles the address asks for (one or several), and a problem naming each value that is no role."""
    values = list(dict.fromkeys(v.strip() for v in sent if v.strip()))
    known = [r.value for r in Role]
    refused = [v for v in values if v not in known]
    verb = "is not a role" if len(refused) == 1 else "are not roles"
    problems = [f"Role: {listed(repr(v[:40]) for v in refused)} {verb} (the roles: {', '.join(known)})"
                ] if refused else []
    return [Role(v) for v in values if v in known], problems


@bp.route("/users/new", methods=["GET", "POST"])
@requires("manage_users")
def new_user():
    form = NewUserForm()
    _function_choices(form)
    valid = form.validate_on_submit()

    def said_at_fields() -> bool:
        """Every problem at once, each at its field; whether there was any."""
        found = False
        for name, problem in new_user_problems(form.email.data, form.password.data, Role(form.role.data),
                                               function_code=form.function.data or None,
                                               leader_email=form.leader.data or None, name=form.name.data).items():
            if not form[name].errors:  # one message a field: the form's own (required, too long) comes first
                form[name].errors = [_sentence(_web_words(problem))]
                found = True
        return found
    if request.method == "POST" and form.role.data in {r.value for r in Role} and said_at_fields():
        valid = False
    if valid:
        try:
            user = create_user(form.email.data, form.password.data, Role(form.role.data),
                               function_code=form.function.data or None, leader_email=form.leader.data or None,
                               name=form.name.data, by=current_user)
        except ValueError as error:
            db.session.rollback()
            form.form_errors.append(_sentence(_web_words(str(error))))
        except sa.exc.IntegrityError:  # the same account made at the same moment: by this form sent twice, or not
            db.session.rollback()
            twin = _made_by_this_form_already(form.email.data)
            if twin is not None:  # a double click: the first one made it
                flash(f"{twin.email} was made by this form already (it was sent twice); nothing more was saved.",
                      "info")
                return redirect(url_for("admin.user", user_id=twin.id), 303)
            if not said_at_fields():  # the e-mail, or the leader record, now taken: said at its field, form kept
                form.form_errors.append("Another account was saved at the same moment as this one; nothing was "
                                        "saved. Send the form again.")
        else:
            flash(f"Created {user.email} ({user.role.value}).", "success")
            return redirect(url_for("admin.user", user_id=user.id), 303)
    return render_template("admin/user_new.html", form=form), 400 if request.method == "POST" else 200


def _made_by_this_form_already(email: str):
    """The account of this e-mail when the person sending the new-user form made it a moment ago (the form sent
    twice), else None."""
    made = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == (email or "").strip().lower()))
    if made is None:
        return None
    by = db.session.scalar(sa.select(AuditEvent.user_id).where(
        AuditEvent.action == "user.create", AuditEvent.entity_type == "user", AuditEvent.entity_id == made.id,
        AuditEvent.at > utcnow() - timedelta(minutes=5)))
    return made if by == current_user.id else None


def _target(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _user_page(user: User, *, account=None, password=None, status=200):
    if account is None:
        account = AccountForm(prefix="account", formdata=None)
        account.show(account_fields(user))
    _function_choices(account)
    if user.id == current_user.id:  # taking the administrator role from oneself is refused (update_account)
        account.role.choices = [c for c in account.role.choices if c.value == Role.admin.value]
        account.role.description = "This is your own account: another administrator can change its role."
    return render_template("admin/user.html", user=user, account=account,
                           password=password or PasswordForm(prefix="password", formdata=None),
                           action=ActionForm(), state=sign_in_state(db.session, user.email.lower()),
                           events=recent_events(db.session, user)), status


@bp.route("/users/<int:user_id>")
@requires("manage_users")
def user(user_id):
    return _user_page(_target(user_id))


@bp.route("/users/<int:user_id>/account", methods=["POST"])
@requires("manage_users")
def account(user_id):
    target = _target(user_id)
    form = AccountForm(prefix="account")
    _function_choices(form)
    if form.validate_on_submit():
        try:
            changed = update_account(db.session, target, by=current_user, name=form.name.data,
                                     role=Role(form.role.data), function_code=form.function.data or None,
                                     leader_email=form.leader.data or None, opened=form.opened_on())
        except AccountChanged as error:  # the form shows the account as it is now, and stands for it
            db.session.rollback()
            form.show(error.fields)
            form.form_errors.append(_sentence(str(error)))
            return _user_page(_target(user_id), account=form, status=409)
        except UserChangeError as error:
            db.session.rollback()
            if error.field in form:  # said at its field, as the new-user form says it
                form[error.field].errors = [_sentence(str(error))]
            else:
                form.form_errors.append(_sentence(str(error)))
        else:
            flash("Saved." if changed else "Nothing changed.", "success" if changed else "info")
            return redirect(url_for("admin.user", user_id=target.id), 303)
    form.form_errors.extend(_sentence(error) for error in form.opened.errors)  # a hidden field: said above the form
    return _user_page(target, account=form, status=400)


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@requires("manage_users")
def password(user_id):
    target = _target(user_id)
    form = PasswordForm(prefix="password")
    if form.validate_on_submit():
        try:
            reset_password(db.session, target, form.password.data, by=current_user)
        except UserChangeError as error:
            db.session.rollback()
            form.password.errors.append(_sentence(str(error)))
        else:
            if target.id == current_user.id:  # every session of theirs has ended, this one too
                flash("Your new password is set, and your sessions have ended, this one too: sign in with the new "
                      "password.", "success")
                return redirect(url_for("auth.login", next=url_for("admin.user", user_id=target.id)), 303)
            flash(f"New password set for {target.email}; their sessions have ended. Tell them through a channel "
                  "other than e-mail.", "success")
            return redirect(url_for("admin.user", user_id=target.id), 303)
    return _user_page(target, password=form, status=400)


@bp.route("/users/<int:user_id>/<any(deactivate, reactivate):change>", methods=["POST"])
@requires("manage_users")
def active(user_id, change):
    target = _target(user_id)
    if ActionForm().validate_on_submit():
        try:
            set_active(db.session, target, change == "reactivate", by=current_user)
        except UserChangeError as error:
            db.session.rollback()
            flash(_sentence(str(error)), "error")
            return _user_page(target, status=400)
        state = ("active again (their API tokens stay revoked: they make new ones)" if target.active
                 else "deactivated: their sessions and API tokens no longer work")
        flash(f"{target.email} is {state}.", "success")
    return redirect(url_for("admin.user", user_id=target.id), 303)


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@requires("manage_users")
def unlock_account(user_id):
    target = _target(user_id)
    if ActionForm().validate_on_submit():
        cleared = unlock_user(db.session, target, by=current_user)
        flash(f"{target.email} may sign in again without waiting ({counted(cleared, 'recent failed sign-in')} "
              "cleared).", "success")
    return redirect(url_for("admin.user", user_id=target.id), 303)


@bp.route("/unlock-address", methods=["POST"])
@requires("manage_users")
def unlock_address():
    form = AddressUnlockForm(prefix="address")
    if form.validate_on_submit():
        address = form.address.data.strip()
        cleared = unlock(db.session, client_address=address, by=current_user)
        flash(f"Sign-ins from {address} are no longer held back ({counted(cleared, 'recent failure')} "
              "cleared from its count). An account guessed at from it keeps its own delay: open the user below to "
              "unlock it.",
              "success")
        return redirect(url_for("admin.users"), 303)
    return _users_page(form, status=400)


@bp.route("/audit")
@requires("view_audit")
def audit():
    filters = AuditFilters.from_args(request.args)
    page = audit_page(db.session, filters)
    actions, kinds = audit_choices(db.session)
    hrefs = object_hrefs(db.session, current_user, [event for event, _email in page.rows])
    return render_template("admin/audit.html", filters=filters, page=page, actions=actions, kinds=kinds,
                           hrefs=hrefs, zone=agency_zone().key)


@bp.route("/audit.csv")
@requires("view_audit")
def audit_download():
    """Every event the filters select, oldest first (all pages: a `page` is not a filter here). A filter
    that cannot be read refuses the download, named: the page leaves it out and says so, a file cannot."""
    args = request.args.copy()
    args.pop("page", None)
    filters = AuditFilters.from_args(args)
    if filters.problems:
        abort(400, description=refused_download(filters.problems))
    # the agency's day, as the filters' days; the filters said, as a filtered file is not the whole log
    name = f"audit-log{filters_in_file_name(filters.args())}-{agency_now():%Y%m%d-%H%M%S}.csv"
    return Response(stream_with_context(audit_csv(db.session, filters)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _web_words(text: str) -> str:
    """The services' messages name command-line options; the page names its fields."""
    return text.replace("; pass --leader EMAIL", "").replace("--function (e.g. CFO)", "a function")


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "."
