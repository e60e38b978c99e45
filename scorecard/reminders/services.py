"""Who is owed a reminder about which commitment, and sending them: one digest per person.

Owners — the function's officers and the user linked to the commitment's named leader — hear
about their open commitments that are overdue, due within REMIND_DUE_DAYS, or not updated for
REMIND_STALE_DAYS. Executives hear about (escalation) open commitments that are overdue or not
updated for ESCALATE_STALE_DAYS. Each reminder is recorded (a Reminder row with the MailMessage
that carried it), so it goes out once per commitment, person, reason and occasion — the due date
for due soon and overdue, the date of the last update for not updated — however often the
command runs: a new due date or a new update makes a new occasion.
"""
import smtplib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.exc import IntegrityError

from scorecard.clock import agency_today
from scorecard.commitments.attention import Attention, attention, attention_query, days_since_update
from scorecard.commitments.services import STATUS_LABELS, may_edit
from scorecard.config import site_base_url
from scorecard.models import Commitment, Reminder, ReminderReason, Role, User
from scorecard.reminders.mail import Mailer, MailSettings, compose
from scorecard.text import days

R = ReminderReason
OWNER, ESCALATION = "owner", "escalation"


@dataclass(frozen=True)
class Settings:
    due_days: int
    stale_days: int
    escalate_days: int
    base_url: str

    @classmethod
    def from_config(cls, config) -> "Settings":
        """The settings; ValueError when the site's address is not set (a reminder's links would go nowhere)."""
        base_url = site_base_url(config)
        if not base_url:
            raise ValueError("SCORECARD_BASE_URL is not set to the address people open the site at (such as "
                             "https://scorecard.agency.gov), and every reminder links to its commitments there")
        return cls(int(config["REMIND_DUE_DAYS"]), int(config["REMIND_STALE_DAYS"]),
                   int(config["ESCALATE_STALE_DAYS"]), base_url)

    def link(self, commitment: Commitment) -> str:
        return f"{self.base_url}/commitments/{commitment.id}"


@dataclass
class Item:
    """One commitment in a digest, with the reminders (reason, occasion) this digest carries."""

    commitment: Commitment
    attention: Attention
    reminders: list[tuple[ReminderReason, str]]


@dataclass
class Digest:
    """Everything one person hears about in one message."""

    user: User
    kind: str  # OWNER or ESCALATION
    items: list[Item] = field(default_factory=list)

    def subject(self, settings: Settings) -> str:
        n = len(self.items)
        things = "commitment" if n == 1 else "commitments"
        if self.kind == ESCALATION:
            return (f"CX Scorecard escalation: {n} {things} overdue or not updated for "
                    f"{days(settings.escalate_days)} or more")
        return f"CX Scorecard: {n} {things} {'needs' if n == 1 else 'need'} your update"

    def body(self, settings: Settings, owners: dict[int, list[str]]) -> str:
        name = self.user.name or self.user.email
        one = len(self.items) == 1
        if self.kind == ESCALATION:
            intro = (f"{'This CX commitment is' if one else 'These CX commitments are'} overdue or "
                     f"{'has' if one else 'have'} not been updated for {days(settings.escalate_days)} or more. "
                     f"{'It names its owners' if one else 'Each names its owners'}; those who may update "
                     f"{'it' if one else 'them'} are reminded too.")
        else:
            intro = (f"{'This CX commitment of yours needs' if one else 'These CX commitments of yours need'} an "
                     f"update in CX Scorecard: {'its' if one else 'their'} status, the reason, the next step and "
                     "the evidence.")
        lines = [f"Hello {name},", "", intro, ""]
        for number, item in enumerate(self.items, start=1):
            c = item.commitment
            lines.append(f"{number}. {c.function.code}: {c.title}")
            why = "; ".join(item.attention.reasons)
            lines.append(f"   {why[:1].upper()}{why[1:]}. Status: {STATUS_LABELS[c.status].lower()}.")
            if self.kind == ESCALATION:
                named = ", ".join(owners.get(c.id, [])) or "none (no officer of the function, no named leader)"
                lines.append(f"   Owners: {named}.")
            lines.append(f"   {settings.link(c)}")
            lines.append("")
        lines.append("You receive each reminder once: again only when a due date moves or a commitment "
                     "has gone without an update once more.")
        lines.append("-- CX Scorecard")
        return "\n".join(lines) + "\n"

    def commitment_ids(self) -> list[int]:
        return [item.commitment.id for item in self.items]


@dataclass
class Plan:
    digests: list[Digest]
    skipped: int  # reminders owed but already sent
    owners: dict[int, list[str]]  # commitment id -> its owners' e-mail addresses


def _owner_reasons(found: Attention, commitment: Commitment) -> list[tuple[ReminderReason, str]]:
    reasons = []
    if found.overdue_days is not None:
        reasons.append((R.overdue, commitment.due_date.isoformat()))
    if found.due_in_days is not None:
        reasons.append((R.due_soon, commitment.due_date.isoformat()))
    if found.stale_days is not None:
        reasons.append((R.stale, _last_update(commitment)))
    return reasons


def _escalation_reasons(commitment: Commitment, today: date, escalate_days: int) -> list[tuple[ReminderReason, str]]:
    reasons = []
    if commitment.due_date is not None and commitment.due_date < today:
        reasons.append((R.escalation_overdue, commitment.due_date.isoformat()))
    since = days_since_update(commitment, today)
    if since is not None and since >= escalate_days:
        reasons.append((R.escalation_stale, _last_update(commitment)))
    return reasons


def _last_update(commitment: Commitment) -> str:
    """The occasion of a "not updated" reminder: the last update, by the UTC date it is stored with. A key,
    never shown, so it does not move with the agency's time zone (SCORECARD_TIMEZONE): a reminder sent
    stays sent when the zone changes, and those recorded when days were UTC days still match."""
    return (commitment.last_update_at or commitment.created_at).astimezone(UTC).date().isoformat()


def _not_reminded(commitment: Commitment, leader_user: Optional[User], people: list[User]) -> list[str]:
    """The named leader as an escalation lists them when no reminder reaches them: an account whose role
    cannot update the commitment, or no account at all (it said "no named leader" of both)."""
    if leader_user is not None and leader_user not in people:
        return [f"{leader_user.email} (the named leader's account, whose {leader_user.role.value} role cannot "
                "update it: not reminded)"]
    if commitment.leader_id is not None and leader_user is None:
        return [f"{commitment.leader.name} (the named leader, who has no account here: not reminded)"]
    return []


def plan(session, settings: Settings, today: date) -> Plan:
    """The digests owed today, leaving out every reminder already sent."""
    query = attention_query(sa.select(Commitment), today, due_days=settings.due_days,
                            stale_days=min(settings.stale_days, settings.escalate_days))
    commitments = list(session.scalars(query.options(so.joinedload(Commitment.function))
                                       .order_by(Commitment.due_date.is_(None), Commitment.due_date, Commitment.id)))
    active = sa.select(User).where(User.active.is_(True))
    officers: dict[int, list[User]] = defaultdict(list)
    for user in session.scalars(active.where(User.role == Role.officer).order_by(User.email)):
        officers[user.function_id].append(user)
    leader_users = {u.leader_id: u for u in session.scalars(active.where(User.leader_id.is_not(None)))}
    executives = list(session.scalars(active.where(User.role == Role.executive).order_by(User.email)))
    sent = {tuple(row) for row in session.execute(
        sa.select(Reminder.commitment_id, Reminder.user_id, Reminder.reason, Reminder.occasion)
        .where(Reminder.commitment_id.in_([c.id for c in commitments])))}

    digests: dict[tuple[int, str], Digest] = {}
    owners: dict[int, list[str]] = {}
    skipped = 0

    def owe(user: User, kind: str, commitment: Commitment, found: Attention, reasons) -> None:
        nonlocal skipped
        new = [(reason, occasion) for reason, occasion in reasons
               if (commitment.id, user.id, reason, occasion) not in sent]
        skipped += len(reasons) - len(new)
        if new:
            digest = digests.setdefault((user.id, kind), Digest(user, kind))
            digest.items.append(Item(commitment, found, new))

    for commitment in commitments:
        people = list(officers.get(commitment.function_id, []))
        leader_user = leader_users.get(commitment.leader_id) if commitment.leader_id else None
        if leader_user is not None and leader_user not in people:
            people.append(leader_user)
        # Only those who may update it: an account linked to its leader but moved to another role is not
        # asked for an update its role cannot make (the link the digest gives would refuse it).
        people = [user for user in people if may_edit(user, commitment)]
        owners[commitment.id] = [u.email for u in people] + _not_reminded(commitment, leader_user, people)
        found = attention(commitment, today, due_days=settings.due_days, stale_days=settings.stale_days)
        if found is not None:
            for user in people:
                owe(user, OWNER, commitment, found, _owner_reasons(found, commitment))
        escalation = _escalation_reasons(commitment, today, settings.escalate_days)
        if escalation:
            seen = found or attention(commitment, today, due_days=settings.due_days,
                                      stale_days=settings.escalate_days)
            for user in executives:
                owe(user, ESCALATION, commitment, seen, escalation)
    ordered = sorted(digests.values(), key=lambda d: (d.kind != OWNER, d.user.email))
    return Plan(ordered, skipped, owners)


@dataclass
class Result:
    sent: int = 0
    skipped: int = 0
    messages: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    dry_run: bool = False
    delivery: str = ""

    def as_json(self) -> dict:
        return {"sent": self.sent, "skipped": self.skipped, "messages": self.messages, "failed": self.failed,
                "dry_run": self.dry_run, "delivery": self.delivery}


def remind(session, config, today: Optional[date] = None, *, dry_run: bool = False) -> Result:
    """Send the digests owed today (or, with `dry_run`, say what would be sent and write
    nothing). The reminders of a digest are written before its message leaves, in the same
    transaction, and committed after it is handed over; a run beside another that claimed them
    first skips them, and a message the SMTP server refuses leaves them owed for the next run."""
    settings = Settings.from_config(config)
    mail = MailSettings.from_config(config)
    today = today or agency_today()
    owed = plan(session, settings, today)
    result = Result(skipped=owed.skipped, dry_run=dry_run, delivery=mail.where())
    with Mailer(mail) as mailer:
        for digest in owed.digests:
            message = compose(mail, digest.user.email, digest.subject(settings), digest.body(settings, owed.owners))
            summary = {"to": digest.user.email, "subject": str(message["Subject"]), "kind": digest.kind,
                       "commitments": digest.commitment_ids()}
            if dry_run:
                result.messages.append(summary)
                continue
            try:
                row = mailer.record(session, message, user_id=digest.user.id)
                for item in digest.items:
                    for reason, occasion in item.reminders:
                        session.add(Reminder(commitment_id=item.commitment.id, user_id=digest.user.id,
                                             reason=reason, occasion=occasion, message=row))
                session.flush()
                mailer.deliver(message)
                session.commit()
            except IntegrityError:
                session.rollback()  # another run claimed these reminders first
                result.skipped += sum(len(item.reminders) for item in digest.items)
                continue
            except (smtplib.SMTPException, OSError) as error:  # one refused message does not stop the others
                session.rollback()
                result.failed.append({**summary, "error": f"{type(error).__name__}: {error}"})
                continue
            result.sent += 1
            result.messages.append(summary)
    return result
