"""Home: where each role starts, with the agency's headline numbers."""
from datetime import date

from flask import current_app, render_template
from flask_login import current_user

from scorecard.commitments.services import needs_update
from scorecard.extensions import db
from scorecard.main import bp
from scorecard.main.services import home_summary
from scorecard.permissions import requires


@bp.route("/")
@requires("view_dashboards")
def index():
    config = current_app.config
    attention = needs_update(db.session, current_user, date.today(), due_days=config["REMIND_DUE_DAYS"],
                             stale_days=config["REMIND_STALE_DAYS"])
    return render_template("main/index.html", summary=home_summary(db.session), user=current_user,
                           attention=attention, due_days=config["REMIND_DUE_DAYS"],
                           stale_days=config["REMIND_STALE_DAYS"])


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}
