"""The why-page of one finding."""
from flask import abort, render_template
from flask_login import current_user

from scorecard.extensions import db
from scorecard.findings import bp
from scorecard.findings.listing import outcome_words
from scorecard.findings.services import (
    batches_read,
    change_method,
    inputs_of,
    may_see_finding,
    reproduced,
    subject_of,
)
from scorecard.models import Finding
from scorecard.permissions import requires
from scorecard.rules.context import commitments_read_on
from scorecard.rules.explain import score_is_share


@bp.route("/<int:finding_id>")
@requires("view_dashboards")
def show(finding_id):
    finding = db.session.get(Finding, finding_id)
    if finding is None:
        abort(404)
    if not may_see_finding(db.session, current_user, finding):
        abort(404)  # as for a finding that is not there (one of a plan the viewer may not see)
    outcome = outcome_words(finding.rating, finding.status, finding.flag, finding.severity, finding.score,
                            score_is_share(finding.rule_version.definition), finding.outcome)
    inputs = inputs_of(db.session, finding)
    return render_template("findings/show.html", finding=finding, subject=subject_of(db.session, finding),
                           outcome=outcome, inputs=inputs, batches=batches_read(db.session, inputs),
                           version=finding.rule_version, reproduced=reproduced(db.session, finding),
                           read_on=commitments_read_on(finding), change_method=change_method(finding))
