"""Briefings are written in the background, as imports are (importers.jobs): a small thread pool
in the server process, and a folder per job holding its state (`job.json`: whose it is, the
stage and percent reached, the file when done) beside the file, so that any server process can
report progress and serve the file. Only the user who asked for a briefing reads its state or
downloads it. Jobs older than BRIEFING_KEEP_HOURS (default 24) are removed when a new one starts.

Jobs go through scorecard.dispatch (the server's threads, or Celery workers when Redis is set);
where several hosts serve the app, the folder is shared (BRIEFING_FOLDER, else beside the uploads).
"""
import json
import logging
import os
import re
import secrets
import shutil
import time
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Optional

from dashboards.queries.common import Scope
from scorecard.dispatch import NotQueued, dispatch, task
from scorecard.models import Role

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


def folder(app) -> Path:
    """BRIEFING_FOLDER, else `briefings` in the uploads' folder (UPLOAD_FOLDER, else the instance's)."""
    uploads = app.config.get("UPLOAD_FOLDER") or Path(app.instance_path) / "uploads"
    path = Path(app.config.get("BRIEFING_FOLDER") or Path(uploads) / "briefings")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _job_dir(app, job_id: str) -> Optional[Path]:
    if not isinstance(job_id, str) or not JOB_ID.match(job_id):
        return None
    return folder(app) / job_id


def _write_state(path: Path, state: dict) -> None:
    tmp = path / "job.json.tmp"
    tmp.write_text(json.dumps(state))
    os.replace(tmp, path / "job.json")


def _read_state(path: Path) -> Optional[dict]:
    try:
        return json.loads((path / "job.json").read_text())
    except (OSError, ValueError):
        return None


def state(app, job_id: str, user_id: Optional[int]) -> Optional[dict]:
    """The job's state ({stage, percent, status, file, name, size, message, fmt}) when `user_id`
    asked for it; None for anyone else, and for a job that does not exist (the same answer)."""
    path = _job_dir(app, job_id)
    found = _read_state(path) if path is not None else None
    if found is None or user_id is None or found.get("owner_id") != user_id:
        return None
    return found


def file_for(app, job_id: str, user_id: Optional[int]) -> Optional[tuple[Path, str, str]]:
    """(path, download name, media type) of a finished briefing `user_id` asked for, else None."""
    found = state(app, job_id, user_id)
    if found is None or found["status"] != DONE:
        return None
    path = _job_dir(app, job_id) / found["file"]
    return (path, found["name"], FORMATS[found["fmt"]][0]) if path.is_file() else None


def claim_delivery(app, job_id: str) -> bool:
    """True the first time it is asked for a job: the file is sent to the browser once by itself;
    after that the page offers the link."""
    try:
        os.close(os.open(_job_dir(app, job_id) / "delivered", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return True
    except FileExistsError:
        return False


def sweep(app, now: Optional[float] = None) -> int:
    """Remove jobs older than BRIEFING_KEEP_HOURS; the count removed."""
    limit = (now or time.time()) - float(app.config.get("BRIEFING_KEEP_HOURS", 24)) * 3600
    removed = 0
    for path in folder(app).iterdir():
        if path.is_dir() and JOB_ID.match(path.name):
            try:
                if path.stat().st_mtime < limit:
                    shutil.rmtree(path, ignore_errors=True)
                    removed += 1
            except OSError:
                continue
    return removed


def start(app, request: Request, *, wait: bool = False) -> tuple[str, Optional[Future]]:
    """Queue the briefing `request` asks for; (job id, future). `wait` returns once it is written."""
    if request.fmt not in FORMATS:
        raise ValueError(f"a briefing is a PDF or an XLSX, not {request.fmt!r}")
    sweep(app)
    job_id = secrets.token_urlsafe(24)
    path = folder(app) / job_id
    path.mkdir()
    _write_state(path, {"owner_id": request.owner_id, "fmt": request.fmt, "status": QUEUED, "stage": "Queued",
                        "percent": 0, "period": request.period, "agency_id": request.agency_id})
    try:
        future = dispatch(app, "briefing.run", inline=wait or bool(app.config.get("BRIEFINGS_INLINE")),
                          job_id=job_id, request=request.as_json())
    except NotQueued as error:
        _write_state(path, {"owner_id": request.owner_id, "fmt": request.fmt, "status": FAILED, "stage": "Failed",
                            "percent": 100, "message": str(error)})
        future = None
    return job_id, future


@task("briefing.run")
def run(app, job_id: str, request: dict) -> None:
    """Write the briefing `request` (Request.as_json) asks for into the job's folder, telling its
    progress as it goes."""
    from dashboards.briefing import content, pdf, xlsx
    from scorecard.extensions import db

    request = Request.from_json(request)
    path = folder(app) / job_id
    base = _read_state(path) or {"owner_id": request.owner_id, "fmt": request.fmt}

    def progress(stage: str, percent: int, status: str = RUNNING, **extra) -> None:
        _write_state(path, {**base, "status": status, "stage": stage, "percent": percent, **extra})

    with app.app_context():
        try:
            config = app.config
            briefing = content.build(
                db.session, request.period, request.agency_id, request.scope, request.today,
                min_n=config["SURVEY_MIN_N"], stale_days=config.get("REMIND_STALE_DAYS", 30),
                prepared_for=request.owner, base_url=request.base_url, progress=progress)
            progress(f"Writing the {FORMATS[request.fmt][1]} file", 75)
            data = pdf.render(briefing) if request.fmt == "pdf" else xlsx.render(briefing)
            name = f"{briefing.file_stem}.{request.fmt}"
            (path / f"briefing.{request.fmt}").write_bytes(data)
            progress("Ready", 100, DONE, file=f"briefing.{request.fmt}", name=name, size=len(data),
                     title=briefing.title)
        except Exception:  # the job must never stay "running" forever
            log.exception("briefing %s failed", job_id)
            progress("Failed", 100, FAILED, message="The briefing could not be written; nothing was kept. "
                                                     "Try again, or tell an administrator.")
        finally:
            db.session.remove()
