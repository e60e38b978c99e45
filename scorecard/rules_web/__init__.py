"""Rule pages: the list, a version in plain words beside its JSON, drafts, what-if, publishing."""
from flask import Blueprint

bp = Blueprint("rules", __name__)

from scorecard.rules_web import routes  # noqa: E402,F401
