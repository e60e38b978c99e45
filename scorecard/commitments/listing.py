"""The commitments list: its filters as they travel in the query string, what they leave out, and the
commitments a person may see that match them, sorted, with counts by status."""
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from scorecard.commitments.attention import days_since_update, is_overdue, stale_cutoff
from scorecard.commitments.services import CLOSED, STATUS_ORDER, S, visible_commitments
from scorecard.models import CAPACITY_DOMAINS, Agency, Commitment, Component, Function, Program, Role
from scorecard.paging import page_of
from scorecard.selection import ProgramFilter
from scorecard.text import days

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
    def from_args(cls, args, session=None, user=None) -> "Filters":
        """Read request.args; a value that cannot be used is named in `problems` and ignored (with a
        `session`, a function or component code that names none too: it matched nothing, silently; with
        the `user`, an officer's asking for another function's commitments, which they do not see)."""
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
        if user is not None and user.role is Role.officer and found.function is not None:
            own = user.function.code if user.function else None
            if found.function != own:
                found.problems.append(f"Function: {found.function[:40]!r} is not yours: an officer sees "
                                      + (f"the {own} function's commitments only" if own else
                                         "the commitments of their own function, and you have none yet"))
                found.function = None
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
            said.append(f"Due within {days(self.due_within)} counts open commitments due from today on"
                        + ("" if self.overdue else ", not overdue ones (tick Overdue to add them)"))
        if self.stale is not None:
            said.append(f"Not updated in {days(self.stale)} counts open commitments only")
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


PAGE_SIZE = 200  # commitments a page of the list shows


@dataclass
class Listing:
    rows: list[Row]
    counts: dict  # CommitmentStatus -> count, for every filter but the status
    total: int    # commitments matching every filter
    page: int = 1   # the page `rows` are, of `pages` (one when every row is listed)
    pages: int = 1
    first: int = 1  # the number of the page's first row in the whole list


def list_commitments(session, user, filters: Filters, today: date, *, page: Optional[int] = 1,
                     per_page: Optional[int] = None) -> Listing:
    """The commitments `user` may see that match `filters`, sorted, with counts by status: page `page` of them
    (a page past the last shows the last), or every one for None (a download). The list stopped at its first
    2,000 and a large agency's others could not be reached."""
    base = visible_commitments(user).join(Function, Function.id == Commitment.function_id)
    base = _filtered(session, base, filters, today)
    counts = {s: 0 for s in STATUS_ORDER}
    counted = base.with_only_columns(Commitment.status).subquery()
    for status, n in session.execute(sa.select(counted.c.status, sa.func.count()).group_by(counted.c.status)):
        counts[S(status)] = n
    query = base.where(Commitment.status.in_([S(s) for s in filters.statuses])) if filters.statuses else base
    total = sum(n for s, n in counts.items() if not filters.statuses or s.value in filters.statuses)
    query = query.options(so.joinedload(Commitment.function), so.joinedload(Commitment.leader),
                          so.joinedload(Commitment.component)).order_by(*_order(filters.sort))  # ends with the id
    shown = page_of(total, 1, max(total, 1)) if page is None else page_of(total, page, per_page or PAGE_SIZE)
    if shown.pages > 1:
        query = query.offset(shown.start).limit(shown.end - shown.start)
    rows = [Row(c, None if c.due_date is None else (c.due_date - today).days, days_since_update(c, today),
                is_overdue(c, today)) for c in session.scalars(query).unique()]
    return Listing(rows, counts, total, shown.number, shown.pages, shown.first)


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

