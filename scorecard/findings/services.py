"""What a why-page shows: a finding, its subject in words, its inputs with their observations,
and the commitments it read with what each said when it was read."""
from dataclasses import dataclass, field
from datetime import date
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import url_for

from scorecard.models import (
    Agency,
    CapacityDomainScore,
    Commitment,
    CommitmentStatus,
    Component,
    Finding,
    FindingInput,
    Function,
    ImportBatch,
    Metric,
    Observation,
    PlanElement,
    PlanRequirement,
    Program,
    RuleSubject,
    ScopeType,
    User,
)
from scorecard.naming import component_named, leader_named, program_named
from scorecard.navigation import program_page
from scorecard.plans.services import may_see
from scorecard.rules.context import commitments_read_on
from scorecard.scoring import answers_only


@dataclass
class Subject:
    """A finding's subject in words: its type ("capacity domain") and its name, with where it is shown:
    a program's dashboard page for the finding's quarter (its accountability chain), a plan, a
    commitment (linked for who may open it), a component's capacity assessment."""

    subject_type: RuleSubject
    name: str
    plan_id: Optional[int] = None
    href: Optional[str] = None  # a program's or a capacity assessment's page
    commitment: Optional[Commitment] = None

    @property
    def type_words(self) -> str:
        return self.subject_type.replace("_", " ")


def subject_of(session, finding: Finding) -> Subject:
    subject_type = finding.subject_type
    if subject_type is RuleSubject.program:
        program = session.get(Program, finding.subject_id)
        if program is None:
            return Subject(subject_type, f"program {finding.subject_id} (deleted)")
        return Subject(subject_type, program_named(program),
                       href=program_page(program.id, finding.period))
    if subject_type is RuleSubject.requirement:
        requirement = session.get(PlanRequirement, finding.subject_id)
        if requirement is None:
            return Subject(subject_type, f"requirement {finding.subject_id} (deleted)")
        element: PlanElement = requirement.element
        leader = element.plan.leader
        return Subject(subject_type,
                       # the requirement's own words quoted: they end in a full stop, which read "programs., FY2027-Q1"
                       f"{leader_named(leader)}, FY{element.plan.fiscal_year}, {element.name}: “{requirement.text}”",
                       plan_id=element.plan_id)
    if subject_type is RuleSubject.commitment:
        commitment = session.get(Commitment, finding.subject_id)
        return Subject(subject_type, f"{commitment.function.code}: {commitment.title}" if commitment
                       else f"commitment {finding.subject_id} (deleted)", commitment=commitment)
    score = session.get(CapacityDomainScore, finding.subject_id)
    if score is not None:
        a = score.assessment
        return Subject(subject_type, f"{component_named(a.component)}, FY{a.fiscal_year}, {score.domain}",
                       href=url_for("capacity.show", component_id=a.component_id, fiscal_year=a.fiscal_year))
    detail = f" ({finding.subject_detail})" if finding.subject_detail else ""
    return Subject(subject_type, f"subject {finding.subject_id}{detail}")


def may_see_finding(session, user, finding: Finding) -> bool:
    """Plan findings follow the plan's visibility; the rest are agency dashboards' data."""
    if finding.subject_type is RuleSubject.requirement:
        requirement = session.get(PlanRequirement, finding.subject_id)
        return requirement is not None and may_see(session, user, requirement.element.plan_id)
    return True


@dataclass
class InputView:
    """One input of a finding with the observations it pooled (loaded in one query); for a
    commitment read, the commitment as it is now and what it said when read (`record`)."""

    item: FindingInput
    metric: Optional[str]
    observations: list
    commitment: Optional[Commitment] = None
    record: dict = field(default_factory=dict)
    overdue: Optional[bool] = None  # past its due date and still open on the day it was read
    target_for: str = ""  # whose target it is ("the program Benefits Call Center's"): `target_scopes`

    @property
    def is_commitment(self) -> bool:
        return self.item.role == COMMITMENT_ROLE

    @staticmethod
    def judges_nothing(observation: Observation) -> bool:
        """A value typed without its answers where the score is counted from answers alone (v2 trust,
        scoring.answers_only): listed with the group it came in, but not pooled."""
        metric = observation.metric
        return (observation.value is not None and not any(observation.counts)
                and answers_only(metric.driver and metric.driver.value, observation.period))

    @property
    def commitment_id(self) -> Optional[int]:
        return int(self.item.subject_key.partition(":")[2]) if self.is_commitment else None


COMMITMENT_ROLE = "commitment"
OPEN_STATUSES = {s.value for s in CommitmentStatus} - {CommitmentStatus.complete.value, CommitmentStatus.dropped.value}


def inputs_of(session, finding: Finding) -> list[InputView]:
    items = list(session.scalars(sa.select(FindingInput).where(FindingInput.finding_id == finding.id)
                                 .options(so.joinedload(FindingInput.target))
                                 .order_by(FindingInput.role, FindingInput.id)))
    views = _observation_inputs(session, [i for i in items if i.role != COMMITMENT_ROLE])
    return views + _commitment_inputs(session, finding, [i for i in items if i.role == COMMITMENT_ROLE])


def _commitment_inputs(session, finding: Finding, items: list) -> list[InputView]:
    """The commitments read (in one query), each with its record and whether it was overdue then."""
    facts = finding.facts or {}
    records = facts.get("records") or {}
    today = commitments_read_on(finding)
    ids = [int(item.subject_key.partition(":")[2]) for item in items]
    found = {c.id: c for c in session.scalars(sa.select(Commitment).where(Commitment.id.in_(ids or [-1])))}
    views = []
    for item, commitment_id in zip(items, ids):
        record = records.get(item.subject_key) or {}
        due = record.get("due_date")
        overdue = (None if today is None or not record else
                   bool(due) and date.fromisoformat(due) < today and record.get("status") in OPEN_STATUSES)
        views.append(InputView(item, None, [], found.get(commitment_id), record, overdue))
    return views


def _observation_inputs(session, items: list) -> list[InputView]:
    wanted = {i for item in items for i in _observation_ids(item)}
    found = {}
    if wanted:
        query = (sa.select(Observation).where(Observation.id.in_(sorted(wanted)))
                 .options(so.joinedload(Observation.metric), so.joinedload(Observation.program),
                          so.joinedload(Observation.function)))
        found = {o.id: o for o in session.scalars(query)}
    metrics = dict(session.execute(sa.select(Metric.id, Metric.code).where(
        Metric.id.in_({item.metric_id for item in items if item.metric_id} or {-1}))).all())
    scopes = target_scopes(session, [item.target for item in items if item.target is not None])
    return [InputView(item, metrics.get(item.metric_id), [found[i] for i in _observation_ids(item) if i in found],
                      target_for=scopes.get(item.target.id, "") if item.target is not None else "")
            for item in items]


_SCOPES = {ScopeType.agency: Agency, ScopeType.component: Component, ScopeType.program: Program,
           ScopeType.function: Function}


def target_scopes(session, targets) -> dict[int, str]:
    """{target id: whose target it is, in words}: "the program Benefits Call Center", "the component Benefits
    Administration (its programs without one of their own)". A finding pooled over several programs read
    each against its own target: listed without their scopes, "4.0" and "4.2" read as one target's range."""
    names = {}
    for scope, model in _SCOPES.items():
        ids = {t.scope_id for t in targets if t.scope_type is scope}
        if ids:
            label = model.code if model is Function else model.name
            names[scope] = dict(session.execute(sa.select(model.id, label).where(model.id.in_(ids))).all())
    said = {}
    for target in targets:
        name = names.get(target.scope_type, {}).get(target.scope_id, f"#{target.scope_id}")
        wider = "" if target.scope_type in (ScopeType.program, ScopeType.function) else \
            " (its programs without one of their own)"
        said[target.id] = f"the {target.scope_type.value} {name}{wider}"
    return said


def _observation_ids(item: FindingInput) -> list[int]:
    if item.observation_ids:
        return list(item.observation_ids)
    return [item.observation_id] if item.observation_id else []


def reproduced(session, finding: Finding) -> Optional[bool]:
    """Does evaluating the finding's rule version again, from the stored data, give the same outcome?
    None when it cannot be replayed (the subject or the rule version is gone)."""
    from scorecard.rules.service import replay

    try:
        again = replay(session, finding.id)
    except (LookupError, TypeError, ValueError):  # no record of the evaluation's date and sample size
        return None
    if again is None:
        return None
    score = None if finding.score is None else round(finding.score, 9)
    return again.outcome_fields() == (finding.outcome, finding.rating, finding.status, finding.flag,
                                      finding.severity, score)


def batches_read(session, inputs) -> list[tuple[ImportBatch, Optional[str]]]:
    """The import batches the finding's observations came from, by id: what the why-page says of each
    (file, who uploaded it, when it was committed, its checksum and status), for every role that may read
    the finding, so the trail reaches the file without the imports pages, which are the analysts'."""
    ids = sorted({o.import_batch_id for view in inputs for o in getattr(view, "observations", ())
                  if o.import_batch_id is not None})
    if not ids:
        return []
    return [tuple(row) for row in session.execute(
        sa.select(ImportBatch, User.email).outerjoin(User, User.id == ImportBatch.user_id)
        .where(ImportBatch.id.in_(ids)).order_by(ImportBatch.id))]


CHANGE_FACTS = ("change(", "change_direction(", "declined(")
CHANGE_METHOD = (
    "How a change is tested: the difference of the two quarters' means of every answer counted (1-5; a thumbs up "
    "counts 5, a thumbs down 1), with a 95% interval of 1.96 standard errors, √(SE₁² + SE₂²), each quarter's "
    "from its answer counts; significant only when the interval leaves out 0 and both quarters reach the minimum "
    "sample ({min_n} respondents). From {v2} (A-11's v2 survey) trust is the share who trust: a change of its mean "
    "is significant only where that share changed significantly too. A share (a v2 aspect) is tested as the "
    "difference of two shares with Agresti and Caffo's interval. No change is tested across {v2}, where the "
    "survey changed.")


def change_method(finding: Finding) -> Optional[str]:
    """How the change this finding read was tested, in words (None when it read no change): the why-page gives
    the answer counts, and with this the interval can be worked again by hand."""
    from scorecard.a11 import V2_FROM
    from scorecard.survey import MIN_N_DEFAULT

    facts = finding.facts or {}
    if not any(key.startswith(CHANGE_FACTS) for key in (facts.get("values") or {})):
        return None
    return CHANGE_METHOD.format(min_n=facts.get("min_n", MIN_N_DEFAULT), v2=V2_FROM)
