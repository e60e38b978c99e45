"""Briefings are written in the background, as imports are (importers.jobs), through
scorecard.dispatch: the server's threads, or Celery workers on any host when Redis is set.

A job's state is its row (BriefingJob: whose it is, the stage and percent reached, the file once
written), so any server reports progress and serves the file; the file is kept in the upload
storage (a folder, or S3). Only the user who asked for a briefing reads its state or downloads it.
A job that shows no sign of life for BRIEFING_STALE_SECONDS (default 600) is failed, saying so, and
never run after; jobs older than BRIEFING_KEEP_HOURS (default 24) are removed, file and row, by the
next briefing's job.
"""
import io
import logging
import re
import secrets
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Optional

import sqlalchemy as sa

from dashboards.queries.common import Scope
from scorecard import writers
from scorecard.dispatch import NotQueued, dispatch, record_the_end, report, still_waiting, task
from scorecard.models import BriefingJob, Role, utcnow
from scorecard.storage import storage

log = logging.getLogger(__name__)

FORMATS = {
    "pdf": ("application/pdf", "PDF"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel (XLSX)"),
}
JOB_ID = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


@dataclass(frozen=True)
class Request:
    """What a job writes: everything it needs from the request that asked, as plain data."""

    owner_id: int
    owner: str            # shown on the briefing ("Prepared for ...")
    scope: Scope
    period: Optional[str]
    agency_id: Optional[int]
    fmt: str
    today: date
    base_url: str = ""

    def as_json(self) -> dict:
        """Plain JSON, as a queued task carries it."""
        return {"owner_id": self.owner_id, "owner": self.owner, "scope": [self.scope.role.value, self.scope.function_id,
                                                                            self.scope.leader_id],
                "period": self.period, "agency_id": self.agency_id, "fmt": self.fmt, "today": self.today.isoformat(),
                "base_url": self.base_url}

    @classmethod
    def from_json(cls, data: dict) -> "Request":
        role, function_id, leader_id = data["scope"]
        return cls(owner_id=data["owner_id"], owner=data["owner"], scope=Scope(Role(role), function_id, leader_id),
                   period=data["period"], agency_id=data["agency_id"], fmt=data["fmt"],
                   today=date.fromisoformat(data["today"]), base_url=data.get("base_url", ""))


def _found(app, session, job_id: str, user_id: Optional[int]) -> Optional[BriefingJob]:
    """The job `user_id` asked for and still kept, else None: someone else's job reads as no job at all, and
    a job past its time (`kept_for`) as gone, as its page said, though no sweep has removed it yet."""
    if not job_id or not JOB_ID.match(job_id) or user_id is None:
        return None
    job = session.get(BriefingJob, job_id)
    if job is None or job.owner_id != user_id or job.created_at + kept_for(app) <= utcnow():
        return None
    return job


def _stalled(app, job: BriefingJob, now: Optional[datetime] = None) -> bool:
    """A job not finished that has shown no sign of life for BRIEFING_STALE_SECONDS (its server or
    worker stopped mid-way)."""
    if job.status in (DONE, FAILED):
        return False
    return (now or datetime.now(UTC)) - (job.heartbeat_at or job.created_at) > _stale_after(app)


def _stale_after(app) -> timedelta:
    """How long a job may show no sign of life before it counts as stalled."""
    return timedelta(seconds=app.config.get("BRIEFING_STALE_SECONDS", 600))


def state(app, session, job_id: str, user_id: Optional[int]) -> Optional[dict]:
    """The job's state as its owner sees it — {status, stage, percent, fmt, message?, name?, size?} —
    else None. A stalled job reads as failed, saying so."""
    job = _found(app, session, job_id, user_id)
    if job is None:
        return None
    found = {"status": job.status, "stage": job.stage, "percent": job.percent, "fmt": job.fmt,
             "period": job.period, "agency_id": job.agency_id}
    if job.status == FAILED:
        found["message"] = job.message
    elif job.status == DONE:
        found.update(name=job.download_name, size=job.size or 0, title=job.title,
                     kept_until=job.created_at + kept_for(app))
    elif _stalled(app, job) and _give_up(session, job):
        found.update(status=FAILED, stage="Failed", percent=100, message=STALLED)
    elif job.status == QUEUED:
        found["stage"] = still_waiting(app, (utcnow() - job.created_at).total_seconds()) or job.stage
    return found


STALLED = ("The briefing did not finish in time (its server or worker stopped, or the job service is busy); "
           "nothing was kept. Start it again.")


def _give_up(session, job: BriefingJob) -> bool:
    """Fail a stalled job for good (whoever sees it first), so that its task, if it still comes,
    does not run it: one conditional UPDATE. True when the job is now failed."""
    session.execute(sa.update(BriefingJob).where(
        BriefingJob.id == job.id, BriefingJob.status.in_((QUEUED, RUNNING)),
        sa.func.coalesce(BriefingJob.heartbeat_at, BriefingJob.created_at) == (job.heartbeat_at or job.created_at))
        .values(status=FAILED, stage="Failed", percent=100, message=STALLED))
    session.commit()
    session.refresh(job)
    return job.status == FAILED


def file_for(app, session, job_id: str, user_id: Optional[int]) -> Optional[tuple[bytes, str, str]]:
    """(content, download name, media type) of a finished briefing `user_id` asked for and still kept, else None."""
    job = _found(app, session, job_id, user_id)
    if job is None or job.status != DONE or not job.file_key:
        return None
    try:
        with storage(app).local(job.file_key) as path:
            data = path.read_bytes()  # a briefing is tens of kilobytes
    except FileNotFoundError:
        return None
    return data, job.download_name, FORMATS[job.fmt][0]


def claim_delivery(session, job_id: str) -> bool:
    """True the first time it is asked for a finished job: the file is sent to the browser once by
    itself; after that the page offers the link. One conditional UPDATE, so two polls at once (two
    servers) deliver it once."""
    claimed = session.execute(sa.update(BriefingJob).where(
        BriefingJob.id == job_id, BriefingJob.status == DONE, BriefingJob.delivered.is_(False))
        .values(delivered=True)).rowcount == 1
    session.commit()
    return claimed


def kept_for(app) -> timedelta:
    """How long a briefing is kept after it was asked for (BRIEFING_KEEP_HOURS, default 24)."""
    return timedelta(hours=float(app.config.get("BRIEFING_KEEP_HOURS", 24)))


def sweep(app, session, now: Optional[datetime] = None) -> int:
    """Remove jobs older than BRIEFING_KEEP_HOURS, their files first; the count removed. A job whose
    file could not be removed (the storage not answering) is kept, to be tried again next time."""
    limit = (now or datetime.now(UTC)) - kept_for(app)
    old = session.scalars(sa.select(BriefingJob).where(BriefingJob.created_at < limit)).all()
    removed = 0
    for job in old:
        if job.file_key:
            try:
                storage(app).delete(job.file_key)
            except Exception:  # noqa: BLE001 — the storage is not answering: try again at the next sweep
                log.warning("could not remove the file of briefing %s; kept for the next sweep", job.id,
                            exc_info=True)
                continue
        session.delete(job)
        removed += 1
    session.commit()
    return removed


class TooMany(Exception):
    """The user already has as many briefings being written as one may (BRIEFING_MAX_OPEN)."""


class JustStarted(Exception):
    """The user started a briefing of the same filters a moment ago (JUST_STARTED_SECONDS) that is still
    being written: a second click before the first's answer came back, which the page may never hear
    (Dash keeps the newer answer of a callback). The page follows that one (`job_id`)."""

    def __init__(self, job_id: str, fmt: str):
        super().__init__(job_id)
        self.job_id, self.fmt = job_id, fmt


JUST_STARTED_SECONDS = 5


def _open_jobs(app, session, owner_id: int) -> int:
    """The user's briefings queued or being written that still show signs of life."""
    alive = datetime.now(UTC) - _stale_after(app)
    return session.scalar(sa.select(sa.func.count()).select_from(BriefingJob).where(
        BriefingJob.owner_id == owner_id, BriefingJob.status.in_((QUEUED, RUNNING)),
        sa.func.coalesce(BriefingJob.heartbeat_at, BriefingJob.created_at) >= alive))


def start(app, request: Request, *, wait: bool = False) -> tuple[str, Optional[Future]]:
    """Queue the briefing `request` asks for; (job id, future). `wait` returns once it is written.
    TooMany when the user already has BRIEFING_MAX_OPEN (default 3) being written: one person's
    clicks must not fill the workers' queue that every import and briefing shares. JustStarted when
    they started one a moment ago that is still being written."""
    from scorecard.extensions import db

    if request.fmt not in FORMATS:
        raise ValueError(f"a briefing is a PDF or an XLSX, not {request.fmt!r}")
    # Counted and written under the user's lock: clicks at the same moment are counted one after another.
    db.session.commit()
    writers.one_at_a_time_of(db.session, writers.BRIEFING, request.owner_id)
    just = db.session.execute(
        sa.select(BriefingJob.id, BriefingJob.fmt).where(
            BriefingJob.owner_id == request.owner_id, BriefingJob.status.in_((QUEUED, RUNNING)),
            BriefingJob.period.is_not_distinct_from(request.period),
            BriefingJob.agency_id.is_not_distinct_from(request.agency_id),
            BriefingJob.created_at >= datetime.now(UTC) - timedelta(seconds=JUST_STARTED_SECONDS))
        .order_by(BriefingJob.created_at.desc()).limit(1)).first()
    if just is not None:  # two clicks closer than a round trip: the page may never have heard of the first
        db.session.rollback()
        raise JustStarted(*just)
    most = app.config.get("BRIEFING_MAX_OPEN", 3)
    if _open_jobs(app, db.session, request.owner_id) >= most:
        db.session.rollback()
        raise TooMany(f"You have {most} briefings being written already: wait for one to finish, then start "
                      "another.")
    job_id = secrets.token_urlsafe(24)
    db.session.add(BriefingJob(id=job_id, owner_id=request.owner_id, fmt=request.fmt, period=request.period,
                               agency_id=request.agency_id, status=QUEUED, stage="Queued", percent=0))
    db.session.commit()
    try:
        future = dispatch(app, "briefing.run", inline=wait or bool(app.config.get("BRIEFINGS_INLINE")),
                          job_id=job_id, request=request.as_json())
    except NotQueued as error:
        db.session.execute(sa.update(BriefingJob).where(BriefingJob.id == job_id).values(
            status=FAILED, stage="Failed", percent=100, message=str(error)))
        db.session.commit()
        future = None
    return job_id, future


def _progress(job_id: str, stage: str, percent: int, status: str = RUNNING, **values) -> None:
    """Record how far the job got (as a report: it never makes the job wait)."""
    report(sa.update(BriefingJob).where(BriefingJob.id == job_id, BriefingJob.status.in_((QUEUED, RUNNING)))
           .values(status=status, stage=stage[:200], percent=percent, heartbeat_at=utcnow(), **values))


def _claim(session, job_id: str, app) -> bool:
    """Take the job: queued (and not so long ago that its owner was told it failed), or running with
    no sign of life (a redelivered task whose worker died). One conditional UPDATE, so a task
    delivered twice never runs twice at once."""
    stale = datetime.now(UTC) - _stale_after(app)
    taken = session.execute(sa.update(BriefingJob).where(
        BriefingJob.id == job_id,
        sa.or_(sa.and_(BriefingJob.status == QUEUED, BriefingJob.created_at >= stale),  # else reported failed
               sa.and_(BriefingJob.status == RUNNING, BriefingJob.heartbeat_at < stale)))
        .values(status=RUNNING, stage="Starting", heartbeat_at=utcnow())).rowcount == 1
    session.commit()
    return taken


@task("briefing.run")
def run(app, job_id: str, request: dict) -> None:
    """Write the briefing `request` (Request.as_json) asks for into the upload storage, telling its
    progress on the job's row as it goes. Does nothing for a job already taken or finished."""
    from dashboards.briefing import content, pdf, xlsx
    from scorecard.extensions import db

    request = Request.from_json(request)
    progress = partial(_progress, job_id)

    with app.app_context():
        try:
            sweep(app, db.session)  # old briefings go as new ones are written, here rather than in a request
        except Exception:  # noqa: BLE001 — retention must not stop the briefing asked for
            db.session.rollback()
            log.warning("sweeping old briefings failed", exc_info=True)
        key = None
        try:
            if not _claim(db.session, job_id, app):
                log.info("briefing %s was already taken or finished", job_id)
                return
            config = app.config
            briefing = content.build(
                db.session, request.period, request.agency_id, request.scope, request.today,
                min_n=config["SURVEY_MIN_N"], stale_days=config.get("REMIND_STALE_DAYS", 30),
                prepared_for=request.owner, base_url=request.base_url, progress=progress)
            progress(f"Writing the {FORMATS[request.fmt][1]} file", 75)
            data = pdf.render(briefing) if request.fmt == "pdf" else xlsx.render(briefing)
            name = f"{briefing.file_stem}.{request.fmt}"
            key, _digest = storage(app).save(io.BytesIO(data), f"briefing.{request.fmt}")
            if not _finish(db.session, job_id, status=DONE, stage="Ready", file_key=key, download_name=name,
                           size=len(data), title=briefing.title[:300]):
                storage(app).delete(key)  # withdrawn while it was written (its owner's role changed): no file kept
        except Exception:  # the job must never stay "running" forever, nor leave a file no row names
            log.exception("briefing %s failed", job_id)
            db.session.rollback()
            if key is not None:
                try:
                    storage(app).delete(key)
                except Exception:  # noqa: BLE001
                    log.warning("could not remove the file of failed briefing %s", job_id, exc_info=True)
            try:  # the failure may be the database's going away: recording it waits for it to answer again
                record_the_end(db.session, partial(
                    _finish, db.session, job_id, status=FAILED, stage="Failed",
                    message="The briefing could not be written; nothing was kept. Try again, or tell an "
                            "administrator."), f"briefing {job_id}")
            except Exception:  # noqa: BLE001 — the database is gone for good: the job reads as stalled in time
                db.session.rollback()
                log.exception("could not record that briefing %s failed", job_id)
        finally:
            db.session.remove()


def _finish(session, job_id: str, **values) -> bool:
    """Record the job's end through the job's own session, waiting for a lock as long as any write
    does (a progress report may be dropped; the end may not). False when the job had ended already
    (withdrawn, or failed as stalled): nothing recorded."""
    session.commit()  # end the job's reads first: on SQLite a read begun before other writes cannot turn into a write
    ended = session.execute(sa.update(BriefingJob).where(BriefingJob.id == job_id, BriefingJob.status == RUNNING)
                            .values(percent=100, heartbeat_at=utcnow(), **values)).rowcount == 1
    session.commit()
    return ended
