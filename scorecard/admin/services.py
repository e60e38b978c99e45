"""Administration: reading the audit log (filters, pages, CSV) and managing users (create, change
role, function and leader link, deactivate, reset password, unlock), every change audited."""
import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Optional
from urllib.parse import quote

import sqlalchemy as sa

from scorecard import writers
from scorecard.api.tokens import scopes_for
from scorecard.auth.services import (
    describe_user,
    find_leader,
    function_by_code,
    function_not_taken,
    name_problem,
    password_problem,
    unlock,
)
from scorecard.clock import moment, start_of
from scorecard.fields import counting_number
from scorecard.models import (
    ApiToken,
    AuditEvent,
    BriefingJob,
    CapacityAssessment,
    Commitment,
    ImportBatch,
    PlanElement,
    Role,
    Rule,
    RuleVersion,
    User,
    utcnow,
)
from scorecard.people import person_seen_by
from scorecard.permissions import can
from scorecard.spreadsheets import safe_for_export
from scorecard.text import listed
from scorecard.writers import hold

PER_PAGE = 50
# "Who" for an event no signed-in person made: the command line, the system (an expired preview),
# or someone not signed in (a failed sign-in).
NO_USER = ("none", "(none)", "system", "nobody")
FILTER_TEXT_MAX = 254
# The audit page's filters: {query-string key: what a message calls it}.
FILTER_WORDS = {"who": "“who”", "action": "the action", "entity_type": "the object type", "entity_id": "the object id",
                "since": "the “from” date", "until": "the “to” date", "page": "the page"}

# --------------------------------------------------------------------------- the audit log


@dataclass
class AuditFilters:
    """The audit page's filters, read from the query string; a value that cannot be read is left
    out and named in `problems`."""

    who: str = ""
    action: str = ""
    entity_type: str = ""
    entity_id: Optional[int] = None
    since: Optional[date] = None
    until: Optional[date] = None
    page: int = 1
    problems: list = field(default_factory=list)

    @classmethod
    def from_args(cls, args) -> "AuditFilters":
        found = cls()
        # A filter given twice ("since=…&since=…") is left out and said: which of the two was meant is not known.
        one = {key: found._once(args, key, what) for key, what in FILTER_WORDS.items()}
        found.who, found.action = one["who"].strip()[:FILTER_TEXT_MAX], one["action"].strip()[:64]
        found.entity_type = one["entity_type"].strip()[:64]
        found.entity_id = found._number(one["entity_id"], "object id")
        found.since = found._day(one["since"], "from")
        found.until = found._day(one["until"], "to")
        found.page = found._number(one["page"], "page") or 1
        if found.since and found.until and found.since > found.until:  # nothing is both: both are left out
            found.problems.append(f"the “from” date {found.since.isoformat()} is after the “to” date "
                                  f"{found.until.isoformat()}")
            found.since = found.until = None
        return found

    def _once(self, args, key: str, what: str) -> str:
        given = args.getlist(key) if hasattr(args, "getlist") else [args[key]] if key in args else []
        if len(given) > 1:
            self.problems.append(f"{what} is given {len(given)} times ({listed(repr(v[:20]) for v in given)})")
            return ""
        return given[0] if given else ""

    def _number(self, raw, what) -> Optional[int]:
        raw = (raw or "").strip()
        if not raw:
            return None
        number = counting_number(raw)
        if number is None:
            self.problems.append(f"{what} {raw[:20]!r} is not a whole number from 1")
        return number

    def _day(self, raw, what) -> Optional[date]:
        raw = (raw or "").strip()
        if not raw:
            return None
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw, re.ASCII):  # the whole value: "2026-01-01junk" is none
                return date.fromisoformat(raw)
        except ValueError:
            pass
        self.problems.append(f"“{what}” date {raw[:20]!r} is not a date (YYYY-MM-DD)")
        return None

    def args(self, **override) -> dict:
        """The filters as query-string arguments (for links to other pages and the CSV)."""
        values = {"who": self.who, "action": self.action, "entity_type": self.entity_type,
                  "entity_id": self.entity_id, "since": self.since.isoformat() if self.since else None,
                  "until": self.until.isoformat() if self.until else None}
        values.update(override)
        return {k: v for k, v in values.items() if v not in (None, "")}

    @property
    def active(self) -> bool:
        return bool(self.args())


def _query(filters: AuditFilters):
    query = sa.select(AuditEvent, User.email).outerjoin(User, User.id == AuditEvent.user_id)
    if filters.who:
        if filters.who.lower() in NO_USER:
            query = query.where(AuditEvent.user_id.is_(None))
        else:
            pattern = "%" + filters.who.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(sa.func.lower(User.email).like(pattern, escape="\\"))
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.entity_type:
        query = query.where(AuditEvent.entity_type == filters.entity_type)
    if filters.entity_id is not None:
        query = query.where(AuditEvent.entity_id == filters.entity_id)
    if filters.since:  # the agency's days, as the events' times are shown
        query = query.where(AuditEvent.at >= start_of(filters.since))
    if filters.until and filters.until < date.max:  # up to 9999-12-31: no day after it to end before
        query = query.where(AuditEvent.at < start_of(filters.until + timedelta(days=1)))
    return query


@dataclass
class AuditPage:
    rows: list  # (AuditEvent, email or None)
    total: int
    page: int
    pages: int


def audit_page(session, filters: AuditFilters) -> AuditPage:
    """The events matching `filters`, newest first, PER_PAGE at a time."""
    query = _query(filters)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, filters.page), pages)
    rows = session.execute(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                           .offset((page - 1) * PER_PAGE).limit(PER_PAGE)).all()
    return AuditPage(rows=[tuple(row) for row in rows], total=total, page=page, pages=pages)


def object_hrefs(session, user, events) -> dict[int, str]:
    """Where each event's object opens, by event id, for `user`: the page of a commitment, a rated
    element's plan, a capacity assessment, a rule version, an import batch or a user, while the object
    exists and the user's role opens that page (an executive opens no import or user page)."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        if event.entity_id is not None:
            wanted.setdefault(event.entity_type, set()).add(event.entity_id)

    def found(kind, permission, statement, href) -> dict[tuple[str, int], str]:
        ids = wanted.get(kind)
        if not ids or not can(user, permission):
            return {}
        return {(kind, row[0]): href(*row) for row in session.execute(statement(list(ids)))}
    hrefs = {
        **found("commitment", "view_commitments", lambda ids: sa.select(Commitment.id).where(Commitment.id.in_(ids)),
                lambda i: f"/commitments/{i}"),
        **found("plan_element", "view_plans",
                lambda ids: sa.select(PlanElement.id, PlanElement.plan_id).where(PlanElement.id.in_(ids)),
                lambda _i, plan: f"/plans/{plan}"),
        **found("capacity_assessment", "view_capacity",
                lambda ids: sa.select(CapacityAssessment.id, CapacityAssessment.component_id,
                                      CapacityAssessment.fiscal_year).where(CapacityAssessment.id.in_(ids)),
                lambda _i, component, year: f"/capacity/{component}/{year}"),
        **found("rule_version", "view_rules",
                lambda ids: sa.select(RuleVersion.id, Rule.key, RuleVersion.version).join(Rule)
                .where(RuleVersion.id.in_(ids)),
                lambda _i, key, number: f"/rules/{quote(key, safe='')}/versions/{number}"),
        **found("import_batch", "import_data",
                lambda ids: sa.select(ImportBatch.id).where(ImportBatch.id.in_(ids)), lambda i: f"/imports/{i}"),
        **found("user", "manage_users", lambda ids: sa.select(User.id).where(User.id.in_(ids)),
                lambda i: f"/admin/users/{i}"),
    }
    return {event.id: hrefs[key] for event in events if (key := (event.entity_type, event.entity_id)) in hrefs}


def audit_choices(session) -> tuple[list[str], list[str]]:
    """The actions and the object kinds the log holds, for the filters' drop-downs."""
    actions = list(session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
    kinds = list(session.scalars(sa.select(AuditEvent.entity_type).distinct().order_by(AuditEvent.entity_type)))
    return actions, kinds


# at_utc for machines; at_agency_time as the page shows it, on the day the From and To filters read it under
CSV_COLUMNS = ["id", "at_utc", "at_agency_time", "user", "action", "object_type", "object_id", "client_address",
               "user_agent", "before", "after"]


def _cell(value) -> str:
    """A CSV cell a spreadsheet shows as text (scorecard.spreadsheets.safe_for_export, as every export)."""
    return safe_for_export("" if value is None else str(value))


def audit_csv(session, filters: AuditFilters):
    """Every event matching `filters` (all pages), oldest first, as CSV text in chunks: UTF-8 with a byte-order
    mark as every CSV download (Excel then reads its accents), the before and after JSON with each character
    as itself."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    query = _query(filters).order_by(AuditEvent.at, AuditEvent.id).execution_options(yield_per=500)
    result = session.execute(query)
    try:  # a download stopped half-way closes the server-side cursor too
        for count, (event, email) in enumerate(result, start=1):
            writer.writerow([_cell(v) for v in (
                event.id, event.at.strftime("%Y-%m-%dT%H:%M:%SZ"), moment(event.at, seconds=True),
                email or "(none)", event.action,
                event.entity_type, event.entity_id, event.client_address, event.user_agent,
                json.dumps(event.before, sort_keys=True, default=str, ensure_ascii=False)
                if event.before is not None else "",
                json.dumps(event.after, sort_keys=True, default=str, ensure_ascii=False)
                if event.after is not None else "")])
            if count % 500 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()
    finally:
        result.close()


# --------------------------------------------------------------------------- users

class UserChangeError(ValueError):
    """A change the Users page refuses; the message says why, and `field` names the form's field at
    fault (None: the change as a whole)."""

    def __init__(self, message: str, field: Optional[str] = None):
        super().__init__(message)
        self.field = field


def _event(session, by: User, action: str, user: User, before=None, after=None) -> None:
    session.add(AuditEvent(user_id=by.id, action=action, entity_type="user", entity_id=user.id,
                           before=before, after=after))


def _last_active_admin(session, user: User) -> bool:
    """Whether `user` is the only active administrator, counted under the one lock every change that may leave
    fewer takes (writers.ADMINS) and read afresh after it: two administrators deactivating (or demoting) each
    other at the same moment each counted the other, and both changes went through."""
    writers.one_at_a_time_of(session, writers.ADMINS, 0)
    session.expire_all()
    return user.role is Role.admin and user.active and not session.scalar(
        sa.select(sa.func.count()).select_from(User).where(
            User.role == Role.admin, User.active.is_(True), User.id != user.id))


# The fields of an account its form changes, in words; what the form was opened on is these, as stored then.
ACCOUNT_FIELDS = {"name": "name", "role": "role", "function": "function", "leader": "leader record"}


def account_fields(user: User) -> dict:
    """The account's fields as its form shows them ("" for none; the leader's e-mail in lower case, as it
    is matched): what an account form is opened on."""
    described = describe_user(user)
    return {k: (described[k] or "").lower() if k == "leader" else described[k] or "" for k in ACCOUNT_FIELDS}


class AccountChanged(UserChangeError):
    """Someone changed the account after its form was opened: nothing was saved. `fields`: the form's
    fields as stored now."""

    def __init__(self, message: str, fields: dict):
        super().__init__(message)
        self.fields = fields


def _changed_since(session, user: User, opened: dict, sent: dict, by: User) -> None:
    """Refuse (AccountChanged) when the account is not as the form was opened on, read again under the
    account's hold, unless it is already as sent (the form sent twice, or the same change made by both)."""
    hold(session, User, user.id)
    now = account_fields(user)
    if now in (opened, sent):
        return
    changes = [f"{ACCOUNT_FIELDS[k]} {opened.get(k) or 'none'} → {now[k] or 'none'}" if k in opened
               else f"{ACCOUNT_FIELDS[k]} now {now[k] or 'none'}" for k in ACCOUNT_FIELDS if opened.get(k) != now[k]]
    last = session.execute(sa.select(AuditEvent.user_id, AuditEvent.at).where(
        AuditEvent.entity_type == "user", AuditEvent.entity_id == user.id,
        AuditEvent.action.in_(("user.update", "user.role_change")))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(1)).first()
    who = person_seen_by(session, last.user_id, by) if last else "someone else"
    who = "you, in another tab or window," if who == "you" else who
    when = f" at {moment(last.at)}" if last else ""
    # what this form changed, said before the form shows the account as stored (it was gone without a word)
    yours = [f"{ACCOUNT_FIELDS[k]} “{sent.get(k) or 'none'}”" for k in ACCOUNT_FIELDS
             if sent.get(k) != opened.get(k) and sent.get(k) != now[k]]
    mine = f" Yours was {listed(yours)}." if yours else ""
    raise AccountChanged(f"{who} changed this account{when}, after you opened it ({listed(changes)}); nothing was "
                         f"saved.{mine} The form now shows the account as it is: make your change again if it still "
                         "applies", now)


def _check_account(session, user: User, by: User, name: Optional[str], role: Role, function_code: Optional[str],
                   leader_email: Optional[str]) -> None:
    """Refuse (UserChangeError, naming the field) a change of account the roles do not allow."""
    problem = name_problem(name) if (name or "").strip() != (user.name or "") else None  # one kept so: not in the way
    if problem:
        raise UserChangeError(problem, "name")
    if user.id == by.id and role is not Role.admin:
        raise UserChangeError("you cannot take the administrator role from yourself; ask another administrator",
                              "role")
    if user.role is Role.admin and role is not Role.admin and user.active and _last_active_admin(session, user):
        raise UserChangeError("this is the only active administrator; make another one first", "role")
    if role is Role.officer and not function_code:
        raise UserChangeError("an officer needs a function", "function")
    if function_code and role is not Role.officer:
        raise UserChangeError(function_not_taken(role), "function")
    if role is Role.leader and not leader_email:
        raise UserChangeError("a leader needs the e-mail of their leader record", "leader")


def update_account(session, user: User, *, by: User, name: Optional[str], role: Role, function_code: Optional[str],
                   leader_email: Optional[str], opened: Optional[dict] = None) -> bool:
    """Change a user's name, role, function and leader link; False when nothing changed. `opened`: the
    fields (account_fields) the form was opened on; someone's change since is refused (AccountChanged)."""
    if opened is not None:
        _changed_since(session, user, opened, {
            "name": (name or "").strip(), "role": role.value, "function": function_code or "",
            "leader": (leader_email or "").strip().lower()}, by)
    before = describe_user(user)
    _check_account(session, user, by, name, role, function_code, leader_email)
    try:
        function = function_by_code(function_code) if function_code else None
    except ValueError as error:
        raise UserChangeError(str(error), "function") from None
    try:
        leader = user.leader
        if not leader_email:
            leader = None
        elif leader is None or leader.email.lower() != leader_email.strip().lower():
            leader = find_leader(leader_email)
    except ValueError as error:
        raise UserChangeError(str(error).replace("; pass --leader EMAIL", ""), "leader") from None
    user.name = (name or "").strip() or None
    user.role, user.function, user.leader = role, function, leader
    after = describe_user(user)
    if after == before:
        return False
    changed = {k for k in after if after[k] != before[k]}
    # A token keeps no scope its user's new role may not give (a viewer's are read only): revoked, as
    # deactivation revokes them, so the token list never shows a write token a viewer holds.
    revoked = session.execute(sa.update(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), ApiToken.scope.not_in(scopes_for(user)))
        .values(revoked_at=utcnow())).rowcount
    scope_changed = bool(changed & {"role", "function", "leader"})
    withdrawn = _withdraw_briefings(session, user) if scope_changed else 0
    _event(session, by, "user.role_change" if scope_changed else "user.update", user,
           before={k: before[k] for k in sorted(changed)},
           after={**{k: after[k] for k in sorted(changed)}, **({"tokens_revoked": revoked} if revoked else {}),
                  **({"briefings_withdrawn": withdrawn} if withdrawn else {})})
    session.commit()
    return True


BRIEFING_WITHDRAWN = ("Your role, function or leader record changed after you asked for this briefing, so it was "
                      "withdrawn: it showed what your earlier role could see. Make a new one with the briefing "
                      "buttons.")


def _withdraw_briefings(session, user: User) -> int:
    """Fail the user's briefings not yet downloaded or still being written (each was written, or is being
    written, with what the role they had when they asked could see: a CFO officer moved to viewer kept the
    plans' ratings of one). Their files go with the next sweep; a job still writing keeps none."""
    return session.execute(sa.update(BriefingJob).where(
        BriefingJob.owner_id == user.id, BriefingJob.status.in_(("queued", "running", "done")))
        .values(status="failed", stage="Failed", percent=100, message=BRIEFING_WITHDRAWN)).rowcount


def set_active(session, user: User, active: bool, *, by: User) -> None:
    """Deactivate (every session ends and every API token of theirs is revoked) or reactivate a user
    (who then signs in again and makes new tokens)."""
    if user.active == active:
        return
    if not active and user.id == by.id:
        raise UserChangeError("you cannot deactivate your own account")
    if not active and user.role is Role.admin and _last_active_admin(session, user):
        raise UserChangeError("this is the only active administrator; make another one first")
    user.active = active
    revoked = 0
    if not active:
        user.end_sessions()
        # Revoked, not merely refused while inactive: reactivation must not bring old tokens back.
        revoked = session.execute(sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                                  .values(revoked_at=utcnow())).rowcount
    _event(session, by, "user.reactivate" if active else "user.deactivate", user,
           before={"active": not active}, after={"active": active, **({"tokens_revoked": revoked} if revoked else {})})
    session.commit()


def reset_password(session, user: User, password: str, *, by: User) -> None:
    """Give the user a new password (the password rules apply); their sessions end."""
    problem = password_problem(password, user.email)
    if problem:
        raise UserChangeError(problem)
    user.set_password(password)
    user.end_sessions()
    _event(session, by, "user.password_reset", user, after={"sessions_ended": True})
    session.commit()


def unlock_user(session, user: User, *, by: User) -> int:
    return unlock(session, email=user.email, by=by)


def recent_events(session, user: User, limit: int = 20) -> list:
    """The latest audit events about `user` or made by them."""
    query = (sa.select(AuditEvent, User.email).outerjoin(User, User.id == AuditEvent.user_id)
             .where(sa.or_(AuditEvent.user_id == user.id,
                           sa.and_(AuditEvent.entity_type == "user", AuditEvent.entity_id == user.id)))
             .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    return [tuple(row) for row in session.execute(query)]


def now() -> datetime:
    return utcnow()
