"""The route a finished briefing downloads from: /dashboards/briefings/<job id>. Signed in (the
app's deny-by-default check) and only by the user who asked for it; anyone else gets the same
404 as for a job that does not exist."""
import io

from flask import Blueprint, abort, current_app, send_file
from flask_login import current_user

from dashboards.briefing import jobs
from scorecard.extensions import db
from scorecard.permissions import requires

bp = Blueprint("briefings", __name__)


def gone_words() -> str:
    """Why there is no briefing at the address: it was never this user's, or it has been removed since."""
    hours = jobs.kept_for(current_app).total_seconds() / 3600
    return (f"There is no briefing here for you: a briefing is kept for the user who asked for it, for {hours:g} "
            "hours, then removed. Make a new one with the overview's briefing buttons.")


@bp.get("/dashboards/briefings/<job_id>")
@requires("view_dashboards")
def download(job_id: str):
    found = jobs.file_for(current_app, db.session, job_id, current_user.id)
    if found is None:
        abort(404, description=gone_words())
    data, name, mimetype = found
    response = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
