"""Commitments as their owners keep them current (DESIGN §3, §6): the words for their statuses and
fields, who sees which commitment and who may change what, and the one path every change takes:
checked against the person's scope, refused with a message naming the field when a rule of the
domain is broken, refused whole when someone saved a newer version since the form was opened, and
recorded as a CommitmentUpdate history row and an audit event naming the person.

What needs an owner's attention is in `attention`, the list with its filters in `listing`, a
commitment's page in `view`.
"""
import enum
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from scorecard import evidence
from scorecard.clock import moment
from scorecard.merging import three_way
from scorecard.models import (
    CAPACITY_DOMAINS,
    AuditEvent,
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    Component,
    Function,
    Leader,
    Metric,
    Program,
    Role,
    User,
    utcnow,
)
from scorecard.naming import labels
from scorecard.people import is_viewer, person, person_seen_by
from scorecard.periods import PLANNED_YEARS, planned_year
from scorecard.permissions import can
from scorecard.signals import commitment_changed
from scorecard.text import (
    UNKEPT_ON_ONE_LINE,
    as_the_box_counted,
    blank,
    drawn,
    listed,
    look_alike_letter,
    look_alike_message,
    unkept_character,
    unkept_in,
    unseen_characters,
    visible,
    words,
)

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
MAX_LINK_LENGTH = evidence.MAX_LINK_LENGTH
MAX_TEXT_LENGTH = 10_000  # a description, reason, next step, drop reason or history note, on every path
DUE_YEARS = PLANNED_YEARS  # a due date outside these years is a typing slip (0001, 9999), not a plan

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


def dropped_beyond(user, commitment: Commitment) -> bool:
    """Whether `commitment` is dropped and `user` may update it but not take it back up (a leader it names):
    the update form would offer only statuses the rules refuse them, so the pages say so instead."""
    return commitment.status is S.dropped and not can(user, "drop_commitment") and may_edit(user, commitment)


def dropped_beyond_words(commitment: Commitment) -> str:
    """Why a change of `dropped_beyond`'s is refused (the API and update_commitment say it alike)."""
    return (f"The commitment is dropped; only the {commitment.function.code} function's officers and administrators "
            "can change it or take it back up")


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
                # each named as the pages name it among others: two leaders (or components) of one name told apart
                self._names[f] = labels(session, list(session.scalars(sa.select(model).where(model.id.in_(ids)))))

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


class TypedLinks(list):
    """Evidence links read from one text (a form's box, a spreadsheet's cell), split at spaces and line
    breaks: a piece that is no link may be the rest of the link before it, and `link_problem` says so. Links
    sent as a list (the API's) were split by no one."""


def parse_links(text: Optional[str], kept=frozenset()) -> TypedLinks:
    """Evidence links typed one per line (or separated by spaces, or semicolons: evidence.split_links; a line that
    is a link `kept` whole), duplicates dropped."""
    return TypedLinks(dict.fromkeys(evidence.split_links(text, kept)))


def link_problem(links, *, characters: bool = True, stored=frozenset()) -> Optional[str]:
    """What is wrong with a list of evidence links, naming every bad one at once (`evidence.link_problem`, the
    check capacity assessments' links have too); None when they are fine. `characters`: also refuse spaces,
    control and invisible characters, addresses run together and look-alike sites (a file's reader leaves those
    to the check of the links that change); a link `stored` already is held to being a web address alone (kept
    from before those checks, it must not block adding another)."""
    many = evidence.too_many(len(links), MAX_LINKS)
    if many:
        return many
    problems = [problem + (_split_from(links, i, problem) if isinstance(links, TypedLinks) else "") for i, problem
                in enumerate(evidence.link_problem(link, characters=characters, stored=stored) for link in links)
                if problem]
    if problems:
        return evidence.refusal(problems)
    # their length as they are saved: a file's reader (`characters` False) leaves it to the check of the links that
    # change, so that links stored before that check do not refuse an unedited file
    return evidence.too_long(links) if characters else None


def _split_from(links, index: int, problem: str) -> str:
    """For a piece refused as no web address that follows a link ("report.pdf" after "https://example.gov/my",
    typed as one address with a space in it: links are split at spaces), the words that say so; else ""."""
    if index == 0 or "://" in links[index] or not problem.endswith(evidence.NOT_A_LINK):
        return ""
    return (f" (if it is the rest of {evidence.quoted(links[index - 1])}, links are split at spaces, and at "
            "semicolons before them: write a space in a web address as %20)")


def stored_title(title: str) -> str:
    """A title as it is stored, from the web, the API and a spreadsheet alike: without the characters that
    draw nothing (text.INVISIBLE) and the spaces around it."""
    return visible(title).strip()


def clean(values: dict) -> dict:
    """Strip text, blank text to None, ids and link lists sorted as stored. A title drops the characters that
    draw nothing and mean nothing in it (a zero-width space, a soft hyphen: text.INVISIBLE): kept, it made a
    title that reads as the one before it, and the history showed a change of title between two alike."""
    cleaned = {}
    for name, value in values.items():
        if isinstance(value, str) and name != "title":  # a box's line break one character, as its maxlength counts
            value = as_the_box_counted(value)  # it ("\r\n" sent); a title is one line, its breaks refused as sent
        if isinstance(value, str):
            value = None if blank(value) else stored_title(value) if name == "title" else value.strip()
        if name == "status" and isinstance(value, str):
            value = S(value)
        if name == "evidence_links":
            value = parse_links(value) if isinstance(value, str) or value is None else (
                TypedLinks if isinstance(value, TypedLinks) else list)(dict.fromkeys(value))
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
                "evidence_links": link_problem(state.get("evidence_links") or [], stored=set(
                    current.evidence_links or []) if current is not None else frozenset())
                if "evidence_links" in changed else None,
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
        # an action plan is a component's (scorecard.capacity.view.action_items): one naming none is in none
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
    if (letter := look_alike_letter(title)) is not None:  # draws as another title, and is not it (nor its duplicate)
        return look_alike_message(title, letter, "title")
    same = _titled(session, function_id, title, current)
    if same is None:
        return None
    taken = f"{session.get(Function, function_id).code} already has a commitment titled {same.title!r}"
    if same.title != title:  # "ＣＸ" for "CX", a zero-width space: name the title stored, which reads as this one
        unseen = unseen_characters(title)  # named: one cannot see them, and a repr would show '\xa0'
        taken += f" ('{title}' reads the same{': it holds ' + ', '.join(unseen) if unseen else ''})"
    if same.status is S.dropped:  # not in the list's open ones: said where it is, so it can be taken back up
        return (f"{taken}: commitment #{same.id}, which is dropped. Open it to take it back up, or choose "
                "another title")
    return taken


def _titled(session, function_id: int, title: str, current: Optional[Commitment] = None) -> Optional[Commitment]:
    """The function's commitment of this title (as the titles are compared: case and the spaces between words
    aside, as a page draws them: "Align  CX" and "Align CX" read alike), but `current`."""
    wanted = title_key(title)
    found = next((cid for cid, stored in session.execute(sa.select(Commitment.id, Commitment.title).where(
        Commitment.function_id == function_id, Commitment.id != (current.id if current else -1))
        .order_by(Commitment.id)) if title_key(stored) == wanted), None)
    return session.get(Commitment, found) if found is not None else None


def title_key(title: str) -> str:
    """A title as it reads: its words in small letters, one space between them (a no-break space too), the
    characters that draw nothing (a zero-width space or joiner, a soft hyphen, a Hangul filler, a variation
    selector: text.drawn) left out, and letters
    written in another width or form read as the letter (NFKC: full-width "ＣＸ" is "CX")."""
    return " ".join(drawn(unicodedata.normalize("NFKC", title)).split()).casefold()


def _due_problem(due: Optional[date]) -> Optional[str]:
    """A due date within the years the product plans for (DUE_YEARS), else what is wrong with it."""
    if due is not None and not planned_year(due.year):
        return f"{due.isoformat()} is not a due date: give one from {DUE_YEARS[0]} to {DUE_YEARS[1]}"
    return None


def _reason_problem(state: dict, changed: set, current: Optional[Commitment]) -> Optional[str]:
    """A reason when at risk, off track or dropped (kept while it is: a dropped commitment read "Reason: none
    given", its reason removed by a later change, or made dropped without one); a reason written in this very
    change to drop the commitment, to move (or remove) its due date, or to put it at risk or off track when it
    was not (the reason on file was given for another status)."""
    status = state.get("status") or S.not_started
    reason = state.get("reason")
    label = STATUS_LABELS[status].lower()
    if status.needs_reason and not reason:
        return f"a commitment that is {label} needs a reason: say why it is {label}"
    # A dropped one made so (new), or its reason removed. (One dropped without a reason before this was kept
    # takes a note or a change of its other fields as it is: refusing them would leave it stuck.)
    if status is S.dropped and not reason and (current is None or changed & {"status", "reason"}):
        if current is not None and current.status is S.dropped:
            return "a dropped commitment keeps its reason: it cannot be removed (write another to replace it)"
        return "dropping a commitment needs a reason: say why it is dropped"
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

def written_note(note: Optional[str]) -> Optional[str]:
    """A history note as it is kept: None when it shows nothing (empty, spaces, or only invisible characters
    such as a zero-width space, which confirmed a commitment current with nothing said), else trimmed."""
    return None if blank(note) else note.strip()


def update_commitment(session, commitment: Commitment, values: dict, *, user, version: int,
                      note: Optional[str] = None, action: str = "commitment.update") -> Optional[CommitmentUpdate]:
    """Change `commitment` as `user`, who opened it at `version`. Raises PermissionError outside
    the person's scope, EditConflict when someone saved a newer version (nothing is saved),
    CommitmentError naming each field a rule refuses. A change, or a note alone (an owner
    confirming the commitment is current), is one history row and one audit event; returns
    None when there is neither."""
    if not may_edit(user, commitment):
        raise PermissionError("you may not change this commitment")
    if dropped_beyond(user, commitment):  # neither its reason nor a note: the web offers them no form either
        raise PermissionError(dropped_beyond_words(commitment))
    if version != commitment.version:
        raise EditConflict(commitment)
    values = reason_left_behind(commitment, clean(values))
    note = written_note(note)
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
    note = written_note(note)
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
    sent = clean(values)
    cleared = (latest.changes or {}).get("reason") if latest is not None else None
    if isinstance(cleared, list) and len(cleared) == 2 and cleared[1] is None and sent.get("reason") == cleared[0]:
        sent.pop("reason")  # the first send left that reason behind (reason_left_behind): the same form again
    return (latest is not None and user is not None and latest.user_id == user.id
            and (latest.note or None) == written_note(note)
            and not proposal(commitment, sent)[1])


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


def reason_left_behind(commitment: Optional[Commitment], values: dict) -> dict:
    """`values` (cleaned), with the reason on file cleared when they move the commitment to a status that takes
    none (not started, on track, complete) without a new one: it was given for the status left behind, and
    beside "Complete" an old "at risk" reason read as the reason it is complete. Its history keeps it.
    Every writer of commitments (the web form, the API, an import) applies it."""
    status = values.get("status")
    if (commitment is None or not commitment.reason or status is None or status is commitment.status
            or status.needs_reason or status is S.dropped
            or values.get("reason", commitment.reason) != commitment.reason):
        return values
    return {**values, "reason": None}


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
    # a text stored with "\r\n" line breaks (as forms sent them before `clean` made them "\n") is not changed by
    # the same text sent again
    changed = {f for f, v in values.items() if f in FIELD_LABELS and encode(v) != as_the_box_counted(stored[f])}
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
class ConflictNote:
    """A note saved since the person opened the form (a note changes no field: the rows do not show it)."""
    who: str
    at: datetime
    note: str


@dataclass
class Conflict:
    """What a person sees when someone saved the commitment after they opened it."""

    rows: list[ConflictRow]
    merged: dict   # the form again: their changes on top of the current version (encoded values)
    by: str        # who saved the current version
    at: Optional[datetime]
    by_you: bool = False  # the person themselves saved it (in another tab or window): said so, not by name
    notes: list[ConflictNote] = field(default_factory=list)  # oldest first


NOT_ON_FORM = "(not on your form)"


def last_saved_words(session, commitment: Commitment, *, besides_batch: Optional[int] = None) -> str:
    """Who saved the commitment last, when, and what that save changed, for a writer whose version is stale
    (the API's 412 said only "at version 4"): "Saved last by Admin (admin@agency.gov) at 2026-12-07 09:09:14 EST,
    changing the status and the next step" (or "adding a note"); "" when it has no update, or when its latest is
    the one import batch `besides_batch` wrote (a revert refused for a change made since, not by it)."""
    latest = session.scalars(sa.select(CommitmentUpdate).where(CommitmentUpdate.commitment_id == commitment.id)
                             .order_by(CommitmentUpdate.at.desc(), CommitmentUpdate.id.desc()).limit(1)).first()
    if latest is None or (besides_batch is not None and latest.import_batch_id == besides_batch):
        return ""
    who = person(session.get(User, latest.user_id)) if latest.user_id else "no person (the command line or the system)"
    when = f"{who} at {moment(latest.at, seconds=True)}"
    if latest.import_batch_id is not None and not latest.changes and (latest.note or "").startswith(REVERTED):
        return f"Changed last by {when}: {latest.note}"  # a revert's row says what it put back, in words only
    fields = [FIELD_LABELS.get(f, f.replace("_", " ")).lower() for f in EDITABLE if f in (latest.changes or {})]
    what = (f"changing the {listed(fields)}" if fields else "adding a note" if latest.note else "saving it as it was")
    through = f" (import batch {latest.import_batch_id})" if latest.import_batch_id is not None else ""
    return f"Saved last by {when}{through}, {what}."


REVERTED = "Reverted import batch "  # how a revert's row in a commitment's history begins (importers.sinks)


def conflict(session, commitment: Commitment, opened: dict, yours: dict, viewer=None, *,
             since: Optional[datetime] = None) -> Conflict:
    """Compare what the person opened, what is saved now and what they submitted. The merged
    values keep every change of theirs and take the current value of every field they left
    alone; nothing is saved until they submit again. A field their form does not show (a leader's
    shows the status and reason) is compared too when the form says how it was opened (it carries
    every field): a change someone else made to it is shown, as theirs, and their save leaves it so.
    The notes saved after `since` (when the form was opened) are given too."""
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
    notes = [ConflictNote(person_seen_by(session, u.user_id, viewer), u.at, u.note)
             for u in sorted(commitment.updates, key=lambda u: (u.at, u.id))
             if since is not None and u.at > since and u.note]
    return Conflict(rows, merged, who, latest.at if latest else commitment.updated_at,
                    by_you=latest is not None and is_viewer(latest.user_id, viewer), notes=notes)
