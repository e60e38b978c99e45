"""The outbox: every message the app sent over SMTP or holds because no SMTP server is set
(administrators only)."""
import sqlalchemy as sa
from flask import render_template

from scorecard.extensions import db
from scorecard.models import MailMessage
from scorecard.permissions import requires
from scorecard.reminders import bp

PAGE = 200  # messages listed, newest first


@bp.route("/")
@requires("read_outbox")
def outbox():
    total = db.session.scalar(sa.select(sa.func.count()).select_from(MailMessage)) or 0
    messages = db.session.scalars(sa.select(MailMessage).order_by(MailMessage.id.desc()).limit(PAGE)).all()
    return render_template("reminders/outbox.html", messages=messages, total=total)


@bp.route("/<int:message_id>")
@requires("read_outbox")
def message(message_id):
    return render_template("reminders/message.html", message=db.get_or_404(MailMessage, message_id))
