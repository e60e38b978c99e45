"""The life experiences page's data (named apart from `common.life_experiences`, which the package
re-exports): programs across agencies rolled up per life experience for one quarter — each
A-11 survey measure pooled over the programs' answers (a 1-5 mean from the pooled counts with its
95% CI; from FY2024-Q2 trust as the share who trust and the aspects as shares, see
queries.program), how many programs stand at each status, and each program's own status and trust."""
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Optional

import sqlalchemy as sa

from dashboards import links
from dashboards.cache import cached
from dashboards.queries.common import (
    ProgramFilter,
    chosen_period,
    pooled_rows,
    scores_from_rows,
    status_metric,
    statuses_of,
    survey_metrics,
)
from dashboards.queries.overview import PROGRAM_STATUSES
from dashboards.queries.program import (
    TRUST,
    MeasureSpec,
    era_of,
    grouped_measure,
    pools_a_value,
    sources,
    spec_for,
    spec_order,
    wording,
)
from scorecard.models import Agency, Component, LifeExperience, Program
from scorecard.models.org import program_life_experience
from scorecard.periods import parse_period
from scorecard.scoring import NO_DATA


@dataclass
class Pooled:
    """One measure pooled over a life experience's programs in the quarter."""

    spec: MeasureSpec
    value: Optional[float]
    n: Optional[int]
    ci_low: Optional[float]
    ci_high: Optional[float]
    programs: int  # programs whose answers were pooled
    non_standard: int = 0  # of them, those whose question was not the standard A-11 statement

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def unit(self) -> str:
        return self.spec.unit


@dataclass
class LifeProgram:
    program_id: int
    name: str
    component: str
    agency: str
    status: str
    trust: Optional[float]      # the program's trust in the quarter: mean 1-5 (v1) or share who trust (v2)
    trust_n: Optional[int]
    finding_id: Optional[int]
    href: str = ""  # the program's page for the quarter
    question: str = ""  # the trust question as asked ("non-standard wording" marked)
    source: str = ""    # the import batches its trust answers came from
    judged: Optional[float] = None  # the score its status is judged on (v2: the 1-5 mean, a thumbs up 5), and
    target: Optional[float] = None  # the target it is judged against (common.ProgramStatus)


@dataclass
class Experience:
    id: int
    name: str
    measures: list[Pooled] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)  # every status of PROGRAM_STATUSES, in that order
    programs: list[LifeProgram] = field(default_factory=list)

    @property
    def agencies(self) -> int:
        return len({p.agency for p in self.programs})

    def measure(self, topic: str) -> Optional[Pooled]:
        return next((m for m in self.measures if m.spec.topic == topic and not m.spec.polarity), None)


@dataclass
class Rollup:
    period: Optional[str]
    era: Optional[str] = None
    experiences: list[Experience] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        """Whether any program of any life experience has survey answers in the quarter."""
        return any(e.measures for e in self.experiences)


def _members(session, agency_id: Optional[int]) -> dict[int, list[tuple]]:
    """{life experience id: [(program id, name, component, agency)]} by agency, component, name."""
    query = (sa.select(program_life_experience.c.life_experience_id, Program.id, Program.name, Component.name,
                       Agency.name)
             .join(Program, Program.id == program_life_experience.c.program_id)
             .join(Component, Component.id == Program.component_id).join(Agency, Agency.id == Component.agency_id)
             .order_by(Agency.name, Component.name, Program.name))
    if agency_id is not None:
        query = query.where(Component.agency_id == agency_id)
    members: dict[int, list[tuple]] = defaultdict(list)
    for experience_id, *program in session.execute(query):
        members[experience_id].append(tuple(program))
    return members


@cached
def life_experience_rollup(session, period: Optional[str] = None, agency_id: Optional[int] = None, *,
                           min_n: int = 30) -> Rollup:
    """Every life experience with tagged programs (of the agency, when given) in `period` (default:
    the latest quarter with data). One pass over the quarter: its observations grouped by program,
    measure, question and import batch in the database (`pooled_rows`), each experience's measures
    pooled from those sums, and each program's status judged from them as `program_statuses` judges it
    (a second pooling of the quarter for the statuses, and the observations pooled one by one in
    Python, had cost the page 250 ms at 1,000,000 observations)."""
    period = chosen_period(session, period)
    if period is None:
        return Rollup(None)
    period = str(parse_period(period))
    rollup = Rollup(period, era_of(period))
    members = _members(session, agency_id)
    metrics = survey_metrics(session)
    rows_by_program: dict[int, list] = defaultdict(list)
    for row in pooled_rows(session, period, metrics, ProgramFilter(agency_id, None, None), sourced=True,
                           scales=True):
        rows_by_program[row.program_id].append(row)
    sourced = sources(session, (r.import_batch_id for rows in rows_by_program.values() for r in rows))
    # A program's status is its own, whichever experience lists it: judged once for them all.
    metric = status_metric(session)
    judged = [] if metric is None else [r for rows in rows_by_program.values() for r in rows
                                        if r.metric_id == metric.id]
    scores = scores_from_rows(session, period, [metric] if metric else [], judged, min_n=min_n, sourced=True)
    statuses = statuses_of(session, period, metric, scores.get(metric.id, {}) if metric else {}, rows_by_program)
    specs = {metric_id: spec_for(metric.code, metric.driver.value if metric.driver else None, period)
             for metric_id, metric in metrics.items()}
    for experience in session.scalars(sa.select(LifeExperience).order_by(LifeExperience.name)):
        programs = members.get(experience.id)
        if not programs:
            continue
        rollup.experiences.append(_experience(experience, programs, rows_by_program, metrics, specs, statuses,
                                              period, sourced))
    return rollup


def _experience(experience, programs, rows_by_program, metrics, specs, statuses, period, sourced) -> Experience:
    """One experience's measures and programs, from the quarter's grouped rows (`pooled_rows`) by program."""
    found = Experience(experience.id, experience.name, statuses={s: 0 for s in PROGRAM_STATUSES})
    by_spec: dict[MeasureSpec, list] = defaultdict(list)
    contributors: dict[MeasureSpec, set] = defaultdict(set)
    odd: dict[MeasureSpec, set] = defaultdict(set)  # programs asking in non-standard wording
    for program_id, name, component, agency in programs:
        own: dict[MeasureSpec, list] = defaultdict(list)
        for row in rows_by_program.get(program_id, ()):
            spec = specs[row.metric_id]
            if spec is not None:
                own[spec].append(row)
                by_spec[spec].append(row)
        for spec, rows in own.items():  # counted as pooled where its answers gave the measure something
            if pools_a_value(metrics[rows[0].metric_id].kind, rows, share_of_trust=spec.share_of_trust):
                contributors[spec].add(program_id)
                if wording(spec, rows)[1]:
                    odd[spec].add(program_id)
        trust_spec = next((s for s in own if s.topic == TRUST and not s.polarity), None)
        trust = question = source = None
        if trust_spec is not None:
            rows = own[trust_spec]
            trust = grouped_measure(metrics[rows[0].metric_id].kind, rows, share_of_trust=trust_spec.share_of_trust)
            texts, marked = wording(trust_spec, rows)
            question = " | ".join(texts) + (" (non-standard wording)" if marked else "")
            source = "; ".join(sourced[b].words for b in sorted({r.import_batch_id for r in rows},
                                                                 key=lambda b: (b is None, b)))
        status = statuses.get(program_id)
        word = NO_DATA if status is None else status.status
        found.statuses[word if word in found.statuses else NO_DATA] += 1
        found.programs.append(LifeProgram(program_id, name, component, agency, word,
                                          None if trust is None else trust.value, None if trust is None else trust.n,
                                          None if status is None else status.finding_id,
                                          links.program(program_id, period), question or "", source or "",
                                          None if status is None else status.value,
                                          None if status is None else status.target))
    for spec in sorted(by_spec, key=spec_order):
        rows = by_spec[spec]
        measure = grouped_measure(metrics[rows[0].metric_id].kind, rows, share_of_trust=spec.share_of_trust)
        found.measures.append(Pooled(spec, measure.value, measure.n, measure.ci_low, measure.ci_high,
                                     len(contributors[spec]), len(odd[spec])))
    return found
