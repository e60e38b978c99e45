"""The capacity dashboard's data for one fiscal year: each component with an assessment that year
or the year before, its score in each of the five A-11 capacity domains with the change from the
year before, the rules' evidence score beside it (with its finding, for the why-page), and each
domain's action-plan commitments with their status (and how long overdue, as the function pages say).

The words (scores, changes, assessment statuses), the findings and the action plans (every role
reads them; the links follow the role's scope) are the capacity pages' own
(scorecard.capacity.services and .view), so the dashboard and the Flask page say the same thing.

Not cached as a query: the page keeps its whole answer (`cache.cached_answer`), under a data version
that an assessment saved on the web changes. Read as columns: an agency's are hundreds of rows.
"""
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Optional

import sqlalchemy as sa

from dashboards import links
from dashboards.queries.common import Scope, begun, newest_begun
from scorecard.capacity.services import STATUS_WORDS, YearScores, change_words, score_text, total_change_words
from scorecard.capacity.view import ActionItem, action_items, evidence_scores, linker
from scorecard.models import CAPACITY_DOMAINS, Agency, CapacityAssessment, CapacityDomainScore, Component
from scorecard.models.capacity import CapacityStatus
from scorecard.naming import told_apart

DOMAINS = list(CAPACITY_DOMAINS)


@dataclass
class DomainCell:
    domain: str
    score: Optional[float]
    previous: Optional[float]
    scale: tuple[int, int]
    comparable: bool            # the year before used the same scale
    prior_year: int
    evidence_score: Optional[float] = None
    evidence_words: str = ""  # the score as the pages write it: "100%" for a share
    evidence_period: Optional[str] = None
    evidence_explanation: Optional[str] = None
    finding_id: Optional[int] = None
    actions: list[ActionItem] = field(default_factory=list)

    @property
    def score_words(self) -> str:
        return f"{score_text(self.score)} of {self.scale[1]}" if self.score is not None else "not scored"

    @property
    def change(self) -> Optional[float]:
        if self.score is None or self.previous is None or not self.comparable:
            return None
        return self.score - self.previous

    @property
    def change_words(self) -> str:
        return change_words(self.score, self.previous, self.prior_year, self.comparable)

    @property
    def action_words(self) -> str:
        """"2: 1 on track, 1 at risk", "1: 1 not started (1 overdue)", or "none"."""
        if not self.actions:
            return "none"
        counts: dict[str, int] = {}
        for item in self.actions:
            counts[item.status_word] = counts.get(item.status_word, 0) + 1
        overdue = sum(1 for item in self.actions if item.overdue_days is not None)
        return (f"{len(self.actions)}: " + ", ".join(f"{n} {word}" for word, n in counts.items())
                + (f" ({overdue} overdue)" if overdue else ""))


@dataclass
class ComponentRow:
    component_id: int
    component: str
    agency: str
    fiscal_year: int
    status: str                 # the assessment's: not started, draft or submitted
    scale: tuple[int, int]
    now: Optional[YearScores]     # this year's assessment and the year before's, as plain values
    before: Optional[YearScores]
    cells: list[DomainCell] = field(default_factory=list)  # DOMAINS, in order
    label: str = ""  # the component's name, with its agency's where another component shown has the same name

    @property
    def href(self) -> str:
        return links.capacity(self.component_id, self.fiscal_year)

    @property
    def total_change_words(self) -> str:
        """The change of the total from the year before, or why the totals cannot be compared (the
        capacity page's words)."""
        return total_change_words(self.fiscal_year - 1, self.now, self.before)

    @property
    def total_words(self) -> str:
        return self.now.total_words if self.now else "no scores yet"


@dataclass
class Capacity:
    fiscal_year: Optional[int]
    years: list[int]                      # fiscal years with assessments, newest first
    drafting: list[int] = field(default_factory=list)  # years after the opening year: drafts only, newest first
    early: dict[int, int] = field(default_factory=dict)  # years after it not begun: components submitted early
    rows: list[ComponentRow] = field(default_factory=list)  # by agency, then component
    unassessed: int = 0  # HISP components with no assessment in the year or the one before (not in `rows`)

    @property
    def domains(self) -> list[str]:
        return DOMAINS


def opening_year(session, years: Optional[list[int]] = None, today: Optional[date] = None) -> Optional[int]:
    """The year the dashboard opens on: the newest that has begun in which a component has submitted its
    assessment (a year of drafts only is still being written; one submitted before it begins is next year's,
    and made the page open on a year of drafts and components not started); else the newest with
    assessments that has begun (`newest_begun`; `years` read when not given). None without any."""
    years = assessment_years(session) if years is None else years
    return _opening(years, _submitted_years(session), today)


def _opening(years: list[int], submitted, today: Optional[date]) -> Optional[int]:
    """`opening_year` of `years` with assessments and the years some component submitted (`submitted`)."""
    done = begun([year for year in years if year in submitted], today)
    return max(done) if done else newest_begun(years, today)


def _submitted_years(session) -> dict[int, int]:
    """{fiscal year: components that submitted its assessment} of the years with any."""
    return dict(session.execute(sa.select(CapacityAssessment.fiscal_year, sa.func.count())
                                .where(CapacityAssessment.status == CapacityStatus.submitted)
                                .group_by(CapacityAssessment.fiscal_year)).all())


def assessment_years(session) -> list[int]:
    """Fiscal years with capacity assessments, newest first."""
    return list(session.scalars(sa.select(CapacityAssessment.fiscal_year).distinct()
                                .order_by(CapacityAssessment.fiscal_year.desc())))


def _assessments(session, years: list[int]) -> dict[tuple[int, int], tuple]:
    """{(component id, fiscal year): (status, (scale min, max), {domain: (score id, score)})} for `years`."""
    assessed = {row.id: row for row in session.execute(
        sa.select(CapacityAssessment.id, CapacityAssessment.component_id, CapacityAssessment.fiscal_year,
                  CapacityAssessment.status, CapacityAssessment.scale_min, CapacityAssessment.scale_max)
        .where(CapacityAssessment.fiscal_year.in_(years)))}
    scores = defaultdict(dict)
    for assessment_id, score_id, domain, score in session.execute(
            sa.select(CapacityDomainScore.assessment_id, CapacityDomainScore.id, CapacityDomainScore.domain,
                      CapacityDomainScore.score)
            .where(CapacityDomainScore.assessment_id.in_(list(assessed)))
            .order_by(CapacityDomainScore.position, CapacityDomainScore.id)):
        scores[assessment_id][domain] = (score_id, score)
    return {(a.component_id, a.fiscal_year): (a.status, (a.scale_min, a.scale_max), scores[a.id])
            for a in assessed.values()}


def capacity(session, today: date, fiscal_year: Optional[int] = None) -> Capacity:
    """Components × domains for `fiscal_year` (default: the newest with assessments), commitments overdue
    as of `today`."""
    years = assessment_years(session)
    year = fiscal_year if fiscal_year is not None else (years[0] if years else None)
    submitted = _submitted_years(session)  # read once, for the opening year and the later years' words
    opening = _opening(years, submitted, today)
    later = [y for y in years if opening is not None and y > opening]
    found = Capacity(year, years, [y for y in later if y not in submitted],
                     {y: submitted[y] for y in later if y in submitted})
    if year is None:
        return found
    assessments = _assessments(session, [year, year - 1])
    component_ids = sorted({component_id for component_id, _ in assessments})
    found.unassessed = session.scalar(sa.select(sa.func.count()).select_from(Component).where(
        Component.is_hisp.is_(True), Component.id.not_in(component_ids)))
    if not component_ids:
        return found
    evidence = evidence_scores(session, [score_id for (_, fy), (_, _, scores) in assessments.items() if fy == year
                                         for score_id, _ in scores.values()])
    actions = action_items(session, component_ids, today)
    query = (sa.select(Component.id, Component.name, Agency.name).join(Agency)
             .where(Component.id.in_(component_ids)).order_by(Agency.name, Component.name))
    for component_id, name, agency in session.execute(query):
        now, before = assessments.get((component_id, year)), assessments.get((component_id, year - 1))
        scale = now[1] if now else before[1]
        comparable = now is None or before is None or now[1] == before[1]
        stored = now[2] if now else {}
        prior = {domain: score for domain, (_, score) in (before[2] if before else {}).items()}
        scores = {domain: score for domain, (_, score) in stored.items()}
        row = ComponentRow(component_id, name, agency, year, STATUS_WORDS[now[0] if now else None], scale,
                           YearScores(now[1], scores) if now else None,
                           YearScores(before[1], prior) if before else None)
        for domain in DOMAINS:
            score_id, score = stored.get(domain, (None, None))
            cell = DomainCell(domain, score, prior.get(domain), scale, comparable, year - 1,
                              actions=actions.get((component_id, domain), []))
            finding = evidence.get(score_id)
            if finding is not None:
                cell.evidence_score, cell.evidence_words, cell.evidence_period = (finding.score, finding.words,
                                                                                  finding.period)
                cell.evidence_explanation, cell.finding_id = finding.explanation, finding.finding_id
            row.cells.append(cell)
        found.rows.append(row)
    # two agencies' "Retirement Services" drew as one row of the chart (one's scores lost) and read alike in the tables
    told = told_apart({row.component_id: (row.component, row.agency) for row in found.rows})
    for row in found.rows:
        row.label = ", ".join(told[row.component_id])
    return found


def for_scope(found: Capacity, scope: Scope) -> Capacity:
    """`found` with a link to each action-plan commitment `scope` may open (the capacity page's `linker`)."""
    link = linker(scope, links.commitment)
    rows = [replace(row, cells=[replace(cell, actions=[link(a) for a in cell.actions]) for cell in row.cells])
            for row in found.rows]
    return replace(found, rows=rows)


def capacity_for(session, scope: Scope, today: date, fiscal_year: Optional[int] = None) -> Capacity:
    """What the capacity dashboard shows `scope` on `today`."""
    return for_scope(capacity(session, today, fiscal_year), scope)
