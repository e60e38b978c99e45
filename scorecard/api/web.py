"""The pages of the API for people: "API tokens" (make and revoke your own personal access tokens)
and the documentation page, which lists every operation of the OpenAPI document (served by the
app itself, no CDN)."""
import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from scorecard.api.forms import NewTokenForm, RevokeForm
from scorecard.api.problems import TITLES
from scorecard.api.tokens import (
    TokenError,
    create_token,
    made_from,
    new_form_id,
    revoke_token,
    scopes_for,
    tokens_of,
)
from scorecard.clock import moment
from scorecard.extensions import db
from scorecard.models import utcnow
from scorecard.permissions import requires

tokens_bp = Blueprint("api_tokens", __name__)
docs_bp = Blueprint("api_docs", __name__)
SCOPE_WORDS = {"read": "Read: read everything your role may see",
               "write": "Write: read, and change what your role may change"}


def _form(sent: bool = True) -> NewTokenForm:
    """The new-token form: as sent, or (`sent=False`) a fresh one, with a form id of its own."""
    form = NewTokenForm() if sent else NewTokenForm(formdata=None)
    form.scope.choices = [SelectChoice(s.value, SCOPE_WORDS[s.value]) for s in scopes_for(current_user)]
    if not sent or not form.is_submitted():
        form.form_id.data = new_form_id()
    return form


def _sent_before(token):
    """The answer to a form that made `token` before: the page, saying which token, and no other."""
    flash(f"This form was sent before: token {token.prefix}… was made from it at {moment(token.created_at)}, "
          "and no other. Its secret was shown only once; if you did not copy it, revoke that token and create "
          "another.", "info")
    return redirect(url_for("api_tokens.index"), 303)


@tokens_bp.route("/", methods=["GET", "POST"])
@requires("view_dashboards")  # every role: a token is its user's own, with their role and never more
def index():
    form, secret, status = _form(), None, 200
    if form.validate_on_submit():
        earlier = made_from(db.session, current_user, form.form_id.data)
        if earlier is not None:
            return _sent_before(earlier)
        try:
            token, secret = create_token(db.session, current_user, scope=form.scope.data, name=form.name.data,
                                         expires_days=form.expires_days.data, by=current_user,
                                         form_id=form.form_id.data or None)
        except TokenError as error:
            db.session.rollback()
            form.scope.errors = list(form.scope.errors) + [str(error)]
            status = 400
        except sa.exc.IntegrityError:  # the same form sent twice at once (a double click): the other made it
            db.session.rollback()
            earlier = made_from(db.session, current_user, form.form_id.data)
            if earlier is None:
                raise
            return _sent_before(earlier)
        else:
            flash(f"Token {token.prefix}… created. Copy it now: it is shown only once.", "success")
            form = _form(sent=False)
    elif form.is_submitted():
        status = 400
        if form.form_id.errors:  # a form this page did not make: the next press sends one it did
            form.form_id.data = new_form_id()
    return render_template("api/tokens.html", form=form, secret=secret, tokens=tokens_of(db.session, current_user),
                           revoke=RevokeForm(), now=utcnow()), status


@tokens_bp.route("/<int(max=2147483647):token_id>/revoke", methods=["GET", "POST"])
@requires("view_dashboards")
def revoke(token_id):
    """Opened, a step before the revoke (it cannot be taken back); sent, the revoke."""
    if request.method != "POST":
        token = next((t for t in tokens_of(db.session, current_user) if t.id == token_id and not t.revoked_at), None)
        if token is None:  # not the user's, or revoked already: the list says which they have
            return redirect(url_for("api_tokens.index"), 303)
        return render_template(
            "confirm.html", title=f"Revoke the token “{token.name}”",
            said=[f"Whatever uses it (it starts {token.prefix}…) is refused from the moment it is revoked.",
                  "A revoked token never works again: to go on, create a new one and give it its place."],
            action=url_for("api_tokens.revoke", token_id=token.id), button="Revoke the token",
            back=url_for("api_tokens.index"))
    form = RevokeForm()
    if not form.validate_on_submit():
        return redirect(url_for("api_tokens.index"), 303)
    token = revoke_token(db.session, current_user, token_id)
    if token is None:
        flash("You have no such token.", "error")
    else:
        flash(f"Token {token.prefix}… revoked; it no longer works.", "success")
    return redirect(url_for("api_tokens.index"), 303)


@docs_bp.route("/docs")
def page():
    """Every operation of the OpenAPI document: method, path, summary, parameters, body, answers."""
    spec = current_app.extensions["scorecard.api"].spec.to_dict()
    operations = []
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                operations.append({"method": method.upper(), "path": path, **operation})
    return render_template("api/docs.html", spec=spec, operations=operations, problems=TITLES)
