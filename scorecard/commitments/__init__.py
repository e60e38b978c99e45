"""C-suite commitments on the web: the list with its filters, a commitment with its programs'
current status and its history, update, create and drop (each checked, versioned and audited)."""
from flask import Blueprint

bp = Blueprint("commitments", __name__)

from scorecard.commitments import routes  # noqa: E402,F401
