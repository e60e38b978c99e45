"""A finding's outcome in words (`outcome_words`, as its why page and its rule's page write it), and what
one rule version concluded, for its page: the quarters it has findings in, and one quarter's
findings that the viewer may see, worst first, a page at a time, with their outcomes counted. A plan
requirement's findings follow the plan's visibility, as its why-page does (`may_see_finding`); the
others are the agency dashboards' data. The filter is one SQL condition, so the counts and pages are
the database's."""
from dataclasses import dataclass, field
from typing import Optional

import sqlalchemy as sa

from scorecard.models import (
    CapacityAssessment,
    CapacityDomainScore,
    Finding,
    PerformancePlan,
    PlanElement,
    PlanRequirement,
    RuleSubject,
    RuleVersion,
)
from scorecard.naming import component_parts, in_words, leader_parts, program_parts
from scorecard.periods import parse_period
from scorecard.plans.services import plans_seen, visible_plans
from scorecard.rules.evaluator import DATA_REASONS
from scorecard.rules.explain import score_is_share, score_words

PER_PAGE = 50
# Worst first: the lowest proposed rating, then red before amber before the rest (green last), then the
# most severe flag; within each, by what the finding says.
_STATUS_ORDER = {"red": 0, "amber": 1, "insufficient_data": 2, "no_target": 3, "no_data": 4, "green": 5}
_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


def outcome_words(rating: Optional[int], status: Optional[str], flag: Optional[str], severity: Optional[str],
                  score: Optional[float], share: bool, outcome: Optional[str] = None) -> str:
    """A finding's outcome as the pages write it: "proposed rating 2", "status red", "flag “late” (high
    severity)", "score 85.7%" (`share`: the rule scores by a share), joined where a finding has several; a
    rating or score the data could not give (`outcome`, the finding's kind), "no score: no data" (its page said
    "status no data" of a score)."""
    if outcome in ("rating", "score") and status in DATA_REASONS and rating is None and score is None:
        return f"no {outcome}: {status.replace('_', ' ')}"
    words = []
    if rating is not None:
        words.append(f"proposed rating {rating}")
    if status:
        words.append(f"status {status.replace('_', ' ')}")
    if flag:
        words.append(f"flag “{flag}”" + (f" ({severity} severity)" if severity else ""))
    if score is not None:
        words.append(f"score {score_words(score, share)}")
    return "; ".join(words) or "no outcome"


@dataclass
class Line:
    finding_id: int
    explanation: str
    outcome: str
    subject: Optional[str] = None  # the subject named among its namesakes, where another shares its name


@dataclass
class Concluded:
    """A rule version's findings as its page lists them."""

    periods: list[tuple[str, int]] = field(default_factory=list)  # (quarter, findings the viewer may see), newest first
    period: Optional[str] = None      # the quarter listed
    asked: Optional[str] = None       # a quarter asked for that has none of its findings (said, the newest listed)
    counts: list[tuple[str, int]] = field(default_factory=list)  # (outcome, findings) of the quarter, worst first
    lines: list[Line] = field(default_factory=list)
    total: int = 0                    # the quarter's findings the viewer may see
    hidden: int = 0                   # the quarter's findings on plans the viewer's role does not show
    page: int = 1
    pages: int = 1


def _visible(session, user) -> sa.ColumnElement[bool]:
    """The findings `user` may see: every one but a plan requirement's on a plan their role does not show."""
    if plans_seen(user) == "every":
        return sa.true()
    plans = visible_plans(session, user).with_only_columns(PerformancePlan.id).order_by(None)
    requirements = (sa.select(PlanRequirement.id).join(PlanElement, PlanElement.id == PlanRequirement.element_id)
                    .where(PlanElement.plan_id.in_(plans)))
    return sa.or_(Finding.subject_type != RuleSubject.requirement, Finding.subject_id.in_(requirements))


def concluded(session, user, version: RuleVersion, period: Optional[str] = None, page: int = 1) -> Concluded:
    """The findings of `version` in `period` (default, or a quarter it has none in: the newest it has)
    that `user` may see, page `page` of them (a page past the last shows the last)."""
    found = Concluded()
    ours = Finding.rule_version_id == version.id
    visible = _visible(session, user)
    by_period = session.execute(sa.select(Finding.period, sa.func.count()).where(ours, visible)
                                .group_by(Finding.period)).all()
    found.periods = sorted(((p, n) for p, n in by_period), key=lambda item: parse_period(item[0]), reverse=True)
    if not found.periods:  # none the viewer may see: how many there are on plans their role does not show
        found.hidden = session.scalar(sa.select(sa.func.count()).where(ours, ~visible)) or 0
        return found
    quarters = {p for p, _ in found.periods}
    wanted = str(parse_period(period)) if period else None
    if wanted is not None and wanted not in quarters:
        found.asked = wanted
    found.period = wanted if wanted in quarters else found.periods[0][0]
    in_period = sa.and_(ours, Finding.period == found.period)
    found.hidden = session.scalar(sa.select(sa.func.count()).where(in_period, ~visible)) or 0
    share = score_is_share(version.definition)
    counted: dict[str, list] = {}  # {words: [worst-first key, findings]}
    outcome = (Finding.rating, Finding.status, Finding.flag, Finding.severity)
    for kind, rating, status, flag, severity, n in session.execute(
            sa.select(Finding.outcome, *outcome, sa.func.count()).where(in_period, visible)
            .group_by(Finding.outcome, *outcome)):
        words = ("a score" if kind == "score" and status not in DATA_REASONS
                 else outcome_words(rating, status, flag, severity, None, share, kind))
        words = f"with {words}" if words.startswith("no ") else words  # "6 with no score: no data"
        key = (rating is None, rating or 0, _STATUS_ORDER.get(status, len(_STATUS_ORDER)),
               _SEVERITY_ORDER.get(severity, len(_SEVERITY_ORDER)), words)
        counted.setdefault(words, [key, 0])[1] += n
    found.counts = [(words, n) for words, (_, n) in sorted(counted.items(), key=lambda item: item[1][0])]
    found.total = sum(n for _, n in found.counts)
    found.pages = max(1, -(-found.total // PER_PAGE))
    found.page = min(max(1, page), found.pages)
    order = (Finding.rating.is_(None), Finding.rating,
             sa.case(_STATUS_ORDER, value=Finding.status, else_=len(_STATUS_ORDER)),
             sa.case(_SEVERITY_ORDER, value=Finding.severity, else_=len(_SEVERITY_ORDER)),
             Finding.score.is_(None), Finding.score, Finding.explanation, Finding.id)
    rows = session.execute(sa.select(Finding.id, Finding.explanation, *outcome, Finding.score, Finding.outcome,
                                     Finding.subject_type, Finding.subject_id)
                           .where(in_period, visible).order_by(*order)
                           .offset((found.page - 1) * PER_PAGE).limit(PER_PAGE)).all()
    told = _namesakes_told(session, [(subject_type, subject_id) for *_, subject_type, subject_id in rows])
    found.lines = [Line(finding_id, explanation, outcome_words(rating, status, flag, severity, score, share, kind),
                        told.get((subject_type, subject_id)))
                   for finding_id, explanation, rating, status, flag, severity, score, kind, subject_type, subject_id
                   in rows]
    return found


def _namesakes_told(session, subjects: list[tuple[RuleSubject, int]]) -> dict[tuple[RuleSubject, int], str]:
    """{(subject type, id): its name told apart} of the subjects that share their name with another record (two
    agencies' "Contact Center", two leaders called "Pat Smith"): an explanation names a subject by its name alone
    ("Contact Center trust was 3.85"), and two such lines read as one subject's. A subject whose name is its own
    is left out (its explanation names it)."""
    ids: dict[RuleSubject, set[int]] = {}
    for subject_type, subject_id in subjects:
        ids.setdefault(subject_type, set()).add(subject_id)
    told: dict[tuple[RuleSubject, int], str] = {}
    for subject_type, (owners, read) in _NAMED_BY.items():
        if subject_type not in ids:
            continue
        # {subject id: the record whose name it goes by}: a program itself, a requirement's leader, a score's component
        owner = ({i: i for i in ids[subject_type]} if owners is None
                 else dict(session.execute(owners.where(owners.selected_columns[0].in_(ids[subject_type]))).all()))
        parts = read(session) if owner else {}
        told.update({(subject_type, i): in_words(parts[o]) for i, o in owner.items() if len(parts.get(o, ())) > 1})
    return told


# Each subject type's (query of (subject id, the id of the record it is named by), or None for the subject itself;
# the reader of those records told apart).
_NAMED_BY = {
    RuleSubject.program: (None, program_parts),
    RuleSubject.requirement: (
        sa.select(PlanRequirement.id, PerformancePlan.leader_id)
        .join(PlanElement, PlanElement.id == PlanRequirement.element_id)
        .join(PerformancePlan, PerformancePlan.id == PlanElement.plan_id), leader_parts),
    RuleSubject.capacity_domain: (
        sa.select(CapacityDomainScore.id, CapacityAssessment.component_id)
        .join(CapacityAssessment, CapacityAssessment.id == CapacityDomainScore.assessment_id), component_parts),
}
