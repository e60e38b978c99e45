"""The dashboards' cache: query results kept under a key that names the data they were read from.

`cache` is a Flask-Caching instance bound by the app factory (`init_cache`). Its backend is a
setting (`SCORECARD_CACHE_TYPE`: SimpleCache in the process by default, FileSystemCache with
`SCORECARD_CACHE_DIR`, RedisCache with `SCORECARD_CACHE_REDIS_URL`, or SCORECARD_REDIS_URL's Redis
when several hosts serve). A cache that stops answering is passed by: values are computed.

`answered`, around Dash's callback endpoint, keeps the very JSON Dash sent for a marked callback under
the request (its inputs and states), who is looking (role, function, leader: what decides what they
may see) and the data version: a page opened again, or by a colleague with the same view, costs a
lookup, not the queries, the figures and the JSON. `@cached_answer` marks a callback whose answer
follows from those alone; the key names which input fired (a download's button) and reads a click
count as whether the button was pressed at all. Such an answer, asked again, is sent by
`dashboards.warm` in front of the framework (the same key, read with the same checks).

`@cached` on a query function (`def q(session, ...)`) keeps its result under a key made of the function,
its other arguments and the *data version*: a few cheap aggregates (the newest import batch and when it
was committed or reverted, the newest observation, the newest finding and when findings were last
evaluated, which rule versions are published, the latest change to a commitment, plan ratings, targets,
programs, the latest change to a capacity assessment, today's date and the agency's time zone). An
import, a revert, an evaluation, a rule published or retired or an edit changes the version, so a cached
result is never served for data it was not computed from; nothing has to be invalidated by hand. A query
that reads only what imports write (survey results, targets, the organisation) is keyed by those parts
alone (`@cached(reads=SURVEY)`), so an officer's edit leaves it kept. Every key also names the release
(`release()`), so a shared cache that outlives a deploy never answers with the old code's values.

Arguments must have a stable `repr` (numbers, texts, None, tuples, frozen dataclasses such as
`queries.Scope`), and results must pickle (plain data: dataclasses, lists, dicts).
"""
import contextlib
import functools
import hashlib
import logging
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
from flask import current_app, g, has_app_context, has_request_context, request
from flask_caching import Cache

from scorecard.clock import agency_today, agency_zone
from scorecard.models import (
    CapacityAssessment,
    Commitment,
    ElementRating,
    Finding,
    ImportBatch,
    Observation,
    PerformancePlan,
    Program,
    RuleStatus,
    RuleVersion,
    Target,
)

cache = Cache()


class Compact:
    """A dataclass result that pickles as its class and its fields' values, in order (a tuple, built again
    by its constructor), not as the dict of its attributes: a page keeps thousands (the leaders' 14,000
    plans, elements and requirements read back in 11 ms, not 28; half the bytes), and what an instance
    keeps for itself after (a value read once and kept, `queries.leaders.once`) is not pickled with it. For
    dataclasses whose fields all go to `__init__` positionally."""

    def __reduce__(self):
        return type(self), _field_values(type(self))(self)


@functools.cache
def _field_values(cls) -> Callable:
    import dataclasses
    import operator

    names = [f.name for f in dataclasses.fields(cls)]
    get = operator.attrgetter(*names)
    return get if len(names) > 1 else lambda instance: (get(instance),)

log = logging.getLogger(__name__)
CACHE_PAUSE_SECONDS = 30  # after the cache fails to answer, it is passed by for this long
_passed_by_until = 0.0


def init_cache(app) -> None:
    """Bind the cache to `app` with the backend its configuration names (SimpleCache by default)."""
    app.config.setdefault("CACHE_TYPE", "SimpleCache")  # a type there is no backend of: refused at start (config)
    app.config.setdefault("CACHE_KEY_PREFIX", "scorecard:")
    cache.init_app(app)


@functools.cache
def _version_columns() -> dict[str, sa.ScalarSelect]:
    """The data version's parts by name: cheap aggregates of the tables the dashboards read. Rows are
    counted as count(*) (SQLite counts them from its smallest index at once; count(id) read every
    finding: 0.9 of the statement's 1.5 ms at 13,000 findings)."""
    def latest(column):
        return sa.select(column).scalar_subquery()

    def rows(model):
        return sa.select(sa.func.count()).select_from(model).scalar_subquery()

    published = RuleVersion.status == RuleStatus.published
    return {
        "batch": latest(sa.func.max(ImportBatch.id)), "committed": latest(sa.func.max(ImportBatch.committed_at)),
        "reverted": latest(sa.func.max(ImportBatch.reverted_at)), "observation": latest(sa.func.max(Observation.id)),
        "finding": latest(sa.func.max(Finding.id)), "evaluated": latest(sa.func.max(Finding.evaluated_at)),
        "findings": rows(Finding),
        # Commitments and assessments: the newest change, how many, and what their versions add up to (every
        # change a transaction commits moves a version on: a change stamped before another but committed after it
        # left the newest stamp as it was, and the pages stale until the evaluation it queued had run)
        "commitment": latest(sa.func.max(Commitment.updated_at)), "commitments": rows(Commitment),
        "commitment_versions": latest(sa.func.sum(Commitment.version)),
        "rating": latest(sa.func.max(ElementRating.id)), "plan": latest(sa.func.max(PerformancePlan.id)),
        "target": latest(sa.func.max(Target.id)), "targets": rows(Target), "program": latest(sa.func.max(Program.id)),
        "capacity": latest(sa.func.max(CapacityAssessment.updated_at)), "assessments": rows(CapacityAssessment),
        "assessment_versions": latest(sa.func.sum(CapacityAssessment.version)),
        # which rule versions are published: their findings are the ones the pages read (a rule published
        # or retired changes the statuses shown before the evaluation it queues has run). How many, and when the
        # newest of them was: a version goes draft -> published -> retired and never back, so two sets of
        # published versions with the same count and the same newest one are the same set (their ids' sum
        # was not: the first and fourth of four drafts published, then the second and third, added up alike)
        "rules": sa.select(sa.func.count()).where(published).scalar_subquery(),
        "rules_published": sa.select(sa.func.max(RuleVersion.published_at)).where(published).scalar_subquery(),
    }


# The parts only an import (or its revert) changes: the survey results, targets, programs and the rest of
# the organisation, which nothing else writes. A query that reads nothing but those (`@cached(reads=SURVEY)`)
# keeps its result across the edits to commitments, plans and capacity assessments, and rule runs, that
# change every other key: under officers' edits the overview no longer pools every quarter's answers again.
SURVEY = ("batch", "committed", "reverted", "observation", "target", "targets", "program")


_VERSION_SQL: dict[str, str] = {}


def version_sql(dialect) -> str:
    """The one statement the data version reads, as the database's own SQL (its constants written in),
    built once per kind of database: every dashboard request runs it, and the warm answers
    (dashboards.warm) run it on a bare connection, where the values come as the driver gives them."""
    if dialect.name not in _VERSION_SQL:
        _VERSION_SQL[dialect.name] = str(sa.select(*_version_columns().values()).compile(
            dialect=dialect, compile_kwargs={"literal_binds": True}))
    return _VERSION_SQL[dialect.name]


def _version_parts(session) -> dict:
    connection = session.connection()
    return version_parts(connection.exec_driver_sql(version_sql(connection.dialect)).one())


def version_parts(values) -> dict:
    """The data version's parts by name from the values of its statement (`version_sql`), as the driver
    gives them (the same values whichever way it is read: they are only compared)."""
    parts = dict(zip(_version_columns(), values, strict=True))
    return parts | {"today": (agency_today(), str(agency_zone()))}  # days are the agency's, in its zone


def version_of(parts: dict, reads: Optional[tuple[str, ...]] = None) -> str:
    """The version (`data_version`) that the parts give: all of them, or those `reads` names."""
    chosen = tuple(parts.items()) if reads is None else tuple((name, parts[name]) for name in (*reads, "today"))
    return hashlib.sha256(repr(chosen).encode()).hexdigest()[:16]


def data_version(session, reads: Optional[tuple[str, ...]] = None) -> str:
    """A short text that changes whenever the data the dashboards read changes, or with `reads` (e.g.
    SURVEY) the parts named (read once per request: a page's callbacks all see the same version)."""
    if has_request_context() and "dashboards_data_parts" in g:
        parts = g.dashboards_data_parts
    else:
        # read by the warm answers (dashboards.warm) as this request came in, when they passed it on: read
        # before anything is computed from the data, as the app reads it, so an answer kept under it was
        # drawn from that data or newer, never older
        parts = request.environ.get(READ_PARTS) if has_request_context() else None
        if parts is None:
            parts = _version_parts(session)
        if has_request_context():
            g.dashboards_data_parts = parts
    return version_of(parts, reads)


READ_PARTS = "scorecard.dashboards.data_parts"  # the request environ's key of the parts the warm answers read


def _bound() -> bool:
    return has_app_context() and cache in current_app.extensions.get("cache", {})


MISSING = object()


@functools.cache
def release() -> str:
    """What computes and draws the values kept: the versions of Dash and Plotly and the code of the
    dashboards and the domain (a hash of their files, read once per process). It is part of every
    key, so a new release never replays an old one's answers or results from a shared cache (Redis,
    a cache folder) that outlived it."""
    import dash
    import plotly

    digest = hashlib.sha256(f"{dash.__version__} {plotly.__version__}".encode())
    for package in (Path(__file__).parent, Path(__file__).parents[1] / "scorecard"):
        for path in sorted(package.rglob("*")):
            if path.suffix in (".py", ".js", ".css") and path.is_file():
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _key(prefix: str, identity: tuple) -> str:
    return f"{prefix}{release()}:" + hashlib.sha256(repr(identity).encode()).hexdigest()


def look_up(key: str):
    """The value kept under `key`, or MISSING (also while the cache is passed by)."""
    global _passed_by_until
    if time.monotonic() < _passed_by_until:
        return MISSING
    try:
        found = cache.get(key)
    except Exception as error:  # noqa: BLE001 — a shared cache (Redis) that is down: compute, the page still renders
        # one line: an expected condition, handled (a traceback per pause read as a fault of the app's)
        log.warning("the dashboards' cache is not answering (%s: %s); computing without it for %s s",
                    error.__class__.__name__, str(error)[:200], CACHE_PAUSE_SECONDS)
        _passed_by_until = time.monotonic() + CACHE_PAUSE_SECONDS  # one timeout per pause, not one per query
        return MISSING
    return MISSING if found is None else found[0]


def _keep(key: str, value) -> None:
    if time.monotonic() >= _passed_by_until:
        with contextlib.suppress(Exception):
            cache.set(key, (value,))  # wrapped, so that a result of None is kept too


def _kept(key: str, compute: Callable):
    """The value kept under `key`, else `compute()`'s, kept there."""
    found = look_up(key)
    if found is not MISSING:
        return found
    value = compute()
    _keep(key, value)
    return value


def _viewer() -> tuple:
    from flask_login import current_user

    if not has_request_context() or not current_user.is_authenticated:
        return ()
    return viewer_of(current_user)


def viewer_of(user) -> tuple:
    """Who is looking, as an answer's key names them: what decides what they may see (a user, or a row
    with the same attributes)."""
    return (str(user.role), user.function_id, user.leader_id)


def cached_answer(callback: Callable) -> Callable:
    """Mark a Dash callback whose answer follows from its request (its inputs and states, and which input
    fired; a click count read as pressed or not), who is looking and the data: `answered` keeps what Dash
    sends for it, so the same view, for the same kind of viewer, on the same data, answers from the cache.
    Every page's main callback is one, every download, the address's sync (dashboards.urlstate) and the
    choices a filter offers; not the page's layout (its sign-out form holds the session's CSRF token), nor
    a briefing's progress."""
    callback.response_cached = True
    return callback


def _marked(entry: dict | None) -> bool:
    function = (entry or {}).get("callback")
    while function is not None:
        if getattr(function, "response_cached", False):
            return True
        function = getattr(function, "__wrapped__", None)
    return False


def _values(specs) -> list:
    """A request's inputs or states as (id, property, value), a click count read as whether the button
    was ever pressed (n_clicks grows with each press; which one was pressed is in changedPropIds)."""
    out = []
    for spec in specs or ():
        if isinstance(spec, list):  # a pattern-matching input: one per matched component
            out.append(_values(spec))
        elif isinstance(spec, dict):
            clicks = str(spec.get("property", "")).startswith("n_clicks")
            value = spec.get("value")
            out.append((repr(spec.get("id")), spec.get("property"), bool(value) if clicks else repr(value)))
    return out


def asked(body: dict) -> str:
    """What of the callback request `body` names its answer, as text: the output, which input fired and the
    inputs' and states' values."""
    return repr((body["output"], repr(body.get("changedPropIds")), _values(body.get("inputs")),
                 _values(body.get("state"))))


def answer_key(request_asked: str, viewer: tuple, version: str) -> str:
    """The key an answer to a callback request (what it `asked`) is kept under, for `viewer` on data `version`."""
    return _key("r:", (request_asked, viewer, version))


def marked(callback_map: dict, body) -> bool:
    """Whether `body` (a request checked by dashboards.validation) asks for a callback whose answer is kept."""
    return isinstance(body, dict) and isinstance(body.get("output"), str) and _marked(callback_map.get(body["output"]))


def answered(view: Callable, app) -> Callable:
    """Dash's callback endpoint, answering a callback marked `cached_answer` with
    the very bytes it sent before for the same request, kind of viewer and data version: a view
    opened again costs a lookup, not the queries, figures and JSON. Only answers of 200 are kept."""
    from flask import Response, request

    from scorecard.extensions import db

    @wraps(view)
    def answer(*args, **kwargs):
        body = request.get_json(silent=True)
        if not (_bound() and marked(app.callback_map, body)):
            return view(*args, **kwargs)
        key = answer_key(asked(body), _viewer(), data_version(db.session))
        found = look_up(key)
        if found is not MISSING:
            return Response(found, mimetype="application/json")
        response = view(*args, **kwargs)
        if isinstance(response, Response) and response.status_code == 200 and not response.is_streamed:
            _keep(key, response.get_data())
        return response
    return answer


def cached(function: Optional[Callable] = None, *, reads: Optional[tuple[str, ...]] = None) -> Callable:
    """Decorate a query function `f(session, *args, **kwargs)` so that repeated calls with the same
    arguments on the same data answer from the cache. Without a bound cache it just runs. With
    `reads=SURVEY` its key names only the survey's parts of the data version: for a function that reads
    observations, targets and the organisation alone (and calls only functions that do too)."""
    if function is None:
        return functools.partial(cached, reads=reads)
    name = f"{function.__module__}.{function.__qualname__}"

    @wraps(function)
    def answer(session, *args, **kwargs):
        if not _bound():
            return function(session, *args, **kwargs)
        key = _key("q:", (name, args, sorted(kwargs.items()), data_version(session, reads)))
        if not has_request_context():
            return _kept(key, lambda: function(session, *args, **kwargs))
        # Within one request a value is read from the cache (unpickled) once: a page's queries share
        # their pieces (the pooled scores of a quarter are read by five of the overview's).
        memo = g.setdefault("dashboards_values", {})
        if key not in memo:
            memo[key] = _kept(key, lambda: function(session, *args, **kwargs))
        return memo[key]

    answer.uncached = function
    return answer
