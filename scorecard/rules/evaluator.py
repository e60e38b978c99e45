"""The pure evaluator: a compiled rule, a subject and a way to read facts in; a finding out.

No database here. Facts arrive through a `resolve(ref, period)` callable that returns a
`FactResult` (value, why it is unknown, the inputs it read, fields for the explanation).

Conditions use three-valued logic: a fact with no value (insufficient data, no target ...)
makes its comparison *unknown*; `all` is false if any part is false, else unknown if any part
is unknown; `any` is true if any part is true; `not unknown` stays unknown. A flag is raised
only when its conditions are true. A rating, status or score whose conditions or facts are
unknown for lack of data becomes `insufficient_data` — never red, never a low rating.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Optional

from scorecard.models.metrics import as_compared
from scorecard.periods import Period, parse_period
from scorecard.rules.explain import render

if TYPE_CHECKING:
    from scorecard.models import RuleSubject

OPS = ("lt", "le", "gt", "ge", "eq", "ne", "between", "in")
STATUSES = ("green", "amber", "red", "insufficient_data")
STATUS_RANK = {"red": 0, "amber": 1, "green": 2}
SEVERITIES = ("low", "medium", "high")
INSUFFICIENT = "insufficient_data"
NO_DATA = "no_data"  # as scorecard.scoring's: a status or score read from nothing at all (no answer, no value)
FINDING_STATUSES = (*STATUSES, NO_DATA)  # a status finding's: a rule's statuses, and the engine's for nothing read
# Reasons a fact has no value that mean "not enough data" (so: insufficient_data, never red).
DATA_REASONS = frozenset({"insufficient_data", "no_data"})


class Truth(Enum):
    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class InputRef:
    """One datum a fact read: the pooled observations of a metric for a subject in a period
    (with every observation id), a target, or a record such as a commitment (its subject key
    names it; `record` holds what it said when read, kept with the finding's facts)."""

    role: str
    metric_id: Optional[int] = None
    subject_key: Optional[str] = None
    period: Optional[str] = None
    value: Optional[float] = None
    n: Optional[int] = None
    observation_ids: tuple = ()
    target_id: Optional[int] = None
    ids_json: Optional[str] = field(default=None, compare=False)  # the ids as JSON text, made once
    record: tuple = field(default=(), compare=False)  # (name, value) pairs of a record read

    @property
    def identity(self) -> tuple:
        return (self.metric_id, self.subject_key, self.period, self.target_id)


@dataclass(frozen=True)
class FactResult:
    """A fact's value (None when unknown, with the reason), its inputs and explanation fields.
    `short` says it read a survey sample below the minimum (a count of respondents, say, is
    still known; but nothing read from it may be red)."""

    value: Any
    reason: Optional[str] = None
    inputs: tuple = ()
    details: Mapping = field(default_factory=dict)
    short: bool = False

    @property
    def known(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Window:
    """Quarters a fact looks at, ending at the evaluated quarter: the last `periods` quarters
    pooled, each of them in turn (`consecutive`), or the fiscal year to date."""

    periods: Optional[int] = None
    consecutive: bool = False
    year_to_date: bool = False

    def as_json(self) -> dict:
        if self.year_to_date:
            return {"year_to_date": True}
        data = {"periods": self.periods}
        if self.consecutive:
            data["consecutive"] = True
        return data


@dataclass(frozen=True)
class FactRef:
    """A fact with its parameters, as a rule names it."""

    name: str
    params: tuple = ()  # sorted (name, value) pairs, window excluded
    window: Optional[Window] = None

    def param(self, name: str, default=None):
        return dict(self.params).get(name, default)

    @property
    def key(self) -> str:
        parts = [f"{k}={v}" for k, v in self.params]
        if self.window is not None:
            w = self.window
            parts.append("window=ytd" if w.year_to_date else
                         f"window={w.periods}{'c' if w.consecutive else ''}")
        return f"{self.name}({','.join(parts)})"

    def pooled(self) -> FactRef:
        """The same fact over a single quarter (a consecutive window asks each quarter in turn)."""
        return FactRef(self.name, self.params, None)


@dataclass(frozen=True)
class Leaf:
    ref: FactRef
    op: str
    value: Any


@dataclass(frozen=True)
class Group:
    kind: str  # all | any | not
    parts: tuple


@dataclass(frozen=True)
class Then:
    """The outcome: a fixed value, one read from a fact (`by`) through bands, or the value of
    the first case whose condition holds."""

    outcome: str  # rating | status | flag | score
    fixed: Any = None
    by: Optional[FactRef] = None
    bands: tuple = ()  # ((threshold, outcome), ...), thresholds descending
    otherwise: Any = None
    severity: Optional[str] = None
    scale: Optional[tuple] = None  # score: map 0..1 onto (low, high)
    cases: tuple = ()  # ((condition, outcome), ...), tried in order


@dataclass(frozen=True)
class CompiledRule:
    key: str
    title: str
    subject_type: RuleSubject  # what the rule applies to
    select: Mapping
    when: Optional[Any]
    then: Then
    explain: str
    version_id: Optional[int] = None
    version: Optional[int] = None


@dataclass
class FindingDraft:
    """What a rule concluded about one subject in one period, with its lineage."""

    rule_key: str
    rule_version_id: Optional[int]
    subject_type: RuleSubject
    subject_id: int
    subject_detail: Optional[str]
    period: str
    outcome: str
    rating: Optional[int] = None
    status: Optional[str] = None
    flag: Optional[str] = None
    severity: Optional[str] = None
    score: Optional[float] = None
    explanation: str = ""
    facts: dict = field(default_factory=dict)
    inputs: tuple = ()

    @property
    def key(self) -> tuple:
        return (self.rule_key, self.subject_type, self.subject_id)

    @property
    def summary(self) -> str:
        """The outcome in a few words: "rating 4", "red", "flag stale (medium)", "score 0.83"."""
        if self.status in (INSUFFICIENT, NO_DATA) and self.outcome != "status":
            return self.status
        if self.outcome == "rating":
            return f"rating {self.rating}"
        if self.outcome == "status":
            return self.status
        if self.outcome == "flag":
            return f"flag {self.flag} ({self.severity})"
        return f"score {self.score:.2f}"

    def outcome_fields(self) -> tuple:
        return (self.outcome, self.rating, self.status, self.flag, self.severity,
                None if self.score is None else round(self.score, 9))


@dataclass(frozen=True)
class Subject:
    """The subject a rule is evaluated for, as the evaluator sees it: names for the explanation."""

    subject_type: RuleSubject
    id: int
    detail: Optional[str] = None
    fields: Mapping = field(default_factory=dict)


Resolver = Callable[[FactRef, str], FactResult]


@lru_cache(maxsize=4096)
def window_periods(period: str, window: Optional[Window]) -> tuple:
    """The quarters of a window ending at `period`, oldest first."""
    end = parse_period(period)
    if window is None:
        return (str(end),)
    if window.year_to_date:
        return tuple(str(Period(end.fiscal_year, q)) for q in range(1, end.quarter + 1))
    return tuple(str(end.prev(k)) for k in range(window.periods - 1, -1, -1))


def evaluate(rule: CompiledRule, subject: Subject, period: str, resolve: Resolver,
             *, context: Optional[Mapping] = None) -> Optional[FindingDraft]:
    """Evaluate one rule for one subject in one period; None when the rule finds nothing."""
    run = _Run(resolve)
    truth, reason = (Truth.TRUE, None) if rule.when is None else run.condition(rule.when, period)
    then = rule.then
    draft = FindingDraft(rule.key, rule.version_id, rule.subject_type, subject.id, subject.detail, period, then.outcome)
    if then.outcome == "flag":
        if truth is not Truth.TRUE:
            return None
        draft.flag, draft.severity = then.fixed, then.severity
    else:
        if truth is Truth.FALSE:
            return None
        if truth is Truth.UNKNOWN:
            if reason not in DATA_REASONS:
                return None
            draft.status = INSUFFICIENT
        else:
            outcome, reason = _outcome(then, run, period)
            if outcome is None:
                if reason not in DATA_REASONS:
                    return None
                draft.status = INSUFFICIENT
            elif run.short and (then.outcome == "rating" or outcome == "red"):
                draft.status = INSUFFICIENT  # never red, never a rating, from too small a sample
            elif then.outcome == "rating":
                draft.rating = outcome
            elif then.outcome == "status":
                draft.status = outcome
            else:
                draft.score = outcome
    return _finished(draft, rule, subject, run, reason, context)


def _finished(draft: FindingDraft, rule: CompiledRule, subject: Subject, run: _Run, reason: Optional[str],
              context: Optional[Mapping]) -> FindingDraft:
    """The draft with what it read (facts, inputs, records) and its explanation."""
    draft.facts = {"values": run.values, **(context or {})}
    draft.inputs = tuple(run.inputs.values())
    if draft.outcome in ("status", "score") and draft.status == INSUFFICIENT and reason == "no_data" \
            and not draft.inputs:  # nothing was read: not too few respondents, none (a rating says insufficient data)
        draft.status = NO_DATA
    records = {item.subject_key: dict(item.record) for item in draft.inputs if item.record}
    if records:  # what the records read said (a commitment's status, due date, last update)
        draft.facts["records"] = records
    fields = {**subject.fields, **run.fields, "rule": rule.title, "period": draft.period, "rating": draft.rating,
              "status": draft.status, "flag": draft.flag, "severity": draft.severity, "score": draft.score}
    draft.explanation = _explanation(rule, draft, reason, fields)
    return draft


# Whose latest quarter a program is evaluated as of (subjects.as_of): its agency's, or, for an agency with no results
# yet, the whole database's; said in the explanation of a finding that read nothing (a subject's "_latest_of").
LATEST_OF_AGENCY = "its agency's results"


def _explanation(rule: CompiledRule, draft: FindingDraft, reason: Optional[str], fields: dict) -> str:
    """The rule's sentence with the facts' fields; with nothing read at all that sentence would be all
    "n/a", so it says so instead: a program evaluated as of its agency's latest quarter with results reported
    none the rule reads (it may have reported others); a plan's or a capacity domain's year has no quarter of
    data yet."""
    if draft.status in (INSUFFICIENT, NO_DATA) and reason == "no_data" and not draft.inputs:
        said = "no data" if draft.status == NO_DATA else "insufficient data"
        if draft.subject_type == "program":
            return (f"{rule.title}: nothing the rule reads was reported for {fields['period']}, the latest "
                    f"quarter of {fields.get('_latest_of', LATEST_OF_AGENCY)}, so nothing to judge ({said}).")
        return f"{rule.title}: no data for {fields['period']} yet, so nothing to judge ({said})."
    return render(rule.explain, fields)


def _outcome(then: Then, run: _Run, period: str) -> tuple[Any, Optional[str]]:
    if then.cases:
        # The first case that holds gives the outcome; one that cannot be told (for lack of
        # data) before any holds leaves the outcome unknown; when none holds, `otherwise`.
        for condition, outcome in then.cases:
            truth, reason = run.condition(condition, period)
            if truth is Truth.TRUE:
                return outcome, None
            if truth is Truth.UNKNOWN:
                return None, reason
        return then.otherwise, None
    if then.by is None:
        return then.fixed, None
    result = run.fact(then.by, period)
    if not result.known:
        return None, result.reason
    value = result.value
    if isinstance(value, str):  # a fact that is itself a status (target_status)
        return value, None
    if then.bands:
        for threshold, outcome in then.bands:
            if value >= threshold:
                return outcome, None
        return then.otherwise, None
    if then.outcome == "score" and then.scale:
        low, high = then.scale
        return low + value * (high - low), None
    return value, None


class _Run:
    """One evaluation: remembers the facts read, their inputs and explanation fields."""

    def __init__(self, resolve: Resolver):
        self.resolve = resolve
        self.values: dict = {}
        self.inputs: dict = {}
        self.fields: dict = {}
        self.short = False

    def fact(self, ref: FactRef, period: str) -> FactResult:
        result = self.resolve(ref, period)
        self.short = self.short or result.short or result.reason == INSUFFICIENT
        self.values[f"{ref.key}@{period}"] = _jsonable(result.value)
        for item in result.inputs:
            self.inputs.setdefault(item.identity, item)
        # Later facts (the outcome's own fact comes last) win, but never blank a field out.
        self.fields.update({k: v for k, v in result.details.items() if v is not None or k not in self.fields})
        return result

    def condition(self, node, period: str) -> tuple[Truth, Optional[str]]:
        if isinstance(node, Leaf):
            return self.leaf(node, period)
        if node.kind == "not":
            truth, reason = self.condition(node.parts[0], period)
            return {Truth.TRUE: Truth.FALSE, Truth.FALSE: Truth.TRUE}.get(truth, Truth.UNKNOWN), reason
        results = [self.condition(part, period) for part in node.parts]
        decisive = Truth.FALSE if node.kind == "all" else Truth.TRUE
        if any(t is decisive for t, _ in results):
            return decisive, None
        unknown = [r for t, r in results if t is Truth.UNKNOWN]
        if unknown:
            return Truth.UNKNOWN, next((r for r in unknown if r in DATA_REASONS), unknown[0])
        return (Truth.TRUE if node.kind == "all" else Truth.FALSE), None

    def leaf(self, leaf: Leaf, period: str) -> tuple[Truth, Optional[str]]:
        window = leaf.ref.window
        if window is None or not window.consecutive:
            result = self.fact(leaf.ref, period)
            return compare(result.value, leaf.op, leaf.value), result.reason
        # Each quarter of the window in turn: true only if it holds in every one.
        single = leaf.ref.pooled()
        truths, values, reason = [], [], None
        for p in window_periods(period, window):
            result = self.fact(single, p)
            truth = compare(result.value, leaf.op, leaf.value)
            truths.append(truth)
            values.append(f"{p} {_short(result.details.get('value', result.value))}")
            if truth is Truth.UNKNOWN and reason is None:
                reason = result.reason
        self.fields.update({"periods": window.periods, "values": values})
        if Truth.FALSE in truths:
            return Truth.FALSE, None
        if Truth.UNKNOWN in truths:
            return Truth.UNKNOWN, reason
        return Truth.TRUE, None


def compare(value: Any, op: str, expected: Any) -> Truth:
    """Apply an op; a missing value makes the comparison unknown, a computed one is compared as_compared."""
    if value is None:
        return Truth.UNKNOWN
    value = as_compared(value)
    if op == "between":
        low, high = expected
        result = low <= value <= high
    elif op == "in":
        result = value in expected
    else:
        result = _OPS[op](value, expected)
    return Truth.TRUE if result else Truth.FALSE


_OPS = {
    "lt": lambda a, b: a < b, "le": lambda a, b: a <= b, "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b, "eq": lambda a, b: a == b, "ne": lambda a, b: a != b,
}


def _short(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
