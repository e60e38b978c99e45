"""Imports started from the web run in the background; progress is kept in a small file beside
the upload so every server process can report it."""
import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Optional

import sqlalchemy as sa

from importers import access
from importers.errors import ImportFileError
from importers.formats.registry import FORMATS
from importers.pipeline import run_import
from scorecard.models import BatchStatus, ImportBatch, User

log = logging.getLogger(__name__)
_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="import")


def upload_folder(app) -> Path:
    folder = Path(app.config.get("UPLOAD_FOLDER") or Path(app.instance_path) / "uploads")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def progress_file(app, batch_id: int) -> Path:
    return upload_folder(app) / f"batch-{batch_id}.progress.json"


def write_progress(app, batch_id: int, stage: str, rows: int) -> None:
    path = progress_file(app, batch_id)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"stage": stage, "rows": rows}))
    os.replace(tmp, path)


def read_progress(app, batch_id: int) -> dict:
    try:
        return json.loads(progress_file(app, batch_id).read_text())
    except (OSError, ValueError):
        return {"stage": "queued", "rows": 0}


def discard_files(app, batch, *, upload: bool = True) -> None:
    """Remove the batch's progress file and (with `upload`) its stored upload: nothing is left behind."""
    progress_file(app, batch.id).unlink(missing_ok=True)
    if upload and batch.stored_path:
        Path(batch.stored_path).unlink(missing_ok=True)


def claim(session, batch, sources: tuple, target: BatchStatus, **values) -> bool:
    """Move the batch from one of `sources` to `target` (setting `values` too) in one conditional
    UPDATE, committed: of two requests at once only one wins. False, and the batch refreshed, when
    another moved it first."""
    moved = session.execute(
        sa.update(ImportBatch).where(ImportBatch.id == batch.id, ImportBatch.status.in_(sources))
        .values(status=target, **values).execution_options(synchronize_session=False)).rowcount
    session.commit()
    session.refresh(batch)
    return bool(moved)


def sweep(app, session, now: Optional[datetime] = None) -> dict:
    """Uploads are not kept forever: a preview nobody confirmed or cancelled within IMPORT_KEEP_DAYS
    (SCORECARD_IMPORT_KEEP_DAYS, default 7) is cancelled, and the stored upload of a batch that can
    no longer use it (rejected, cancelled or failed that long ago; its errors stay listed) is removed."""
    days = app.config.get("IMPORT_KEEP_DAYS", 7)
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    old = sa.select(ImportBatch).where(ImportBatch.created_at < cutoff, ImportBatch.stored_path.is_not(None))
    expired = removed = 0
    for batch in session.scalars(old.where(ImportBatch.status == BatchStatus.previewed)).all():
        expired += claim(session, batch, (BatchStatus.previewed,), BatchStatus.cancelled,
                         message=f"The preview expired: nobody confirmed it within {days} days; nothing was "
                                 "changed. Upload the file again.")
    done = (BatchStatus.rejected, BatchStatus.cancelled, BatchStatus.failed)
    for batch in session.scalars(old.where(ImportBatch.status.in_(done))).all():
        discard_files(app, batch)
        batch.stored_path = None
        removed += 1
    session.commit()
    return {"expired": expired, "removed": removed}


def stalled(app, batch, now: Optional[datetime] = None) -> bool:
    """A pending batch whose job has shown no sign of life for IMPORT_STALE_SECONDS (the server stopped
    mid-way, or the job died before it could record the failure)."""
    if batch.status is not BatchStatus.pending:
        return False
    limit = app.config.get("IMPORT_STALE_SECONDS", 1800)
    try:
        last = datetime.fromtimestamp(progress_file(app, batch.id).stat().st_mtime, UTC)
    except OSError:
        last = batch.created_at
    return ((now or datetime.now(UTC)) - last).total_seconds() > limit


def start(app, batch_id: int, *, commit: bool, user_id: Optional[int] = None, wait: bool = False):
    """Plan (preview) or commit a stored upload in the background; `wait` runs it inline. `user_id`
    is the person who acts (who confirms a commit); by default the uploader."""
    write_progress(app, batch_id, "queued", 0)  # a sign of life until a worker takes it
    future = _executor.submit(_run, app, batch_id, commit, user_id)
    if wait:
        future.result()
    return future


def _run(app, batch_id: int, commit: bool, user_id: Optional[int] = None) -> None:
    from scorecard.extensions import db

    with app.app_context():
        session = db.session
        try:
            batch = session.get(ImportBatch, batch_id)
            if batch is None or batch.status is not BatchStatus.pending:
                return  # cancelled, or given up as stalled, while it waited in the queue
            options = dict(batch.options or {})
            acting = user_id if user_id is not None else batch.user_id
            actor = session.get(User, acting) if acting is not None else None
            if actor is not None and commit:
                access.check(actor, batch)  # checked by the page too; the worker does not take it on trust
            write_progress(app, batch_id, "reading", 0)
            result = run_import(
                session, batch.stored_path, filename=batch.filename, format_name=options.pop("format", None),
                sheet=options.pop("sheet", None), options=options, dry_run=not commit,
                user_id=actor.id if actor is not None else None,
                progress=lambda stage, rows: write_progress(app, batch_id, stage, rows),
                batch=batch if commit else None)
            batch = session.get(ImportBatch, batch_id)
            if not commit and actor is not None and result.format and not access.may_upload(actor, result.format):
                # Layouts whose sink checks no permission (observations) are refused here, after the
                # dry run that recognised them and before anything could be written.
                raise ImportFileError(f"the file is a {FORMATS[result.format].title} file, which your role "
                                      f"({actor.role.value}) may not import; nothing was imported")
            if result.status == "imported":
                _finish(app, session, batch)
                return
            batch.format = result.format
            batch.errors = result.errors
            batch.rejected = result.rejected
            batch.total_rows = result.total_rows
            batch.message = result.message
            if result.status == "would_import":
                batch.status = BatchStatus.previewed
                counts = result.plan.counts
                batch.inserted, batch.updated, batch.unchanged = (
                    counts["inserted"], counts["updated"], counts["unchanged"])
                batch.preview = _preview(result)
            elif result.status == "duplicate":
                batch.status = BatchStatus.rejected
            else:
                batch.status = BatchStatus.rejected
                batch.preview = {"unknown_columns": result.unknown_columns, "warnings": result.warnings}
        except (ImportFileError, access.BatchRefused) as error:
            session.rollback()
            batch = session.get(ImportBatch, batch_id)
            batch.status, batch.message = BatchStatus.failed, str(error)
        except Exception:  # the batch must never stay "pending" forever
            log.exception("import batch %s failed", batch_id)
            session.rollback()
            batch = session.get(ImportBatch, batch_id)
            batch.status, batch.message = BatchStatus.failed, "The import failed unexpectedly; nothing was changed."
        session.commit()
        _finish(app, session, batch)


def _finish(app, session, batch) -> None:
    """The job is over: drop the progress file, and the upload once nothing can need it again (committed,
    or unreadable); a preview keeps it for the confirm, a rejection for its error report."""
    discard_files(app, batch, upload=batch.status in (BatchStatus.committed, BatchStatus.failed))
    session.remove() if hasattr(session, "remove") else None


def _preview(result) -> dict:
    plan = result.plan
    return {
        "changes": result.preview,
        "driver_notes": plan.driver_notes[:1000], "created": plan.created,
        "unknown_columns": result.unknown_columns, "warnings": result.warnings,
    }
