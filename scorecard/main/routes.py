"""Home: where each role starts, with the agency's headline numbers."""
from flask import render_template
from flask_login import current_user

from scorecard.extensions import db
from scorecard.main import bp
from scorecard.main.services import home_summary
from scorecard.permissions import requires


@bp.route("/")
@requires("view_dashboards")
def index():
    return render_template("main/index.html", summary=home_summary(db.session), user=current_user)


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}
