"""Where a dashboard line leads: the drill-down and why-pages, as plain URLs (no Dash here, so
query functions may name them too)."""
from urllib.parse import urlencode

from scorecard.navigation import DASHBOARDS, function_page, program_page

program = program_page  # a program's drill-down page (the Flask pages' why-pages link to it too)
function = function_page  # a C-suite function's drill-down page (its commitments, metrics and leaders)


def dashboard(path: str = "", **query) -> str:
    """A dashboard page (`path` below /dashboards/) with its filters in the query string; filters
    that are None are left out."""
    query = {k: v for k, v in query.items() if v is not None}
    return DASHBOARDS + path.lstrip("/") + (f"?{urlencode(query, doseq=True)}" if query else "")


def finding(finding_id: int) -> str:
    """A finding's why-page: the rule version, the inputs it read, the explanation."""
    return f"/findings/{finding_id}"


def commitment(commitment_id: int) -> str:
    return f"/commitments/{commitment_id}"


def commitments(**query) -> str:
    """The commitments list, filtered (status=..., overdue=1, stale=30)."""
    query = {k: v for k, v in query.items() if v is not None}
    return "/commitments/" + (f"?{urlencode(query, doseq=True)}" if query else "")


def plan(plan_id: int) -> str:
    return f"/plans/{plan_id}"


def capacity(component_id: int, fiscal_year: int) -> str:
    """A component's capacity assessment for a fiscal year (the Flask page)."""
    return f"/capacity/{component_id}/{fiscal_year}"
