"""Programs' scores of one metric in one period, with what each score rests on.

One item per program with data: the answer counts pooled over its channels and touchpoints,
the value (the mean on the 1-5 scale from the pooled counts for a survey metric, else the
value as `scoring.pooled_score` pools it), respondents `n`, the 95% confidence interval, the
target and RAG status the dashboards show, and whether any pooled question was not its
driver's standard A-11 statement; from A-11's v2 survey on, trust's share who trust
(`share_who_trust`). The REST API's `/scores` reads it. And how a value reads with its unit
(`format_value`), on the dashboards and the commitment page alike."""
from dataclasses import dataclass
from itertools import groupby
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from scorecard.a11 import trust_as_share
from scorecard.driver_rule import is_non_standard_wording
from scorecard.models import Component, Metric, MetricKind, Observation, Program
from scorecard.periods import Period, parse_period
from scorecard.scoring import TargetBook, answers_only, pooled_score, rag_status, uncounted
from scorecard.survey import MIN_N_DEFAULT, pool, stats_from_counts


def format_value(value: Optional[float], unit: Optional[str]) -> str:
    """A metric's value with its unit ("84%", "112 days"), as the dashboards and the commitment page
    write it; "no data" without one."""
    if value is None:
        return "no data"
    number = f"{value:,.1f}".removesuffix(".0")
    if not unit:
        return number
    return f"{number}{unit}" if unit == "%" else f"{number} {unit}"


def share_who_trust(metric: Metric, period: Period | str, counts, n: Optional[int]) -> Optional[float]:
    """From A-11's v2 survey on, a trust score's share who trust (percent: answers of 4 or 5, a thumbs up
    stored as a 5), as the program page gives v2 trust; None before it, for another metric, or when not
    every respondent's answer is counted (a mean reported without its answers)."""
    if not counts or not trust_as_share(metric.driver and metric.driver.value, period) or sum(counts) != n:
        return None
    return stats_from_counts(list(counts)).percent_agree


@dataclass
class ProgramScore:
    """A program's pooled score of one metric in one period."""

    program: Program
    metric: Metric
    period: str
    value: Optional[float]
    n: Optional[int]
    counts: Optional[list[int]]  # answers 1..5 pooled; None for a metric without answer counts
    ci_low: Optional[float]
    ci_high: Optional[float]
    target: Optional[float]
    status: str
    non_standard_wording: bool
    observation_ids: list[int]

    @property
    def share_who_trust(self) -> Optional[float]:
        return share_who_trust(self.metric, self.period, self.counts, self.n)


def program_scores_for(session, metric: Metric, period: Period | str, *, agency_id: Optional[int] = None,
                       component_id: Optional[int] = None, program_id: Optional[int] = None,
                       min_n: int = MIN_N_DEFAULT) -> list[ProgramScore]:
    """Every program with a score of `metric` in `period` (narrowed to an agency, component or program
    when given), ordered by program id. Observations without counts or a value (a question reported
    without counts) give no score."""
    period = str(parse_period(period))
    query = (sa.select(Observation).join(Program, Program.id == Observation.program_id)
             .join(Component, Component.id == Program.component_id)
             .where(Observation.metric_id == metric.id, Observation.period == period)
             .options(so.load_only(Observation.id, Observation.program_id, Observation.value, Observation.n,
                                   Observation.count_1, Observation.count_2, Observation.count_3,
                                   Observation.count_4, Observation.count_5, Observation.question_text))
             .order_by(Observation.program_id, Observation.id))
    if agency_id is not None:
        query = query.where(Component.agency_id == agency_id)
    if component_id is not None:
        query = query.where(Program.component_id == component_id)
    if program_id is not None:
        query = query.where(Program.id == program_id)
    rows = list(session.scalars(query))
    if not rows:
        return []
    programs = {p.id: p for p in session.scalars(
        sa.select(Program).where(Program.id.in_({r.program_id for r in rows}))
        .options(so.joinedload(Program.component).joinedload(Component.agency)))}
    book = TargetBook(session, parse_period(period).fiscal_year)
    driver = metric.driver.value if metric.driver else None
    only = answers_only(driver, period)
    found = []
    for pid, group in groupby(rows, key=lambda r: r.program_id):
        group = list(group)
        program = programs[pid]
        score = pooled_score(metric.kind, group, counted_only=only)
        if score.value is None:
            continue  # only questions reported without counts (or values): no score to give
        counted = [r for r in group if any(r.counts)]
        # the pooled answer counts, when they are the score's (not when means without answers are pooled too)
        counts = (pool(*(r.counts for r in counted)) if metric.kind is MetricKind.likert and counted
                  and (only or not uncounted(group, counted)) else None)
        target = book.for_program(metric.id, program)
        found.append(ProgramScore(
            program=program, metric=metric, period=period, value=score.value, n=score.n, counts=counts,
            ci_low=score.ci[0] if score.ci else None, ci_high=score.ci[1] if score.ci else None,
            target=None if target is None else target.target,
            status=rag_status(score, target, survey=metric.is_survey, min_n=min_n),
            non_standard_wording=any(is_non_standard_wording(driver, r.question_text, period) for r in group),
            observation_ids=[r.id for r in group]))
    return found
