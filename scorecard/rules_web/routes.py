"""Rule pages. Reading needs `view_rules`; drafting and simulating `draft_rules`; publishing
and retiring `publish_rules` (admins) — all checked here, on the server."""
import json
from typing import Optional

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from scorecard.a11 import ensure_standard_metrics
from scorecard.extensions import db
from scorecard.fields import counting_number
from scorecard.findings.listing import concluded
from scorecard.models import AuditEvent, Rule, RuleStatus, RuleSubject, RuleVersion
from scorecard.people import person_seen_by
from scorecard.periods import parse_period
from scorecard.permissions import can, requires
from scorecard.rules import tasks
from scorecard.rules.schema import RuleError
from scorecard.rules.service import simulate
from scorecard.rules.store import (
    PublishedSince,
    RuleExists,
    default_pack,
    digest,
    import_rules,
    list_rules,
    publish_version,
    retire,
    save,
)
from scorecard.rules_web import bp
from scorecard.rules_web.forms import ActionForm, PublishForm, RetireForm, RuleForm
from scorecard.rules_web.words import describe
from scorecard.writers import hold

NEW_RULE = {"key": "my-new-rule", "title": "A new rule", "applies_to": RuleSubject.program.value,
            "when": {"fact": "attainment", "metric": "trust", "op": "lt", "value": 1.0},
            "then": {"flag": "below_target", "severity": "medium"},
            "explain": "{program} trust was below target in {period}."}


@bp.route("/")
@requires("view_rules")
def index():
    return render_template("rules/index.html", rules=list_rules(db.session), form=ActionForm())


@bp.route("/default-pack", methods=["POST"])
@requires("publish_rules")
def publish_default_pack():
    """Publish the rules an agency starts with (scorecard/rules/default_pack.json) while there is no rule yet: an
    agency made without the demo had no way on the web to any status. Once rules are there it changes none."""
    _check_form()
    if db.session.scalar(sa.select(Rule.id).limit(1)) is not None:
        flash("The default pack is published only while there is no rule yet: the rules here are left as they are.",
              "error")
        return redirect(url_for("rules.index")), 303
    ensure_standard_metrics(db.session)  # the A-11 metrics its rules read, before any import made them
    try:
        saved = import_rules(db.session, default_pack(), publish=True, user_id=current_user.id)
    except RuleError as error:
        db.session.rollback()
        flash("; ".join(error.problems), "error")
        return redirect(url_for("rules.index")), 303
    db.session.commit()
    flash(f"The default pack of {len(saved)} rules is published. {_reevaluated('the default pack published')}",
          "success")
    return redirect(url_for("rules.index")), 303


@bp.route("/<key>")
@requires("view_rules")
def show(key):
    rule = _rule(key)
    versions = rule.versions
    chosen = (next((v for v in reversed(versions) if v.status is RuleStatus.draft), None)
              or next((v for v in reversed(versions) if v.status is RuleStatus.published), None) or versions[-1])
    return redirect(url_for("rules.version", key=key, number=chosen.version))


@bp.route("/<key>/versions/<int:number>")
@requires("view_rules")
def version(key, number):
    """A version: its definition, what it concluded (a quarter's findings, `period` and `page` in the
    address) and the rule's history."""
    rule, chosen = _version(key, number)
    period, page, unread = _listing_args(request.args)
    return render_template("rules/version.html", rule=rule, version=chosen, words=describe(chosen.definition),
                           pretty=json.dumps(chosen.definition, indent=2), form=ActionForm(),
                           digest=digest(chosen.definition), people=_who(rule),
                           concluded=concluded(db.session, current_user, chosen, period, page), unread=unread)


def _listing_args(args) -> tuple[Optional[str], int, list[str]]:
    """The findings list's quarter and page from the address; a value that cannot be read is left out and
    said (the newest quarter, the first page shown)."""
    # a value given twice: which was meant is not known, so neither is read
    unread = [f"the {what} is given {len(args.getlist(key))} times"
              for key, what in (("period", "quarter"), ("page", "page")) if len(args.getlist(key)) > 1]
    period = None if len(args.getlist("period")) > 1 else args.get("period", "").strip() or None
    if period is not None:
        try:
            period = str(parse_period(period))
        except ValueError:
            unread.append(f"the quarter “{period[:20]}” (a fiscal quarter reads as FY2026-Q4)")
            period = None
    raw = "" if len(args.getlist("page")) > 1 else args.get("page", "").strip()
    page = counting_number(raw) if raw else 1
    if page is None:
        unread.append(f"the page “{raw[:20]}” (a whole number from 1)")
    return period, page or 1, unread


def _who(rule: Rule) -> dict[int, tuple[str, Optional[str]]]:
    """{version id: (who saved it, who published it)} for the history, as the viewer reads people ("you"):
    the publisher is the audit log's (a version keeps when it was published, not by whom); None for a
    version never published."""
    ids = [v.id for v in rule.versions]
    published = dict(db.session.execute(
        sa.select(AuditEvent.entity_id, AuditEvent.user_id)
        .where(AuditEvent.entity_type == "rule_version", AuditEvent.action == "rule.publish",
               AuditEvent.entity_id.in_(ids)).order_by(AuditEvent.id)).all())
    return {v.id: (person_seen_by(db.session, v.created_by_id, current_user),
                   person_seen_by(db.session, published.get(v.id), current_user) if v.published_at else None)
            for v in rule.versions}


@bp.route("/new", methods=["GET", "POST"])
@requires("draft_rules")
def new():
    return _editor(None, json.dumps(NEW_RULE, indent=2))


@bp.route("/<key>/edit", methods=["GET", "POST"])
@requires("draft_rules")
def edit(key):
    rule = _rule(key)
    draft = next((v for v in reversed(rule.versions) if v.status is RuleStatus.draft), None)
    latest = draft or rule.versions[-1]
    # ?start=N: a new draft from version N (a retired one, to roll back), which "Make a new draft" on its page
    # opened as the latest version's, saying nothing
    start = request.args.get("start")  # a version's number as it writes it: "abc" or "1.0" names none
    started = latest if start is None else next((v for v in rule.versions if str(v.version) == start), None)
    if started is None:
        abort(404, description=f"Rule {rule.key!r} has no version {request.args.get('start')!r} to start from.")
    return _editor(rule, json.dumps(started.definition, indent=2), based_on=latest,
                   started=started if started is not latest else None, draft=draft)


def _editor(rule, initial: str, based_on=None, started=None, draft=None):
    """The editor of `rule` (None: a new rule) opened on `initial`, checked at saving against `based_on`, the
    version it was opened over; `started` the other version its text came from, `draft` the rule's draft."""
    form = RuleForm()
    if request.method != "POST":
        form.definition.data = initial
        form.based_on.data = digest(based_on.definition) if based_on is not None else ""
    problems, simulation, status = [], None, 200
    if form.validate_on_submit():
        try:
            definition = form.parsed()
            if rule is not None and isinstance(definition, dict) and definition.get("key") != rule.key:
                raise RuleError([f"key: this page edits rule {rule.key!r}; to make another rule, use New rule"])
            saved_already = None if form.simulate.data else _saved_since(rule, form, definition)
            if saved_already is not None:
                return _saved_already(saved_already)
            if form.simulate.data:
                simulation = simulate(db.session, definition)
                db.session.rollback()
            else:
                try:
                    saved = save(db.session, definition, user_id=current_user.id, new=rule is None)
                except RuleExists:  # made by another request since the check: this form sent twice, or another
                    db.session.rollback()
                    saved_already = _saved_since(None, form, definition)  # RuleError when it is not this one's
                    if saved_already is None:
                        raise
                    return _saved_already(saved_already)
                db.session.commit()
                flash(f"Rule {saved.key} version {saved.version}: {saved.action}.", "success")
                return redirect(url_for("rules.version", key=saved.key, number=saved.version))
        except RuleError as error:
            db.session.rollback()
            problems, status = error.problems, 409 if isinstance(error, SavedMeanwhile) else 400
        except ValueError as error:
            db.session.rollback()
            problems, status = [f"{form.definition.label.text}: {error}"], 400
    elif form.errors:
        # named as the page names the field ("Rule (JSON)", not the form's "definition")
        problems, status = [f"{form[name].label.text}: {' '.join(errors)}" if name in form else ' '.join(errors)
                            for name, errors in form.errors.items()], 400
    return render_template("rules/edit.html", rule=rule, form=form, problems=problems, simulation=simulation,
                           not_done="simulated" if form.simulate.data else "saved", started=started, draft=draft,
                           next_version=rule.versions[-1].version + 1 if rule is not None else None), status


def _saved_since(rule, form, definition) -> Optional[RuleVersion]:
    """Before a save: what was saved since the editor opened, read under the rule's hold. None when
    nothing was; the version, when it is this person's saving of exactly this (the form sent again);
    RuleError, when it is someone else's (or another rule of a new rule's key)."""
    if rule is None:
        key = definition.get("key") if isinstance(definition, dict) else None
        existing = db.session.scalar(sa.select(Rule).where(Rule.key == key)) if isinstance(key, str) else None
        if existing is None:
            return None
        if _sent_again(existing.versions[-1], definition):
            return existing.versions[-1]
        raise RuleExists(key)
    hold(db.session, Rule, rule.id)  # what the editor opened, read again as it is now
    draft = next((v for v in reversed(rule.versions) if v.status is RuleStatus.draft), None)
    based_on = draft or rule.versions[-1]
    if (form.based_on.data or draft is not None) and form.based_on.data != digest(based_on.definition):
        if _sent_again(based_on, definition):
            return based_on
        who = person_seen_by(db.session, based_on.created_by_id, current_user)
        who = "you, in another tab or window," if who == "you" else who
        raise SavedMeanwhile([f"(rule): version {based_on.version} of {rule.key!r} was saved by {who} after you opened "
                              "the editor; nothing was saved. Open the editor again to see it."])
    return None


class SavedMeanwhile(RuleError):
    """Someone saved the rule after this editor was opened: answered 409 (a conflict, as the README says
    of two people saving one rule), nothing saved."""


def _sent_again(version: RuleVersion, definition) -> bool:
    """Whether `version` is this person's saving of exactly `definition`: the same form sent again (a
    double click, the back button), not someone else's change."""
    return (version is not None and version.created_by_id == current_user.id
            and version.status in (RuleStatus.draft, RuleStatus.published)  # a retired one: not a resend
            and digest(version.definition) == digest(json.loads(json.dumps(definition))))


def _saved_already(version: RuleVersion):
    flash(f"Rule {version.rule.key} version {version.version}: saved already, as sent.", "success")
    return redirect(url_for("rules.version", key=version.rule.key, number=version.version))


@bp.route("/<key>/versions/<int:number>/simulate", methods=["POST"])
@requires("draft_rules")
def simulate_version(key, number):
    rule, chosen = _version(key, number)
    _check_form()
    try:
        simulation = simulate(db.session, chosen.definition)
    except RuleError as error:
        db.session.rollback()
        flash("; ".join(error.problems), "error")
        return redirect(url_for("rules.version", key=key, number=number)), 303
    db.session.rollback()
    return render_template("rules/simulation.html", rule=rule, version=chosen, simulation=simulation)


@bp.route("/<key>/versions/<int:number>/publish", methods=["POST"])
@requires("publish_rules")
def publish(key, number):
    _, chosen = _version(key, number)
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    if form.shown.data != digest(chosen.definition):
        flash(f"Version {number} was changed after you opened it; read it again, then publish.", "error")
        return redirect(url_for("rules.version", key=key, number=number)), 303
    try:
        published = publish_version(db.session, key, version=number, user_id=current_user.id)
        db.session.commit()
    except RuleError as error:
        db.session.rollback()
        flash("; ".join(error.problems), "error")
        return redirect(url_for("rules.version", key=key, number=number)), 303
    flash(f"Rule {key} version {published.version} is published. {_reevaluated(f'rule {key} published')}",
          "success")
    return redirect(url_for("rules.version", key=key, number=number))


@bp.route("/<key>/retire", methods=["GET", "POST"])
@requires("publish_rules")
def retire_rule(key):
    """Opened, a step before retiring the rule's published version; sent, the retire."""
    rule = _rule(key)
    if request.method != "POST":
        published = next((v for v in rule.versions if v.status is RuleStatus.published), None)
        if published is None:  # nothing to retire: the rule's page says where it stands
            return redirect(url_for("rules.show", key=key), 303)
        return render_template(
            "confirm.html", title=f"Retire the rule {key}",
            said=[f"Its published version {published.version} stops being evaluated, and the agency's data is "
                  "evaluated again without it at once.",
                  "The rule is used again only when a draft of it is published."],
            action=url_for("rules.retire_rule", key=key), button="Retire the rule",
            back=url_for("rules.version", key=key, number=published.version), hidden={"version": published.version})
    form = RetireForm()
    if not form.validate_on_submit():
        abort(400)
    try:  # the version asked about (the form's checks: a number), retired only if it is still the one published
        retired = retire(db.session, key, user_id=current_user.id, version=int(form.version.data))
        db.session.commit()
    except PublishedSince as error:
        db.session.rollback()
        flash(error.problems[0], "error")
        return redirect(url_for("rules.version", key=key, number=error.published)), 303
    except RuleError as error:
        db.session.rollback()
        flash("; ".join(error.problems), "error")
        return redirect(url_for("rules.show", key=key)), 303
    flash(f"Rule {key} version {retired.version} is retired. {_reevaluated(f'rule {key} retired')}", "success")
    return redirect(url_for("rules.version", key=key, number=retired.version))


def _reevaluated(reason: str) -> str:
    """Queue the evaluation a published or retired rule calls for; what to tell the user."""
    return tasks.WORDS[tasks.reevaluate(current_app._get_current_object(), reason=reason)]


def _check_form() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


def _rule(key: str) -> Rule:
    rule = db.session.scalar(sa.select(Rule).where(Rule.key == key))
    if rule is None or not rule.versions:
        abort(404)
    return rule


def _version(key: str, number: int) -> tuple[Rule, RuleVersion]:
    rule = _rule(key)
    chosen = next((v for v in rule.versions if v.version == number), None)
    if chosen is None:
        abort(404)
    return rule, chosen


@bp.app_context_processor
def _rule_permissions():
    return {"may_draft_rules": lambda: can(current_user, "draft_rules"),
            "may_publish_rules": lambda: can(current_user, "publish_rules")}
