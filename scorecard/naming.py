"""Names that tell records apart. Two records a page lists may share a name (two agencies' "Retirement
Services", three programs called "Contact Center", three leaders called "Pat Smith"): named alike they read as
one, and a user acts on the wrong one or reads one's number as the other's. Each record is named by its name and
as many of its qualifiers, in order (a program's component, then that component's agency), as it takes to tell it
from the records that share its name; a name no other record has is given alone, as before."""
from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from typing import Optional

import sqlalchemy as sa

from scorecard.models import Agency, Component, Function, Leader, Metric, Program
from scorecard.text import name_key


def told_apart(records: Mapping[Hashable, Sequence[Optional[str]]]) -> dict[Hashable, tuple[str, ...]]:
    """{key: (name, qualifier, ...)} -> {key: the name and the qualifiers it needs}. Names are compared as they
    are looked up (`text.name_key`: case, spacing and the characters that draw nothing aside); a qualifier that
    is None or blank is passed over."""
    parts = {key: tuple(str(p) for p in values if p is not None and str(p).strip()) for key, values in records.items()}
    depth = dict.fromkeys(parts, 1)
    while True:
        alike: dict[tuple, list] = defaultdict(list)
        for key, values in parts.items():
            alike[tuple(_read(value) for value in values[:depth[key]])].append(key)
        grew = False
        for keys in alike.values():
            if len(keys) < 2:
                continue
            for key in keys:
                if depth[key] < len(parts[key]):
                    depth[key] += 1
                    grew = True
        if not grew:
            return {key: values[:depth[key]] for key, values in parts.items()}


def _read(text: str) -> str:
    return name_key(text)  # as names are looked up: case, spacing and the characters that draw nothing aside


def leader_parts(session) -> dict[int, tuple[str, ...]]:
    """Every leader told apart (`told_apart`): (name,) alone, or with where they sit (their component, or a
    C-suite leader's function), that component's agency and their e-mail, as far as it takes."""
    rows = session.execute(
        sa.select(Leader.id, Leader.name, Component.name, Function.name, Agency.name, Leader.email)
        .outerjoin(Component, Component.id == Leader.component_id)
        .outerjoin(Agency, Agency.id == Component.agency_id)
        .outerjoin(Function, Function.id == Leader.function_id))
    return told_apart({leader_id: (name, component or function, agency, email)
                       for leader_id, name, component, function, agency, email in rows})


def component_parts(session) -> dict[int, tuple[str, ...]]:
    """Every component told apart: (name,) alone, or with its agency's name (two agencies' Retirement Services)."""
    rows = session.execute(sa.select(Component.id, Component.name, Agency.name).join(Agency))
    return told_apart({component_id: (name, agency) for component_id, name, agency in rows})


def program_parts(session) -> dict[int, tuple[str, ...]]:
    """Every program told apart: (name,) alone, or with its component's name and then its agency's (three
    "Contact Center"s)."""
    rows = session.execute(sa.select(Program.id, Program.name, Component.name, Agency.name)
                           .join(Component, Component.id == Program.component_id)
                           .join(Agency, Agency.id == Component.agency_id))
    return told_apart({program_id: (name, component, agency) for program_id, name, component, agency in rows})


def metric_parts(session) -> dict[int, tuple[str, ...]]:
    """Every metric told apart: (name,) alone, or with its code (an agency's own "Average wait time" beside the
    standard one)."""
    rows = session.execute(sa.select(Metric.id, Metric.name, Metric.code))
    return told_apart({metric_id: (name, code) for metric_id, name, code in rows})


def labels(session, records: list) -> dict[int, str]:
    """{id: name as a page writes it among others} of `records` (leaders, components, programs, metrics, of one
    kind): a program with its component ("Contact Center (Retirement Services, Office of Personnel Management)")."""
    if not records:
        return {}
    kind = type(records[0])
    if kind is Program:
        told = component_parts(session)
        return {p.id: f"{p.name} ({', '.join(told.get(p.component_id, (p.component.name,)))})" for p in records}
    read = {Leader: leader_parts, Component: component_parts, Metric: metric_parts}.get(kind)
    if read is None:
        return {r.id: r.name for r in records}
    told = read(session)
    return {r.id: in_words(told.get(r.id, (r.name,))) for r in records}


def in_words(parts: Sequence[str]) -> str:
    """A record's told-apart name as a page writes it: "Pat Smith", or "Pat Smith (Retirement Services, Office of
    Personnel Management)"."""
    return parts[0] + (f" ({', '.join(parts[1:])})" if len(parts) > 1 else "")


class Namesakes:
    """Records named among their namesakes (`leader_parts`, `component_parts`, ...), each kind read once, when a
    record of it is first named: a page, or an import's preview, names many. A record not read (one an import's
    preview is about to add) is named as written."""

    def __init__(self, session):
        self.session, self._read = session, {}

    def parts(self, read, record) -> tuple[str, ...]:
        if read not in self._read:
            self._read[read] = read(self.session)
        return self._read[read].get(record.id, (record.name,))


def _parts_of(record, read) -> tuple[str, ...]:
    """`read`'s parts of one record (a leader, a component), every record's read once per request."""
    from flask import g, has_request_context

    from scorecard.extensions import db

    namesakes = g.setdefault("namesakes", Namesakes(db.session)) if has_request_context() else Namesakes(db.session)
    return namesakes.parts(read, record)


def name_in_table(parts: Sequence[str], email: Optional[str]) -> str:
    """A leader's name in a table whose other column says where they sit (`unit_named`, `LeaderColumns`): the
    name, with the e-mail when only it tells them from a namesake ("Pat Smith (pat.smith@agency.gov)": two of one
    component)."""
    return f"{parts[0]} ({email})" if email and email in parts[1:] else parts[0]


class LeaderColumns:
    """Leaders named for a table with a column of where they sit (the plans list, the leaders dashboard, the
    overview's leaders below 3), every leader and component read once: the leader's name, with the e-mail where
    only it tells them apart (`name_in_table`); their component as named among components, never the e-mail (a
    column filtered on a component holds components)."""

    def __init__(self, session):
        self._leaders, self._components = leader_parts(session), component_parts(session)

    def leader(self, leader_id: int, name: str, email: Optional[str]) -> str:
        return name_in_table(self._leaders.get(leader_id, (name,)), email)

    def component(self, component_id: Optional[int], name: Optional[str]) -> Optional[str]:
        return name if component_id is None else in_words(self._components.get(component_id, (name,)))


def component_named(component) -> str:
    """A component's name as a page writes it among others': "Retirement Services (Office of Personnel
    Management)" where another agency has a Retirement Services; "" for none."""
    return "" if component is None else in_words(_parts_of(component, component_parts))


def program_named(program) -> str:
    """A program's name as a page writes it among others': "Contact Center (Retirement Services, Office of
    Personnel Management)" where another is a Contact Center of a Retirement Services; "" for none."""
    return "" if program is None else in_words(_parts_of(program, program_parts))


def metric_named(metric) -> str:
    """A metric's name as a page writes it among others': "Average wait time (agency_wait_time)" where another
    metric is an Average wait time; "" for none."""
    return "" if metric is None else in_words(_parts_of(metric, metric_parts))


def leader_named(leader) -> str:
    """The leader's name as a page writes it among others': "Pat Smith (Retirement Services, Office of Personnel
    Management)" where another leader is a Pat Smith of a Retirement Services; "" for none."""
    return "" if leader is None else in_words(_parts_of(leader, leader_parts))


def leader_in_table(leader) -> str:
    """The leader's name in a table beside where they sit (`name_in_table`); "" for none."""
    return "" if leader is None else name_in_table(_parts_of(leader, leader_parts), leader.email)


def unit_named(leader) -> str:
    """Where the leader sits, as a table's column gives it: their component as named among components
    (`component_named`), else their function's name, never the e-mail (`LeaderColumns`); "" for none."""
    if leader is None:
        return ""
    return component_named(leader.component) or (leader.function.name if leader.function else "")
