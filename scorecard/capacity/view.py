"""Capacity assessments as people read them: the grid of components by fiscal year; one assessment with
each domain's score, narrative, evidence, the rules' evidence score, the change from last year and its
action-plan commitments (`action_items`, `linker`: the capacity dashboard reads them too); and its
history, naming each change's person or import batch."""
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from scorecard.capacity.services import (
    COMMITMENT_WORDS,
    ENTITY,
    IMPORT_ACTION,
    IMPORT_REVERTED_ACTION,
    STATUS_WORDS,
    YEARS_SHOWN,
    YearScores,
    change_words,
    domains_of,
    find,
    is_link,
    scale_words,
    score_text,
    total_change_words,
)
from scorecard.models import (
    CAPACITY_DOMAINS,
    Agency,
    AuditEvent,
    BatchStatus,
    CapacityAssessment,
    CapacityDomainScore,
    Commitment,
    Component,
    Finding,
    Function,
    ImportBatch,
    Program,
    Rule,
    RuleStatus,
    RuleSubject,
    RuleVersion,
    User,
)
from scorecard.models.capacity import CapacityStatus, scale_of
from scorecard.models.commitments import commitment_programs
from scorecard.people import person_seen_by
from scorecard.periods import Period
from scorecard.rules.explain import score_is_share, score_words


class _Status:
    """The status of an assessment (`self.assessment`, None before one is started), as a value and in words."""

    @property
    def status(self) -> Optional[CapacityStatus]:
        return self.assessment.status if self.assessment else None

    @property
    def status_word(self) -> str:
        return STATUS_WORDS[self.status]


@dataclass
class GridCell(_Status):
    component: Component
    fiscal_year: int
    assessment: Optional[CapacityAssessment]

    @property
    def total_words(self) -> str:
        """"24 of 35", with "(4 of 5 domains scored)" while some are missing; "" when not started."""
        return YearScores.of(self.assessment).total_words if self.assessment else ""


@dataclass
class Grid:
    years: list[int]
    rows: list[tuple[Component, list[GridCell]]]
    hidden_years: int = 0  # older fiscal years with assessments, left out of the grid
    agency_choices: list[Agency] = field(default_factory=list)
    agency: Optional[Agency] = None   # the agency the grid is limited to, if any
    problem: Optional[str] = None     # why the agency asked for was not used

    @property
    def agencies(self) -> list[tuple[str, list[tuple[Component, list[GridCell]]]]]:
        """The rows under their agency's name, in order."""
        groups: dict[str, list] = {}
        for component, cells in self.rows:
            groups.setdefault(component.agency.name, []).append((component, cells))
        return list(groups.items())


def grid(session, today: date, agency_code: Optional[str] = None) -> Grid:
    """Every component (by agency and name), or one agency's, against the latest fiscal years with
    assessments and the current one. An agency code that names no agency is reported, not used."""
    current = Period.from_date(today).fiscal_year
    years = sorted(set(session.scalars(sa.select(CapacityAssessment.fiscal_year).distinct())) | {current})
    shown = years[-YEARS_SHOWN:]
    agencies = list(session.scalars(sa.select(Agency).order_by(Agency.name, Agency.id)))
    agency, problem = None, None
    if agency_code:
        agency = next((a for a in agencies if a.code == agency_code), None)
        if agency is None:
            problem = f"Agency: {agency_code[:100]!r} is not an agency's code; every agency is shown."
    query = (sa.select(Component).join(Component.agency).options(so.contains_eager(Component.agency))
             .order_by(Agency.name, Agency.id, Component.name))
    if agency is not None:
        query = query.where(Component.agency_id == agency.id)
    components = list(session.scalars(query))
    wanted = sa.select(CapacityAssessment).where(CapacityAssessment.fiscal_year.in_(shown))
    if agency is not None:
        wanted = wanted.where(CapacityAssessment.component_id.in_([c.id for c in components] or [-1]))
    assessments = {(a.component_id, a.fiscal_year): a for a in session.scalars(
        wanted.options(so.selectinload(CapacityAssessment.domain_scores)))}
    rows = [(c, [GridCell(c, fy, assessments.get((c.id, fy))) for fy in shown]) for c in components]
    return Grid(shown, rows, len(years) - len(shown), agencies, agency, problem)


@dataclass
class Evidence:
    text: str
    is_link: bool


@dataclass
class ActionItem:
    """A commitment in a domain's action plan, as every signed-in role sees it: title, function, status
    and due date (the agency's action plans are no secret). `href` is set only for who may open it."""

    commitment_id: int
    function_id: int
    leader_id: Optional[int]
    title: str
    function: str
    status: str
    due_date: Optional[date]
    overdue_days: Optional[int] = None  # days past its due date while still open
    href: Optional[str] = None

    @property
    def status_word(self) -> str:
        return COMMITMENT_WORDS.get(self.status, self.status.replace("_", " "))


@dataclass
class DomainView:
    domain: str
    scale: tuple[int, int]
    stored: Optional[CapacityDomainScore]
    previous: Optional[CapacityDomainScore]
    prior_year: int
    comparable: bool
    finding: Optional[Finding]
    commitments: list[ActionItem] = field(default_factory=list)  # the action plan, linked as `linker` says

    @property
    def score(self) -> Optional[float]:
        return self.stored.score if self.stored else None

    @property
    def score_words(self) -> str:
        return f"{score_text(self.score)} of {self.scale[1]}" if self.score is not None else "not scored"

    @property
    def narrative(self) -> str:
        return (self.stored.narrative or "") if self.stored else ""

    @property
    def evidence(self) -> list[Evidence]:
        lines = (self.stored.evidence or "").splitlines() if self.stored else []
        return [Evidence(line.strip(), is_link(line.strip())) for line in lines if line.strip()]

    @property
    def change(self) -> str:
        return change_words(self.score, self.previous.score if self.previous else None, self.prior_year,
                            self.comparable)

    @property
    def evidence_words(self) -> str:
        """The rules' evidence score as the page writes it ("" without a finding)."""
        if self.finding is None:
            return ""
        return score_words(self.finding.score, score_is_share(self.finding.rule_version.definition))

    @property
    def explanation_names_its_rule(self) -> bool:
        """The finding's explanation begins with its rule's title and says the outcome itself (the words
        of a finding with nothing to judge: "<title>: no data for FY2027-Q1 yet, ..."): the page then shows
        it alone, not after "<title>: no score in FY2027-Q1.", which said the rule's title twice."""
        return self.finding is not None and (self.finding.explanation or "").startswith(
            f"{self.finding.rule_version.rule.title}:")

    @property
    def finding_outdated(self) -> bool:
        """The finding was evaluated before the domain's assessment last changed (on the web the
        rules are not re-run at once; the next evaluation or import updates the finding)."""
        if self.finding is None or self.stored is None or self.stored.assessment.updated_at is None:
            return False
        return self.finding.evaluated_at < self.stored.assessment.updated_at


@dataclass
class HistoryRow:
    at: datetime
    who: str
    what: str
    import_batch: Optional[int] = None  # the import batch that made the change, if one did
    reverted: bool = False              # that batch has been reverted since


@dataclass
class AssessmentView(_Status):
    component: Component
    fiscal_year: int
    assessment: Optional[CapacityAssessment]
    previous: Optional[CapacityAssessment]
    domains: list[DomainView]
    history: list[HistoryRow]
    evaluation_pending: bool = False  # saved after the rules last scored capacity domains (a rule published)

    @property
    def scale(self) -> tuple[int, int]:
        return scale_of(self.assessment)

    @property
    def version(self) -> int:
        return self.assessment.version if self.assessment else 0

    @property
    def total_words(self) -> str:
        return GridCell(self.component, self.fiscal_year, self.assessment).total_words or "not started"

    @property
    def total_change(self) -> str:
        return total_change_words(self.fiscal_year - 1, YearScores.of(self.assessment),
                                  YearScores.of(self.previous))

    @property
    def missing(self) -> list[str]:
        """Domains without a score (submitting needs them all)."""
        return [d.domain for d in self.domains if d.score is None]


def assessment_view(session, user, component: Component, fiscal_year: int, today: date,
                    link: Callable[[int], str]) -> AssessmentView:
    """One assessment as `user` sees it on `today`; `link` gives a commitment's page (by id), for the
    action-plan commitments the person may open."""
    assessment = find(session, component.id, fiscal_year)
    previous = find(session, component.id, fiscal_year - 1)
    domains = domains_of(assessment)
    stored = {d.domain: d for d in (assessment.domain_scores if assessment else [])}
    before = {d.domain: d for d in (previous.domain_scores if previous else [])}
    comparable = assessment is None or previous is None or _same_scale(assessment, previous)
    findings = evidence_findings(session, [d.id for d in stored.values()])
    plan = action_plan(session, user, component, domains, today, link)
    scale = scale_of(assessment)
    views = [DomainView(d, scale, stored.get(d), before.get(d), fiscal_year - 1, comparable,
                        findings.get(stored[d].id) if d in stored else None, plan.get(d, []))
             for d in domains]
    return AssessmentView(component, fiscal_year, assessment, previous, views,
                          history(session, assessment, user) if assessment else [],
                          _evaluation_pending(session, assessment))


def _evaluation_pending(session, assessment: Optional[CapacityAssessment]) -> bool:
    """Whether the assessment was saved after the rules last scored capacity domains, while a published rule
    scores them: a domain without a finding may not have been read yet (each save queues an evaluation)."""
    if assessment is None or assessment.updated_at is None:
        return False
    scoring = session.scalar(sa.select(sa.exists().where(
        RuleVersion.status == RuleStatus.published, RuleVersion.rule_id == Rule.id,
        Rule.subject_type == RuleSubject.capacity_domain)))
    last = session.scalar(sa.select(sa.func.max(Finding.evaluated_at)).where(
        Finding.subject_type == RuleSubject.capacity_domain))
    return bool(scoring) and (last is None or last < assessment.updated_at)


def _same_scale(a: CapacityAssessment, b: CapacityAssessment) -> bool:
    return (a.scale_min, a.scale_max) == (b.scale_min, b.scale_max)


def _evidence(ids, *columns) -> sa.Select:
    """The published rules' evidence-score findings of the domain scores `ids`, each score's latest
    quarter first, then newest (the first row of a score is its finding)."""
    return (sa.select(*columns).select_from(Finding).join(RuleVersion, RuleVersion.id == Finding.rule_version_id)
            .where(Finding.subject_type == RuleSubject.capacity_domain, Finding.subject_id.in_(ids),
                   Finding.outcome == "score", RuleVersion.status == RuleStatus.published)
            .order_by(Finding.subject_id, Finding.period.desc(), Finding.id.desc()))


def evidence_findings(session, score_ids) -> dict[int, Finding]:
    """For each domain score, the published rules' latest evidence-score finding (latest quarter,
    then newest)."""
    ids = list(score_ids)
    if not ids:
        return {}
    query = _evidence(ids, Finding).options(so.contains_eager(Finding.rule_version).joinedload(RuleVersion.rule))
    found: dict[int, Finding] = {}
    for finding in session.scalars(query).unique():
        found.setdefault(finding.subject_id, finding)
    return found


@dataclass(frozen=True)
class EvidenceScore:
    """What a dashboard shows of a domain score's evidence-score finding."""

    score: Optional[float]
    period: Optional[str]
    explanation: Optional[str]
    finding_id: int
    share: bool = False  # the score is a share (0 to 1)

    @property
    def words(self) -> str:
        return score_words(self.score, self.share)


def evidence_scores(session, score_ids) -> dict[int, EvidenceScore]:
    """`evidence_findings` read as columns, for a dashboard of hundreds of domain scores."""
    ids = list(score_ids)
    found: dict[int, EvidenceScore] = {}
    if ids:
        for subject_id, *evidence, definition in session.execute(_evidence(
                ids, Finding.subject_id, Finding.score, Finding.period, Finding.explanation, Finding.id,
                RuleVersion.definition)):
            found.setdefault(subject_id, EvidenceScore(*evidence, score_is_share(definition)))
    return found


def action_items(session, component_ids: list[int], today: date) -> dict[tuple[int, str], list[ActionItem]]:
    """(component id, domain) -> its action-plan commitments: those linked to the domain and to the
    component, by the component itself or one of its programs (as the commitment pages count them),
    by due date and title, each overdue as of `today` or not; no links (`linker` adds them). The
    capacity page asks for one component, the capacity dashboard for every one: read as columns."""
    from scorecard.commitments.attention import overdue_days  # the commitment pages own what overdue means

    query = (sa.select(Commitment.id, Commitment.function_id, Commitment.leader_id, Commitment.title, Function.code,
                       Commitment.status, Commitment.due_date, Commitment.capacity_domain, Commitment.component_id)
             .join(Function, Function.id == Commitment.function_id)
             .where(Commitment.capacity_domain.is_not(None),
                    sa.or_(Commitment.component_id.in_(component_ids),
                           Commitment.programs.any(Program.component_id.in_(component_ids))))
             .order_by(Commitment.due_date.is_(None), Commitment.due_date, Commitment.title))
    rows = session.execute(query).all()
    reached = defaultdict(set)  # commitment id -> the components of its programs
    for commitment_id, component_id in session.execute(
            sa.select(commitment_programs.c.commitment_id, Program.component_id)
            .join(Program, Program.id == commitment_programs.c.program_id)
            .where(commitment_programs.c.commitment_id.in_([row.id for row in rows]))):
        reached[commitment_id].add(component_id)
    wanted = set(component_ids)
    found: dict[tuple[int, str], list[ActionItem]] = {}
    for row in rows:
        cid, function_id, leader_id, title, code, status, due, domain, own_component = row
        item = ActionItem(cid, function_id, leader_id, title, code, status.value, due,
                          overdue_days(row, today))
        for component_id in sorted(({own_component} | reached[cid]) & wanted):
            found.setdefault((component_id, domain), []).append(item)
    return found


def linker(user, link: Callable[[int], str]) -> Callable[[ActionItem], ActionItem]:
    """The action item with `href` (`link` of its commitment's id) when `user` (a person, or a dashboard's
    scope) may open the commitment (commitments.may_see), else as it is: every role reads the action plan,
    the links respect the role's scope. A commitment in several places is asked about once."""
    from scorecard.commitments.services import may_see  # the commitment pages own who opens what

    linked: dict[int, ActionItem] = {}

    def linked_item(item: ActionItem) -> ActionItem:
        if item.commitment_id not in linked:
            linked[item.commitment_id] = (replace(item, href=link(item.commitment_id)) if may_see(user, item)
                                          else item)
        return linked[item.commitment_id]
    return linked_item


def action_plan(session, user, component: Component, domains, today: date,
                link: Callable[[int], str]) -> dict[str, list[ActionItem]]:
    """Each of `domains`' action-plan items for `component` (`action_items`), linked for `user` (`linker`)."""
    items, linked = action_items(session, [component.id], today), linker(user, link)
    return {domain: [linked(item) for item in items.get((component.id, domain), [])] for domain in domains}


def history(session, assessment: CapacityAssessment, viewer=None) -> list[HistoryRow]:
    """The assessment's changes, made on the web or by an import batch (named, and whether it was
    reverted since), newest first, each naming the person as `viewer` reads it ("you", as a commitment's
    history says it) or the command line."""
    query = (sa.select(AuditEvent, User).outerjoin(User, User.id == AuditEvent.user_id)
             .where(AuditEvent.entity_type == ENTITY, AuditEvent.entity_id == assessment.id)
             .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    rows = [HistoryRow(event.at, person_seen_by(session, by.id, viewer) if by else "the command line", _what(event),
                       (event.after or {}).get("import_batch") if event.action == IMPORT_ACTION else None)
            for event, by in session.execute(query)]
    batches = {row.import_batch for row in rows if isinstance(row.import_batch, int)}
    if batches:
        reverted = set(session.scalars(sa.select(ImportBatch.id).where(
            ImportBatch.id.in_(batches), ImportBatch.status == BatchStatus.reverted)))
        for row in rows:
            row.reverted = row.import_batch in reverted
    return rows


def _what(event: AuditEvent) -> str:
    after = event.after or {}
    if event.action == IMPORT_ACTION:
        fields = _field_changes(event.before or {}, after)
        verb = f"{'started it' if after.get('started') else 'imported changes'} from {after.get('file') or 'a file'}"
        return f"{verb}: {'; '.join(fields)}" if fields else verb
    if event.action == IMPORT_REVERTED_ACTION:
        verb = f"reverted import batch {after.get('import_batch')} ({after.get('file') or 'a file'})"
        if after.get("removed"):
            return f"{verb}, which had started it: it was removed"
        fields = _field_changes(event.before or {}, after)  # its "Domain: field" keys (not the batch's)
        return f"{verb}: {'; '.join(fields)}" if fields else verb
    if event.action == "capacity.submit":
        return f"submitted it (total {after.get('total', '—')}); the year is locked"
    if event.action == "capacity.reopen":
        return f"reopened it: “{after.get('reason', '')}”"
    changed = _field_changes(event.before or {}, after)
    if "scale_min" in after or "scale_max" in after:
        changed.append(f"the scale ({after.get('scale_min', '…')}-{after.get('scale_max', '…')})"
                       if event.action == "capacity.create" else _scale_change(event.before or {}, after))
    verb = "started it" if event.action == "capacity.create" else "saved changes"
    return f"{verb}: {'; '.join(changed)}" if changed else verb


def _field_changes(before: dict, after: dict) -> list[str]:
    """What an event changed of each domain ("Measurement: score" keys), the A-11 domains in order first: a
    score before and after ("Measurement score 4 → 5", "none" when there was none), a text added, changed
    or cleared."""
    order = {domain: i for i, domain in enumerate(CAPACITY_DOMAINS)}
    keys = sorted((key.split(": ", 1) for key in after if ": " in key), key=lambda pair: (
        order.get(pair[0], len(order)), pair[0], _FIELDS.index(pair[1]) if pair[1] in _FIELDS else len(_FIELDS)))
    said = []
    for domain, name in keys:
        was, now = before.get(f"{domain}: {name}"), after[f"{domain}: {name}"]
        if name == "score":
            said.append(f"{domain} score {_score_or_none(was)} → {_score_or_none(now)}")
        else:
            done = "added" if was in (None, "") else "cleared" if now in (None, "") else "changed"
            said.append(f"{domain} {name} {done}")
    return said


_FIELDS = ("score", "narrative", "evidence")


def _score_or_none(value) -> str:
    return "none" if value is None else score_text(float(value)) if isinstance(value, (int, float)) else str(value)


def _scale_change(before: dict, after: dict) -> str:
    """"the scale: 1-7 → 1-100"; an event that kept only the end that changed names that end."""
    if all(name in d for d in (before, after) for name in ("scale_min", "scale_max")):
        return (f"the scale: {scale_words(before['scale_min'], before['scale_max'])} → "
                f"{scale_words(after['scale_min'], after['scale_max'])}")
    ends = [f"{word} {before.get(name, '…')} → {after[name]}"
            for name, word in (("scale_min", "lowest score"), ("scale_max", "highest score")) if name in after]
    return f"the scale: {', '.join(ends)}"
