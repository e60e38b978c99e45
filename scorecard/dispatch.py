"""Background work — import previews and commits, rule evaluations, briefing exports, reminders —
goes through one `dispatch`.

Embedded (the single-machine default): a small thread pool in the server process runs it.
With SCORECARD_REDIS_URL set: Celery, with Redis as broker, runs it on `scorecard worker`
processes, on any host. A task is a function of the app and plain JSON arguments, registered by
name with `@task`; it must be idempotent (a task whose worker died is delivered again: acks are
late), which the jobs are: each starts by claiming its batch or job, and does nothing when it is
no longer waiting.

When the broker cannot be reached, `dispatch` raises `NotQueued` within a couple of seconds
instead of hanging, and the page says so.
"""
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Optional

log = logging.getLogger(__name__)

TASKS: dict[str, Callable] = {}


def _pool() -> ThreadPoolExecutor:
    """The embedded mode's threads."""
    return ThreadPoolExecutor(max_workers=4, thread_name_prefix="job")


_executor = _pool()
CELERY = "scorecard.celery"  # app.extensions key
REPORT_LOCK_WAIT_MS = 250  # a progress write never holds up the job it reports on
CLIENT = "_client"  # a queued task's argument: the (address, user agent, API token) of the request that queued it


class NotQueued(RuntimeError):
    """The job could not be handed to a worker (the broker is unreachable); nothing was started."""


def task(name: str) -> Callable:
    """Register `fn(app, **kwargs)` as the task `name`."""
    def register(fn: Callable) -> Callable:
        TASKS[name] = fn
        return fn
    return register


def queued(app) -> bool:
    """True when jobs go to Celery workers rather than the server's own threads."""
    return bool(app.config.get("REDIS_URL"))


WAIT_NOTICE_SECONDS = 30  # a job still waiting after this long says what it waits for


def still_waiting(app, waited_seconds: float) -> Optional[str]:
    """What a job that has waited `waited_seconds` to start waits for, in words, once that is long enough to
    wonder (None before): a page showed "queued 0%" for the many minutes before a stopped worker's job is
    given up, with no hint why. The words do not count the seconds: the pages show them in a live region,
    which would read them out again at every poll."""
    if waited_seconds < WAIT_NOTICE_SECONDS:
        return None
    if queued(app):
        return (f"queued for more than {WAIT_NOTICE_SECONDS} s, waiting for a background worker: if this lasts, no "
                "worker may be running (tell an administrator: `scorecard worker`)")
    return (f"queued for more than {WAIT_NOTICE_SECONDS} s, waiting for the server's other background jobs: if this "
            "lasts, tell an administrator")


def dispatch(app, name: str, *, inline: bool = False, after: float = 0, **kwargs) -> Optional[Future]:
    """Run the task `name` in the background (`after` seconds from now, when given); `inline` runs it here and
    now (tests, the command line). The embedded pool returns its future (None when it starts later); Celery
    returns None (watch the job's own state)."""
    from scorecard.models.audit import request_origin

    fn = TASKS[name]
    if inline:
        fn(app, **kwargs)
        return None
    client = request_origin()  # the audit events the job writes name the request's client (and API token)
    if not queued(app):
        if after > 0:
            timer = threading.Timer(after, _executor.submit, (_run_logged, name, fn, app, client, kwargs))
            timer.daemon = True  # a server stopping does not wait for it: what it would do waits for the next
            timer.start()
            return None
        return _executor.submit(_run_logged, name, fn, app, client, kwargs)
    try:
        celery(app).send_task(name, kwargs={**kwargs, CLIENT: client}, retry=False, countdown=after or None)
    except Exception as error:  # kombu / redis connection errors: the broker is not there
        log.warning("could not queue %s: %s", name, error)
        raise NotQueued("The job could not be queued: the job service (Redis) is not answering. Nothing was "
                        "started; try again in a few minutes, or tell an administrator.") from error
    return None


JOBS_DOWN = ("The job service (Redis) is not answering: imports, briefings and reminders cannot be queued "
             "until it is back; pages still render.")


def job_service_problem(app) -> Optional[str]:
    """Why jobs cannot be queued now (JOBS_DOWN, the reason logged), or None: with Celery, whether its
    Redis answers a PING within REDIS_TIMEOUT_SECONDS; the embedded mode's threads are always there."""
    if not queued(app):
        return None
    import redis

    from scorecard.config import redis_timeouts

    client = redis.Redis.from_url(app.config["REDIS_URL"], **redis_timeouts(app.config))
    try:
        client.ping()
    except Exception as error:  # noqa: BLE001 — any failure to answer is the outage reported
        log.warning("the job service (Redis) is not answering: %s: %s", error.__class__.__name__, str(error)[:200])
        return JOBS_DOWN
    finally:
        client.close()
    return None


def in_own_threads(app, name: str, **kwargs) -> Future:
    """Run the task `name` in this server's own threads, whatever the mode: for work that must not be lost
    when Redis is not answering and that the database alone serialises (a rule evaluation, safe to repeat)."""
    from scorecard.models.audit import request_origin

    return _executor.submit(_run_logged, name, TASKS[name], app, request_origin(), kwargs)


_making_celery = threading.Lock()


def celery(app):
    """The app's Celery instance (made once per app, by one thread: the first jobs a new worker
    queues at once would otherwise each import and build it half-way), its tasks the registered ones."""
    found = app.extensions.get(CELERY)
    if found is None:
        with _making_celery:
            found = app.extensions.get(CELERY)
            if found is None:
                found = app.extensions[CELERY] = _make_celery(app)
    return found


# The packages whose log lines a worker shows at its --loglevel, as gunicorn's workers show the app's at
# SCORECARD_LOG_LEVEL (scorecard.gunicorn_conf.post_fork); other libraries from WARNING.
WORKER_LOGGERS = ("scorecard", "importers", "dashboards", "celery")


def _worker_logging(logger=None, loglevel=None, **_kwargs) -> None:
    """Celery's after_setup_logger: the worker set the root logger to its --loglevel (INFO), so every library
    logged at INFO too: fontTools wrote some 70 lines of font subsetting for each PDF briefing. The root
    logger goes to WARNING; the app's packages and Celery's own keep the worker's level."""
    level = loglevel if loglevel is not None else logging.INFO
    (logger or logging.getLogger()).setLevel(max(logging.WARNING, level if isinstance(level, int) else 0))
    for name in WORKER_LOGGERS:
        logging.getLogger(name).setLevel(level)


def _make_celery(app):
    from celery import Celery
    from celery.signals import after_setup_logger

    after_setup_logger.connect(_worker_logging, weak=False, dispatch_uid="scorecard.worker_logging")

    url = app.config["REDIS_URL"]
    instance = Celery("scorecard", broker=url, set_as_current=False)
    timeout = app.config.get("REDIS_TIMEOUT_SECONDS", 2)
    instance.conf.update(
        task_acks_late=True,  # a task is acknowledged when it ends: a worker killed mid-way gives it back
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,  # job state lives in the database, not in a result backend
        task_default_queue="scorecard",
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=timeout,
        broker_transport_options={
            # an unacknowledged task (its worker vanished) is delivered again after this long
            "visibility_timeout": app.config.get("JOB_VISIBILITY_SECONDS", 3600),
            "socket_connect_timeout": timeout, "socket_timeout": timeout,
            "max_retries": 0,
        },
        worker_hijack_root_logger=False,
    )
    for name, fn in TASKS.items():
        def run(_fn=fn, **kwargs):
            return _run(_fn, app, kwargs.pop(CLIENT, None), kwargs)  # a task queued before CLIENT: None
        instance.task(name=name, bind=False)(run)
    return instance


def _run_logged(name: str, fn: Callable, app, client, kwargs: dict):
    """`_run` in the embedded pool, whose futures nobody reads: an exception that escapes the task (its own
    handler failing, say, with the database gone) is logged here, or it left no trace at all (an import
    batch then stayed "pending" with nothing in the log to say why)."""
    try:
        return _run(fn, app, client, kwargs)
    except BaseException:
        log.exception("background task %s failed (%s)", name, ", ".join(f"{k}={v!r}" for k, v in kwargs.items())[:300])
        raise


def _run(fn: Callable, app, client, kwargs: dict):
    """Run a task with the client of the request that dispatched it standing for the request's."""
    from scorecard.models.audit import started_by

    with started_by(client):
        return fn(app, **kwargs)


def report(statement) -> bool:
    """Run `statement` (a job's progress: an UPDATE of its own row) through a connection of its own
    that waits at most REPORT_LOCK_WAIT_MS for a lock, and commit it: progress is a report, never a
    reason for the job to wait. False when it was not recorded (the row was locked)."""
    import sqlalchemy as sa

    from scorecard.extensions import db

    sqlite = db.engine.dialect.name == "sqlite"
    with db.engine.connect() as connection:
        if sqlite:  # a connection's setting: put back below
            connection.exec_driver_sql(f"PRAGMA busy_timeout={REPORT_LOCK_WAIT_MS}")
        else:  # this transaction's setting only: a pooled connection never keeps it
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = {REPORT_LOCK_WAIT_MS}")
        try:
            connection.execute(statement)
            connection.commit()
            return True
        except sa.exc.OperationalError as error:
            connection.rollback()
            log.debug("progress not recorded: %s", error)
            return False
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA busy_timeout=15000")


# Seconds between tries at recording a job's end while the database does not answer (a restart takes a few):
# about a minute, after which the job counts as stalled only once its own stale limit has passed.
END_RETRY_SECONDS = (1, 2, 4, 8, 15, 30)


def record_the_end(session, write: Callable, what: str):
    """Run `write()` (which records a job's end and commits), tried again while the database does not
    answer: the job may have failed because the database went away (a restart), which fails recording
    that too, and a job left "running" shows its last progress until it counts as stalled. Its result;
    the last error once END_RETRY_SECONDS are spent."""
    import time

    import sqlalchemy as sa

    waits = iter(END_RETRY_SECONDS)
    while True:
        try:
            session.rollback()
            return write()
        except sa.exc.DBAPIError as error:
            wait = next(waits, None)
            if wait is None:
                raise
            log.warning("%s: its end could not be recorded yet (%s); trying again in %s s", what,
                        type(error.orig).__name__, wait)
            time.sleep(wait)


def drain() -> None:
    """Wait for the embedded pool's jobs and start a fresh pool (tests, between databases)."""
    global _executor
    _executor.shutdown(wait=True)
    _executor = _pool()
