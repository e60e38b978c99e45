"""A rule definition in plain words, for people who will not read its JSON."""
from typing import Any

from scorecard.models import RuleSubject
from scorecard.rules.csuite_facts import STALE_DAYS
from scorecard.rules.facts import FACTS
from scorecard.rules.schema import DEFAULT_ELSE

OP_WORDS = {"lt": "is below", "le": "is at most", "gt": "is above", "ge": "is at least", "eq": "is",
            "ne": "is not", "between": "is between", "in": "is one of", "not_in": "is not one of"}
NEGATED = {"eq": "ne", "ne": "eq", "in": "not_in"}  # `not` around these reads as the opposite op
SUBJECT_WORDS = {RuleSubject.program: "each program", RuleSubject.requirement: "each plan requirement",
                 RuleSubject.commitment: "each commitment",
                 RuleSubject.capacity_domain: "each capacity-assessment domain"}
FACT_WORDS = {
    "metric_value": "the value of {metric}", "n": "the respondents to {metric}",
    "reported": "{metric} was reported", "sufficient": "{metric} has enough respondents",
    "attainment": "attainment of the {metric} target", "target_status": "the target status of {metric}",
    "change": "the change in {metric}", "change_direction": "the significant direction of change in {metric}",
    "declined": "{metric} declined significantly", "improved": "{metric} improved significantly",
    "consecutive_below_target": "consecutive quarters of {metric} below target",
    "consecutive_at_or_above_target": "consecutive quarters of {metric} at or above target",
    "trend_slope": "the trend of {metric}",
    "reporting_share": "the share of programs reporting {metric} in every quarter",
    "commitment_status": "the commitment's status", "overdue": "the commitment is overdue",
    "days_overdue": "days overdue", "days_since_update": "days since the last update",
    "days_to_due": "days until due", "capacity_score": "the domain's self-assessed score",
    "commitments_counted": "the number of the function's commitments (dropped ones left out)",
    "commitments_on_track_share": "the share of the function's commitments on track or complete",
    "commitments_off_track_share": "the share of the function's commitments off track",
    "commitments_overdue": "the number of the function's commitments past their due date and still open",
    "commitments_not_updated": "the number of the function's open commitments not updated",
    "function_metrics_below_target": "the number of the function's own metrics below target",
    "function_attainment": "the function's own metrics against their targets (on average)",
    "function_metrics_measured": "the number of the function's own metrics with a target and enough data",
}
VS_WORDS = {"prior": "against the prior quarter", "year_ago": "against the same quarter last year"}
# select fields that are true or false: (words when true, words when false), said right after the subject
SELECT_BOOL_WORDS = {"hisp": ("that is a HISP", "that is not a HISP"),
                     "results_driven": ("in a Results Driven element", "outside the Results Driven element"),
                     "has_metric": ("that has a linked metric", "that has no linked metric"),
                     "linked_function": ("that names a C-suite function (and so is measured by its commitments)",
                                         "that names no C-suite function")}


def describe(definition: dict) -> list[str]:
    """Sentences: whom the rule applies to, when it fires, what it concludes."""
    subject_type = definition.get("applies_to", "")
    lines = [f"Applies to {SUBJECT_WORDS.get(subject_type, subject_type)}{_select(definition.get('select') or {})}."]
    when = definition.get("when")
    lines.append(f"When {_condition(when)}." if when else "Always (no condition).")
    lines.append(f"Then {_then(definition.get('then') or {})}.")
    if definition.get("explain"):
        lines.append(f"Explains itself as: “{definition['explain']}”")
    return lines


def _select(select: dict) -> str:
    if not isinstance(select, dict) or not select:
        return ""
    that, where = [], []
    for key, value in select.items():
        if key in SELECT_BOOL_WORDS and isinstance(value, bool):
            that.append(SELECT_BOOL_WORDS[key][0 if value else 1])
        else:
            verb = "is one of" if isinstance(value, list) else "is"
            where.append(f"{str(key).replace('_', ' ')} {verb} {_value(value)}")
    text = (" " + " and ".join(that)) if that else ""
    return text + (" where " + " and ".join(where) if where else "")


def _condition(node: Any) -> str:
    if not isinstance(node, dict):
        return str(node)
    for group in ("all", "any"):
        parts = node.get(group)
        if isinstance(parts, list) and len(parts) == 1:
            return _condition(parts[0])
        if isinstance(parts, list):
            return f"{group} of: (" + "; ".join(_condition(n) for n in parts) + ")"
    if "not" in node:
        inner = node["not"]
        if isinstance(inner, dict) and inner.get("op") in NEGATED and not {"all", "any", "not"} & set(inner):
            return _leaf({**inner, "op": NEGATED[inner["op"]]})
        return "it is not so that " + _condition(inner)
    return _leaf(node)


def _fact(node: dict, name: str) -> str:
    metric = str(node.get("metric") or "the linked metric")
    words = FACT_WORDS.get(name, str(name).replace("_", " ")).replace("{metric}", metric)
    words = words.replace("the the ", "the ")
    extras = []
    spec_words = FACT_WORDS.get(name, "")
    if node.get("metric") and "{metric}" not in spec_words:  # a function fact narrowed to one metric
        extras.append(f"(only {node['metric']})")
    window = node.get("window")
    spec = FACTS.get(name) if isinstance(name, str) else None
    if not isinstance(window, dict):  # no window given: the fact's own default, said out loud
        default = spec.default_window if spec else None
        window = ({"periods": default.periods, "consecutive": default.consecutive,
                   "year_to_date": default.year_to_date} if default else {})
    each = words.endswith("in every quarter")  # "... in every quarter of the fiscal year to date"
    if window.get("year_to_date"):
        extras.append(f"{'of' if each else 'over'} the fiscal year to date")
    elif window.get("periods"):
        kind = "consecutive quarters" if window.get("consecutive") else "quarters"
        extras.append(f"{'of' if each else 'over'} the last {window['periods']} {kind}")
    if node.get("vs"):
        extras.append(VS_WORDS.get(node["vs"], node["vs"]))
    if node.get("at"):
        extras.append(f"at {node['at']}")
    if node.get("min_n"):
        extras.append(f"with at least {node['min_n']} respondents")
    if name == "commitments_not_updated":
        extras.append(f"for {node.get('days') or STALE_DAYS} days or more")  # as the fact counts them
    return " ".join([words] + extras)


def _leaf(node: dict) -> str:
    op = OP_WORDS.get(node.get("op"), node.get("op"))
    value = node.get("value")
    spec = FACTS.get(node.get("fact")) if isinstance(node.get("fact"), str) else None
    if spec is not None and spec.returns == "bool" and node.get("op") in ("eq", "ne") and isinstance(value, bool):
        holds = value == (node["op"] == "eq")
        return _fact(node, node["fact"]) if holds else f"it is not so that {_fact(node, node['fact'])}"
    if node.get("op") == "not_in" and isinstance(value, list):
        shown = _value(value)
    elif node.get("op") == "between" and isinstance(value, list) and len(value) == 2:
        shown = f"{_value(value[0])} and {_value(value[1])}"
    else:
        shown = _value(value)
    return f"{_fact(node, node.get('fact', '?'))} {op} {shown}"


def _then(then: dict) -> str:
    if "flag" in then:
        severity = f" ({then['severity']} severity)" if then.get("severity") else ""
        return f"flag it “{then['flag']}”{severity}"
    for kind in ("rating", "status", "score"):
        if kind in then:
            outcome = then[kind]
            if not isinstance(outcome, dict):
                return f"set the {kind} to {_value(outcome)}"
            if isinstance(outcome.get("cases"), list):
                text = f"set the {kind} to the first that holds of: " + "; ".join(
                    f"{_value(c.get('value'))} when {_condition(c.get('when'))}" for c in outcome["cases"]
                    if isinstance(c, dict))
                return text + _otherwise(kind, outcome, "; ")
            text = f"set the {kind} from {_fact(outcome, outcome.get('by', '?'))}"
            bands = outcome.get("bands") or []
            if bands:
                text += ": " + ", ".join(f"{_value(b[1])} when it is at least {_value(b[0])}" for b in bands
                                          if isinstance(b, list) and len(b) == 2)
            if bands or "else" in outcome:  # a fact that is itself a status (target_status) has no otherwise
                text += _otherwise(kind, outcome, ", ")
            if outcome.get("scale"):
                text += f" (scaled to {outcome['scale'][0]:g}-{outcome['scale'][1]:g})"
            return text
    return "do nothing"


def _otherwise(kind: str, outcome: dict, joined: str) -> str:
    """What the rule concludes where nothing it lists holds: its "else", or for a rating or status without one
    the default it gets (DEFAULT_ELSE, the harshest: left unsaid, a rating of 1 read as never given)."""
    if "else" in outcome:
        return f"{joined}otherwise {_value(outcome['else'])}"
    if kind in DEFAULT_ELSE:
        return f"{joined}otherwise {_value(DEFAULT_ELSE[kind])} (no “else” is given: this is the default)"
    return ""


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    return str(value)
