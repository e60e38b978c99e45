"""Home: where each role starts, with the agency's headline numbers; and the health check."""

import logging

import sqlalchemy as sa
from flask import current_app, render_template
from flask_login import current_user

from scorecard.clock import agency_today
from scorecard.commitments.attention import needs_update
from scorecard.dispatch import job_service_problem, queued
from scorecard.errors import RETRY_AFTER, database_gone
from scorecard.extensions import db
from scorecard.main import bp
from scorecard.main.services import (
    HEALTH_WAIT_SECONDS,
    database_answers,
    home_summary,
    jobs_not_taken,
    own_commitments,
    schema_problem,
)
from scorecard.permissions import requires
from scorecard.text import counted

log = logging.getLogger(__name__)


@bp.route("/")
@requires("view_dashboards")
def index():
    config = current_app.config
    attention = needs_update(db.session, current_user, agency_today(), due_days=config["REMIND_DUE_DAYS"],
                             stale_days=config["REMIND_STALE_DAYS"])
    return render_template("main/index.html", summary=home_summary(db.session), user=current_user,
                           own_commitments=own_commitments(db.session, current_user),
                           attention=attention, due_days=config["REMIND_DUE_DAYS"],
                           stale_days=config["REMIND_STALE_DAYS"])


@bp.route("/healthz")
def healthz():
    """For a load balancer: 200 while this process reaches its database and the database holds this
    release's schema, else 503 with Retry-After (a host that can only answer 503 is taken out of the
    rotation): a database never migrated, or behind the release, answered 200 while signing in failed.
    A job service (Redis) that does not answer is 200 "degraded" naming it: the pages still render, so
    the host stays in rotation, and a monitor sees why uploads fail (it read "ok" before). A database that
    does not answer within HEALTH_WAIT_SECONDS is unavailable too (one that hung held the check until it
    came back). Jobs queued for minutes and not started are "degraded" too (`jobs_not_taken`)."""
    try:
        answered = database_answers(current_app._get_current_object())
    except sa.exc.OperationalError as error:
        database_gone(error)
        return {"status": "database unavailable"}, 503, {"Retry-After": RETRY_AFTER}
    if not answered:
        log.warning("database unavailable: no answer within %s s", HEALTH_WAIT_SECONDS)
        return ({"status": "database unavailable", "detail": f"no answer within {HEALTH_WAIT_SECONDS} s"}, 503,
                {"Retry-After": RETRY_AFTER})
    problem = schema_problem(db.session)
    if problem:
        return {"status": "database not migrated", "detail": problem}, 503, {"Retry-After": RETRY_AFTER}
    jobs = job_service_problem(current_app) or (jobs_not_taken(db.session) if queued(current_app) else None)
    if jobs:
        return {"status": "degraded", "detail": jobs}
    return {"status": "ok"}


@bp.route("/accessibility")
def accessibility():
    """The accessibility statement: open to anyone, signed in or not (it is linked from every page's footer,
    the sign-in page's too)."""
    config = current_app.config
    return render_template("main/accessibility.html", idle_minutes=counted(config["SESSION_IDLE_MINUTES"], "minute"),
                           warn_seconds=counted(config["SESSION_WARN_SECONDS"], "second"))
