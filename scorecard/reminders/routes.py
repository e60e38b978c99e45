"""The outbox: every message the app sent over SMTP or holds because no SMTP server is set, and a
button that sends the reminders owed today (administrators only)."""
import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from scorecard.admin.forms import ActionForm
from scorecard.dispatch import NotQueued
from scorecard.extensions import db
from scorecard.models import AuditEvent, MailMessage
from scorecard.paging import page_of
from scorecard.permissions import requires
from scorecard.reminders import bp, tasks
from scorecard.reminders.mail import MailSettings
from scorecard.reminders.services import Settings

PAGE = 200  # messages a page lists, newest first


@bp.route("/")
@requires("read_outbox")
def outbox():
    total = db.session.scalar(sa.select(sa.func.count()).select_from(MailMessage)) or 0
    shown = page_of(total, request.args.get("page", 1, type=int), PAGE)
    messages = db.session.scalars(sa.select(MailMessage).order_by(MailMessage.id.desc())
                                  .offset(shown.start).limit(PAGE)).all()
    return render_template("reminders/outbox.html", messages=messages, total=total, shown=shown, form=ActionForm())


@bp.route("/send", methods=["POST"])
@requires("send_reminders")
def send():
    """Send the reminders owed today now, in the background (as cron's `scorecard remind` does)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:  # a setting that cannot work: say so now, not in a log
        MailSettings.from_config(current_app.config)
        Settings.from_config(current_app.config)
    except ValueError as error:
        flash(f"Nothing was sent: {error}.", "error")
        return redirect(url_for("reminders.outbox")), 303
    try:
        tasks.send_in_background(current_app._get_current_object())
    except NotQueued as error:
        flash(str(error), "error")
    else:  # who sent the day's reminders early, and when (the messages themselves are in the outbox)
        db.session.add(AuditEvent(user_id=current_user.id, action="reminders.send", entity_type="outbox",
                                  after={"sent": "the reminders owed today, in the background"}))
        db.session.commit()
        flash("The reminders owed today are being sent in the background; reload this page to see them. "
              "A reminder already sent is not sent again.", "success")
    return redirect(url_for("reminders.outbox")), 303


@bp.route("/<int:message_id>")
@requires("read_outbox")
def message(message_id):
    return render_template("reminders/message.html", message=db.get_or_404(MailMessage, message_id))
