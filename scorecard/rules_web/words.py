"""A rule definition in plain words, for people who will not read its JSON."""
from typing import Any

OP_WORDS = {"lt": "is below", "le": "is at most", "gt": "is above", "ge": "is at least", "eq": "is",
            "ne": "is not", "between": "is between", "in": "is one of"}
SUBJECT_WORDS = {"program": "each program", "requirement": "each plan requirement",
                 "commitment": "each commitment", "capacity_domain": "each capacity-assessment domain"}
FACT_WORDS = {
    "metric_value": "the value of {metric}", "n": "the respondents to {metric}",
    "reported": "{metric} was reported", "sufficient": "{metric} has enough respondents",
    "attainment": "attainment of the {metric} target", "target_status": "the target status of {metric}",
    "change": "the change in {metric}", "change_direction": "the significant direction of change in {metric}",
    "declined": "{metric} declined significantly", "improved": "{metric} improved significantly",
    "consecutive_below_target": "consecutive quarters of {metric} below target",
    "consecutive_at_or_above_target": "consecutive quarters of {metric} at or above target",
    "trend_slope": "the trend of {metric}", "reporting_share": "the share of programs reporting {metric}",
    "commitment_status": "the commitment's status", "overdue": "the commitment is overdue",
    "days_overdue": "days overdue", "days_since_update": "days since the last update",
    "days_to_due": "days until due", "capacity_score": "the domain's self-assessed score",
}
VS_WORDS = {"prior": "against the prior quarter", "year_ago": "against the same quarter last year"}


def describe(definition: dict) -> list[str]:
    """Sentences: whom the rule applies to, when it fires, what it concludes."""
    applies = definition.get("applies_to", "")
    lines = [f"Applies to {SUBJECT_WORDS.get(applies, applies)}{_select(definition.get('select') or {})}."]
    when = definition.get("when")
    lines.append(f"When {_condition(when)}." if when else "Always (no condition).")
    lines.append(f"Then {_then(definition.get('then') or {})}.")
    if definition.get("explain"):
        lines.append(f"Explains itself as: “{definition['explain']}”")
    return lines


def _select(select: dict) -> str:
    if not select:
        return ""
    parts = [f"{key.replace('_', ' ')} {_value(value)}" for key, value in select.items()]
    return " where " + " and ".join(parts)


def _condition(node: Any) -> str:
    if not isinstance(node, dict):
        return str(node)
    if "all" in node:
        return "all of: (" + "; ".join(_condition(n) for n in node["all"]) + ")"
    if "any" in node:
        return "any of: (" + "; ".join(_condition(n) for n in node["any"]) + ")"
    if "not" in node:
        return "not (" + _condition(node["not"]) + ")"
    return _leaf(node)


def _fact(node: dict, name: str) -> str:
    words = FACT_WORDS.get(name, name.replace("_", " ")).format(metric=node.get("metric") or "the linked metric")
    extras = []
    window = node.get("window") or {}
    if window.get("year_to_date"):
        extras.append("over the fiscal year to date")
    elif window.get("periods"):
        kind = "consecutive quarters" if window.get("consecutive") else "quarters"
        extras.append(f"over the last {window['periods']} {kind}")
    if node.get("vs"):
        extras.append(VS_WORDS.get(node["vs"], node["vs"]))
    if node.get("at"):
        extras.append(f"at {node['at']}")
    if node.get("min_n"):
        extras.append(f"with at least {node['min_n']} respondents")
    return " ".join([words] + extras)


def _leaf(node: dict) -> str:
    op = OP_WORDS.get(node.get("op"), node.get("op"))
    value = node.get("value")
    if node.get("op") == "between" and isinstance(value, list) and len(value) == 2:
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
            text = f"set the {kind} by {_fact(outcome, outcome.get('by', '?'))}"
            bands = outcome.get("bands") or []
            if bands:
                text += ": " + ", ".join(f"{_value(b[1])} from {_value(b[0])}" for b in bands
                                          if isinstance(b, list) and len(b) == 2)
            if "else" in outcome:
                text += f", otherwise {_value(outcome['else'])}"
            if outcome.get("scale"):
                text += f" (scaled to {outcome['scale'][0]:g}-{outcome['scale'][1]:g})"
            return text
    return "do nothing"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    return str(value)
