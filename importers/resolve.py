"""Find the agency, component, program, function and metric a row names — by code, name or
performance.gov id — and explain an unknown name with the closest existing ones."""
import difflib
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from scorecard.models import Agency, Component, Function, Metric, Program
from scorecard.text import look_alike_letter, look_alike_message, name_key

_NAME_MAX = {"agency": 200, "component": 200, "program": 300}  # the name columns of each


class Unknown(ValueError):
    """A name that matches nothing; the message suggests the closest names. `kind` says which
    column's name it is (agency, component, program, function, metric) and `value` the name."""

    def __init__(self, message: str, kind: Optional[str] = None, value: Optional[str] = None, matches=()):
        super().__init__(message)
        self.kind, self.value = kind, value
        self.matches = list(matches)  # the rows an ambiguous name fits


def ambiguity(kind: str, value: str, matches: list) -> str:
    """An ambiguous name in words, with each row it fits by code and place: the code tells them apart in
    every layout (not all have the agency or component column that would)."""
    parent = {"component": lambda c: c.agency, "program": lambda p: p.component}.get(kind)
    listed = "; ".join(f"{getattr(m, 'code', None) or m.name}" + (f" under {_placed(parent(m))}" if parent else "")
                       for m in matches)
    return f"{kind} {value!r} is ambiguous: {len(matches)} match ({listed}); give its code instead"


_key = name_key  # how names compare: case, spacing and the characters that draw nothing aside


def _suggest(value: str, names) -> str:
    """"; closest: ..." with up to three of `names` like `value` (after why `value` is not one of them
    when a letter of it is Cyrillic or Greek among Latin ones). Given an index ({name key: the rows it
    names}), each is said as stored (its name or title), the code beside the name: "'Benefits Call
    Center' (BA-CALL)", not the lower-cased key it was compared as; a key whose value is no list of rows
    (an e-mail address) is said as the key."""
    close = _close(_key(value), list(names))
    shown: list[str] = []
    for key in close:
        found = names[key] if isinstance(names, dict) else None
        for item in (found if isinstance(found, list) else [key]):  # an index's rows, else the key itself
            name = None if isinstance(item, str) else getattr(item, "name", None) or getattr(item, "title", None)
            if name is None:
                said = repr(item)
            else:
                code = getattr(item, "code", None)
                first, second = (code, name) if code and _key(code) == key else (name, code)
                said = f"{first!r}" + (f" ({second})" if second and _key(second) != _key(first) else "")
            if said not in shown:
                shown.append(said)
    # a name with a Cyrillic or Greek letter among Latin ones draws as the closest name does: say why
    letter = look_alike_letter(value)
    why = f" ({look_alike_message(value, letter)})" if letter is not None else ""
    return why + (f"; closest: {', '.join(shown[:3])}" if shown else "")


def _close(wanted: str, keys: list[str]) -> list[str]:
    """The keys most like `wanted`, best first. A name of words is likened to names of words, and to a code
    only when it is that code with spaces for its hyphens ("DPS BA 01"): "Nope Program" was close to the
    codes "PG-PROGRAM-8", "PG-PROGRAM-7" ..., which share its word."""
    worded = [key for key in keys if " " in key]
    if " " not in wanted or not worded:
        return difflib.get_close_matches(wanted, keys, n=6, cutoff=0.6)
    codes = [key for key in keys if " " not in key]
    return (difflib.get_close_matches(wanted.replace(" ", "-"), codes, n=3, cutoff=0.85)
            + difflib.get_close_matches(wanted, worded, n=6, cutoff=0.6))


def _placed(parent) -> str:
    """An agency or component in words; a component with its agency (two agencies may name one alike)."""
    if isinstance(parent, Component) and parent.agency is not None:
        return f"{parent.name!r} of {parent.agency.name!r}"
    return repr(parent.name)


class Directory:
    """In-memory lookups of the organisation and metric definitions, loaded once per import."""

    def __init__(self, session, *, preview: bool = False):
        self.session = session
        # A preview writes nothing: on SQLite a first write holds off every other writer until the preview
        # ends (seconds for a large file). The organisations it would create stay out of the session,
        # each with a stand-in id (negative: no stored row has one), so the rows naming them plan as new.
        self.preview = preview
        self._stand_ins = 0
        self.agencies = list(session.scalars(sa.select(Agency)))
        self.components = list(session.scalars(sa.select(Component)))
        self.programs = list(session.scalars(sa.select(Program)))
        self.functions = list(session.scalars(sa.select(Function)))
        self.metrics = list(session.scalars(sa.select(Metric)))
        self._index()
        self.created: dict[str, int] = {"agencies": 0, "components": 0, "programs": 0}
        self.placements: dict[str, str] = {}  # one sentence per organisation found under another parent

    def _index(self):
        def by(items, *attrs):
            index = {}
            for item in items:
                for attr in attrs:
                    value = getattr(item, attr)
                    if value:
                        found = index.setdefault(_key(value), [])
                        if item not in found:
                            found.append(item)
            return index

        self._agency = by(self.agencies, "code", "name")
        self._component = by(self.components, "code", "name")
        self._program = by(self.programs, "code", "name")
        self._function = by(self.functions, "code", "name")
        self._metric = by(self.metrics, "code", "name")
        self._external = {("agency", a.external_id): a for a in self.agencies if a.external_id}
        self._external.update({("component", c.external_id): c for c in self.components if c.external_id})
        self._external.update({("program", p.external_id): p for p in self.programs if p.external_id})

    def _one(self, index, kind: str, value: str, parent=None, parent_of=None):
        """The one item of `index` named `value`; with `parent` (the agency or component the row
        names), the one under it, `parent_of(item)` being an item's."""
        everywhere = index.get(_key(value), [])
        found = everywhere if parent is None else [f for f in everywhere if parent_of(f).id == parent.id]
        if len(found) == 1:
            return found[0]
        if not found and everywhere:
            under = ", ".join(sorted({_placed(parent_of(f)) for f in everywhere}))
            raise Unknown(f"{kind} {value!r} is not under {_placed(parent)}, which this row names; it is under "
                          f"{under}", kind, value)
        if not found:
            raise Unknown(f"unknown {kind} {value!r}{_suggest(value, index)}", kind, value)
        raise Unknown(ambiguity(kind, value, found), kind, value, found)

    def agency(self, value: Optional[str]) -> Agency:
        if value:
            return self._one(self._agency, "agency", value)
        if len(self.agencies) == 1:
            return self.agencies[0]
        raise Unknown("the agency is missing and there is more than one agency", "agency")

    def component(self, value: str, agency: Optional[Agency] = None, program: Optional[str] = None) -> Component:
        """The component named `value` (under `agency` when given). A name several components share (the
        demo's Retirement Services and OPM's, from performance.gov) is told apart by the row's `program`
        when only one of them holds a program of that name or code."""
        try:
            return self._one(self._component, "component", value, agency, lambda c: c.agency)
        except Unknown as error:
            if program and len(error.matches) > 1:
                holders = {p.component_id for p in self._program.get(_key(program), [])}
                holding = [c for c in error.matches if c.id in holders]
                if len(holding) == 1:
                    return holding[0]
            raise

    def program(self, value: str, component: Optional[Component] = None, agency: Optional[Agency] = None) -> Program:
        """The program named `value`: under `component` when the row names one, else under `agency` when
        it names that (another agency's program of that name is not the row's)."""
        if component is None and agency is not None:
            return self._one(self._program, "program", value, agency, lambda p: p.component.agency)
        return self._one(self._program, "program", value, component, lambda p: p.component)

    def function(self, value: str):
        return self._one(self._function, "function", value)

    def metric(self, value: str) -> Metric:
        return self._one(self._metric, "metric", value)

    def _names(self, kind) -> dict:
        """The index of an organisation kind by code and name."""
        return {"agency": self._agency, "component": self._component, "program": self._program}[kind]

    def _by_name(self, kind, name, parent):
        for item in self._names(kind).get(_key(name), []):
            placed = kind == "agency" or (kind == "component" and item.agency.id == parent.id) or (
                kind == "program" and item.component.id == parent.id)  # a preview's new one has no parent id
            if placed and _key(item.name) == _key(name):
                return item
        return None

    def published_program(self, refs: dict) -> Program:
        """The program a performance.gov row names (agency, component and program refs by id),
        created on first sight. A service or provider already filed under another parent keeps
        its first placement — the row's data is found there, nothing is created empty — and
        `placements` says which placement was kept."""
        program = self._external.get(("program", f"pg-program-{refs['program']['external_id']}"))
        component = program.component if program is not None else self._external.get(
            ("component", f"pg-component-{refs['component']['external_id']}"))
        if component is None:
            component = self.external("component", refs["component"], self.external("agency", refs["agency"]))
        else:
            self._note_placement(program or component, component, refs)
        return program or self.external("program", refs["program"], component)

    def _note_placement(self, item, component: Component, refs: dict) -> None:
        """Say once per organisation when the row files it under another provider or agency."""
        stated = (f"pg-component-{refs['component']['external_id']}", f"pg-agency-{refs['agency']['external_id']}")
        if (component.external_id, component.agency.external_id) == stated:
            return
        other = refs["component"] if component.external_id != stated[0] else refs["agency"]
        kept = component.name if component.external_id != stated[0] else component.agency.name
        self.placements.setdefault(
            f"{type(item).__name__}:{item.id}",
            f"{'service' if isinstance(item, Program) else 'service provider'} {item.name!r} is also published "
            f"under {other.get('name') or other['external_id']}; "
            f"its first placement, under {kept}, was kept")

    # performance.gov rows carry ids: match by id, or create the organisation on first sight.
    # (The format has checked each name's length against its column, _NAME_MAX.)
    def external(self, kind: str, ref: dict, parent=None):
        ext = f"pg-{kind}-{ref['external_id']}"
        found = self._external.get((kind, ext))
        if found is not None:
            return found
        name = ref.get("name") or ext
        adopt = self._by_name(kind, name, parent)
        if adopt is not None and not adopt.external_id:  # the same organisation, first entered by hand
            if self.preview:  # read as adopted, never written
                set_committed_value(adopt, "external_id", ext)
            else:
                adopt.external_id = ext
            self._external[(kind, ext)] = adopt
            return adopt
        if adopt is not None:  # another organisation of that name: this one is told apart by its id
            suffix = f" ({ext})"
            name = name[:_NAME_MAX[kind] - len(suffix)] + suffix
        if kind == "agency":
            code = ref.get("code") or ext.upper()
            if _key(code) in self._agency:
                code = ext.upper()
            found = Agency(code=code, name=name, external_id=ext)
            self.agencies.append(found)
        elif kind == "component":
            found = Component(code=ext.upper(), name=name, external_id=ext, is_hisp=True)
            self.components.append(found)
        else:
            found = Program(code=ext.upper(), name=name, external_id=ext, description=ref.get("description"))
            self.programs.append(found)
        link = {"component": "agency", "program": "component"}.get(kind)
        if self.preview:  # kept out of the session, its parent's collection untouched
            self._stand_ins -= 1
            found.id = self._stand_ins
            if link:
                set_committed_value(found, link, parent)
        else:
            if link:
                setattr(found, link, parent)
            self.session.add(found)
            self.session.flush()
        self._external[(kind, ext)] = found
        # Found by name too: a second new one of that name (under the same parent) is told apart by its
        # id, as from one stored before, and never breaks the unique names at the confirm.
        for text in {found.code, found.name}:
            self._names(kind).setdefault(_key(text), []).append(found)
        self.created[{"agency": "agencies", "component": "components", "program": "programs"}[kind]] += 1
        return found
