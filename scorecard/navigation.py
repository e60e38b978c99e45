"""The primary navigation every page carries, in one list: the Flask pages' header
(templates/base.html, through the `nav_items` template global) and the dashboards' (dashboards.chrome)
draw the items the signed-in user may open, in this order, the item of the page shown marked as current; and
where the dashboards are served, which the Flask pages link into (a finding's program page)."""
from urllib.parse import quote_plus

from flask import url_for
from werkzeug.routing import BuildError

from scorecard.permissions import can

DASHBOARDS = "/dashboards/"  # the Dash app's base path (dashboards.URL_BASE)


def program_page(program_id: int, period: str | None = None) -> str:
    """A program's dashboard page, for a quarter (written out: a dashboard page links hundreds)."""
    return f"{DASHBOARDS}program?id={int(program_id)}" + (f"&period={quote_plus(period)}" if period is not None else "")


def function_page(code: str) -> str:
    """A C-suite function's dashboard page (its commitments, metrics and leaders)."""
    return f"{DASHBOARDS}function?code={quote_plus(code)}"


# The footer every page carries (templates/base.html and dashboards.chrome): one line, and the pages any
# visitor may open, signed in or not (label, endpoint).
FOOTER = "CX Scorecard — customer-experience accountability under OMB Circular A-11 Section 280."
FOOTER_LINKS = [("Accessibility statement", "main.accessibility")]


def footer_links() -> list[tuple[str, str]]:
    """(label, href) of the footer's links."""
    return [(label, url_for(endpoint)) for label, endpoint in FOOTER_LINKS]


# (label, endpoint or path, actions any one of which shows the item; none: everyone signed in)
PRIMARY_NAV = [
    ("Home", "main.index", ()),
    ("Dashboards", DASHBOARDS, ()),
    ("Commitments", "commitments.index", ("view_commitments",)),
    ("Capacity assessments", "capacity.index", ("view_capacity",)),
    ("Plans", "plans.index", ("view_plans",)),
    ("Rules", "rules.index", ("view_rules",)),
    ("Imports", "imports.history", ("import_data", "upload_commitments")),
    ("Outbox", "reminders.outbox", ("read_outbox",)),
    ("Users", "admin.users", ("manage_users",)),
    ("Audit log", "admin.audit", ("view_audit",)),
    ("API tokens", "api_tokens.index", ()),
]


def nav_items(user) -> list[tuple[str, str]]:
    """(label, href) of the primary navigation `user` may see."""
    items = []
    for label, target, actions in PRIMARY_NAV:
        if actions and not any(can(user, action) for action in actions):
            continue
        try:
            items.append((label, target if target.startswith("/") else url_for(target)))
        except BuildError:  # a feature this app was built without
            continue
    return items


def current_item(items: list[tuple[str, str]], path: str) -> str | None:
    """The href of the item of `items` the page at `path` belongs to: the longest href the path begins with
    (a user's page is under Users, an import's under Imports), Home only on the home page itself; None for a
    page no item leads to (a finding's why-page)."""
    under = [href for _label, href in items
             if path == href or (href != "/" and path.startswith(href.rstrip("/") + "/"))]
    return max(under, key=len, default=None)
