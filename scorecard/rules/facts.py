"""The fact registry: typed providers a rule's conditions and outcomes read.

Each provider is registered with `@fact(name, returns=..., params=..., subjects=...)` and
called as ``provider(ctx, subject_type, entity, period, ref) -> FactResult``: the value (None when
unknown, with the reason), the inputs it read (pooled observations with their ids, targets)
and fields for the explanation.

Metric facts read the subject's programs: a program reads itself; a requirement its linked
programs (or its commitment's, or its function's own observations, or its leader's
component's); a commitment its linked programs (or its function's own observations); a
capacity domain its component's programs. Pooling
the answer counts across programs and quarters weights them by respondents. Survey scores
below the minimum sample are unknown ("insufficient_data"), and a change counts only when it
is significant at 95% (`scorecard.survey.compare`).

A requirement that names a C-suite function is also measured by that function: the share of
its commitments on track or complete, how many are overdue or not updated lately (each
commitment read is an input of the finding, with its status, due date and last update), and
its function-level metrics against their targets. Those facts, and a commitment's own and a capacity
domain's, are in `scorecard.rules.csuite_facts`, registered here on import.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Optional

from scorecard.a11 import V2_FROM, across_the_break, trust_as_share
from scorecard.models import Direction, MetricKind, RuleSubject
from scorecard.models.metrics import as_compared
from scorecard.periods import parse_period, period_range
from scorecard.rules.context import EvaluationContext, MetricInfo, Pool
from scorecard.rules.evaluator import FactRef, FactResult, InputRef, Window, window_periods
from scorecard.scoring import INSUFFICIENT, NO_DATA, NO_TARGET, Score, rag_status
from scorecard.survey import compare_answers, compare_shares
from scorecard.text import listed

SUBJECTS = frozenset(RuleSubject)
ATTAINMENT_CAP = 10.0


@dataclass(frozen=True)
class Param:
    """A fact parameter: `metric` (a metric code), `period`, `choice`, `int` or `window`."""

    kind: str
    required: bool = False
    choices: tuple = ()
    minimum: Optional[int] = None


@dataclass(frozen=True)
class FactSpec:
    name: str
    provider: Callable
    returns: str  # number | bool | text
    params: dict
    subjects: frozenset
    values: tuple = ()  # the texts a text fact can return
    doc: str = ""
    default_window: Optional[Window] = None
    dated: bool = False  # its value depends on the day of the evaluation (recorded for a replay)
    function_metrics: bool = False  # without a metric, it reads every metric of the subject's function

    @property
    def reads_metric(self) -> bool:
        return "metric" in self.params


FACTS: dict[str, FactSpec] = {}

METRIC = Param("metric")
WINDOW = Param("window")
MIN_N = Param("int", minimum=1)
VS = Param("choice", choices=("prior", "year_ago"))


def fact(name: str, *, returns: str, params: Optional[dict] = None, subjects=SUBJECTS, values: tuple = (),
         default_window: Optional[Window] = None, dated: bool = False, function_metrics: bool = False):
    """Register a fact provider under `name`."""
    def register(provider: Callable) -> Callable:
        FACTS[name] = FactSpec(name, provider, returns, dict(params or {}), frozenset(subjects), values,
                               (provider.__doc__ or "").strip(), default_window, dated, function_metrics)
        return provider
    return register


# -- what a subject reads ----------------------------------------------------------------------
def subject_keys(ctx: EvaluationContext, subject_type: RuleSubject, entity) -> list[str]:
    """The observation subjects a subject's metric facts pool over."""
    if subject_type is RuleSubject.program:
        return [entity.key]
    if subject_type is RuleSubject.capacity_domain:
        return ctx.component_programs.get(entity.component_id, [])
    if subject_type is RuleSubject.requirement:
        ids = entity.program_ids
        if not ids and entity.commitment_id in ctx.commitments:
            ids = ctx.commitments[entity.commitment_id].program_ids
        if not ids and entity.function_id is not None:
            return list(ctx.function_keys.get(entity.function_id, []))
        if not ids and entity.leader_component_id is not None:
            return ctx.component_programs.get(entity.leader_component_id, [])
        return [f"program:{i}" for i in ids if i in ctx.programs]
    if entity.program_ids:  # a commitment
        return [f"program:{i}" for i in entity.program_ids if i in ctx.programs]
    keys = ctx.function_keys.get(entity.function_id, [])
    if entity.component_id is not None:
        keys = [k for k in keys if k.endswith(f"@component:{entity.component_id}")]
    return list(keys)


def default_metric_id(ctx: EvaluationContext, subject_type: RuleSubject, entity) -> Optional[int]:
    """The metric a requirement or commitment is about when a rule names none."""
    if subject_type is RuleSubject.requirement:
        if entity.metric_id is not None:
            return entity.metric_id
        commitment = ctx.commitments.get(entity.commitment_id)
        return commitment.metric_ids[0] if commitment and commitment.metric_ids else None
    if subject_type is RuleSubject.commitment and entity.metric_ids:
        return entity.metric_ids[0]
    return None


def _metric(ctx, subject_type, entity, ref: FactRef) -> Optional[MetricInfo]:
    code = ref.param("metric")
    if code is not None:
        return ctx.metric_codes.get(code)
    metric_id = default_metric_id(ctx, subject_type, entity)
    return ctx.metrics.get(metric_id) if metric_id is not None else None


def _explicit_target(ctx, subject_type, entity):
    if subject_type is RuleSubject.requirement and entity.target_id is not None:
        return ctx.targets_by_id.get(entity.target_id)
    return None


def _input(ctx: EvaluationContext, key: str, metric: MetricInfo, period: str) -> Optional[InputRef]:
    """The lineage of one pooled group (remembered: many findings read the same group)."""
    cache = ctx.cache.setdefault("inputs", {})
    token = (key, metric.id, period)
    if token in cache:
        return cache[token]
    pool = ctx.pool(key, metric.id, period)
    ref = None
    if pool.ids:
        scored = pool.score(metric.kind)
        ids = tuple(sorted(pool.ids))
        ref = InputRef("observations", metric.id, key, period, scored.value, scored.n, ids,
                       ids_json=f"[{','.join(map(str, ids))}]")
    cache[token] = ref
    return ref


def _key_pool(ctx, key: str, metric: MetricInfo, periods: tuple) -> tuple:
    """(pool, inputs) of one subject's groups over some quarters (remembered)."""
    cache = ctx.cache.setdefault("key_pools", {})
    token = (key, metric.id, periods)
    hit = cache.get(token)
    if hit is None:
        pools, inputs = [], []
        for period in periods:
            pool = ctx.pool(key, metric.id, period)
            if pool.ids:
                pools.append(pool)
                inputs.append(_input(ctx, key, metric, period))
        hit = cache[token] = (Pool.total(pools), tuple(inputs))
    return hit


def _read(ctx, keys, metric, periods) -> tuple[Pool, list]:
    """The pool and inputs of several subjects over some quarters (remembered)."""
    periods = tuple(periods)
    if len(keys) == 1:
        pool, inputs = _key_pool(ctx, keys[0], metric, periods)
        return pool, list(inputs)
    cache = ctx.cache.setdefault("reads", {})
    token = (tuple(keys), metric.id, periods)
    hit = cache.get(token)
    if hit is None:
        parts = [_key_pool(ctx, key, metric, periods) for key in keys]
        hit = cache[token] = (Pool.total(p for p, _ in parts if p.ids), tuple(i for _, ins in parts for i in ins))
    return hit[0], list(hit[1])


def fiscal_year_of(period: str) -> int:
    """The fiscal year of a canonical quarter ("FY2025-Q1": 2025)."""
    return int(period[2:6])  # canonical quarters read FY2025-Q1


def _target(ctx, metric_id: int, key: str, fiscal_year: int):
    cache = ctx.cache.setdefault("targets", {})
    token = (metric_id, key, fiscal_year)
    if token not in cache:
        cache[token] = ctx.target_for_key(metric_id, key, fiscal_year)
    return cache[token]


def _target_input(target) -> InputRef:
    return InputRef("target", metric_id=target.metric.id, value=target.target, target_id=target.id)


def _honest(ctx, metric: MetricInfo, value, n) -> Optional[str]:
    """Why a pooled value cannot be used: no data, or too few survey respondents."""
    if value is None:
        return "no_data"
    if metric.is_survey and (n or 0) < ctx.min_n:
        return "insufficient_data"
    return None


def fact_periods(ref: FactRef, period: str, spec: FactSpec) -> list[str]:
    """The quarters a fact reads at `period`: its rule's window, else the fact's default (one quarter)."""
    return window_periods(period, ref.window or spec.default_window)


def _quarters(periods: list[str]) -> str:
    """The quarters read, named: "FY2026-Q2 to FY2026-Q4" when they follow each other, else each of them (a
    window's quarters before its plan's year began are so seen to be read)."""
    if len(periods) > 2 and len(period_range(periods[0], periods[-1])) == len(periods):
        return f"{periods[0]} to {periods[-1]}"
    return ", ".join(periods) or "none"


def _base_details(metric, keys, periods, value, n):
    return {"metric": metric.name, "value": value, "n": n, "min_n": None, "programs": len(keys),
            "periods": len(periods)}


# -- metric facts ------------------------------------------------------------------------------
@fact("metric_value", returns="number", params={"metric": METRIC, "window": WINDOW, "at": Param("period")})
def metric_value(ctx, subject_type, entity, period, ref):
    """The metric's pooled value in the quarter (or `at` a quarter, or "latest" with data), or
    over a window of quarters."""
    metric = _metric(ctx, subject_type, entity, ref)
    if metric is None:
        return FactResult(None, "not_applicable")
    keys = subject_keys(ctx, subject_type, entity)
    at = ref.param("at")
    if at == "latest":
        for k in range(0, 9):
            candidate = str(parse_period(period).prev(k))
            if any(ctx.pool(key, metric.id, candidate).ids for key in keys):
                period = candidate
                break
    elif at:
        period = at
    window = fact_periods(ref, period, FACTS["metric_value"])
    periods = one_survey(metric, window)
    pool, inputs = _read(ctx, keys, metric, periods)
    scored = pool.score(metric.kind)
    reason = _honest(ctx, metric, scored.value, scored.n)
    details = _base_details(metric, keys, periods, scored.value, scored.n)
    return _said_left_out(FactResult(None if reason else scored.value, reason, tuple(inputs), details), window, periods)


@fact("n", returns="number", params={"metric": METRIC, "window": WINDOW})
def respondents(ctx, subject_type, entity, period, ref):
    """Respondents (or the n reported) pooled over the subject's programs; 0 without data."""
    metric = _metric(ctx, subject_type, entity, ref)
    if metric is None:
        return FactResult(None, "not_applicable")
    keys = subject_keys(ctx, subject_type, entity)
    window = fact_periods(ref, period, FACTS["n"])
    periods = one_survey(metric, window)
    pool, inputs = _read(ctx, keys, metric, periods)
    scored = pool.score(metric.kind)
    found = FactResult(scored.n or 0, None, tuple(inputs), _base_details(metric, keys, periods, scored.value, scored.n),
                       short=metric.is_survey and (scored.n or 0) < ctx.min_n)
    return _said_left_out(found, window, periods)


def _per_key_period(ctx, subject_type, entity, ref, period, spec, test) -> FactResult:
    metric = _metric(ctx, subject_type, entity, ref)
    if metric is None:
        return FactResult(None, "not_applicable")
    keys = subject_keys(ctx, subject_type, entity)
    if not keys:
        return FactResult(None, "not_applicable")
    periods = fact_periods(ref, period, spec)
    inputs, ok, short = [], 0, False
    for key in keys:
        good = True
        for p in periods:
            scored = ctx.pool(key, metric.id, p).score(metric.kind)
            item = _input(ctx, key, metric, p)
            if item:
                inputs.append(item)
            good = good and test(metric, scored)
            short = short or (metric.is_survey and (scored.n or 0) < ctx.min_n)
        ok += good
    details = {"metric": metric.name, "programs": len(keys), "reporting": ok, "periods": len(periods)}
    return FactResult(ok == len(keys), None, tuple(inputs), details, short=short)


@fact("reported", returns="bool", params={"metric": METRIC, "window": WINDOW})
def reported(ctx, subject_type, entity, period, ref):
    """Whether every program of the subject reported the metric in every quarter of the window."""
    return _per_key_period(ctx, subject_type, entity, ref, period, FACTS["reported"],
                           lambda metric, scored: scored.value is not None)


@fact("sufficient", returns="bool", params={"metric": METRIC, "window": WINDOW, "min_n": MIN_N})
def sufficient(ctx, subject_type, entity, period, ref):
    """Whether every program of the subject reported with at least `min_n` respondents
    (default: the configured minimum) in every quarter of the window."""
    min_n = ref.param("min_n", ctx.min_n)
    return _per_key_period(ctx, subject_type, entity, ref, period, FACTS["sufficient"],
                           lambda metric, scored: scored.value is not None and (scored.n or 0) >= min_n)


def _attainment(metric: MetricInfo, value: float, target: float) -> Optional[float]:
    """Value against target, 1.0 = on target, more is better for either direction: 1.05 is 5% of the
    target better (above it, or below it when lower is better), 0.9 is 10% of it worse. Linear in the
    value both ways, so that over programs with one target the respondent-weighted attainment is the
    pooled value's (target / value for lower is better was not: one program at 0 counted as ten times
    the target, and lifted a pooled value that missed the target to 181% of it)."""
    if metric.direction is Direction.lower:
        if target <= 0:  # nothing at all is the target: met, or not
            return 1.0 if value <= target else 0.0
        return _banded(min(ATTAINMENT_CAP, max(0.0, 2 - value / target)))
    if target <= 0:
        return None
    return _banded(min(ATTAINMENT_CAP, max(0.0, value / target)))


def _banded(ratio: float) -> float:
    """A ratio as a rule's bands compare it: to 9 decimals, so that a value exactly at a band's edge is
    in that band (11 against a target of 10, lower is better, is 0.9, not 0.8999999999999999 and a
    band lower)."""
    return round(ratio, 9)


def attainment_of(ctx, subject_type, entity, metric, periods, fiscal_year) -> FactResult:
    """Attainment pooled over the subject's programs, weighted by respondents."""
    return attainment_over(ctx, subject_keys(ctx, subject_type, entity), _explicit_target(ctx, subject_type, entity),
                            metric, periods, fiscal_year)


def attainment_over(ctx, keys, explicit, metric, periods, fiscal_year) -> FactResult:
    """Attainment over some subjects, each against `explicit` or its own target, weighted by respondents."""
    parts, inputs, pools, judged, targets = [], [], [], [], {}
    without_data, without_target = [], []
    for key in keys:
        pool, read = _read(ctx, [key], metric, periods)
        if not read:
            without_data.append(key)
            continue
        inputs += read
        pools.append(pool)
        scored = pool.score(metric.kind)
        target = explicit or _target(ctx, metric.id, key, fiscal_year)
        if scored.value is None or target is None:
            (without_data if scored.value is None else without_target).append(key)
            continue
        targets[target.id] = target
        judged.append((pool, read))
        parts.append((scored, _attainment(metric, scored.value, target.target)))
    # The value, n and quarters said, and the minimum sample, are those of the programs judged against a
    # target: one without a target made ten respondents' 5.0 read as 2.03 (n=1,010) and pass the minimum.
    total = Pool.total([pool for pool, _ in judged] or pools).score(metric.kind)
    details = _base_details(metric, keys, periods, total.value, total.n)
    counted = [i for _, read in judged for i in read] or inputs
    read_in = sorted({i.period for i in counted})
    details.update(reporting=len(judged or pools), quarters_with_data=len(read_in), quarters_read=_quarters(read_in),
                   left_out=_left_out(ctx, without_data, without_target if judged else [], fiscal_year))
    inputs += [_target_input(t) for t in targets.values()]
    reason = _honest(ctx, metric, total.value, total.n)
    if reason:
        return FactResult(None, reason, tuple(inputs), details)
    if not targets:
        return FactResult(None, "no_target", tuple(inputs), details)
    if any(a is None for _, a in parts):
        return FactResult(None, "not_applicable", tuple(inputs), details)
    weights = [s.n for s, _ in parts]
    if not all(weights):
        weights = [1] * len(parts)
    value = sum(w * a for w, (_, a) in zip(weights, parts)) / sum(weights)
    values = sorted({t.target for t in targets.values()})
    # several: each program is judged against its own ("a target of 4.00 to 4.20" read as one target's range)
    shown = values[0] if len(values) == 1 else f"{values[0]:.2f} to {values[-1]:.2f} (each program against its own)"
    details.update(target=shown, attainment=value)
    return FactResult(value, None, tuple(inputs), details)


def _left_out(ctx, without_data: list[str], without_target: list[str], fiscal_year: int) -> str:
    """The linked programs an attainment leaves out, named with why, in brackets after a space (empty when
    none): " (left out, with no FY2026 target: Small Business Loans and Navigator Grants)". A requirement's
    rating read one program of six, and its finding did not say which five were left out. Programs only (a
    function's observations are many scopes' keys, most of which never report)."""
    def named(keys: list[str]) -> str:
        names = sorted(ctx.programs[int(k[8:])].name for k in keys
                       if k.startswith("program:") and int(k[8:]) in ctx.programs)
        shown = names if len(names) <= 6 else [*names[:5], f"{len(names) - 5} more"]  # "and 1 more": the name
        return listed(shown)

    said = [f"{why}: {names}" for why, names in ((f"with no FY{fiscal_year} target", named(without_target)),
                                                   ("with no results in these quarters", named(without_data))) if names]
    return f" (left out, {'; '.join(said)})" if said else ""


@fact("attainment", returns="number", params={"metric": METRIC, "window": WINDOW})
def attainment(ctx, subject_type, entity, period, ref):
    """Value against target, direction-aware (1.0 = on target; 1.05 = 5% better), for the
    target of the quarter's fiscal year; over several programs, weighted by respondents."""
    metric = _metric(ctx, subject_type, entity, ref)
    if metric is None:
        return FactResult(None, "not_applicable")
    periods = fact_periods(ref, period, FACTS["attainment"])
    kept = one_survey(metric, periods)
    found = attainment_of(ctx, subject_type, entity, metric, kept, fiscal_year_of(period))
    return _said_left_out(found, periods, kept)


def one_survey(metric: MetricInfo, periods: list[str]) -> list[str]:
    """The quarters of a window a survey metric is pooled over: those of the last quarter's survey (A-11's v1
    statements on 1-5 and v2's trust question are not one measure: a FY2024 rating pooled FY2024-Q1's 1-5 answers
    with the thumbs up or down after it)."""
    if not metric.is_survey or not periods:
        return periods
    kept = [p for p in periods if not across_the_break(p, periods[-1])]
    return periods if len(kept) == len(periods) else kept


def _said_left_out(found: FactResult, periods: list[str], kept: list[str]) -> FactResult:
    """`found` saying the window's quarters `one_survey` left out (and counting the whole window's quarters)."""
    if len(kept) == len(periods):
        return found
    left = [p for p in periods if p not in kept]
    read = found.details.get("quarters_read", _quarters(kept))
    details = {**found.details, "periods": len(periods),
               "quarters_read": f"{read}; {_quarters(left)} left out, asked before A-11's survey changed in {V2_FROM}"}
    return replace(found, details=details)


@fact("target_status", returns="text", params={"metric": METRIC, "window": WINDOW},
      values=("green", "amber", "red"))
def target_status(ctx, subject_type, entity, period, ref):
    """Green, amber or red against the target's thresholds (as the heatmap shows it); unknown
    below the minimum sample or when the programs read have different targets."""
    metric = _metric(ctx, subject_type, entity, ref)
    if metric is None:
        return FactResult(None, "not_applicable")
    keys = subject_keys(ctx, subject_type, entity)
    window = fact_periods(ref, period, FACTS["target_status"])
    periods = one_survey(metric, window)
    fiscal_year = fiscal_year_of(period)
    pool, inputs = _read(ctx, keys, metric, periods)
    scored = pool.score(metric.kind)
    explicit = _explicit_target(ctx, subject_type, entity)
    targets = {explicit} if explicit else {_target(ctx, metric.id, k, fiscal_year) for k in keys
                                          if any(ctx.pool(k, metric.id, p).ids for p in periods)} - {None}
    details = _base_details(metric, keys, periods, scored.value, scored.n)
    if len(targets) > 1:
        return FactResult(None, "not_applicable", tuple(inputs), details)
    target = next(iter(targets), None)
    if target is not None:
        inputs.append(_target_input(target))
        details["target"] = target.target
        if scored.value is not None:
            details["attainment"] = _attainment(metric, scored.value, target.target)
    status = rag_status(Score(scored.value, scored.n, [], scored.ci), target, survey=metric.is_survey,
                        min_n=ctx.min_n)
    reason = {NO_DATA: "no_data", INSUFFICIENT: "insufficient_data", NO_TARGET: "no_target"}.get(status)
    return _said_left_out(FactResult(None if reason else status, reason, tuple(inputs), details), window, periods)


def _change(ctx, subject_type, entity, period, ref) -> tuple[Optional[object], FactResult]:
    """(survey.Change or a plain delta, a FactResult carrying the reason when unknown)."""
    metric = _metric(ctx, subject_type, entity, ref)
    if metric is None:
        return None, FactResult(None, "not_applicable")
    keys = subject_keys(ctx, subject_type, entity)
    before_period = str(parse_period(period).prev(4 if ref.param("vs") == "year_ago" else 1))
    if metric.is_survey and across_the_break(before_period, period):
        # A-11's survey changed between them (v1's statement on 1-5, v2's trust question): not one measure.
        return None, FactResult(None, "not_applicable", (), {"metric": metric.name, "prior_period": before_period,
                                                              "method_break": str(V2_FROM)})
    after_pool, after_inputs = _read(ctx, keys, metric, [period])
    before_pool, before_inputs = _read(ctx, keys, metric, [before_period])
    after, before = after_pool.score(metric.kind), before_pool.score(metric.kind)
    inputs = tuple(before_inputs + after_inputs)
    details = _base_details(metric, keys, [period], after.value, after.n)
    details.update(prior=before.value, prior_period=before_period)
    reason = _honest(ctx, metric, after.value, after.n) or _honest(ctx, metric, before.value, before.n)
    if reason:
        return None, FactResult(None, reason, inputs, details)
    if metric.is_survey:
        if metric.kind is not MetricKind.likert:  # a v2 aspect: a share of respondents
            change = compare_shares((before.value, before.n), (after.value, after.n), min_n=ctx.min_n)
        elif after.counts is None or before.counts is None:  # no answer counts: significance unknowable
            return None, FactResult(None, "insufficient_data", inputs, details)
        else:
            change = compare_answers(before.counts, after.counts, min_n=ctx.min_n,
                                     as_share=trust_as_share(metric.driver, period))
        details.update(change=change.delta if change.significant else 0.0,
                       ci=None if change.ci_low is None else [round(change.ci_low, 6), round(change.ci_high, 6)])
        return (change, metric), FactResult(True, None, inputs, details)
    delta = after.value - before.value
    details["change"] = delta
    return (delta, metric), FactResult(True, None, inputs, details)


def _direction(payload) -> str:
    """up / down / none: survey changes only when significant; exact measures as measured."""
    change, _metric_info = payload
    if isinstance(change, float):
        return "up" if change > 0 else "down" if change < 0 else "none"
    return change.direction


CHANGE_PARAMS = {"metric": METRIC, "vs": VS}


@fact("change", returns="number", params=CHANGE_PARAMS)
def change(ctx, subject_type, entity, period, ref):
    """The change since the prior quarter (`vs`: prior, default) or the same quarter last year
    (`vs`: year_ago). A survey change that is not significant at 95% is 0."""
    payload, result = _change(ctx, subject_type, entity, period, ref)
    if payload is None:
        return result
    return FactResult(result.details["change"], None, result.inputs, result.details)


@fact("change_direction", returns="text", params=CHANGE_PARAMS, values=("up", "down", "none"))
def change_direction(ctx, subject_type, entity, period, ref):
    """up, down or none ("no significant change")."""
    payload, result = _change(ctx, subject_type, entity, period, ref)
    if payload is None:
        return result
    return FactResult(_direction(payload), None, result.inputs, result.details)


def _worse(payload) -> Optional[bool]:
    direction = _direction(payload)
    if direction == "none":
        return False
    lower_is_better = payload[1].direction is Direction.lower
    return (direction == "up") if lower_is_better else (direction == "down")


@fact("declined", returns="bool", params=CHANGE_PARAMS)
def declined(ctx, subject_type, entity, period, ref):
    """Whether the metric got significantly worse (direction-aware)."""
    payload, result = _change(ctx, subject_type, entity, period, ref)
    if payload is None:
        return result
    return FactResult(_worse(payload), None, result.inputs, result.details)


@fact("improved", returns="bool", params=CHANGE_PARAMS)
def improved(ctx, subject_type, entity, period, ref):
    """Whether the metric got significantly better (direction-aware)."""
    payload, result = _change(ctx, subject_type, entity, period, ref)
    if payload is None:
        return result
    return FactResult(_direction(payload) != "none" and not _worse(payload), None, result.inputs, result.details)


def _consecutive(ctx, subject_type, entity, period, ref, below: bool) -> FactResult:
    metric = _metric(ctx, subject_type, entity, ref)
    if metric is None:
        return FactResult(None, "not_applicable")
    limit = ref.param("max", 8)
    count, inputs, values, details, short = 0, [], [], {}, False
    start = parse_period(period)
    for k in range(limit):
        p = start.prev(k)
        result = attainment_of(ctx, subject_type, entity, metric, [str(p)], p.fiscal_year)
        inputs += result.inputs
        if k == 0:
            details, short = dict(result.details), result.reason in ("insufficient_data", "no_data")
        if not result.known or (as_compared(result.value) < 1.0) != below:
            break
        count += 1
        values.insert(0, f"{p} {result.details['value']:.2f}")
    details.update(periods=count, values=values)
    return FactResult(count, None, tuple(inputs), details, short=short)


CONSECUTIVE_PARAMS = {"metric": METRIC, "max": Param("int", minimum=1)}


@fact("consecutive_below_target", returns="number", params=CONSECUTIVE_PARAMS)
def consecutive_below_target(ctx, subject_type, entity, period, ref):
    """How many quarters in a row, ending with this one, the metric was below target (up to
    `max`, default 8); a quarter without enough data ends the run."""
    return _consecutive(ctx, subject_type, entity, period, ref, below=True)


@fact("consecutive_at_or_above_target", returns="number", params=CONSECUTIVE_PARAMS)
def consecutive_above_target(ctx, subject_type, entity, period, ref):
    """How many quarters in a row, ending with this one, the metric met or beat its target."""
    return _consecutive(ctx, subject_type, entity, period, ref, below=False)


@fact("trend_slope", returns="number", params={"metric": METRIC, "window": WINDOW},
      default_window=Window(periods=4))
def trend_slope(ctx, subject_type, entity, period, ref):
    """The least-squares change per quarter over the window (default 4 quarters), from the
    quarters with enough data; unknown with fewer than 3 such quarters."""
    metric = _metric(ctx, subject_type, entity, ref)
    if metric is None:
        return FactResult(None, "not_applicable")
    keys = subject_keys(ctx, subject_type, entity)
    window = fact_periods(ref, period, FACTS["trend_slope"])
    periods = one_survey(metric, window)
    points, inputs, values = [], [], []
    for x, p in enumerate(periods):
        pool, read = _read(ctx, keys, metric, [p])
        inputs += read
        scored = pool.score(metric.kind)
        if _honest(ctx, metric, scored.value, scored.n) is None:
            points.append((x, scored.value))
            values.append(f"{p} {scored.value:.2f}")
    details = {"metric": metric.name, "periods": len(periods), "values": values, "programs": len(keys)}
    if len(points) < 3:
        return _said_left_out(FactResult(None, "insufficient_data", tuple(inputs), details), window, periods)
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    slope = (sum((x - mean_x) * (y - mean_y) for x, y in points) / sum((x - mean_x) ** 2 for x, _ in points))
    details["slope"] = slope
    return _said_left_out(FactResult(slope, None, tuple(inputs), details), window, periods)


@fact("reporting_share", returns="number", params={"metric": METRIC, "window": WINDOW, "min_n": MIN_N},
      default_window=Window(year_to_date=True))
def reporting_share(ctx, subject_type, entity, period, ref):
    """The share (0-1) of the subject's programs that reported the metric with at least `min_n`
    respondents in every quarter of the window (default: the fiscal year to date) that has
    data anywhere in the agency yet, or whose results were due (an agency that stopped reporting
    is judged on the quarters it did not report: EvaluationContext.reported_through)."""
    metric = _metric(ctx, subject_type, entity, ref)
    if metric is None:
        return FactResult(None, "not_applicable")
    keys = subject_keys(ctx, subject_type, entity)
    if not keys:
        return FactResult(None, "not_applicable")
    min_n = ref.param("min_n", ctx.min_n)
    latest = max((ctx.reported_through(ctx.agency_of_key(k)) or "" for k in keys), default="")
    periods = [p for p in fact_periods(ref, period, FACTS["reporting_share"]) if p <= latest]
    details = {"metric": metric.name, "programs": len(keys), "periods": len(periods), "min_n": min_n}
    if not periods:
        return FactResult(None, "no_data", (), details)
    inputs, reporting = [], 0
    for key in keys:
        good = True
        for p in periods:
            item = _input(ctx, key, metric, p)
            if item:
                inputs.append(item)
            scored = ctx.pool(key, metric.id, p).score(metric.kind)
            good = good and scored.value is not None and (not metric.is_survey or (scored.n or 0) >= min_n)
        reporting += good
    share = reporting / len(keys)
    details.update(share=share, reporting=reporting)
    return FactResult(share, None, tuple(inputs), details)


def resolve(ctx: EvaluationContext, subject_type: RuleSubject, entity, ref: FactRef, period: str) -> FactResult:
    """Run the provider a reference names, remembering the answer for this subject and quarter."""
    cache = ctx.cache.setdefault("facts", {})
    token = (ref, subject_type, entity.id, period)
    result = cache.get(token)
    if result is None:
        result = FACTS[ref.name].provider(ctx, subject_type, entity, period, ref)
        cache[token] = result
    return result


# The commitment, function and capacity facts register themselves on import (they read this module's names).
from scorecard.rules import csuite_facts  # noqa: E402,F401
