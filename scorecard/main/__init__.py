"""The home page and health check."""
from flask import Blueprint

bp = Blueprint("main", __name__)

from scorecard.main import routes  # noqa: E402,F401
