"""The facts about C-suite commitments, registered in the fact registry (`scorecard.rules.facts`): a
commitment's status, due date and last update; for a requirement that names a C-suite function, that
function's commitments (on track, off track, overdue, not updated lately, each read an input of the
finding) and its own metrics against their targets; and a capacity domain's self-score."""
from __future__ import annotations

from collections import defaultdict
from typing import Optional

from scorecard.commitments import attention
from scorecard.commitments.services import CLOSED
from scorecard.models import CommitmentStatus, RuleSubject
from scorecard.models.metrics import as_compared
from scorecard.rules.context import CommitmentInfo, commitment_as_of, commitments_day
from scorecard.rules.evaluator import FactResult, InputRef
from scorecard.rules.facts import (
    FACTS,
    METRIC,
    WINDOW,
    Param,
    attainment_over,
    fact,
    fact_periods,
    fiscal_year_of,
    one_survey,
)

# -- commitments and capacity ------------------------------------------------------------------
COMMITMENT = frozenset({RuleSubject.commitment})


def _commitment_details(ctx, entity) -> dict:
    return {"commitment_status": entity.status.value,
            "due_date": entity.due_date.isoformat() if entity.due_date else None,
            "days": _days_since_update(ctx, entity)}


def _days_since_update(ctx, entity) -> Optional[int]:
    return attention.days_since_update(entity, ctx.today)


def _is_overdue(ctx, entity) -> bool:
    return attention.is_overdue(entity, ctx.today)


@fact("commitment_status", returns="text", subjects=COMMITMENT, values=tuple(s.value for s in CommitmentStatus))
def commitment_status(ctx, subject_type, entity, period, ref):
    """The commitment's status."""
    return FactResult(entity.status.value, None, (), _commitment_details(ctx, entity))


@fact("overdue", returns="bool", subjects=COMMITMENT, dated=True)
def overdue(ctx, subject_type, entity, period, ref):
    """Whether the due date has passed and the commitment is neither complete nor dropped."""
    late = _is_overdue(ctx, entity)
    details = _commitment_details(ctx, entity)
    details["days_overdue"] = (ctx.today - entity.due_date).days if late else 0
    return FactResult(late, None, (), details)


@fact("days_overdue", returns="number", subjects=COMMITMENT, dated=True)
def days_overdue(ctx, subject_type, entity, period, ref):
    """Days past the due date of an open commitment (0 when not overdue)."""
    result = overdue(ctx, subject_type, entity, period, ref)
    return FactResult(result.details["days_overdue"], None, (), result.details)


@fact("days_since_update", returns="number", subjects=COMMITMENT, dated=True)
def days_since_update(ctx, subject_type, entity, period, ref):
    """Days since the commitment was last updated (or created, if never updated)."""
    days = _days_since_update(ctx, entity)
    return FactResult(days, None if days is not None else "no_data", (), _commitment_details(ctx, entity))


@fact("days_to_due", returns="number", subjects=COMMITMENT, dated=True)
def days_to_due(ctx, subject_type, entity, period, ref):
    """Days until the due date (negative once past); unknown without a due date."""
    details = _commitment_details(ctx, entity)
    if entity.due_date is None:
        return FactResult(None, "not_applicable", (), details)
    days = (entity.due_date - ctx.today).days
    details["days_to_due"] = days
    return FactResult(days, None, (), details)


# -- a C-suite function's commitments and metrics, for a requirement that names the function ----
REQUIREMENT = frozenset({RuleSubject.requirement})
ON_TRACK = (CommitmentStatus.on_track, CommitmentStatus.complete)
STALE_DAYS = 30  # "not updated lately" unless a rule says otherwise: as the stale-commitment rule, the dashboards
# ("not updated in 30 days") and the owners' reminders (SCORECARD_REMIND_STALE_DAYS) count it
DAYS = Param("int", minimum=1)


def _function_commitments(ctx, function_id: int) -> list[CommitmentInfo]:
    """The function's commitments in id order (indexed once per evaluation)."""
    index = ctx.cache.get("function_commitments")
    if index is None:
        index = defaultdict(list)
        for commitment in sorted(ctx.commitments.values(), key=lambda c: c.id):
            index[commitment.function_id].append(commitment)
        ctx.cache["function_commitments"] = index
    return index.get(function_id, [])


def _commitment_input(ctx, commitment: CommitmentInfo) -> InputRef:
    """A commitment read, named by its subject key, with what it said: title, status, due date, last update."""
    day = attention.last_update_day(commitment)
    return InputRef("commitment", subject_key=f"commitment:{commitment.id}", record=(
        ("title", commitment.title), ("status", commitment.status.value),
        ("due_date", commitment.due_date.isoformat() if commitment.due_date else None),
        ("last_update", day.isoformat() if day else None)))


def _function_code(ctx, function_id: int) -> Optional[str]:
    function = ctx.functions.get(function_id)
    return function.code if function else None


def _commitments_of(ctx, subject_type, entity, period: str, days: int = STALE_DAYS) -> FactResult:
    """The summary every commitment fact reads: FactResult(True, ...) with the counts in its
    details and every commitment of the function (dropped ones too) as inputs; not applicable
    to a requirement that names no function. The commitments as they stood when the requirement's
    quarter ended (or today, within it): a year's proposal reads the year's record, not what was
    made, moved or updated after it (context.commitment_as_of); overdue and not updated are counted
    to that day."""
    function_id = entity.function_id
    if function_id is None:
        return FactResult(None, "not_applicable")
    day = commitments_day(period, ctx.today)
    cache = ctx.cache.setdefault("function_summaries", {})
    token = (function_id, days, day)
    hit = cache.get(token)
    if hit is not None:
        return hit
    commitments = [then for c in _function_commitments(ctx, function_id)
                   if (then := commitment_as_of(ctx, c, day)) is not None]
    counted = [c for c in commitments if c.status is not CommitmentStatus.dropped]
    on_track = sum(c.status in ON_TRACK for c in counted)
    off_track = sum(c.status is CommitmentStatus.off_track for c in counted)
    overdue = sum(attention.is_overdue(c, day) for c in commitments)
    not_updated = sum(1 for c in commitments if c.status not in CLOSED
                      and (attention.days_since_update(c, day) or 0) >= days)
    details = {"function": _function_code(ctx, function_id), "commitments": len(counted), "on_track": on_track,
               "on_track_share": on_track / len(counted) if counted else None, "off_track": off_track,
               "off_track_share": off_track / len(counted) if counted else None, "overdue": overdue,
               "not_updated": not_updated, "stale_days": days, "dropped": len(commitments) - len(counted),
               "commitments_as_of": day.isoformat()}
    hit = cache[token] = FactResult(True, None, tuple(_commitment_input(ctx, c) for c in commitments), details)
    return hit


def _summary_value(summary: FactResult, name: str) -> FactResult:
    if not summary.known:
        return summary
    value = summary.details[name]
    if value is None:  # a share of no commitments
        return FactResult(None, "no_data", summary.inputs, summary.details)
    return FactResult(value, None, summary.inputs, summary.details)


@fact("commitments_counted", returns="number", subjects=REQUIREMENT, dated=True)
def commitments_counted(ctx, subject_type, entity, period, ref):
    """How many commitments the requirement's function has, dropped ones left out."""
    return _summary_value(_commitments_of(ctx, subject_type, entity, period), "commitments")


@fact("commitments_on_track_share", returns="number", subjects=REQUIREMENT, dated=True)
def commitments_on_track_share(ctx, subject_type, entity, period, ref):
    """The share (0-1) of the function's commitments that are on track or complete, dropped ones
    left out; unknown when the function has none."""
    return _summary_value(_commitments_of(ctx, subject_type, entity, period), "on_track_share")


@fact("commitments_off_track_share", returns="number", subjects=REQUIREMENT, dated=True)
def commitments_off_track_share(ctx, subject_type, entity, period, ref):
    """The share (0-1) of the function's commitments that are off track, dropped ones left out;
    unknown when the function has none."""
    return _summary_value(_commitments_of(ctx, subject_type, entity, period), "off_track_share")


@fact("commitments_overdue", returns="number", subjects=REQUIREMENT, dated=True)
def commitments_overdue(ctx, subject_type, entity, period, ref):
    """How many of the function's commitments are past their due date and neither complete nor dropped."""
    return _summary_value(_commitments_of(ctx, subject_type, entity, period), "overdue")


@fact("commitments_not_updated", returns="number", params={"days": DAYS}, subjects=REQUIREMENT, dated=True)
def commitments_not_updated(ctx, subject_type, entity, period, ref):
    """How many of the function's open commitments (neither complete nor dropped) were last
    updated (or created) `days` days ago or more (default 30, as the dashboards count them)."""
    days = ref.param("days", STALE_DAYS)
    return _summary_value(_commitments_of(ctx, subject_type, entity, period, days), "not_updated")


def _function_metric_ids(ctx, function_id: int) -> list[int]:
    """The metrics the function has observations of (indexed once per evaluation)."""
    index = ctx.cache.get("function_metrics")
    if index is None:
        index = defaultdict(set)
        for subject_key, metric_id, _period in ctx.groups:
            if subject_key.startswith("function:"):
                index[int(subject_key[9:].partition("@")[0])].add(metric_id)
        ctx.cache["function_metrics"] = index
    return sorted(index.get(function_id, ()))


def _function_targets(ctx, subject_type, entity, period, ref, spec) -> FactResult:
    """Each function metric's attainment of its target (function, then agency) in the window:
    FactResult(True, ...) with the counts in its details and the observations and targets read
    as inputs. A metric without a target for the year, or without enough data, is left out."""
    function_id = entity.function_id
    if function_id is None:
        return FactResult(None, "not_applicable")
    periods = tuple(fact_periods(ref, period, spec))
    code = ref.param("metric")
    cache = ctx.cache.setdefault("function_targets", {})
    token = (function_id, code, periods)
    hit = cache.get(token)
    if hit is not None:
        return hit
    if code is not None:
        metric_ids = [ctx.metric_codes[code].id] if code in ctx.metric_codes else []
    else:
        metric_ids = _function_metric_ids(ctx, function_id)
    keys = list(ctx.function_keys.get(function_id, []))
    inputs, attained, below = [], [], []
    for metric_id in metric_ids:
        metric = ctx.metrics[metric_id]
        result = attainment_over(ctx, keys, None, metric, one_survey(metric, list(periods)), fiscal_year_of(period))
        inputs += result.inputs
        if result.known:
            attained.append(result.value)
            if as_compared(result.value) < 1.0:
                below.append(metric.name)
    details = {"function": _function_code(ctx, function_id), "periods": len(periods), "function_metrics": len(attained),
               "below_target": len(below), "below_target_metrics": below,
               "function_attainment": sum(attained) / len(attained) if attained else None}
    hit = cache[token] = FactResult(True, None, tuple(inputs), details)
    return hit


FUNCTION_METRIC_PARAMS = {"metric": METRIC, "window": WINDOW}


@fact("function_metrics_below_target", returns="number", params=FUNCTION_METRIC_PARAMS, subjects=REQUIREMENT,
      function_metrics=True)
def function_metrics_below_target(ctx, subject_type, entity, period, ref):
    """How many of the function's metrics (or only `metric`) were below their target in the
    quarter (or pooled over the window); 0 when none has a target and enough data."""
    result = _function_targets(ctx, subject_type, entity, period, ref, FACTS["function_metrics_below_target"])
    if not result.known:
        return result
    return FactResult(result.details["below_target"], None, result.inputs, result.details)


@fact("function_attainment", returns="number", params=FUNCTION_METRIC_PARAMS, subjects=REQUIREMENT,
      function_metrics=True)
def function_attainment(ctx, subject_type, entity, period, ref):
    """The mean attainment of the function's metric targets (or only `metric`'s) in the quarter
    (or pooled over the window), 1.0 = on target; unknown when none has a target and enough data."""
    result = _function_targets(ctx, subject_type, entity, period, ref, FACTS["function_attainment"])
    if not result.known:
        return result
    value = result.details["function_attainment"]
    return FactResult(value, None if value is not None else "no_data", result.inputs, result.details)


@fact("function_metrics_measured", returns="number", params=FUNCTION_METRIC_PARAMS, subjects=REQUIREMENT,
      function_metrics=True)
def function_metrics_measured(ctx, subject_type, entity, period, ref):
    """How many of the function's metrics (or only `metric`) had a target and enough data in the quarter
    (or over the window): what the two facts above count and average; 0 when none did, so that a rule can
    ask for one before "none below target" reads as every metric at target."""
    result = _function_targets(ctx, subject_type, entity, period, ref, FACTS["function_metrics_measured"])
    if not result.known:
        return result
    return FactResult(result.details["function_metrics"], None, result.inputs, result.details)


@fact("capacity_score", returns="number", subjects=frozenset({RuleSubject.capacity_domain}))
def capacity_score(ctx, subject_type, entity, period, ref):
    """The component's self-assessed score for the domain (default scale 1-7)."""
    details = {"self_score": entity.score}
    return FactResult(entity.score, None if entity.score is not None else "no_data", (), details)
