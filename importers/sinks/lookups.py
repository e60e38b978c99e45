"""Name lookups the reference sinks share beyond importers.resolve.Directory: leaders by e-mail or
name, and a target's scope (program, component, function or agency) by its name."""
import sqlalchemy as sa

from importers.resolve import Directory, Unknown, _key, _suggest
from scorecard.models import Leader, ScopeType, User
from scorecard.naming import Namesakes, component_parts, in_words, program_parts


class Leaders:
    """Leaders by e-mail (exact, case-insensitive) or by name (unique). A leader named (`find`: a plan's, a
    commitment's) may also be named by the address they sign in with, where it differs from the leader's own
    (their account names the leader they are): an analyst typing it was told no leader had it. `by_email` holds
    the leaders' own addresses alone: a leaders file defines leaders by them (a row with a sign-in address had
    renamed the leader it signs in as)."""

    def __init__(self, session):
        self.all = list(session.scalars(sa.select(Leader)))
        by_id = {leader.id: leader for leader in self.all}
        self.by_email = {_key(leader.email): leader for leader in self.all if leader.email}
        signs_in = session.execute(sa.select(User.email, User.leader_id).where(User.leader_id.is_not(None)))
        self.by_sign_in = {_key(email): by_id[leader_id] for email, leader_id in signs_in if leader_id in by_id}
        self.by_name: dict[str, list[Leader]] = {}
        for leader in self.all:
            self.by_name.setdefault(_key(leader.name), []).append(leader)

    def find(self, value: str) -> Leader:
        key = _key(value)
        if "@" in key:
            found = self.by_email.get(key) or self.by_sign_in.get(key)
            if found is None:
                raise Unknown(f"no leader has the e-mail address {value!r}{_suggest(value, self.by_email)}")
            return found
        found = self.by_name.get(key, [])
        if len(found) == 1:
            return found[0]
        if found:
            raise Unknown(f"{len(found)} leaders are named {value!r}; use the e-mail address")
        raise Unknown(f"unknown leader {value!r}{_suggest(value, {**dict.fromkeys(self.by_email), **self.by_name})}")


SCOPE_KINDS = (ScopeType.program, ScopeType.component, ScopeType.function, ScopeType.agency)


def find_scope(directory: Directory, name: str, scope_type: ScopeType | None = None) -> tuple[ScopeType, object]:
    """The (scope type, row) a target scope names. Without a type, the name must fit exactly one kind."""
    lookup = {ScopeType.program: directory.program, ScopeType.component: directory.component,
              ScopeType.function: directory.function, ScopeType.agency: directory.agency}
    if scope_type is not None:
        return scope_type, lookup[scope_type](name)
    found, ambiguous = [], []
    for kind in SCOPE_KINDS:
        try:
            found.append((kind, lookup[kind](name)))
        except Unknown as error:
            if error.matches:
                ambiguous.append(str(error))
    if ambiguous:
        raise Unknown(ambiguous[0])
    if len(found) == 1:
        return found[0]
    if found:
        raise Unknown(f"{name!r} names a {' and a '.join(k.value for k, _ in found)}; give the scope_type")
    names: dict[str, list] = {}
    for items in (directory.programs, directory.components, directory.functions, directory.agencies):
        for item in items:
            for x in (item.name, getattr(item, "code", None)):
                if x:
                    names.setdefault(_key(x), []).append(item)
    raise Unknown(f"unknown scope {name!r}: no program, component, function or agency has this name"
                  f"{_suggest(name, names)}")


def scope_name(directory: Directory, scope_type: ScopeType, scope_id: int) -> str:
    """A target's scope, given by its id, as a message names it: a function by its code, another as its preview
    does (`scope_words`), the namesakes read once per directory."""
    items = {ScopeType.program: directory.programs, ScopeType.component: directory.components,
             ScopeType.function: directory.functions, ScopeType.agency: directory.agencies}[scope_type]
    scope = next((item for item in items if item.id == scope_id), None)
    if scope is None:
        return f"{scope_type.value} {scope_id}"
    if scope_type is ScopeType.function:
        return scope.code
    return scope_words(directory.__dict__.setdefault("_namesakes", Namesakes(directory.session)), scope_type, scope)


def scope_words(namesakes: Namesakes, scope_type: ScopeType, scope) -> str:
    """A target's scope as a preview names it: a program or component by its name with what tells it from a
    namesake ("Retirement Services (Office of Personnel Management)": two agencies' components, one target up and
    one down, or two rows' refusals, read alike), another by its name (or code)."""
    read = {ScopeType.program: program_parts, ScopeType.component: component_parts}.get(scope_type)
    return in_words(namesakes.parts(read, scope)) if read else getattr(scope, "name", None) or scope.code
