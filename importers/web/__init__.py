"""Import pages: upload, preview with progress, confirm or cancel, history and revert."""
from flask import Blueprint

bp = Blueprint("imports", __name__, template_folder="templates")

from importers.web import routes  # noqa: E402,F401
