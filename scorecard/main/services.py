"""Headline counts for the home page; whether the database answers in time and holds this release's schema
(the health check)."""
import functools
import threading
from concurrent.futures import Future
from datetime import timedelta
from typing import Optional

import sqlalchemy as sa

from scorecard.a11 import is_survey_metric
from scorecard.commitments.services import sees_every_commitment, visible_commitments
from scorecard.models import (
    Agency,
    BatchStatus,
    BriefingJob,
    Commitment,
    Component,
    Finding,
    ImportBatch,
    Metric,
    Observation,
    Program,
    RuleStatus,
    RuleVersion,
    User,
    utcnow,
)
from scorecard.periods import opening_period
from scorecard.permissions import can
from scorecard.text import counted


def own_commitments(session, user) -> Optional[int]:
    """How many commitments an officer (their function's) or a leader (those naming them) has, beside the
    agency's count the home page gives; None for a role that sees every commitment, or none."""
    if not can(user, "view_commitments") or sees_every_commitment(user):
        return None
    return session.scalar(sa.select(sa.func.count()).select_from(visible_commitments(user).subquery())) or 0


def _recent_survey_quarters(session, wanted: int = 4) -> list[str]:
    """The newest `wanted` quarters with A-11 survey results of programs, newest first: the quarters are walked
    down one at a time, each a seek in the (period, metric) index, and each asked whether it holds such a
    result. A DISTINCT over every observation took 0.7 s of the home page at 1,000,000 of them."""
    survey = sa.select(Metric.id).where(is_survey_metric()).scalar_subquery()
    found, below = [], None
    while len(found) < wanted:
        newest = session.scalar(sa.select(sa.func.max(Observation.period)).where(
            *(() if below is None else (Observation.period < below,))))
        if newest is None:
            return found
        if session.scalar(sa.select(sa.exists().where(Observation.period == newest, Observation.metric_id.in_(survey),
                                                      Observation.program_id.is_not(None)))):
            found.append(newest)
        below = newest
    return found


def home_summary(session) -> dict:
    def count(model):
        return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0

    latest = opening_period(_recent_survey_quarters(session))
    return {
        "agencies": count(Agency),
        "components": count(Component),
        "programs": count(Program),
        "observations": count(Observation),
        "commitments": count(Commitment),
        "imports": count(ImportBatch),
        "findings": count(Finding),
        "rules": session.scalar(sa.select(sa.func.count()).select_from(RuleVersion).where(
            RuleVersion.status == RuleStatus.published)) or 0,
        "latest_period": latest,
    }


@functools.cache
def _scripts():
    """The release's migrations (read once per process from migrations/)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from scorecard import _migrations_dir

    config = Config()
    config.set_main_option("script_location", _migrations_dir())
    return ScriptDirectory.from_config(config)


def _head_revision() -> str:
    return _scripts().get_current_head()


def _known(revision: str) -> bool:
    """Whether the release's migrations hold `revision` (one it does not is a later release's)."""
    from alembic.util import CommandError

    if not revision:
        return True  # an empty mark is no later release's: the database is not at this release's revision
    try:
        return _scripts().get_revision(revision) is not None
    except CommandError:
        return False


HEALTH_WAIT_SECONDS = 3  # how long /healthz waits for the database's answer


def database_answers(app, seconds: float = HEALTH_WAIT_SECONDS) -> bool:
    """Whether the app's database answers a SELECT 1 within `seconds` (its error raised, as a request's own
    would be). Asked in a thread of its own, one check at a time: a database that stopped answering without
    refusing (a frozen server, a failover dropping packets) held /healthz, and the thread asking, until it
    came back; a check still waiting from before is waited on again, not joined by another. The thread is a
    daemon: a server stopping does not wait for a database that does not answer."""
    state = app.extensions.get("scorecard.healthz")
    if state is None:  # made once, then shared by the app's threads
        state = app.extensions.setdefault("scorecard.healthz", {"lock": threading.Lock(), "check": None})
    with state["lock"]:
        if state["check"] is None or state["check"].done():
            state["check"] = _in_a_daemon_thread(_select_one, app)
        check = state["check"]
    try:
        check.result(timeout=seconds)
    except TimeoutError:
        return False
    return True


def _in_a_daemon_thread(work, *args) -> Future:
    """`work(*args)` started in a daemon thread; its outcome as a Future (a ThreadPoolExecutor's threads are
    joined as the interpreter exits)."""
    outcome: Future = Future()

    def run():
        try:
            outcome.set_result(work(*args))
        except BaseException as error:  # noqa: BLE001 — handed to whoever waits, as the executor would
            outcome.set_exception(error)
    threading.Thread(target=run, name="healthz", daemon=True).start()
    return outcome


NOT_TAKEN_SECONDS = 120  # a job queued this long and not started counts against the workers in /healthz


def jobs_not_taken(session) -> Optional[str]:
    """With Celery workers, why jobs wait (None when none has waited NOT_TAKEN_SECONDS): imports and briefings
    queued that long and not started. A worker that stopped for good left every job queued after it waiting
    while /healthz said "ok"; a monitor sees it here (200 "degraded": the pages still render)."""
    limit = utcnow() - timedelta(seconds=NOT_TAKEN_SECONDS)
    waiting = session.scalar(sa.select(sa.func.count()).select_from(ImportBatch).where(
        ImportBatch.status == BatchStatus.pending, ImportBatch.stage == "queued", ImportBatch.heartbeat_at < limit))
    waiting += session.scalar(sa.select(sa.func.count()).select_from(BriefingJob).where(
        BriefingJob.status == "queued", BriefingJob.created_at < limit))
    if not waiting:
        return None
    return (f"{counted(waiting, 'background job')} queued for more than {NOT_TAKEN_SECONDS // 60} minutes and not "
            "started: no worker may be running (`scorecard worker`), or every worker is busy")


def _select_one(app) -> None:
    from scorecard.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))


def _revisions(session) -> Optional[list[str]]:
    """The revisions the database's alembic_version holds; None when it cannot be read (no such table, or
    no database to read it from)."""
    try:
        return list(session.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
    except sa.exc.SQLAlchemyError:
        session.rollback()
        return None


def later_revisions(session) -> list[str]:
    """The database's revisions this release's migrations do not hold (a later release migrated it)."""
    return [revision for revision in _revisions(session) or [] if not _known(revision)]


def behind_release(session) -> Optional[str]:
    """Why the database's schema is older than this release's (its revision one of the release's, not the
    head), or None: at the head, at a later release's revision, or without a revision to read."""
    return _behind(_revisions(session))


def _behind(found: Optional[list[str]]) -> Optional[str]:
    """`behind_release` of the revisions read (None: none could be read)."""
    if found is None:
        return None
    head = _head_revision()
    if head in found or any(not _known(revision) for revision in found):
        # at this release's revision, or a later release's: a deploy migrates once, before its hosts start,
        # and the hosts of the release before keep serving until they are replaced
        return None
    return (f"the database is at revision {', '.join(found) or 'none'} and this release needs {head}: run "
            "`scorecard db upgrade`")


def schema_problem(session) -> Optional[str]:
    """Why the database cannot serve this release (never migrated, or at an older revision), or None.
    A database made without migrations (the test suite's create_all) passes while its tables answer."""
    found = _revisions(session)  # read once: /healthz asks it every few seconds
    if found is None:
        try:
            session.execute(sa.select(User.id).limit(1))
        except sa.exc.SQLAlchemyError:
            session.rollback()
            return "the database has none of the app's tables: run `scorecard db upgrade`"
        return None
    return _behind(found)
