"""One commitment's page (DESIGN §3): its programs' and metrics' current status against their targets,
as the dashboards and the rules score them, the published rules' latest findings about it, and its
history of updates in words."""
from dataclasses import dataclass
from datetime import date
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from scorecard.a11 import trust_as_share
from scorecard.clock import day_of
from scorecard.commitments.attention import days_since_update, is_overdue
from scorecard.commitments.services import EDITABLE, FIELD_LABELS, Names
from scorecard.models import (
    BatchStatus,
    Commitment,
    CommitmentUpdate,
    Finding,
    ImportBatch,
    Metric,
    MetricKind,
    Observation,
    Program,
    RuleStatus,
    RuleVersion,
    ScopeType,
    Target,
    User,
)
from scorecard.naming import program_named
from scorecard.people import person
from scorecard.periods import opening_period, parse_period
from scorecard.scores import format_value, share_who_trust
from scorecard.scoring import (
    INSUFFICIENT,
    NO_DATA,
    NO_TARGET,
    TargetBook,
    answers_only,
    pooled_score,
    program_scores,
    rag_status,
)
from scorecard.survey import summed_counts

# The dashboards' status words first (red, amber, green), with what each means against the target
RAG_WORDS = {"green": "Green (meets target)", "amber": "Amber (near target)", "red": "Red (below target)",
             INSUFFICIENT: "Insufficient data (fewer respondents than the minimum)", NO_DATA: "No data",
             NO_TARGET: "No target set"}


@dataclass
class MetricStatus:
    """A tied metric's latest value for one subject (a program, or the owning function)
    against its target, as the dashboards score it."""

    subject: str
    metric: Metric
    period: Optional[str]
    value: Optional[float]
    n: Optional[int]
    target: Optional[float]
    status: str
    share: Optional[float] = None  # from A-11's v2 survey on, trust's share who trust (percent)
    thumbs: bool = False           # that trust asked as thumbs up / down only (answers of 1 and 5 alone)

    @property
    def words(self) -> str:
        return RAG_WORDS.get(self.status, self.status.replace("_", " "))

    @property
    def value_words(self) -> str:
        """The value as the dashboards write it: a survey mean on 1-5 to two places ("3.62 (mean on 1-5)");
        from A-11's v2 survey on, trust as the share who trust first, its mean (which the status is judged
        on) beside it ("65.6% who trust (mean 3.62 on 1-5)"); any other with its unit ("84%", "112 days")."""
        if self.value is None:
            return "—"
        if self.metric.kind is not MetricKind.likert:
            return format_value(self.value, self.metric.unit)
        if self.share is None:
            return f"{self.value:.2f} ({MEAN_WORDS})"
        thumbs = ", a thumbs up counted 5, down 1" if self.thumbs else ""
        return f"{self.share:.1f}% who trust (mean {self.value:.2f} on 1-5{thumbs})"

    @property
    def target_words(self) -> str:
        """The target in the value's unit: on the 1-5 mean for a survey score (v2 trust's too, as the
        dashboards judge it), else with the metric's unit ("80%")."""
        if self.target is None:
            return "—"
        if self.metric.kind is MetricKind.likert:
            return f"{self.target:g} ({MEAN_WORDS})"
        return format_value(self.target, self.metric.unit)


MEAN_WORDS = "mean on 1-5"


def trust_share(metric: Metric, period: Optional[str], rows, n: Optional[int]) -> tuple[Optional[float], bool]:
    """From A-11's v2 survey on, a trust score's share who trust from the observation rows pooled into it
    (scores.share_who_trust, as the dashboards give it), and whether it was asked as thumbs up / down
    only; (None, False) before it, for another metric, or without every answer counted."""
    if not period or metric.kind is not MetricKind.likert:
        return None, False
    counts, _ = summed_counts(rows)
    share = share_who_trust(metric, period, counts, n)
    return share, share is not None and not any(counts[1:4])


@dataclass
class ProgramStatus:
    program: Program
    finding: Optional[Finding]  # the published rules' latest status finding about the program

    @property
    def words(self) -> str:
        """The finding's status in words. A status read from nothing at all is "no data" (the rules wrote
        "insufficient data" before: such a finding, with no inputs, is said as no data, not as too few
        respondents, until the next evaluation rewrites it)."""
        status = self.finding.status or ""
        if status == INSUFFICIENT and not self.finding.inputs:
            return RAG_WORDS[NO_DATA]
        return RAG_WORDS.get(status, status.replace("_", " "))


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class HistoryEntry:
    update: CommitmentUpdate
    who: str
    changes: list[Change]
    reverted: bool = False  # the row a revert of its import wrote (the import's own rows went with it)


@dataclass
class CommitmentView:
    commitment: Commitment
    days_to_due: Optional[int]
    days_since_update: Optional[int]
    overdue: bool
    programs: list[ProgramStatus]
    metrics: list[MetricStatus]
    findings: list[Finding]  # the published rules' latest findings about this commitment
    history: list[HistoryEntry]  # newest first
    today: Optional[date] = None

    @property
    def findings_judged_on(self) -> Optional[date]:
        """The agency's day the rules last judged the commitment, where it is before today: what they say of
        its days overdue or since its last update is that day's (a daily `scorecard evaluate` keeps it today's)."""
        days = [day_of(f.evaluated_at) for f in self.findings]
        return min(days) if days and self.today is not None and min(days) < self.today else None

    @property
    def findings_outdated(self) -> Optional[Finding]:
        """The oldest finding evaluated before the commitment last changed, or None: the rules judged it
        as it was (a save queues their evaluation, which brings the findings up to date)."""
        changed = self.commitment.updated_at
        before = [f for f in self.findings if changed is not None and f.evaluated_at < changed]
        return min(before, key=lambda f: f.evaluated_at) if before else None


def commitment_view(session, commitment: Commitment, today: date, *, min_n: int = 30) -> CommitmentView:
    c = commitment
    return CommitmentView(
        c, None if c.due_date is None else (c.due_date - today).days, days_since_update(c, today),
        is_overdue(c, today), program_statuses(session, c), metric_statuses(session, c, min_n=min_n, today=today),
        _commitment_findings(session, c.id), history(session, c), today)


def _latest_findings(session, subject_type: str, subject_ids, outcome: Optional[str] = None) -> list[Finding]:
    """Per subject and rule, the published version's finding for the latest period. `subject_type`
    is the stored word for what a rule is about ("program", "commitment", ...)."""
    ids = list(subject_ids)
    if not ids:
        return []
    query = (sa.select(Finding).join(RuleVersion, RuleVersion.id == Finding.rule_version_id)
             .where(Finding.subject_type == subject_type, Finding.subject_id.in_(ids),
                    RuleVersion.status == RuleStatus.published)
             .options(so.joinedload(Finding.rule_version).joinedload(RuleVersion.rule))
             .order_by(Finding.subject_id, RuleVersion.rule_id, Finding.period.desc(), Finding.id.desc()))
    if outcome:
        query = query.where(Finding.outcome == outcome)
    seen, found = set(), []
    for finding in session.scalars(query):
        key = (finding.subject_id, finding.rule_version.rule_id)
        if key not in seen:
            seen.add(key)
            found.append(finding)
    return found


def _commitment_findings(session, commitment_id: int) -> list[Finding]:
    return _latest_findings(session, "commitment", [commitment_id])


def program_statuses(session, commitment: Commitment) -> list[ProgramStatus]:
    """Each tied program with the rules' latest status finding about it (e.g. trust against its
    target), so the page says what the dashboards and the rules say."""
    programs = sorted(commitment.programs, key=lambda p: (p.component.name, p.name))
    findings = {}
    for finding in _latest_findings(session, "program", [p.id for p in programs], outcome="status"):
        findings.setdefault(finding.subject_id, finding)
    return [ProgramStatus(p, findings.get(p.id)) for p in programs]


def metric_statuses(session, commitment: Commitment, *, min_n: int = 30,
                    today: Optional[date] = None) -> list[MetricStatus]:
    """Each tied metric's latest score (of the latest quarter that has ended, as the dashboards open; else the
    latest) for each tied program (scoring.program_scores, the same
    pooling and targets as the heatmap); for a metric the function itself reports, the
    function's latest value against its function (or agency) target, and a program's row only
    where the program reports it too (not a "no data yet" row for each)."""
    metrics = sorted(commitment.metrics, key=lambda m: m.name)
    programs = sorted(commitment.programs, key=lambda p: (p.component.name, p.name))
    own = [row for row in (_function_metric(session, commitment, m, min_n, today) for m in metrics) if row is not None]
    reported_by_function = {row.metric.id for row in own}
    found: list[MetricStatus] = []
    if metrics and programs:
        periods: dict[tuple[int, int], list[str]] = {}
        for program_id, metric_id, period in session.execute(
                sa.select(Observation.program_id, Observation.metric_id, Observation.period).distinct()
                .where(Observation.program_id.in_([p.id for p in programs]),
                       Observation.metric_id.in_([m.id for m in metrics]))):
            periods.setdefault((program_id, metric_id), []).append(period)
        latest = {key: shown_period(found, today) for key, found in periods.items()}
        scores, books = {}, {}
        for period in set(latest.values()):
            scores[period] = program_scores(session, period, [m.id for m in metrics])
            books[period] = TargetBook(session, parse_period(period).fiscal_year)
        for program in programs:
            for metric in metrics:
                period = latest.get((program.id, metric.id))
                if period is None and metric.id in reported_by_function:
                    continue
                score = scores[period].get((program.id, metric.id)) if period else None
                target = books[period].for_program(metric.id, program) if period else None
                share, thumbs = (None, False)
                if score is not None and trust_as_share(metric.driver and metric.driver.value, period):
                    share, thumbs = trust_share(metric, period, session.scalars(sa.select(Observation).where(
                        Observation.program_id == program.id, Observation.metric_id == metric.id,
                        Observation.period == period)), score.n)
                found.append(MetricStatus(
                    program_named(program), metric, period,
                    None if score is None else score.value, None if score is None else score.n,
                    None if target is None else target.target,
                    rag_status(score, target, survey=metric.is_survey, min_n=min_n), share, thumbs))
    return found + own


def shown_period(periods, today: Optional[date] = None) -> Optional[str]:
    """Of a score's quarters with data, the one the page shows, as the dashboards open: the latest that has
    ended, else the latest (a quarter under way holds its first results only)."""
    return opening_period(sorted(periods, key=parse_period, reverse=True), today)


def _function_metric(session, commitment: Commitment, metric: Metric, min_n: int,
                     today: Optional[date] = None) -> Optional[MetricStatus]:
    where = (Observation.metric_id == metric.id, Observation.function_id == commitment.function_id,
             Observation.program_id.is_(None))
    period = shown_period(session.scalars(sa.select(Observation.period).distinct().where(*where)), today)
    if period is None:
        return None
    rows = list(session.scalars(sa.select(Observation).where(*where, Observation.period == period)))
    score = pooled_score(metric.kind, rows,
                         counted_only=answers_only(metric.driver and metric.driver.value, period))
    fiscal_year = parse_period(period).fiscal_year
    target = session.scalar(sa.select(Target).where(
        Target.metric_id == metric.id, Target.fiscal_year == fiscal_year,
        sa.or_(sa.and_(Target.scope_type == ScopeType.function, Target.scope_id == commitment.function_id),
               sa.and_(Target.scope_type == ScopeType.agency, Target.scope_id.in_({r.agency_id for r in rows}))))
        .order_by(sa.case((Target.scope_type == ScopeType.function, 0), else_=1)).limit(1))
    return MetricStatus(f"{commitment.function.name} (the function)", metric, period, score.value, score.n,
                        None if target is None else target.target,
                        rag_status(score, target, survey=metric.is_survey, min_n=min_n),
                        *trust_share(metric, period, rows, score.n))


def history(session, commitment: Commitment) -> list[HistoryEntry]:
    """Every update of the commitment, newest first: who, when, each field before → after, note."""
    updates = sorted(commitment.updates, key=lambda u: (u.at, u.id), reverse=True)
    users = {u.id: u for u in session.scalars(sa.select(User).where(
        User.id.in_({u.user_id for u in updates if u.user_id})))}
    names = Names(session, [u.changes or {} for u in updates])
    # a row naming a reverted import is the revert's: the import's own rows were deleted with it
    reverted = set(session.scalars(sa.select(ImportBatch.id).where(
        ImportBatch.id.in_({u.import_batch_id for u in updates if u.import_batch_id}),
        ImportBatch.status == BatchStatus.reverted)))
    return [HistoryEntry(u, person(users.get(u.user_id)),
                         [Change(FIELD_LABELS.get(f, f.replace("_", " ").capitalize()), names.words(f, pair[0]),
                                 names.words(f, pair[1]))
                          for f, pair in _ordered(u.changes or {})], reverted=u.import_batch_id in reverted)
            for u in updates]


def _ordered(changes: dict):
    order = {f: i for i, f in enumerate(EDITABLE)}
    return sorted(((f, v) for f, v in changes.items() if isinstance(v, (list, tuple)) and len(v) == 2),
                  key=lambda item: (order.get(item[0], len(order)), item[0]))

