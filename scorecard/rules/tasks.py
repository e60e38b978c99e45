"""Rule evaluation as background work: `reevaluate` hands an evaluation to scorecard.dispatch (the
server's threads, or a Celery worker when Redis is set), so a page that changes what the rules read
(publishing or retiring a rule, reverting an import, saving a commitment) answers at once. The
evaluations asked for while one waits to start are gathered into it (scorecard.rules.waiting). The
evaluation itself is the one of rules.service: one writer at a time, and safe to repeat (it recomputes
and replaces)."""
import contextlib
import logging
import uuid
from collections.abc import Iterable
from typing import Optional

from scorecard.dispatch import NotQueued, dispatch, in_own_threads, queued, task
from scorecard.rules.waiting import InProcess, InRedis

log = logging.getLogger(__name__)


WAITING = "scorecard.rules.waiting"  # app.extensions key


def waiting(app):
    """Where the app keeps the evaluations asked for and not yet started: its own memory, or Redis when
    Celery workers run its jobs."""
    found = app.extensions.get(WAITING)
    if found is None:
        from scorecard.config import redis_timeouts

        found = app.extensions[WAITING] = (
            InRedis(app.config["REDIS_URL"], "scorecard:", **redis_timeouts(app.config)) if queued(app)
            else InProcess())
    return found


# A gathered evaluation that failed (the database restarting, say) is queued again after these many seconds,
# one after another; then what it took waits for the next change's evaluation, or `scorecard evaluate`. Nothing
# queued it again before: the findings (a leader's proposed rating beside two off-track commitments) stayed
# stale until someone changed something else.
RETRY_SECONDS = (15, 60, 300)


@task("rules.evaluate")
def run(app, touched: Optional[list] = None, reason: str = "", gathered: bool = False,
        job: Optional[str] = None, attempt: int = 0) -> None:
    """Evaluate the published rules: everything, or the subjects that read `touched` (subject key,
    period) pairs; `gathered`, what the evaluations asked for since this job was queued add up to
    (nothing, when another job took them first), held under the `job` token until the evaluation is
    over (scorecard.rules.waiting). A failure is logged, and what it took waits again, for a job queued
    again after a while (`attempt`: how many failed before it; RETRY_SECONDS)."""
    from scorecard.extensions import db
    from scorecard.rules.service import evaluate

    asked = None
    if gathered:
        try:
            asked = waiting(app).take(job)
        except Exception as error:  # noqa: BLE001 — Redis not answering: what waits stays for the next job
            log.warning("the evaluations waiting could not be read: %s", error)
            return
        if asked is None:
            return
        touched, reason = asked.touched, asked.reason
    with app.app_context():
        try:
            result = evaluate(db.session, touched=None if touched is None else [tuple(pair) for pair in touched])
            log.info("evaluation after %s: %s inserted, %s updated, %s deleted", reason or "a request",
                     result.inserted, result.updated, result.deleted)
        except Exception:  # noqa: BLE001 — a background evaluation must not take its worker down
            log.exception("the evaluation after %s failed", reason or "a request")
            if asked is not None and _give_back(app, asked):
                _again(app, attempt)
        finally:
            db.session.remove()
    if gathered:
        _let_go(app, job)


def _give_back(app, asked) -> bool:
    """What a failed evaluation took waits again, for the next one (its findings are not evaluated by
    the next ask's job otherwise: it evaluates that ask's subjects alone); whether it does."""
    try:
        waiting(app).give_back(asked)
        return True
    except Exception as error:  # noqa: BLE001 — Redis not answering
        log.warning("what the failed evaluation after %s was asked for is lost: %s", asked.reason, error)
        return False


def _again(app, attempt: int) -> None:
    """Queue a job for what a failed evaluation gave back, after the attempt's wait (RETRY_SECONDS); after the
    last, say that it waits for the next change, or `scorecard evaluate`."""
    if attempt >= len(RETRY_SECONDS):
        log.error("the evaluation failed %s times in a row; what it was asked for waits for the next change's "
                  "evaluation, or `scorecard evaluate`", attempt + 1)
        return
    try:
        dispatch(app, "rules.evaluate", after=RETRY_SECONDS[attempt], gathered=True, job=uuid.uuid4().hex,
                 attempt=attempt + 1)
        log.info("the evaluation is tried again in %s s", RETRY_SECONDS[attempt])
    except Exception as error:  # noqa: BLE001 — Redis not answering: what waits stays for the next change's job
        log.warning("the failed evaluation could not be queued again: %s", error)


def _let_go(app, job: Optional[str]) -> None:
    """The job's evaluation is over: what it held is let go (what it could not evaluate was given back)."""
    try:
        waiting(app).done(job)
    except Exception as error:  # noqa: BLE001 — Redis not answering: the held keys expire
        log.warning("what the evaluation job %s held could not be let go: %s", job, error)


QUEUED, NOT_QUEUED, DONE = "queued", "not_queued", "done"  # what became of an evaluation asked for
WORDS = {QUEUED: "The findings are being evaluated again in the background.",
         NOT_QUEUED: "The findings could not be evaluated again now (the job service is not answering); the next "
                     "evaluation brings them up to date.",
         DONE: "The findings were evaluated again."}


def reevaluate(app, *, reason: str, touched: Optional[Iterable] = None) -> str:
    """Queue an evaluation (`touched` limits it as rules.service.evaluate says); what became of it:
    QUEUED, or DONE when EVALUATIONS_INLINE ran it here and now. When the job service cannot be reached
    this server's own threads evaluate it (QUEUED still); NOT_QUEUED only when even they cannot (the
    server is stopping: the change itself stands, and `scorecard evaluate` catches up)."""
    pairs = None if touched is None else [list(pair) for pair in touched]
    if app.config.get("EVALUATIONS_INLINE"):
        dispatch(app, "rules.evaluate", inline=True, touched=pairs, reason=reason)
        return DONE
    store = waiting(app)
    try:
        if store.add(pairs, reason):
            dispatch(app, "rules.evaluate", gathered=True, job=uuid.uuid4().hex)
        return QUEUED
    except NotQueued:
        with contextlib.suppress(Exception):  # Redis gone between the two: its key expires
            store.unqueue()  # the next ask queues the job again
    except Exception as error:  # noqa: BLE001 — Redis not answering (its connection and timeout errors)
        log.warning("could not ask for an evaluation: %s", error)
    # The change is saved, and nothing else would evaluate it: the next ask's job evaluates that ask's subjects
    # alone, so the findings stayed stale until a full `scorecard evaluate`. This server's own threads evaluate
    # it (one evaluation at a time on the database, and safe to repeat).
    try:
        in_own_threads(app, "rules.evaluate", touched=pairs, reason=reason)
    except Exception as error:  # noqa: BLE001 — the server is shutting down
        log.warning("could not evaluate %s in this server's threads: %s", reason, error)
        return NOT_QUEUED
    return QUEUED
