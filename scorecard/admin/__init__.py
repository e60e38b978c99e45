"""Administration: the Users pages (create, deactivate, change role and function, link to a
leader, reset a password, unlock sign-in; administrators) and the audit log with its filters and
CSV export (administrators and executives). Every change made here is an audit event."""
from flask import Blueprint

bp = Blueprint("admin", __name__)

from scorecard.admin import routes  # noqa: E402,F401


def init_app(app) -> None:
    """Audit the uploads and preview cancellations the import pages and the API make."""
    from scorecard.admin import hooks

    hooks.connect()
