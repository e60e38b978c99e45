"""Explanations: a rule's template rendered with named fields only.

Templates look like ``"{program} trust was below target for {periods} consecutive quarters
({values})."``. Only plain field names are allowed — no attribute or index access, no
conversions, no format specs — and rendering never calls ``str.format``: each field is looked
up by name in a dict of values and turned into text here. A word written "quarter(s)" agrees with
the number the template gave last ("1 quarter", "4 quarters"): a pack's templates read right for
any count.
"""
import math
import re
import string
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Optional

from scorecard.survey import shown_change


def score_is_share(definition: Optional[dict]) -> bool:
    """Whether a rule's score outcome is a share (0 to 1) of something: the fact it scores by is one, by
    name (reporting_share, commitments_on_track_share)."""
    then = (definition or {}).get("then")
    score = then.get("score") if isinstance(then, dict) else None
    return isinstance(score, dict) and str(score.get("by", "")).endswith("_share")


def score_words(score: Optional[float], share: bool) -> str:
    """A finding's score as the pages write it: a share in percent as its explanation gives it ("85.7%",
    "100%", never "1.00" beside a 1-7 self-score), another to two places; "no score" without one."""
    if score is None:
        return "no score"
    if share:
        return f"{100 * score:.1f}".removesuffix(".0") + "%"
    return f"{score:.2f}"


# Every field a template may name, with what it holds (shown in validation messages and docs).
FIELDS = {
    "subject": "the subject's name (program, leader's requirement, commitment or component domain)",
    "program": "the program's name", "component": "the component's name",
    "leader": "the leader's name", "element": "the plan element", "requirement": "the requirement's text",
    "commitment": "the commitment's title", "function": "the function's code",
    "domain": "the capacity domain", "fiscal_year": "the fiscal year",
    "rule": "the rule's title", "period": "the quarter evaluated", "metric": "the metric's name",
    "value": "the metric value read", "n": "respondents", "min_n": "the minimum sample",
    "target": "the target value", "attainment": "value against target (direction-aware), as a percent",
    "prior": "the value a change was measured from", "prior_period": "the quarter a change was measured from",
    "change": "the change of the value", "ci": "the 95% confidence interval of a change",
    "periods": "the number of quarters in the window", "quarters_with_data": "the quarters in the window with data",
    "quarters_read": "those quarters named (FY2026-Q2 to FY2026-Q4)",
    "values": "the values per quarter in the window",
    "programs": "the number of programs read", "reporting": "programs that reported",
    "left_out": "the programs read that were left out, and why (no target for the year, no results), in brackets; "
                "empty when none",
    "share": "a share, as a percent", "slope": "the trend per quarter",
    "days": "days since the last update", "days_overdue": "days past the due date",
    "days_to_due": "days until the due date", "due_date": "the due date",
    "commitment_status": "the commitment's status", "score": "the score found",
    "self_score": "the self-assessed score", "rating": "the proposed rating", "status": "the status found",
    "flag": "the flag raised", "severity": "the flag's severity",
    "commitments": "the function's commitments counted (dropped ones left out)",
    "on_track": "commitments on track or complete", "on_track_share": "the share on track or complete, as a percent",
    "off_track": "commitments off track", "off_track_share": "the share off track, as a percent",
    "overdue": "commitments past their due date and still open", "dropped": "commitments dropped",
    "not_updated": "open commitments not updated lately", "stale_days": "the days that count as not updated lately",
    "commitments_as_of": "the day the function's commitments were read as of (the quarter's last day, or the day "
                         "evaluated within it)",
    "function_metrics": "the function's metrics read against a target", "below_target": "those below target",
    "below_target_metrics": "the names of the function's metrics below target",
    "function_attainment": "the function's metrics against their targets (mean), as a percent",
}

# The names a rule's subject gives its explanation (rules.subjects.subject) that no fact gives, by `applies_to`: a
# template naming one its subject has not read "n/a" in every finding ({program} in a commitment rule).
SUBJECT_NAMES = {"program": {"program", "component"},
                 "requirement": {"leader", "element", "requirement", "fiscal_year"},
                 "commitment": {"commitment"},
                 "capacity_domain": {"component", "domain", "fiscal_year"}}
_SUBJECTS_WORDS = {"program": "a program", "requirement": "a plan requirement", "commitment": "a commitment",
                   "capacity_domain": "a capacity domain"}

PERCENT_FIELDS = {"attainment", "share", "on_track_share", "off_track_share", "function_attainment"}
WORD_FIELDS = {"status", "commitment_status"}  # insufficient_data → "insufficient data"
_NAME = re.compile(r"^[a-z_]+$")
_EITHER = re.compile(r"(\w+)\(s\)")  # "program(s)": singular or plural by the number before it
_FORMATTER = string.Formatter()


def template_problems(template: str, subject: Optional[str] = None) -> list[str]:
    """What is wrong with a template (empty when it is fine); given the rule's subject (`applies_to`), a name
    only another subject gives too."""
    named = set().union(*SUBJECT_NAMES.values())
    try:
        parts = list(_FORMATTER.parse(template))
    except ValueError as error:
        return [f"not a valid template: {error} (write {{{{ and }}}} for literal braces)"]
    problems = []
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if re.fullmatch(r"[A-Za-z_]+", name) and name.lower() in FIELDS and not _NAME.match(name):
            problems.append(f"unknown field {{{name}}}: field names are written in small letters, "
                            f"{{{name.lower()}}}")
        elif not _NAME.match(name):
            problems.append(f"field {{{name}}}: only plain field names are allowed, "
                            "no attribute or index access")
        elif name not in FIELDS:
            problems.append(f"unknown field {{{name}}}; known fields: {', '.join(sorted(FIELDS))}")
        elif isinstance(subject, str) and subject in SUBJECT_NAMES and name in named \
                and name not in SUBJECT_NAMES[subject]:
            given = ", ".join(f"{{{n}}}" for n in ["subject", *sorted(SUBJECT_NAMES[subject])])
            problems.append(f"field {{{name}}} is not known of {_SUBJECTS_WORDS[subject]}, which this rule applies "
                            f"to: every finding would read n/a there; its names are {given}")
        if conversion or spec:
            problems.append(f"field {{{name}}}: conversions and format specs are not allowed; "
                            "values are already rounded")
    return problems


@lru_cache(maxsize=256)
def _parts(template: str) -> tuple:
    return tuple((literal, name) for literal, name, _spec, _conversion in _FORMATTER.parse(template))


def render(template: str, values: Mapping[str, Any]) -> str:
    """The template with each field replaced by its value as text ("n/a" when missing), and each word
    written "word(s)" in the number of the last number given before it."""
    out, count = [], None
    for literal, name in _parts(template):
        out.append(_agreed(literal, count))
        if name is not None:
            value = _shown_change(values) if name == "change" else values.get(name)
            if isinstance(value, int) and not isinstance(value, bool):
                count = value
            text = as_text(value, percent=name in PERCENT_FIELDS)
            out.append(text.replace("_", " ") if name in WORD_FIELDS else text)
    return "".join(out)


def _agreed(literal: str, count: Optional[int]) -> str:
    """`literal` with "word(s)" written "word" after a count of 1 and "words" after any other; as it is
    before any count."""
    if count is None or "(s)" not in literal:
        return literal
    return _EITHER.sub(lambda m: m.group(1) + ("" if count == 1 else "s"), literal)


def _shown_change(values: Mapping[str, Any]) -> Any:
    """A change as the difference of the value and the prior as they are written (4.28 to 3.62 reads
    -0.66, as the dashboards give it, not the unrounded -0.65 beside them); a change of 0 (not
    significant) or without both numbers as it is."""
    change, value, prior = values.get("change"), values.get("value"), values.get("prior")
    if not all(isinstance(v, float) and not isinstance(v, bool) for v in (change, value, prior)) or change == 0:
        return change
    return shown_change(prior, value)


def as_text(value: Any, *, percent: bool = False) -> str:
    """A value as a person reads it: 2 decimals, percents, lists joined, n/a for nothing."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if percent:  # to a tenth, rounded down: 99.6% is never read out as the 100% a band starts at
            return f"{math.floor(value * 1000 + 1e-6) / 10:g}%"
        return f"{value:.2f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(as_text(v, percent=percent) for v in value) or "none"
    return str(value)
