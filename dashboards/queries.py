"""Query functions for the dashboards: plain data in, plain data out (no Dash, no Plotly)."""
from dataclasses import dataclass, field
from typing import Optional

import sqlalchemy as sa

from scorecard.models import Agency, Component, Metric, MetricKind, Observation, Program
from scorecard.periods import parse_period
from scorecard.scoring import TargetBook, program_scores, rag_status


@dataclass
class Heatmap:
    """Programs × A-11 drivers for one period: scores, respondents, targets and RAG status."""

    period: Optional[str]
    drivers: list[str] = field(default_factory=list)
    programs: list[str] = field(default_factory=list)
    program_ids: list[int] = field(default_factory=list)
    values: list[list[Optional[float]]] = field(default_factory=list)
    n: list[list[Optional[int]]] = field(default_factory=list)
    targets: list[list[Optional[float]]] = field(default_factory=list)
    statuses: list[list[str]] = field(default_factory=list)


def periods_with_data(session) -> list[str]:
    """Periods that have program observations, newest first."""
    rows = session.scalars(sa.select(Observation.period).where(Observation.program_id.is_not(None))
                           .distinct().order_by(Observation.period.desc()))
    return list(rows)


def agencies(session) -> list[tuple[int, str]]:
    return [(a.id, a.name) for a in session.scalars(sa.select(Agency).order_by(Agency.name))]


def driver_heatmap(session, period: Optional[str] = None, agency_id: Optional[int] = None,
                   *, min_n: int = 30) -> Heatmap:
    """The heatmap for `period` (default: the latest with data), optionally one agency only."""
    if period is None:
        available = periods_with_data(session)
        if not available:
            return Heatmap(period=None)
        period = available[0]
    period = str(parse_period(period))
    metrics = list(session.scalars(
        sa.select(Metric).where(Metric.driver.is_not(None), Metric.kind == MetricKind.likert)))
    order = ["satisfaction", "trust", "effectiveness", "ease", "efficiency", "transparency", "employee"]
    metrics.sort(key=lambda m: (order.index(m.driver.value), m.code))
    scores = program_scores(session, period, [m.id for m in metrics])
    program_ids = {pid for pid, _ in scores}
    query = (sa.select(Program).join(Component).where(Program.id.in_(program_ids))
             .options(sa.orm.joinedload(Program.component)).order_by(Component.name, Program.name))
    if agency_id is not None:
        query = query.where(Component.agency_id == agency_id)
    programs = list(session.scalars(query))
    book = TargetBook(session, parse_period(period).fiscal_year)
    heat = Heatmap(period=period, drivers=[m.driver.value for m in metrics])
    for program in programs:
        heat.programs.append(f"{program.component.name} — {program.name}")
        heat.program_ids.append(program.id)
        values, ns, targets, statuses = [], [], [], []
        for metric in metrics:
            score = scores.get((program.id, metric.id))
            target = book.for_program(metric.id, program)
            values.append(None if score is None or score.value is None else round(score.value, 2))
            ns.append(None if score is None else score.n)
            targets.append(None if target is None else target.target)
            statuses.append(rag_status(score, target, survey=True, min_n=min_n))
        heat.values.append(values)
        heat.n.append(ns)
        heat.targets.append(targets)
        heat.statuses.append(statuses)
    return heat
