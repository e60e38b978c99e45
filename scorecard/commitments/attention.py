"""What makes an open commitment need its owner (DESIGN §3): overdue, due soon, or not updated for a
while, counted by date as the rules, reminders, home page and dashboards count them."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from scorecard.clock import agency_today, day_of, start_of
from scorecard.commitments.services import CLOSED, editable_fields, visible_commitments
from scorecard.models import Commitment, Role
from scorecard.text import days


def last_update_day(commitment) -> Optional[date]:
    """The agency's day of the last update (or of the creation, if never updated); None before it is stored.
    Anything with `last_update_at` and `created_at`: the rules' CommitmentInfo too."""
    stamp = commitment.last_update_at or commitment.created_at
    return None if stamp is None else day_of(stamp)


def days_since_update(commitment, today: date) -> Optional[int]:
    """Days since the last update (or creation, if never updated): the pages', reminders' and rules' count."""
    day = last_update_day(commitment)
    return None if day is None else (today - day).days


def is_overdue(commitment, today: date) -> bool:
    return commitment.due_date is not None and commitment.due_date < today and commitment.status not in CLOSED


def overdue_days(commitment, today: date) -> Optional[int]:
    """Days an open commitment is past its due date (anything with `due_date` and `status`: a row of
    columns too), or None when it is not overdue."""
    return (today - commitment.due_date).days if is_overdue(commitment, today) else None


def past_due_set(commitment, today: date, due_before: Optional[date] = None, *,
                 was_closed: bool = False, moves_due_date: bool = True) -> Optional[str]:
    """A warning when a save has just set an open commitment's due date to a day already past (a typing slip:
    2020 for 2026), or taken a complete or dropped one back up past its due date, else None. Such a date is
    kept (a commitment filed late may be overdue already), but the person is told what it reads as now, and
    (`moves_due_date` false: a leader, who changes the status and reason alone) who can move the date."""
    late = overdue_days(commitment, today)
    if late is None or (commitment.due_date == due_before and not was_closed):
        return None
    said = (f"The due date {commitment.due_date.isoformat()} has already passed, so the commitment now reads "
            f"overdue by {days(late)}.")
    if moves_due_date:
        return f"{said} If that date was a slip, edit the due date."
    return f"{said} If it should move, ask the function's officers or an administrator: they can change it."


def past_due_warning(commitment, user, due_before: Optional[date] = None, *, was_closed: bool = False
                     ) -> Optional[str]:
    """`past_due_set` for a save `user` has just made, on the agency's today: the warning the web form flashes
    and the API's answer carries (`warnings`)."""
    return past_due_set(commitment, agency_today(), due_before, was_closed=was_closed,
                        moves_due_date="due_date" in editable_fields(user, commitment))


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
            words.append(f"overdue by {days(self.overdue_days)} (due {self.commitment.due_date.isoformat()})")
        if self.due_in_days is not None:
            words.append("due today" if self.due_in_days == 0 else
                         f"due in {days(self.due_in_days)} ({self.commitment.due_date.isoformat()})")
        if self.stale_days is not None:
            words.append(f"not updated for {days(self.stale_days)}")
        return words

    def sort_key(self):
        return (self.overdue_days is None, -(self.overdue_days or 0), self.due_in_days is None,
                self.due_in_days or 0, -(self.stale_days or 0), self.commitment.title)


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


def stale_cutoff(today: date, stale_days: int) -> datetime:
    """The moment before which a last update makes a commitment `stale_days` or more days without one
    (days counted by date, as `days_since_update` does)."""
    return start_of(today - timedelta(days=stale_days - 1))


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

