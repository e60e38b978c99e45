"""The dashboards' cache: query results kept under a key that names the data they were read from.

`cache` is a Flask-Caching instance bound by the app factory (`init_cache`). Its backend is a
setting (`SCORECARD_CACHE_TYPE`: SimpleCache in the process by default, FileSystemCache with
`SCORECARD_CACHE_DIR`, RedisCache with `SCORECARD_CACHE_REDIS_URL`, or SCORECARD_REDIS_URL's Redis
when several hosts serve). A cache that stops answering is passed by: values are computed.

`@cached_answer` on a page's callback keeps its whole answer (figures, tables, text) under the
callback, its arguments, who is looking (role, function, leader: what decides what they may see)
and the data version: a page opened again, or by a colleague with the same view, is answered from
the cache. Only for callbacks whose answer follows from those alone (never one that reads which
input fired).

`@cached` on a query function (`def q(session, ...)`) keeps its result under a key made of the
function, its other arguments and the *data version*: a few cheap aggregates (the newest import
batch and when it was committed or reverted, the newest observation, the newest finding and when
findings were last evaluated, the latest change to a commitment, plan ratings, targets, programs,
the latest change to a capacity assessment, today's date). An import, a revert, an evaluation or
an edit changes the version, so a cached result is never served for data it was not computed
from; nothing has to be invalidated by hand.

Arguments must have a stable `repr` (numbers, texts, None, tuples, frozen dataclasses such as
`queries.Scope`), and results must pickle (plain data: dataclasses, lists, dicts).
"""
import contextlib
import hashlib
import logging
import time
from collections.abc import Callable
from datetime import date
from functools import wraps

import sqlalchemy as sa
from flask import current_app, g, has_app_context, has_request_context
from flask_caching import Cache

from scorecard.models import (
    CapacityAssessment,
    Commitment,
    ElementRating,
    Finding,
    ImportBatch,
    Observation,
    PerformancePlan,
    Program,
    Target,
)

cache = Cache()

log = logging.getLogger(__name__)
CACHE_PAUSE_SECONDS = 30  # after the cache fails to answer, it is passed by for this long
_passed_by_until = 0.0


def init_cache(app) -> None:
    """Bind the cache to `app` with the backend its configuration names (SimpleCache by default)."""
    app.config.setdefault("CACHE_TYPE", "SimpleCache")
    app.config.setdefault("CACHE_KEY_PREFIX", "scorecard:")
    cache.init_app(app)


def _version_parts(session) -> tuple:
    def latest(*columns):
        return [sa.select(column).scalar_subquery() for column in columns]

    query = sa.select(*latest(
        sa.func.max(ImportBatch.id), sa.func.max(ImportBatch.committed_at), sa.func.max(ImportBatch.reverted_at),
        sa.func.max(Observation.id),
        sa.func.max(Finding.id), sa.func.max(Finding.evaluated_at), sa.func.count(Finding.id),
        sa.func.max(Commitment.updated_at), sa.func.count(Commitment.id),
        sa.func.max(ElementRating.id), sa.func.max(PerformancePlan.id),
        sa.func.max(Target.id), sa.func.count(Target.id), sa.func.max(Program.id),
        sa.func.max(CapacityAssessment.updated_at), sa.func.count(CapacityAssessment.id)))
    return tuple(session.execute(query).one()) + (date.today(),)


def data_version(session) -> str:
    """A short text that changes whenever the data the dashboards read changes (read once per
    request: a page's callbacks all see the same version)."""
    if has_request_context() and "dashboards_data_version" in g:
        return g.dashboards_data_version
    version = hashlib.sha256(repr(_version_parts(session)).encode()).hexdigest()[:16]
    if has_request_context():
        g.dashboards_data_version = version
    return version


def _bound() -> bool:
    return has_app_context() and cache in current_app.extensions.get("cache", {})


def _kept(prefix: str, identity: tuple, compute: Callable):
    """The value kept under `identity` (its repr, hashed), else `compute()`'s, kept there."""
    global _passed_by_until
    if time.monotonic() < _passed_by_until:
        return compute()
    key = prefix + hashlib.sha256(repr(identity).encode()).hexdigest()
    try:
        found = cache.get(key)
    except Exception:  # noqa: BLE001 — a shared cache (Redis) that is down: compute, the page still renders
        log.warning("the dashboards' cache is not answering; computing without it for %s s", CACHE_PAUSE_SECONDS,
                    exc_info=True)
        _passed_by_until = time.monotonic() + CACHE_PAUSE_SECONDS  # one timeout per pause, not one per query
        return compute()
    if found is not None:
        return found[0]
    value = compute()
    with contextlib.suppress(Exception):
        cache.set(key, (value,))  # wrapped, so that a result of None is kept too
    return value


def _viewer() -> tuple:
    from flask_login import current_user

    if not has_request_context() or not current_user.is_authenticated:
        return ()
    return (str(current_user.role), current_user.function_id, current_user.leader_id)


def cached_answer(callback: Callable) -> Callable:
    """Decorate a Dash callback so the same arguments, for the same kind of viewer, on the same
    data answer from the cache. Without a bound cache it just runs."""
    from scorecard.extensions import db

    name = f"{callback.__module__}.{callback.__qualname__}"

    @wraps(callback)
    def answer(*args):
        if not _bound():
            return callback(*args)
        return _kept("a:", (name, args, _viewer(), data_version(db.session)), lambda: callback(*args))

    answer.uncached = callback
    return answer


def cached(function: Callable) -> Callable:
    """Decorate a query function `f(session, *args, **kwargs)` so that repeated calls with the same
    arguments on the same data answer from the cache. Without a bound cache it just runs."""
    name = f"{function.__module__}.{function.__qualname__}"

    @wraps(function)
    def answer(session, *args, **kwargs):
        if not _bound():
            return function(session, *args, **kwargs)
        return _kept("q:", (name, args, sorted(kwargs.items()), data_version(session)),
                     lambda: function(session, *args, **kwargs))

    answer.uncached = function
    return answer
