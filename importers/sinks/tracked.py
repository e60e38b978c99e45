"""Reference rows (commitments, org structure, plans, assessments, targets) planned by natural key
and committed through the ORM, each recorded as an ImportRowChange with the values it replaced so
that a revert restores exactly. Many-to-many links are fields of their row here ("program_ids")."""
import enum
import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa

from importers.errors import ImportFileError
from importers.sinks.base import Change, Plan, SinkError
from scorecard.models import (
    Agency,
    Base,
    Commitment,
    Component,
    Function,
    ImportRowChange,
    Leader,
    Metric,
    Program,
    Target,
    User,
)
from scorecard.models.commitments import commitment_metrics, commitment_programs
from scorecard.models.metrics import ScopeType
from scorecard.models.org import program_life_experience
from scorecard.models.plans import requirement_programs
from scorecard.permissions import can
from scorecard.spreadsheets import UNWRITABLE

# table -> link field -> (association table, column naming the row, column naming the linked row)
LINKS = {
    "commitments": {"program_ids": (commitment_programs, "commitment_id", "program_id"),
                    "metric_ids": (commitment_metrics, "commitment_id", "metric_id")},
    "plan_requirements": {"program_ids": (requirement_programs, "requirement_id", "program_id")},
    "programs": {"life_experience_ids": (program_life_experience, "program_id", "life_experience_id")},
}


# ------------------------------------------------------------------------ values as JSON

def encode(value):
    """A column value as it is kept in ImportRowChange.before / .after (JSON)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    return value


def decode(model, field: str, value):
    """A value from ImportRowChange JSON back into the Python type of `model.field`."""
    if value is None or field in LINKS.get(model.__tablename__, {}):
        return value
    column_type = model.__table__.c[field].type
    if isinstance(column_type, sa.types.TypeDecorator):
        column_type = column_type.impl
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        return value
    if python_type is datetime:
        return datetime.fromisoformat(value)
    if python_type is date:
        return date.fromisoformat(value)
    if isinstance(python_type, type) and issubclass(python_type, enum.Enum):
        return python_type(value)
    return value


def same(a, b) -> bool:
    """Equal as stored: floats within rounding, enums equal to their values, link lists as sets, texts
    as a file holds them (`_as_filed`: an unedited export's row changes nothing)."""
    if isinstance(a, enum.Enum):
        a = a.value
    if isinstance(b, enum.Enum):
        b = b.value
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return list(a) == list(b)
    if isinstance(a, str) and isinstance(b, str) and a != b:
        return _as_filed(a) == _as_filed(b)
    return a == b


def _as_filed(text: str) -> str:
    """A text as a file gives it back: line breaks as one LF (a browser sends CRLF, a workbook keeps LF)
    and no character a workbook cannot hold."""
    return UNWRITABLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def link_ids(session, table_name: str, field: str, row_ids) -> dict[int, list[int]]:
    """The linked ids of each row (sorted), for the link `field` of `table_name`."""
    association, own, other = LINKS[table_name][field]
    found: dict[int, list[int]] = {i: [] for i in row_ids}
    ids = list(found)
    for start in range(0, len(ids), 5000):
        query = sa.select(association.c[own], association.c[other]).where(
            association.c[own].in_(ids[start:start + 5000]))
        for own_id, other_id in session.execute(query):
            found[own_id].append(other_id)
    return {k: sorted(v) for k, v in found.items()}


def write_links(session, table_name: str, field: str, row_id: int, ids) -> None:
    association, own, other = LINKS[table_name][field]
    session.execute(sa.delete(association).where(association.c[own] == row_id))
    if ids:
        session.execute(sa.insert(association), [{own: row_id, other: i} for i in ids])


# --------------------------------------------------------------------------------- plan

@dataclass(eq=False)
class RowChange(Change):
    """A planned insert or update of one row of `model`. A pending insert is also what a child row
    refers to before the parent has an id."""

    model: type = None
    what: str = ""
    label: str = ""
    year: str = ""
    obj: object = None

    @property
    def table(self) -> str:
        return self.model.__tablename__


class Tracker:
    """Collects the planned changes of one import in the order they must be written (parents first)."""

    def __init__(self, session):
        self.session = session
        self.plan = Plan()
        self.order: list[RowChange] = []
        self._links: dict = {}

    def current_links(self, model, field: str, row_id: int) -> list[int]:
        key = (model.__tablename__, field)
        if key not in self._links:
            association, own, _ = LINKS[key[0]][field]
            ids = self.session.scalars(sa.select(association.c[own]).distinct())
            self._links[key] = link_ids(self.session, key[0], field, list(ids))
        return self._links[key].get(row_id, [])

    def differences(self, model, current, values: dict) -> dict:
        """The fields of `values` that differ from the stored row `current`, with their stored values."""
        links = LINKS.get(model.__tablename__, {})
        was = {}
        for field, value in values.items():
            if field in links and all(isinstance(v, int) for v in value):
                value = values[field] = sorted(value)
            old = self.current_links(model, field, current.id) if field in links else getattr(current, field)
            if isinstance(value, RowChange) or not same(old, value):
                was[field] = old
        return was

    def put(self, row: int, model, key: tuple, current, values: dict, *, what: str, label: str,
            year: str = "", counted: bool = True):
        """Plan `values` for the row of `model` whose natural key is `key`: an insert when `current`
        is None, else an update of the fields that differ. Returns (what a child row refers to — the
        stored row's id or the pending insert —, the planned change or None when nothing changes).
        A change not `counted` is written and reverted but left out of the plan's counts."""
        if current is None:
            change = RowChange(row, "insert", key, None, dict(values), model=model, what=what, label=label, year=year)
            if counted:
                self.plan.inserts.append(change)
            self.order.append(change)
            return change, change
        was = self.differences(model, current, values)
        if not was:
            if counted:
                self.plan.unchanged += 1
            return current.id, None
        change = RowChange(row, "update", key, {"id": current.id, **was}, {f: values[f] for f in was}, model=model,
                           what=what, label=label, year=year, obj=current)
        if counted:
            self.plan.updates.append(change)
        self.order.append(change)
        return current.id, change

    def extend(self, change: RowChange, values: dict) -> None:
        """Add fields to a planned change (e.g. the time of a commitment's update, once it is known
        to change); for an update, the values they replace are recorded too."""
        if change.action == "update":
            for field in values:
                change.before.setdefault(field, getattr(change.obj, field))
        change.after.update(values)

    # -- commit ---------------------------------------------------------------------------
    def commit(self, batch) -> list[RowChange]:
        """Write the plan table by table, parents' tables first (one flush each), then the links,
        then one ImportRowChange per row with the values it replaced."""
        session = self.session
        by_table: dict[str, list[RowChange]] = {}
        for change in self.order:
            by_table.setdefault(change.table, []).append(change)
        for table in Base.metadata.sorted_tables:
            changes = by_table.pop(table.name, None)
            if not changes:
                continue
            links = LINKS.get(table.name, {})
            for change in changes:
                plain = {f: _resolved(v) for f, v in change.after.items() if f not in links}
                if change.action == "insert":
                    change.obj = change.model(**plain)
                    session.add(change.obj)
                else:
                    for field, value in plain.items():
                        setattr(change.obj, field, value)
                change.after.update(plain)
            session.flush()
        assert not by_table, f"tables outside the metadata: {list(by_table)}"
        for change in self.order:
            for field in LINKS.get(change.table, {}):
                if field in change.after:
                    change.after[field] = sorted(_resolved(v) for v in change.after[field])
        self._write_links()
        if self.order:
            session.execute(sa.insert(ImportRowChange), [{
                "batch_id": batch.id, "table_name": c.table, "row_id": c.obj.id, "action": c.action,
                "before": None if c.before is None else {f: encode(v) for f, v in c.before.items() if f != "id"},
                "after": {f: encode(v) for f, v in c.after.items()},
            } for c in self.order])
        return self.order

    def _write_links(self) -> None:
        """Each link field set by the plan: the updated rows' old links removed, then every new link
        inserted with one executemany per association table."""
        session = self.session
        for table_name, fields in LINKS.items():
            for field, (association, own, other) in fields.items():
                changes = [c for c in self.order if c.table == table_name and field in c.after]
                replaced = [c.obj.id for c in changes if c.action == "update"]
                for start in range(0, len(replaced), 5000):
                    session.execute(sa.delete(association).where(association.c[own].in_(replaced[start:start + 5000])))
                rows = [{own: c.obj.id, other: i} for c in changes for i in c.after[field]]
                if rows:
                    session.execute(sa.insert(association), rows)


def _resolved(value):
    """A stored row's id for a pending insert (already flushed); any other value as it is."""
    if isinstance(value, RowChange):
        if value.obj is None or value.obj.id is None:
            raise RuntimeError(f"{value.what} {value.label!r} is referred to before it is written")
        return value.obj.id
    return value


# --------------------------------------------------------------------------------- sinks

UNSHOWN = {"last_update_at"}  # bookkeeping, not news in a preview

class TrackedSink:
    """Base of the reference sinks: `add` keeps each record, `finish` resolves names, checks the
    file as a whole and plans it against the database, `commit` writes the plan.

    `permission` is the action of scorecard.permissions the importing user needs; an import run
    without a user (the command line) is trusted."""

    permission = "import_data"
    refused = "your role may not import this layout"
    reference = True  # the rules re-evaluate everything after a reference import

    def __init__(self, session, options: Optional[dict] = None):
        self.session = session
        self.options = options or {}
        self.errors: list[SinkError] = []
        self.records: list[tuple[int, dict]] = []
        self.user = session.get(User, self.options["user_id"]) if self.options.get("user_id") else None
        if self.user is not None and not can(self.user, self.permission):
            raise ImportFileError(f"{self.refused} (you are signed in as {self.user.role.value}); nothing was "
                                  "imported")
        self.tracker = Tracker(session)
        self._bad_rows: set[int] = set()

    def add(self, row: int, record: dict) -> None:
        self.records.append((row, record))

    def fail(self, row: int, column: Optional[str], value, message: str) -> None:
        self.errors.append(SinkError(row, column, value, message))
        self._bad_rows.add(row)

    def finish(self) -> None:
        raise NotImplementedError

    def plan(self) -> Plan:
        return self.tracker.plan

    def commit(self, plan: Plan, batch) -> None:
        self.tracker.commit(batch)

    def describe(self, change: RowChange) -> dict:
        """A change in words, for the preview table: the record (commitment, target...), its name and
        fiscal year (the observations' preview has a metric, subject, quarter, channel and touchpoint)."""
        before = change.before or {}
        shown = [f for f, v in change.after.items() if f not in UNSHOWN and (
            change.action == "update" or (v not in (None, []) and (not f.endswith("_id") or f in NAMED_IDS)))]
        return {"row": change.row, "action": change.action, "record": change.what, "name": change.label,
                "year": change.year,
                "before": _words(self.session, {f: before.get(f) for f in shown}) if change.action == "update"
                else None,
                "after": _words(self.session, {f: change.after[f] for f in shown})}

    def touched(self) -> set:
        """Observation subjects and periods written: none (rules re-read reference rows as a whole)."""
        return set()


def _target_name(session, target: Target) -> str:
    """A target as a preview names it: "trust 4 for FY2027 (program Benefits Call Center)"."""
    model, attribute = NAMED_SCOPES[target.scope_type]
    found = session.get(model, target.scope_id)
    where = getattr(found, attribute) if found is not None else f"#{target.scope_id}"
    return f"{target.metric.code} {target.target:g} for FY{target.fiscal_year} ({target.scope_type.value} {where})"


NAMED_SCOPES = {ScopeType.agency: (Agency, "name"), ScopeType.component: (Component, "name"),
                ScopeType.program: (Program, "name"), ScopeType.function: (Function, "code")}

# A link a preview names by what people know it by, not its id ("function_id: 2" did not say CIO became CFO;
# "commitment_id: 1 -> " and "program_ids: 7 linked -> 0 linked" did not say which a confirm would unlink).
NAMED_IDS = {"component_id": ("component", Component, "name"), "function_id": ("function", Function, "code"),
             "leader_id": ("leader", Leader, "name"), "agency_id": ("agency", Agency, "name"),
             "program_id": ("program", Program, "name"), "metric_id": ("metric", Metric, "code"),
             "commitment_id": ("commitment", Commitment, "title"), "target_id": ("target", Target, _target_name)}
NAMED_LISTS = {"program_ids": ("programs", Program, "name"), "metric_ids": ("metrics", Metric, "code")}
LISTED = 3  # names a preview's cell gives of a list of links before it counts the rest
PART_LENGTH = 80  # characters a preview's cell shows of one field's value (a target's name runs to 70)


def _name(session, model, attribute, value) -> str:
    found = session.get(model, value)
    if found is None:
        return f"#{value}"
    return attribute(session, found) if callable(attribute) else getattr(found, attribute)


def _words(session, values: dict) -> str:
    parts = []
    for field, value in values.items():
        if field in NAMED_IDS:
            field, model, attribute = NAMED_IDS[field]
            if isinstance(value, RowChange):
                value = f"{value.label} (new)" if value.label else "(new)"
            elif isinstance(value, int) and not isinstance(value, bool):
                value = _name(session, model, attribute, value)
        elif field in NAMED_LISTS and isinstance(value, (list, tuple)):
            field, model, attribute = NAMED_LISTS[field]
            names = [_name(session, model, attribute, v) for v in value[:LISTED] if isinstance(v, int)]
            value = ("none" if not value else ", ".join(names) + (f" and {len(value) - LISTED} more"
                                                                  if len(value) > LISTED else ""))
        if isinstance(value, RowChange):
            value = "(new)"
        elif isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, (list, tuple)):
            value = f"{len(value)} linked"
        text = "(blank)" if value is None or value == "" else str(value)  # a cleared text said so, not left empty
        parts.append(f"{field}: {text[:PART_LENGTH]}{'…' if len(text) > PART_LENGTH else ''}")
    return "; ".join(parts)[:300]
