"""Who may call which operation of the API: one table, checked for every request.

Each operation (method and OpenAPI path) names the actions of `scorecard.permissions` its caller's
role must have (any one of them) and whether it writes, which a read token never may. An
operation missing from the table is refused (deny by default), and the tests fail for every
operation of the OpenAPI document without a rule here. Per-object scope (an officer's own
function, a leader's own plan, an uploader's own batch) is checked again by the operation itself,
with the same services the web pages use."""
import re
from dataclasses import dataclass
from typing import Optional

from scorecard.permissions import PERMISSIONS

PREFIX = "/api/v1"
VIEW, IMPORTS = ("view_dashboards",), ("import_data", "upload_commitments")


@dataclass(frozen=True)
class Rule:
    actions: tuple[str, ...]
    writes: bool = False


def _read(*actions: str) -> Rule:
    return Rule(actions)


def _write(*actions: str) -> Rule:
    return Rule(actions, writes=True)


RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/agencies"): _read(*VIEW),
    ("GET", "/agencies/{agency_id}"): _read(*VIEW),
    ("GET", "/components"): _read(*VIEW),
    ("GET", "/components/{component_id}"): _read(*VIEW),
    ("GET", "/programs"): _read(*VIEW),
    ("GET", "/programs/{program_id}"): _read(*VIEW),
    ("GET", "/functions"): _read(*VIEW),
    ("GET", "/functions/{function_id}"): _read(*VIEW),
    ("GET", "/metrics"): _read(*VIEW),
    ("GET", "/metrics/{metric_id}"): _read(*VIEW),
    ("GET", "/observations"): _read(*VIEW),
    ("GET", "/observations/{observation_id}"): _read(*VIEW),
    ("POST", "/observations"): _write("import_data"),
    ("GET", "/scores"): _read(*VIEW),
    # Findings are the dashboards' data; those about a plan requirement follow the plan's visibility.
    ("GET", "/findings"): _read(*VIEW),
    ("GET", "/findings/{finding_id}"): _read(*VIEW),
    ("GET", "/commitments"): _read("view_commitments"),
    ("GET", "/commitments/{commitment_id}"): _read("view_commitments"),
    ("PATCH", "/commitments/{commitment_id}"): _write("edit_commitment"),
    ("GET", "/plans"): _read("view_plans"),
    ("GET", "/plans/{plan_id}"): _read("view_plans"),
    ("GET", "/capacity-assessments"): _read("view_capacity"),
    ("GET", "/capacity-assessments/{assessment_id}"): _read("view_capacity"),
    ("GET", "/imports"): _read(*IMPORTS),
    ("POST", "/imports"): _write(*IMPORTS),
    ("GET", "/imports/{batch_id}"): _read(*IMPORTS),
    ("POST", "/imports/{batch_id}/confirm"): _write(*IMPORTS),
    ("POST", "/imports/{batch_id}/cancel"): _write(*IMPORTS),
    ("POST", "/imports/{batch_id}/revert"): _write(*IMPORTS),
}

for _rule in RULES.values():  # a typo in an action would deny everyone silently
    for _action in _rule.actions:
        if _action not in PERMISSIONS:
            raise KeyError(f"unknown action {_action!r} in the API's permission table")

_CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def openapi_path(flask_rule: str) -> str:
    """`/api/v1/commitments/<int:commitment_id>` → `/commitments/{commitment_id}` (the table's key)."""
    path = _CONVERTER.sub(r"{\1}", flask_rule)
    return path[len(PREFIX):] if path.startswith(PREFIX) else path


def rule_for(method: str, flask_rule: str) -> Optional[Rule]:
    path = openapi_path(flask_rule)
    if method == "OPTIONS":
        # Answered with the path's methods (Allow), reading and changing nothing: whoever may call one of the
        # path's operations may ask, with a read token too; a path of POSTs alone has no GET rule to borrow.
        actions = tuple(dict.fromkeys(action for (_, at), rule in RULES.items() if at == path
                                      for action in rule.actions))
        return Rule(actions) if actions else None
    return RULES.get(("GET" if method == "HEAD" else method, path))
