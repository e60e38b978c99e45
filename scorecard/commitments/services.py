"""Commitments as their owners keep them current (DESIGN §3, §6).

Who sees which commitment and who may change what; the list with its filters and counts by
status; what needs an owner's attention (overdue, due soon, not updated); a commitment's page
(its programs' and metrics' current status against their targets, the rules' findings about
it, its history); and the one path every change takes: checked against the person's scope,
refused with a message naming the field when a rule of the domain is broken, refused whole
when someone saved a newer version since the form was opened, and recorded as a
CommitmentUpdate history row and an audit event naming the person.
"""
import enum
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Optional
from urllib.parse import urlsplit

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm.exc import StaleDataError

from scorecard.a11 import trust_as_share
from scorecard.merging import three_way
from scorecard.models import (
    CAPACITY_DOMAINS,
    Agency,
    AuditEvent,
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    Component,
    Finding,
    Function,
    Leader,
    Metric,
    MetricKind,
    Observation,
    Program,
    Role,
    RuleStatus,
    RuleVersion,
    ScopeType,
    Target,
    User,
    utcnow,
)
from scorecard.people import person
from scorecard.periods import parse_period
from scorecard.permissions import can
from scorecard.scores import format_value, share_who_trust
from scorecard.scoring import INSUFFICIENT, NO_DATA, NO_TARGET, TargetBook, pooled_score, program_scores, rag_status
from scorecard.selection import ProgramFilter
from scorecard.signals import commitment_changed
from scorecard.survey import summed_counts
from scorecard.text import UNKEPT_ON_ONE_LINE, blank, unkept_character, unkept_in, words

S = CommitmentStatus
CLOSED = frozenset({S.complete, S.dropped})
STATUS_LABELS = {S.not_started: "Not started", S.on_track: "On track", S.at_risk: "At risk",
                 S.off_track: "Off track", S.complete: "Complete", S.dropped: "Dropped"}
STATUS_ORDER = (S.off_track, S.at_risk, S.not_started, S.on_track, S.complete, S.dropped)  # worst first

# The fields a person may change, in the order pages show them.
FIELD_LABELS = {
    "title": "Title", "description": "Description", "status": "Status", "reason": "Reason",
    "next_step": "Next step", "due_date": "Due date", "evidence_links": "Evidence links", "leader_id": "Leader",
    "component_id": "Component", "capacity_domain": "Capacity domain", "program_ids": "Programs",
    "metric_ids": "Metrics",
}
EDITABLE = tuple(FIELD_LABELS)
LEADER_FIELDS = frozenset({"status", "reason"})  # a leader changes these (and adds a note), nothing else
MAX_LINKS = 20
MAX_LINK_LENGTH = 2000
MAX_TEXT_LENGTH = 10_000  # a description, reason, next step, drop reason or history note, on every path
DUE_YEARS = (2000, 2100)  # a due date outside these years is a typing slip (0001, 9999), not a plan

# The dashboards' status words first (red, amber, green), with what each means against the target
RAG_WORDS = {"green": "Green (meets target)", "amber": "Amber (near target)", "red": "Red (below target)",
             INSUFFICIENT: "Insufficient data (fewer respondents than the minimum)", NO_DATA: "No data yet",
             NO_TARGET: "No target set"}


class CommitmentError(ValueError):
    """A change refused by a rule of the domain; `problems` maps each field to its message."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__("; ".join(f"{FIELD_LABELS.get(f, f.replace('_', ' ').capitalize())}: {m}"
                                   for f, m in problems.items()))


class EditConflict(Exception):
    """Someone saved the commitment after the form was opened: nothing was saved."""

    def __init__(self, commitment: Commitment):
        self.commitment = commitment
        super().__init__(f"commitment {commitment.id} changed since the form was opened")


# --------------------------------------------------------------------------- who may do what

def sees_every_commitment(user) -> bool:
    """Admins, executives and analysts see every commitment; officers and leaders their own."""
    return can(user, "view_commitments") and user.role in (Role.admin, Role.executive, Role.analyst)


def visible_commitments(user) -> sa.Select:
    """A query of the commitments `user` may see: admins, executives and analysts all; an
    officer their function's; a leader those that name them; anyone else (viewers) none."""
    query = sa.select(Commitment)
    if not can(user, "view_commitments"):
        return query.where(sa.false())
    if sees_every_commitment(user):
        return query
    if user.role is Role.officer and user.function_id:
        return query.where(Commitment.function_id == user.function_id)
    if user.role is Role.leader and user.leader_id:
        return query.where(Commitment.leader_id == user.leader_id)
    return query.where(sa.false())


def may_see(user, commitment: Commitment) -> bool:
    if not can(user, "view_commitments"):
        return False
    return sees_every_commitment(user) or may_edit(user, commitment)


def may_edit(user, commitment: Commitment) -> bool:
    """Admins any commitment; an officer their function's; a leader (status and reason) those
    that name them."""
    if not can(user, "edit_commitment"):
        return False
    if user.role is Role.admin:
        return True
    if user.role is Role.officer:
        return user.function_id is not None and commitment.function_id == user.function_id
    if user.role is Role.leader:
        return user.leader_id is not None and commitment.leader_id == user.leader_id
    return False


def editable_fields(user, commitment: Commitment) -> frozenset[str]:
    if not may_edit(user, commitment):
        return frozenset()
    return LEADER_FIELDS if user.role is Role.leader else frozenset(EDITABLE)


def may_drop(user, commitment: Commitment) -> bool:
    return can(user, "drop_commitment") and may_edit(user, commitment) and commitment.status is not S.dropped


def functions_for_new(session, user) -> list[Function]:
    """The functions `user` may create commitments for: an officer their own, an admin any."""
    if not can(user, "create_commitment"):
        return []
    query = sa.select(Function).order_by(Function.code)
    if user.role is not Role.admin:
        query = query.where(Function.id == user.function_id)
    return list(session.scalars(query))


# ------------------------------------------------------------------------ dates and attention

def days_since_update(commitment: Commitment, today: date) -> Optional[int]:
    """Days since the last update (or creation, if never updated), as the rules count them."""
    stamp = commitment.last_update_at or commitment.created_at
    return None if stamp is None else (today - stamp.date()).days


def is_overdue(commitment: Commitment, today: date) -> bool:
    return commitment.due_date is not None and commitment.due_date < today and commitment.status not in CLOSED


def overdue_days(commitment, today: date) -> Optional[int]:
    """Days an open commitment is past its due date (anything with `due_date` and `status`: a row of
    columns too), or None when it is not overdue."""
    return (today - commitment.due_date).days if is_overdue(commitment, today) else None


@dataclass
class Attention:
    """Why an open commitment needs its owner: overdue, due soon, not updated for a while."""

    commitment: Commitment
    overdue_days: Optional[int] = None
    due_in_days: Optional[int] = None
    stale_days: Optional[int] = None

    @property
    def reasons(self) -> list[str]:
        words = []
        if self.overdue_days is not None:
            words.append(f"overdue by {_days(self.overdue_days)} (due {self.commitment.due_date.isoformat()})")
        if self.due_in_days is not None:
            words.append("due today" if self.due_in_days == 0 else
                         f"due in {_days(self.due_in_days)} ({self.commitment.due_date.isoformat()})")
        if self.stale_days is not None:
            words.append(f"not updated for {_days(self.stale_days)}")
        return words

    def sort_key(self):
        return (self.overdue_days is None, -(self.overdue_days or 0), self.due_in_days is None,
                self.due_in_days or 0, -(self.stale_days or 0), self.commitment.title)


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def attention(commitment: Commitment, today: date, *, due_days: int, stale_days: int) -> Optional[Attention]:
    """What makes an open commitment need an update, or None when nothing does."""
    if commitment.status in CLOSED:
        return None
    found = Attention(commitment)
    due = commitment.due_date
    if due is not None and due < today:
        found.overdue_days = (today - due).days
    elif due is not None and (due - today).days <= due_days:
        found.due_in_days = (due - today).days
    since = days_since_update(commitment, today)
    if since is not None and since >= stale_days:
        found.stale_days = since
    if found.overdue_days is None and found.due_in_days is None and found.stale_days is None:
        return None
    return found


def attention_query(query: sa.Select, today: date, *, due_days: int, stale_days: int) -> sa.Select:
    """Narrow a query of commitments to the open ones that may need attention (the exact test
    is `attention`, in Python, so the two can never disagree on what is shown)."""
    return query.where(Commitment.status.not_in(CLOSED), sa.or_(
        Commitment.due_date <= today + timedelta(days=due_days),
        sa.func.coalesce(Commitment.last_update_at, Commitment.created_at) < stale_cutoff(today, stale_days)))


def stale_cutoff(today: date, days: int) -> datetime:
    """The moment before which a last update makes a commitment `days` or more days without one
    (days counted by date, as `days_since_update` does)."""
    return datetime.combine(today - timedelta(days=days - 1), time.min, tzinfo=UTC)


def needs_update(session, user, today: date, *, due_days: int, stale_days: int) -> list[Attention]:
    """The commitments `user` keeps (an officer their function's, a leader their own) that are
    overdue, due within `due_days` or not updated for `stale_days`: most urgent first."""
    if user.role not in (Role.officer, Role.leader):
        return []
    query = attention_query(visible_commitments(user), today, due_days=due_days, stale_days=stale_days)
    query = query.options(so.joinedload(Commitment.function), so.joinedload(Commitment.leader))
    found = [a for c in session.scalars(query).unique()
             if (a := attention(c, today, due_days=due_days, stale_days=stale_days)) is not None]
    return sorted(found, key=Attention.sort_key)


# ------------------------------------------------------------------------------ the list

SORTS = {"due": "Due date, soonest first", "updated": "Last update, oldest first", "status": "Status, off track first",
         "title": "Title", "function": "Function"}
MAX_DAYS = 3650


@dataclass
class Filters:
    """The list's filters as they travel in the query string."""

    function: Optional[str] = None
    agency: Optional[str] = None
    component: Optional[str] = None
    statuses: tuple[str, ...] = ()
    due_within: Optional[int] = None
    overdue: bool = False
    stale: Optional[int] = None
    domain: Optional[str] = None
    sort: str = "due"
    problems: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args, session=None) -> "Filters":
        """Read request.args; a value that cannot be used is named in `problems` and ignored (with a
        `session`, a function or component code that names none too: it matched nothing, silently)."""
        found = cls()
        found.function = (args.get("function") or "").strip().upper() or None
        found.agency = (args.get("agency") or "").strip() or None
        found.component = (args.get("component") or "").strip() or None
        for label, attribute, model in (("Function", "function", Function), ("Agency", "agency", Agency),
                                        ("Component", "component", Component)):
            code = getattr(found, attribute)
            if session is not None and code is not None and session.scalar(
                    sa.select(model.id).where(model.code == code)) is None:
                found.problems.append(f"{label}: {code[:40]!r} is no {label.lower()}'s code")
                setattr(found, attribute, None)
        statuses = []
        for value in args.getlist("status"):
            if value in S.__members__:
                statuses.append(value)
            elif value:
                found.problems.append(f"Status: {value!r} is not a commitment status "
                                      f"({', '.join(s.value for s in S)})")
        found.statuses = tuple(dict.fromkeys(statuses))
        found.due_within = found._days(args.get("due_within"), "Due within (days)")
        found.stale = found._days(args.get("stale"), "Not updated in (days)")
        overdue = (args.get("overdue") or "").strip().lower()
        found.overdue = overdue in ("1", "on", "true", "yes")
        if overdue and not found.overdue and overdue not in ("0", "off", "false", "no"):
            found.problems.append(f"Overdue: {args.get('overdue')!r} is not yes or no (1 or 0)")
        domain = (args.get("domain") or "").strip() or None
        if domain is not None and domain not in CAPACITY_DOMAINS:
            found.problems.append(f"Capacity domain: {domain!r} is not one of {', '.join(CAPACITY_DOMAINS)}")
            domain = None
        found.domain = domain
        sort = args.get("sort") or "due"
        if sort not in SORTS:
            found.problems.append(f"Sort: {sort!r} is not one of {', '.join(SORTS)}")
            sort = "due"
        found.sort = sort
        return found

    def _days(self, raw, label: str) -> Optional[int]:
        raw = (raw or "").strip()
        if not raw:
            return None
        # "²" is a digit to isdigit; thousands of digits are more than int() reads (leading zeros are fine)
        if not (raw.isascii() and raw.isdigit()) or len(raw.lstrip("0")) > 6 or int(raw) > MAX_DAYS:
            self.problems.append(f"{label}: {raw!r} is not a number of days from 0 to {MAX_DAYS}")
            return None
        return int(raw)

    def args(self, **override) -> dict:
        """The query string that reproduces these filters (with `override` applied)."""
        values = {"function": self.function, "agency": self.agency, "component": self.component,
                  "status": list(self.statuses), "due_within": self.due_within,
                  "overdue": "1" if self.overdue else None, "stale": self.stale,
                  "domain": self.domain, "sort": None if self.sort == "due" else self.sort}
        values.update(override)
        return {k: v for k, v in values.items() if v not in (None, [], "")}

    @property
    def leaves_out(self) -> Optional[str]:
        """What the date filters chosen leave out besides what their labels say, for the list's words: each
        counts only open commitments (neither complete nor dropped), and Due within leaves out the overdue
        ones (Overdue adds them back). None when no such filter is chosen."""
        said = []
        if self.due_within is not None:
            said.append(f"Due within {_days(self.due_within)} counts open commitments due from today on"
                        + ("" if self.overdue else ", not overdue ones (tick Overdue to add them)"))
        if self.stale is not None:
            said.append(f"Not updated in {_days(self.stale)} counts open commitments only")
        if self.overdue and self.due_within is None:
            said.append("Overdue counts open commitments only")
        if not said:
            return None
        return "; ".join(said) + ": complete and dropped commitments are left out."

    @property
    def active(self) -> bool:
        return bool(self.function or self.agency or self.component or self.statuses or self.due_within is not None
                    or self.overdue or self.stale is not None or self.domain)


@dataclass
class Row:
    commitment: Commitment
    days_to_due: Optional[int]
    days_since_update: Optional[int]
    overdue: bool


@dataclass
class Listing:
    rows: list[Row]
    counts: dict  # CommitmentStatus -> count, for every filter but the status
    total: int    # commitments matching every filter (rows may stop at the limit)


def list_commitments(session, user, filters: Filters, today: date, *, limit: int = 2000) -> Listing:
    """The commitments `user` may see that match `filters`, sorted, with counts by status."""
    base = visible_commitments(user).join(Function, Function.id == Commitment.function_id)
    base = _filtered(session, base, filters, today)
    counts = {s: 0 for s in STATUS_ORDER}
    counted = base.with_only_columns(Commitment.status).subquery()
    for status, n in session.execute(sa.select(counted.c.status, sa.func.count()).group_by(counted.c.status)):
        counts[S(status)] = n
    query = base.where(Commitment.status.in_([S(s) for s in filters.statuses])) if filters.statuses else base
    total = sum(n for s, n in counts.items() if not filters.statuses or s.value in filters.statuses)
    query = query.options(so.joinedload(Commitment.function), so.joinedload(Commitment.leader),
                          so.joinedload(Commitment.component)).order_by(*_order(filters.sort)).limit(limit)
    rows = [Row(c, None if c.due_date is None else (c.due_date - today).days, days_since_update(c, today),
                is_overdue(c, today)) for c in session.scalars(query).unique()]
    return Listing(rows, counts, total)


def _filtered(session, query: sa.Select, filters: Filters, today: date) -> sa.Select:
    if filters.function:
        query = query.where(Function.code == filters.function)
    if filters.agency:
        agency_id = session.scalar(sa.select(Agency.id).where(Agency.code == filters.agency))
        if agency_id is None:
            filters.problems.append(f"Agency: there is no agency with the code {filters.agency!r}")
        else:  # the dashboards' rule: the overview's counts for an agency open exactly these
            query = query.where(Commitment.id.in_(ProgramFilter(agency_id=agency_id).commitment_ids(session)))
    if filters.component:
        component = session.scalar(sa.select(Component).where(Component.code == filters.component))
        if component is None:
            filters.problems.append(f"Component: there is no component with the code {filters.component!r}")
        else:
            query = query.where(sa.or_(Commitment.component_id == component.id,
                                       Commitment.programs.any(Program.component_id == component.id)))
    due = []
    if filters.overdue:
        due.append(Commitment.due_date < today)
    if filters.due_within is not None:
        due.append(Commitment.due_date.between(today, today + timedelta(days=filters.due_within)))
    if due:
        query = query.where(Commitment.status.not_in(CLOSED), sa.or_(*due))
    if filters.stale is not None:  # as the home page, reminders and dashboards count them: open ones
        query = query.where(Commitment.status.not_in(CLOSED),
                            sa.func.coalesce(Commitment.last_update_at, Commitment.created_at)
                            < stale_cutoff(today, filters.stale))
    if filters.domain:
        query = query.where(Commitment.capacity_domain == filters.domain)
    return query


def _order(sort: str) -> list:
    if sort == "updated":
        return [sa.func.coalesce(Commitment.last_update_at, Commitment.created_at), Commitment.id]
    if sort == "status":
        rank = sa.case(*[(Commitment.status == s, i) for i, s in enumerate(STATUS_ORDER)], else_=len(STATUS_ORDER))
        return [rank, Commitment.due_date.is_(None), Commitment.due_date, Commitment.id]
    if sort == "title":
        return [Commitment.title, Commitment.id]
    if sort == "function":
        return [Function.code, Commitment.title, Commitment.id]
    return [Commitment.due_date.is_(None), Commitment.due_date, Commitment.title, Commitment.id]


# ------------------------------------------------------------------------ one commitment

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
        """The finding's status in words. The rules call a quarter without any answer "insufficient data"
        too; read from nothing at all (no inputs), it is said as no data, not as too few respondents."""
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


def commitment_view(session, commitment: Commitment, today: date, *, min_n: int = 30) -> CommitmentView:
    c = commitment
    return CommitmentView(
        c, None if c.due_date is None else (c.due_date - today).days, days_since_update(c, today),
        is_overdue(c, today), program_statuses(session, c), metric_statuses(session, c, min_n=min_n),
        _commitment_findings(session, c.id), history(session, c))


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


def metric_statuses(session, commitment: Commitment, *, min_n: int = 30) -> list[MetricStatus]:
    """Each tied metric's latest score for each tied program (scoring.program_scores, the same
    pooling and targets as the heatmap); for a metric the function itself reports, the
    function's latest value against its function (or agency) target, and a program's row only
    where the program reports it too (not a "no data yet" row for each)."""
    metrics = sorted(commitment.metrics, key=lambda m: m.name)
    programs = sorted(commitment.programs, key=lambda p: (p.component.name, p.name))
    own = [row for row in (_function_metric(session, commitment, m, min_n) for m in metrics) if row is not None]
    reported_by_function = {row.metric.id for row in own}
    found: list[MetricStatus] = []
    if metrics and programs:
        latest = dict(((r.program_id, r.metric_id), r.period) for r in session.execute(
            sa.select(Observation.program_id, Observation.metric_id, sa.func.max(Observation.period).label("period"))
            .where(Observation.program_id.in_([p.id for p in programs]),
                   Observation.metric_id.in_([m.id for m in metrics]))
            .group_by(Observation.program_id, Observation.metric_id)))
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
                    f"{program.name} ({program.component.name})", metric, period,
                    None if score is None else score.value, None if score is None else score.n,
                    None if target is None else target.target,
                    rag_status(score, target, survey=metric.is_survey, min_n=min_n), share, thumbs))
    return found + own


def _function_metric(session, commitment: Commitment, metric: Metric, min_n: int) -> Optional[MetricStatus]:
    where = (Observation.metric_id == metric.id, Observation.function_id == commitment.function_id,
             Observation.program_id.is_(None))
    period = session.scalar(sa.select(sa.func.max(Observation.period)).where(*where))
    if period is None:
        return None
    rows = list(session.scalars(sa.select(Observation).where(*where, Observation.period == period)))
    score = pooled_score(metric.kind, rows)
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
    return [HistoryEntry(u, person(users.get(u.user_id)),
                         [Change(FIELD_LABELS.get(f, f.replace("_", " ").capitalize()), names.words(f, pair[0]),
                                 names.words(f, pair[1]))
                          for f, pair in _ordered(u.changes or {})])
            for u in updates]


def _ordered(changes: dict):
    order = {f: i for i, f in enumerate(EDITABLE)}
    return sorted(((f, v) for f, v in changes.items() if isinstance(v, (list, tuple)) and len(v) == 2),
                  key=lambda item: (order.get(item[0], len(order)), item[0]))


class Names:
    """Words for stored field values: names for the ids of leaders, components, programs and
    metrics (looked up once for a whole history), labels for statuses."""

    MODELS = {"leader_id": Leader, "component_id": Component, "program_ids": Program, "metric_ids": Metric}

    def __init__(self, session, value_maps):
        wanted: dict[str, set] = {f: set() for f in self.MODELS}
        for values in value_maps:
            for f in self.MODELS:
                wanted[f].update(_ints(values.get(f)))
        self._names = {}
        for f, ids in wanted.items():
            if ids:
                model = self.MODELS[f]
                self._names[f] = {o.id: _label(o) for o in session.scalars(sa.select(model).where(model.id.in_(ids)))}

    def words(self, field_name: str, value) -> str:
        if value is None or value == "" or value == []:
            return "none"
        if field_name in self.MODELS:
            names = self._names.get(field_name, {})
            ids = value if isinstance(value, list) else [value]
            return "; ".join(names.get(i, f"#{i} (removed)") for i in ids)
        if field_name == "status":
            try:
                return STATUS_LABELS[S(value)]
            except ValueError:
                return str(value)
        if isinstance(value, list):
            return "; ".join(str(v) for v in value)
        return str(value)


def _ints(value):
    """Every id in a stored value: an id, a list of ids, or a history row's [before, after] of either."""
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _ints(item)


def _label(obj) -> str:
    if isinstance(obj, Program) and obj.component is not None:
        return f"{obj.name} ({obj.component.name})"
    return obj.name


# ------------------------------------------------------------------------ values and checks

def encode(value):
    """A field value as history rows and audit events keep it (JSON), as the import does."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    return value


def field_value(commitment: Commitment, name: str):
    if name == "program_ids":
        return sorted(p.id for p in commitment.programs)
    if name == "metric_ids":
        return sorted(m.id for m in commitment.metrics)
    return getattr(commitment, name)


def snapshot(commitment: Commitment, fields=EDITABLE) -> dict:
    """The editable fields as stored, encoded: what a form was opened at."""
    return {f: encode(field_value(commitment, f)) for f in fields}


_LINK_SPLIT = re.compile(r"\s+")
# a second web address straight after a letter or digit of the first, in any script (an international
# site's name, a path's é): two links pasted without a line between (an address carried inside one, as the
# Web Archive's /2024/https://... or ?url=https://..., follows a mark)
_RUN_TOGETHER = re.compile(r"(?i)(?<=[^\W_])https?://")


def parse_links(text: Optional[str]) -> list[str]:
    """Evidence links typed one per line (or separated by spaces), duplicates dropped."""
    return list(dict.fromkeys(link for link in _LINK_SPLIT.split(text or "") if link))


def link_problem(links, *, characters: bool = True) -> Optional[str]:
    """What is wrong with a list of evidence links, naming the bad value; None when they are fine.
    `characters`: also refuse spaces, control and invisible characters (a rule links stored before it
    may break: a file's reader leaves it to the check of links that change)."""
    if len(links) > MAX_LINKS:
        return f"at most {MAX_LINKS} links, not {len(links)}"
    problems = [problem for problem in (_one_link_problem(link, characters) for link in links) if problem]
    if len(problems) > 1:  # every bad one named at once, not one per submit
        return f"{len(problems)} links are refused: " + "; ".join(problems)
    return problems[0] if problems else None


def _one_link_problem(link: str, characters: bool) -> Optional[str]:
    if len(link) > MAX_LINK_LENGTH:
        return f"{link[:60]!r}... is longer than {MAX_LINK_LENGTH} characters"
    try:
        parts = urlsplit(link)
        parts.port  # noqa: B018 — a port beyond 65535 (or not a number) raises here
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc or not parts.hostname:
        return (f"{link!r} is not a web link: each evidence link must start with http:// or https:// "
                "and name a site, e.g. https://www.performance.gov/cx/")
    if characters and any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in link):
        # The web form and a spreadsheet split links on spaces: one holding a space could not be saved again;
        # an invisible character (a zero-width space) makes a link that looks right and leads elsewhere.
        return (f"{link!r} holds a space, a control or an invisible character: each evidence link is one web "
                "address (write a space in it as %20)")
    if characters and _RUN_TOGETHER.search(link, 1):
        return f"{link!r} runs two web addresses together: put each evidence link on its own line"
    return None


def clean(values: dict) -> dict:
    """Strip text, blank text to None, ids and link lists sorted as stored."""
    cleaned = {}
    for name, value in values.items():
        if isinstance(value, str):
            value = None if blank(value) else value.strip()
        if name == "status" and isinstance(value, str):
            value = S(value)
        if name == "evidence_links":
            value = parse_links(value) if isinstance(value, str) or value is None else list(dict.fromkeys(value))
        if name in ("program_ids", "metric_ids"):
            value = sorted({int(v) for v in value or ()})
        cleaned[name] = value
    return cleaned


def _problems(session, *, function_id: int, state: dict, changed: set, current: Optional[Commitment],
              user) -> dict[str, str]:
    """The domain's rules for a commitment's proposed `state` (`changed` names the fields this
    change sets): a title, a reason when at risk or off track, a new reason to drop it or move
    its due date, web links as evidence, things that exist. {field: message}; empty when fine."""
    problems = {"title": _title_problem(session, function_id, state.get("title"), "title" in changed, current),
                "reason": _reason_problem(state, changed, current),
                # links only as they change: one stored before a rule was added must not block a status update
                "evidence_links": link_problem(state.get("evidence_links") or []) if "evidence_links" in changed
                else None,
                "due_date": _due_problem(state.get("due_date")) if "due_date" in changed else None}
    status = state.get("status") or S.not_started
    if "status" in changed and status is S.dropped and current is not None and not can(user, "drop_commitment"):
        problems["status"] = "only the function's officers and administrators drop a commitment"
    if ("status" in changed and current is not None and current.status is S.dropped and status is not S.dropped
            and not can(user, "drop_commitment")):
        problems["status"] = "only the function's officers and administrators take a commitment back up once dropped"
    domain = state.get("capacity_domain")
    if domain is not None and domain not in CAPACITY_DOMAINS:
        problems["capacity_domain"] = f"{domain!r} is not one of {', '.join(CAPACITY_DOMAINS)}"
    elif (domain and not state.get("component_id") and not state.get("program_ids")
          and changed & {"capacity_domain", "component_id", "program_ids"}):
        # an action plan is a component's (scorecard.capacity.services.action_items): one naming none is in none
        problems["component_id"] = ("an action-plan item answers a component's capacity assessment: name the "
                                    "component (or programs of it), or leave the capacity-assessment domain blank")
    problems.update(_missing(session, state, changed))
    for name in ("description", "reason", "next_step"):
        if state.get(name) and len(state[name]) > MAX_TEXT_LENGTH:
            problems[name] = f"at most {MAX_TEXT_LENGTH:,} characters, not {len(state[name]):,}"
    return {name: message for name, message in problems.items() if message}


def _title_problem(session, function_id: int, title: Optional[str], changed: bool,
                   current: Optional[Commitment]) -> Optional[str]:
    if not title:
        return "a commitment needs a title"
    if len(title) > 300:
        return f"at most 300 characters, not {len(title)}"
    code = unkept_character(title, UNKEPT_ON_ONE_LINE) if changed else None  # one stored so: not in the way
    if code:
        return f"the title holds {words(code)}: a title is one line of text; remove it"
    if not changed:
        return None
    same = _titled(session, function_id, title, current)
    if same is None:
        return None
    taken = f"{session.get(Function, function_id).code} already has a commitment titled {title!r}"
    if same.status is S.dropped:  # not in the list's open ones: said where it is, so it can be taken back up
        return (f"{taken}: commitment #{same.id}, which is dropped. Open it to take it back up, or choose "
                "another title")
    return taken


def _titled(session, function_id: int, title: str, current: Optional[Commitment] = None) -> Optional[Commitment]:
    """The function's commitment of this title (as the titles are compared: case aside), but `current`."""
    return session.scalar(sa.select(Commitment).where(
        Commitment.function_id == function_id, sa.func.lower(Commitment.title) == title.lower(),
        Commitment.id != (current.id if current else -1)).limit(1))


def _due_problem(due: Optional[date]) -> Optional[str]:
    """A due date within the years the product plans for (DUE_YEARS), else what is wrong with it."""
    if due is not None and not DUE_YEARS[0] <= due.year <= DUE_YEARS[1]:
        return f"{due.isoformat()} is not a due date: give one from {DUE_YEARS[0]} to {DUE_YEARS[1]}"
    return None


def _reason_problem(state: dict, changed: set, current: Optional[Commitment]) -> Optional[str]:
    """A reason when at risk or off track; a reason written in this very change to drop the
    commitment, to move (or remove) its due date, or to put it at risk or off track when it was not
    (the reason on file was given for another status)."""
    status = state.get("status") or S.not_started
    reason = state.get("reason")
    label = STATUS_LABELS[status].lower()
    if status.needs_reason and not reason:
        return f"a commitment that is {label} needs a reason: say why it is {label}"
    fresh = bool(reason) and "reason" in changed
    if current is None or fresh:
        return None
    if "status" in changed and status is S.dropped:
        return "dropping a commitment needs a reason: say why it is dropped"
    if "status" in changed and current.status in CLOSED and status is not current.status:
        was = STATUS_LABELS[current.status].lower()
        return (f"moving a {was} commitment to {label} needs a new reason: say why it is {label} now"
                + (f" (the reason on file was given when it was {was})" if current.reason else ""))
    if "status" in changed and status.needs_reason and status is not current.status:
        return (f"moving the commitment from {STATUS_LABELS[current.status].lower()} to {label} needs a new reason: "
                f"say why it is {label} (the reason on file was given for an earlier update)")
    if "due_date" in changed and current.due_date is not None:
        was = current.due_date.isoformat()
        moved = (f"moving the due date from {was} to {state['due_date'].isoformat()}" if state.get("due_date")
                 else f"removing the due date ({was})")
        return (f"{moved} needs a reason: say why in Reason"
                + (" (the reason on file was given for an earlier update)" if reason else ""))
    return None


def _missing(session, state: dict, changed: set) -> dict[str, str]:
    """The leader, component, programs and metrics a change names that do not exist."""
    problems = {}
    for name, model in (("leader_id", Leader), ("component_id", Component)):
        if name in changed and state.get(name) is not None and session.get(model, state[name]) is None:
            problems[name] = f"there is no {FIELD_LABELS[name].lower()} #{state[name]}"
    for name, model in (("program_ids", Program), ("metric_ids", Metric)):
        ids = state.get(name) or []
        if name in changed and ids:
            known = set(session.scalars(sa.select(model.id).where(model.id.in_(ids))))
            if missing := sorted(set(ids) - known):
                problems[name] = f"there is no {FIELD_LABELS[name].lower()[:-1]} #{missing[0]}"
    return problems


# ------------------------------------------------------------------------ changes

def update_commitment(session, commitment: Commitment, values: dict, *, user, version: int,
                      note: Optional[str] = None, action: str = "commitment.update") -> Optional[CommitmentUpdate]:
    """Change `commitment` as `user`, who opened it at `version`. Raises PermissionError outside
    the person's scope, EditConflict when someone saved a newer version (nothing is saved),
    CommitmentError naming each field a rule refuses. A change, or a note alone (an owner
    confirming the commitment is current), is one history row and one audit event; returns
    None when there is neither."""
    if not may_edit(user, commitment):
        raise PermissionError("you may not change this commitment")
    if version != commitment.version:
        raise EditConflict(commitment)
    values = clean(values)
    note = (note or "").strip() or None
    state, changed = proposal(commitment, values)
    outside = changed - editable_fields(user, commitment)
    if outside:
        raise CommitmentError({f: "leaders may change only the status and reason of their commitments (and add "
                                  "a note)" for f in sorted(outside)})
    problems = _problems(session, function_id=commitment.function_id, state=state, changed=changed,
                         current=commitment, user=user)
    if problems:
        raise CommitmentError(problems)
    if not changed and not note:
        return None
    before = snapshot(commitment, changed)
    try:
        for name in sorted(changed):
            _set(session, commitment, name, state[name])
        update = _record(session, commitment, before, {f: encode(state[f]) for f in changed}, user=user, note=note,
                         action=action)
        session.commit()
    except StaleDataError:
        session.rollback()
        raise EditConflict(session.get(Commitment, commitment.id)) from None
    commitment_changed.send(commitment)  # a note alone is an update too: it resets the days since the last one
    return update


def drop_commitment(session, commitment: Commitment, reason: Optional[str], *, user, version: int,
                    note: Optional[str] = None) -> CommitmentUpdate:
    """Drop a commitment: its status becomes dropped with the reason given; it is kept, with
    its history, and never deleted."""
    if not may_drop(user, commitment):
        raise PermissionError("you may not drop this commitment")
    if blank(reason):
        raise CommitmentError({"reason": "dropping a commitment needs a reason: say why it is dropped"})
    return update_commitment(session, commitment, {"status": S.dropped, "reason": reason}, user=user,
                             version=version, note=note, action="commitment.drop")


def create_commitment(session, values: dict, *, user, function_id: Optional[int],
                      note: Optional[str] = None) -> Commitment:
    """A new commitment for a function: an officer for their own function, an admin for any.
    Its creation is the first row of its history."""
    if not can(user, "create_commitment"):
        raise PermissionError("you may not create commitments")
    if user.role is not Role.admin:
        if function_id not in (None, user.function_id):
            raise PermissionError("officers create commitments only for their own function")
        function_id = user.function_id
    if function_id is None or session.get(Function, function_id) is None:
        raise CommitmentError({"function_id": "choose the function that owns the commitment"})
    note = (note or "").strip() or None
    state, changed = proposal(None, clean(values))
    problems = _problems(session, function_id=function_id, state=state, changed=changed, current=None, user=user)
    if problems:
        raise CommitmentError(problems)
    commitment = Commitment(function_id=function_id, title=state["title"], status=state["status"],
                            evidence_links=state["evidence_links"])
    session.add(commitment)
    for name in changed - {"title", "status", "evidence_links"}:
        _set(session, commitment, name, state[name])
    session.flush()
    _record(session, commitment, {}, {f: encode(state[f]) for f in changed}, user=user, note=note,
            action="commitment.create")
    session.commit()
    commitment_changed.send(commitment)
    return commitment


def sent_again(commitment: Commitment, values: dict, user, note: Optional[str] = None) -> bool:
    """Whether a save refused as a conflict is the person's own save sent twice (a second press after
    the first answer was slow): the commitment's latest update is theirs, with the same note, and it
    already holds every value sent. It is then said to be saved, not shown as someone else's change.
    Another note (the form sent again after Back, with more to say) is not: it would be lost."""
    latest = max(commitment.updates, key=lambda u: (u.at, u.id), default=None)
    return (latest is not None and user is not None and latest.user_id == user.id
            and (latest.note or None) == ((note or "").strip() or None)
            and not proposal(commitment, clean(values))[1])


def created_again(session, values: dict, *, user, function_id: Optional[int],
                  note: Optional[str] = None) -> Optional[Commitment]:
    """The commitment `user` created from these very values, when the new-commitment form is sent again
    (a double click, Back and send again) and its title is therefore taken: its creation is theirs, within
    `SENT_AGAIN_WITHIN`, and, as for a save sent twice (`sent_again`), its latest update is theirs with the
    same note and it holds every value sent. None otherwise: the title is then refused as taken."""
    if user is None:
        return None
    if user.role is not Role.admin:
        function_id = user.function_id  # as create_commitment reads it
    title = clean({"title": values.get("title")})["title"]
    if function_id is None or not isinstance(title, str):
        return None
    found = _titled(session, function_id, title)
    first = min(found.updates, key=lambda u: (u.at, u.id), default=None) if found is not None else None
    if first is None or first.user_id != user.id or not sent_again(found, values, user, note):
        return None
    if utcnow() - first.at > SENT_AGAIN_WITHIN:  # days later: a new commitment under a taken title, refused
        return None
    return found


SENT_AGAIN_WITHIN = timedelta(minutes=30)  # a form sent again (a double click, Back and send) comes soon


def proposal(commitment: Optional[Commitment], values: dict) -> tuple[dict, set]:
    """The whole commitment as `values` (cleaned) would leave it, and the fields they change;
    for a new commitment (None) every field given is a change."""
    if commitment is None:
        state = {f: None for f in EDITABLE}
        state.update({"evidence_links": [], "program_ids": [], "metric_ids": []})
        state.update({f: v for f, v in values.items() if f in FIELD_LABELS})
        state["status"] = state["status"] or S.not_started
        return state, {f for f, v in state.items() if v not in (None, [])}
    state = {f: field_value(commitment, f) for f in EDITABLE}
    stored = snapshot(commitment)
    changed = {f for f, v in values.items() if f in FIELD_LABELS and encode(v) != stored[f]}
    state.update({f: values[f] for f in changed})
    return state, changed


def check(session, commitment: Optional[Commitment], values: dict, *, user,
          function_id: Optional[int] = None) -> dict[str, str]:
    """What the domain's rules say about setting `values` on `commitment` (None: a new one for
    `function_id`), as {field: message}; empty when the change may be saved. Scope is not
    checked here (see may_edit, editable_fields). Every writer of commitments can ask it, an
    import row as well as a web form, so both refuse the same things with the same words."""
    state, changed = proposal(commitment, clean(values))
    return _problems(session, function_id=commitment.function_id if commitment else function_id, state=state,
                     changed=changed, current=commitment, user=user)


def _set(session, commitment: Commitment, name: str, value) -> None:
    if name == "program_ids":
        commitment.programs = list(session.scalars(sa.select(Program).where(Program.id.in_(value or []))))
    elif name == "metric_ids":
        commitment.metrics = list(session.scalars(sa.select(Metric).where(Metric.id.in_(value or []))))
    else:
        setattr(commitment, name, value)


def record_change(session, commitment: Commitment, before: dict, after: dict, *, user_id: Optional[int],
                  note: Optional[str], action: str, at: Optional[datetime] = None) -> CommitmentUpdate:
    """The history row and audit event of one change already applied to `commitment` (values
    encoded as `encode` does; `before` empty for a creation). Any writer of commitments (the
    web, an import) can call it so every change is recorded the same way."""
    at = at or utcnow()
    commitment.last_update_at = at
    update = CommitmentUpdate(commitment=commitment, user_id=user_id, at=at, status=commitment.status,
                              reason=commitment.reason, note=note,
                              changes={f: [before.get(f), v] for f, v in after.items()})
    session.add(update)
    session.add(AuditEvent(user_id=user_id, at=at, action=action, entity_type="commitment", entity_id=commitment.id,
                           before=before or None, after={**after, **({"note": note} if note else {})}))
    return update


def _record(session, commitment, before, after, *, user, note, action):
    update = record_change(session, commitment, before, after, user_id=user.id, note=note, action=action)
    session.flush()
    return update


# ------------------------------------------------------------------------ conflicts

@dataclass
class ConflictRow:
    label: str
    opened: str     # when the person opened the form
    current: str    # as saved now, by someone else
    yours: str      # as the person submitted it
    theirs_changed: bool
    yours_changed: bool


@dataclass
class Conflict:
    """What a person sees when someone saved the commitment after they opened it."""

    rows: list[ConflictRow]
    merged: dict   # the form again: their changes on top of the current version (encoded values)
    by: str        # who saved the current version
    at: Optional[datetime]


NOT_ON_FORM = "(not on your form)"


def conflict(session, commitment: Commitment, opened: dict, yours: dict) -> Conflict:
    """Compare what the person opened, what is saved now and what they submitted. The merged
    values keep every change of theirs and take the current value of every field they left
    alone; nothing is saved until they submit again. A field their form does not show (a leader's
    shows the status and reason) is compared too when the form says how it was opened (it carries
    every field): a change someone else made to it is shown, as theirs, and their save leaves it so."""
    sent = {f: encode(v) for f, v in clean({f: yours[f] for f in EDITABLE if f in yours}).items()}
    # only what the form could have carried (an altered one may hold a lone surrogate, which no page shows)
    opened = {f: v for f, v in opened.items() if f in EDITABLE and unkept_in(v) is None}
    fields = [f for f in EDITABLE if f in sent or f in opened]
    yours = {f: sent[f] if f in sent else opened[f] for f in fields}  # not on the form: as it was opened
    current = snapshot(commitment, fields)
    names = Names(session, [opened, current, yours])
    rows, merged = [], {}
    for m in three_way(fields, opened, current, yours):
        f = m.field
        merged[f] = m.merged
        if m.shown:
            rows.append(ConflictRow(FIELD_LABELS[f], names.words(f, m.opened) if m.known else "(not known)",
                                    names.words(f, current[f]), names.words(f, yours[f]) if f in sent
                                    else NOT_ON_FORM, m.theirs_changed, m.yours_changed))
    latest = max(commitment.updates, key=lambda u: (u.at, u.id), default=None)
    who = person(session.get(User, latest.user_id) if latest and latest.user_id else None) if latest else "someone"
    return Conflict(rows, merged, who, latest.at if latest else commitment.updated_at)
