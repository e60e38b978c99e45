"""Leader performance plans: list, a plan with proposed ratings and their why-links, decisions,
and the ratings export (export.py)."""
from flask import Blueprint

bp = Blueprint("plans", __name__)

from scorecard.plans import routes  # noqa: E402,F401
