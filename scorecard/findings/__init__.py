"""Why-pages: a finding with its rule version, the inputs it read and its explanation."""
from flask import Blueprint

bp = Blueprint("findings", __name__)

from scorecard.findings import routes  # noqa: E402,F401
