"""Programs' pooled scores of one metric in one quarter (scorecard.scores)."""
from flask import current_app

from scorecard.api import schemas as s
from scorecard.api.base import Blueprint, metric_named, page_of_list
from scorecard.api.problems import PROBLEM_JSON
from scorecard.extensions import db
from scorecard.scores import program_scores_for

blp = Blueprint("api_scores", __name__, description="Programs' scores: answer counts pooled over channels and "
                                                "touchpoints, with the 95% confidence interval, target and status.")


@blp.route("/scores")
@blp.arguments(s.ScoreArgs, location="query")
@blp.response(200, s.page_of(s.ScoreSchema))
@blp.alt_response(422, schema=s.ProblemSchema, content_type=PROBLEM_JSON,
                  description="A parameter has a bad value, or `metric` is the code of no metric (each in `errors`).")
def scores(args):
    """One item per program with a score of the metric in the quarter, by program id. A program without one (no
    results, or only rows without answer counts or values) is not listed: its finding says no_data."""
    metric = metric_named(db.session, args["metric"])
    found = program_scores_for(db.session, metric, args["period"], agency_id=args.get("agency_id"),
                               component_id=args.get("component_id"), program_id=args.get("program_id"),
                               min_n=current_app.config["SURVEY_MIN_N"])
    return page_of_list(found, args, key=lambda score: score.program.id)
