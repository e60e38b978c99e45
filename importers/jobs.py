"""Imports started from the web or the API, and reverts started from the web, run in the background
(scorecard.dispatch: the server's threads, or Celery workers on any host). The upload is kept in the upload storage
(scorecard.storage), and the job's stage, rows read and last sign of life on the batch row, so every
server can report progress and notice a job that died."""
import logging
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import PurePath
from typing import BinaryIO, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import secure_filename

from importers import access
from importers.error_report import KEPT, page_report
from importers.errors import ImportFileError
from importers.formats.registry import FORMATS, SINKS
from importers.pipeline import run_import
from scorecard.dispatch import NotQueued, dispatch, record_the_end, report, still_waiting, task
from scorecard.models import BatchStatus, ImportBatch, User, utcnow
from scorecard.models.audit import by_the_system
from scorecard.storage import storage

log = logging.getLogger(__name__)


def store(app, session, stream: BinaryIO, sent_name: Optional[str], user_id: int, options: dict) -> ImportBatch:
    """Keep an upload and record its batch, pending. `sent_name` is the file name as the browser or
    client sent it: the batch keeps the name the user knows (`display_name`), the storage a safe one
    (`storage_name`)."""
    limit = app.config.get("MAX_UPLOAD_BYTES")
    if limit and _size(stream) > limit:  # the request's own limit leaves room for the form around the file
        raise RequestEntityTooLarge()
    shown = display_name(sent_name)
    key, checksum = storage(app).save(stream, storage_name(shown))
    batch = ImportBatch(filename=shown, checksum=checksum, user_id=user_id, status=BatchStatus.pending,
                        stored_path=key, options=options, stage="queued", heartbeat_at=utcnow())
    session.add(batch)
    session.commit()
    return batch


def _size(stream: BinaryIO) -> int:
    """The bytes of an upload as received (werkzeug keeps it in a seekable file), read from its start."""
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def display_name(sent: Optional[str]) -> str:
    """The name the user knows the file by: its last path part (some browsers send the whole path),
    without control characters, at most 300 characters (the column's size), its extension kept."""
    name = re.split(r"[\\/]", sent or "")[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return _shorten(name, 300) or "upload"


def storage_name(shown: str) -> str:
    """A safe file name for the storage (ASCII letters, digits, dots, dashes), at most 100 characters,
    its extension kept (the readers go by it)."""
    suffix = secure_filename(_extension(shown))  # "報告.csv" is stored as upload.csv
    stem = secure_filename(PurePath(shown).stem if suffix else shown) or "upload"
    return _shorten(f"{stem}.{suffix}" if suffix else stem, 100)


def _extension(name: str) -> str:
    """`name`'s extension with its dot when it is a short one (at most 10 characters), else ""."""
    suffix = PurePath(name).suffix
    return suffix if len(suffix) <= 10 else ""


def _shorten(name: str, limit: int) -> str:
    """`name` cut to `limit` characters, keeping a short extension."""
    if len(name) <= limit:
        return name
    suffix = _extension(name)
    return name[:limit - len(suffix)] + suffix


def _kept_rows(app, batch: ImportBatch) -> Optional[dict]:
    """The rejected rows the batch's page shows, picked out of its file (importers.error_report), or None
    when that fails: the file is rejected all the same, and its page reads them when it is opened."""
    try:
        return page_report(batch, storage(app)).as_json()
    except Exception:  # noqa: BLE001 — a rejected file stays rejected, not "failed unexpectedly"
        log.exception("the rejected rows of import batch %s could not be picked out", batch.id)
        return None


def write_progress(app, batch_id: int, stage: str, rows: int) -> None:
    """Record the job's stage and rows on its (still pending) batch, as a report that never makes
    the import wait (scorecard.dispatch.report). A stage longer than its column is a fault of the code,
    raised on every database alike (SQLite would keep it, PostgreSQL refuse it)."""
    if len(stage) > ImportBatch.stage.type.length:
        raise ValueError(f"the stage {stage!r} is longer than {ImportBatch.stage.type.length} characters")
    report(sa.update(ImportBatch).where(ImportBatch.id == batch_id, ImportBatch.status == BatchStatus.pending)
           .values(stage=stage, progress=rows, heartbeat_at=utcnow()))


def read_progress(app, batch: ImportBatch) -> dict:
    """How far the batch's job got: {stage, rows, working}; a revert under way is the stage "reverting"
    with the rows it removed so far."""
    if reverting(app, batch):
        return {"stage": REVERTING, "rows": batch.progress or 0, "working": True}
    if batch.status is not BatchStatus.pending:
        return {"stage": "done", "rows": batch.total_rows or 0, "working": False}
    stage = batch.stage or "queued"
    if stage == "queued" and batch.heartbeat_at is not None:  # (set when it was queued)
        stage = still_waiting(app, (utcnow() - batch.heartbeat_at).total_seconds()) or stage
    return {"stage": stage, "rows": batch.progress or 0, "working": True}


def discard_files(app, batch, *, upload: bool = True) -> None:
    """Remove the batch's stored upload (with `upload`): nothing is left behind."""
    if upload and batch.stored_path:
        try:
            storage(app).delete(batch.stored_path)
        except Exception:  # noqa: BLE001 — a store that cannot delete now is swept later
            log.warning("could not remove the upload of batch %s", batch.id, exc_info=True)


def claim(session, batch, sources: tuple, target: BatchStatus, **values) -> bool:
    """Move the batch from one of `sources` to `target` (setting `values` too) in one conditional
    UPDATE, committed: of two requests at once only one wins. False, and the batch refreshed, when
    another moved it first."""
    if target is BatchStatus.pending:  # waiting for a worker again: its heartbeat starts now
        values = {"stage": "queued", "progress": 0, "heartbeat_at": utcnow(), **values}
    moved = session.execute(
        sa.update(ImportBatch).where(ImportBatch.id == batch.id, ImportBatch.status.in_(sources))
        .values(status=target, **values).execution_options(synchronize_session=False)).rowcount
    session.commit()
    session.refresh(batch)
    return bool(moved)


def sweep(app, session, now: Optional[datetime] = None) -> dict:
    """Uploads are not kept forever: a preview nobody confirmed or cancelled within IMPORT_KEEP_DAYS
    (SCORECARD_IMPORT_KEEP_DAYS, default 7) is cancelled, and the stored upload of a batch that can
    no longer use it (rejected, cancelled or failed that long ago; its errors stay listed) is removed.
    A pending batch whose job stopped (`stalled`) is failed, saying so."""
    days = app.config.get("IMPORT_KEEP_DAYS", 7)
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    old = sa.select(ImportBatch).where(ImportBatch.created_at < cutoff, ImportBatch.stored_path.is_not(None))
    expired = removed = 0
    with by_the_system():  # no one's cancel, whoever's upload or request runs the sweep
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
    failed = 0  # after the removals: a batch failed now keeps its upload until a later sweep
    for batch in session.scalars(sa.select(ImportBatch).where(ImportBatch.status == BatchStatus.pending)).all():
        if stalled(app, batch, now):
            give_up_if_stalled(app, session, batch, now)
            failed += batch.status is BatchStatus.failed
    return {"expired": expired, "removed": removed, "failed": failed}


def stalled(app, batch, now: Optional[datetime] = None) -> bool:
    """A pending batch whose job has shown no sign of life for IMPORT_STALE_SECONDS (its server or
    worker stopped mid-way, or the job died before it could record the failure)."""
    if batch.status is not BatchStatus.pending:
        return False
    return (now or datetime.now(UTC)) - (batch.heartbeat_at or batch.created_at) > _stale_after(app)


def _stale_after(app) -> timedelta:
    """How long a pending batch's job may show no sign of life before it counts as stalled."""
    return timedelta(seconds=app.config.get("IMPORT_STALE_SECONDS", 1800))


def give_up_if_stalled(app, session, batch, now: Optional[datetime] = None) -> None:
    """Fail a stalled batch (once, whoever asks first), saying what happened; its upload is kept, so
    it can be imported again."""
    if stalled(app, batch, now) and claim(session, batch, (BatchStatus.pending,), BatchStatus.failed):
        batch.message = ("The import stopped before it finished (its server or worker stopped); nothing was "
                         "changed. Upload the file again.")
        session.commit()


def start(app, batch_id: int, *, commit: bool, user_id: Optional[int] = None, wait: bool = False):
    """Plan (preview) or commit a stored upload in the background; `wait` runs it inline. `user_id`
    is the person who acts (who confirms a commit); by default the uploader. Raises
    scorecard.dispatch.NotQueued when no worker can be reached."""
    return dispatch(app, "import.run", inline=wait, batch_id=batch_id, commit=commit, user_id=user_id)


def launch(app, session, batch, *, commit: bool, user_id: Optional[int] = None, wait: bool = False) -> Optional[str]:
    """Start the batch's preview (or, claimed pending by a confirm, its commit); None when started,
    else why it could not be (no worker reachable): a preview is then failed with that message, a
    confirmed batch goes back to previewed, so the user may confirm it again later."""
    try:
        start(app, batch.id, commit=commit, user_id=user_id, wait=wait)
        return None
    except NotQueued as error:
        back = BatchStatus.previewed if commit else BatchStatus.failed
        claim(session, batch, (BatchStatus.pending,), back, **({} if commit else {"message": str(error)}))
        return str(error)


def _take(app, session, batch_id: int) -> bool:
    """Claim a pending batch for this run, in one conditional UPDATE: it is waiting for a worker, or its
    last worker stopped showing signs of life. A task delivered twice (its first worker was killed, or
    the broker gave it out again) runs once at a time."""
    now = utcnow()
    cutoff = now - _stale_after(app)
    taken = session.execute(
        sa.update(ImportBatch).where(
            ImportBatch.id == batch_id, ImportBatch.status == BatchStatus.pending,
            sa.or_(ImportBatch.stage.is_(None), ImportBatch.stage == "queued", ImportBatch.heartbeat_at.is_(None),
                   ImportBatch.heartbeat_at < cutoff))
        .values(stage="reading", progress=0, heartbeat_at=now).execution_options(synchronize_session=False)).rowcount
    session.commit()
    return bool(taken)


@task("import.run")
def _run(app, batch_id: int, commit: bool, user_id: Optional[int] = None) -> None:
    from scorecard.extensions import db

    with app.app_context():
        session = db.session
        try:
            if not _take(app, session, batch_id):
                return  # cancelled, given up as stalled, done, or another worker has it
            batch = session.get(ImportBatch, batch_id)
            options = dict(batch.options or {})
            acting = user_id if user_id is not None else batch.user_id
            actor = session.get(User, acting) if acting is not None else None
            if actor is not None and commit:
                access.check(actor, batch)  # checked by the page too; the worker does not take it on trust
            with storage(app).local(batch.stored_path) as path:
                result = run_import(
                    session, path, filename=batch.filename, format_name=options.pop("format", None),
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
            batch.inserted = batch.updated = batch.unchanged = batch.removed = 0  # a preview's, below; a refusal's none
            if result.status == "would_import":
                batch.status = BatchStatus.previewed
                batch.take_counts(result.plan.counts)
                batch.preview = _preview(result)
            elif result.status == "duplicate":  # nothing to write: kept as rejected, and said to be a duplicate
                batch.status = BatchStatus.rejected
                batch.preview = {"duplicate": True}
            else:
                batch.status = BatchStatus.rejected
                batch.preview = {"unknown_columns": result.unknown_columns, "warnings": result.warnings}
                if batch.errors and batch.stored_path:
                    write_progress(app, batch_id, "picking out rows", result.total_rows or 0)  # its rejected ones
                    batch.preview[KEPT] = _kept_rows(app, batch)
            session.commit()
        except FileNotFoundError:
            batch = _fail(session, batch_id, "The stored upload is no longer there (it was removed or expired); "
                                             "nothing was changed. Upload the file again.")
        except (ImportFileError, access.BatchRefused) as error:
            batch = _fail(session, batch_id, str(error), getattr(error, "format", None))
        except sa.exc.OperationalError as error:  # the database stopped answering (a restart): not the file
            log.warning("import batch %s failed: the database stopped answering (%s)", batch_id, error.orig)
            batch = _fail(session, batch_id, DATABASE_WENT_AWAY)
        except Exception:  # the batch must never stay "pending" forever
            log.exception("import batch %s failed", batch_id)
            batch = _fail(session, batch_id, "The import failed unexpectedly; nothing was changed.")
        _finish(app, session, batch)


DATABASE_WENT_AWAY = ("The database stopped answering during the import (it may have been restarting); nothing "
                      "was changed. Upload the file again in a minute.")

def _fail(session, batch_id: int, message: str, format_name: Optional[str] = None) -> ImportBatch:
    """Record the batch as failed with `message` (and the layout its file was read as, when known), through
    an outage of the database (`record_the_end`), so the analyst sees "failed" and may import again, not a
    batch "pending" until it counts as stalled."""
    def write() -> ImportBatch:
        batch = session.get(ImportBatch, batch_id)
        batch.status, batch.message = BatchStatus.failed, message
        batch.format = format_name or batch.format
        session.commit()
        return batch
    return record_the_end(session, write, f"import batch {batch_id}")


def _finish(app, session, batch) -> None:
    """The job is over: drop the upload once nothing can need it again (committed, or unreadable); a
    preview keeps it for the confirm, a rejection for its error report."""
    discard_files(app, batch, upload=batch.status in (BatchStatus.committed, BatchStatus.failed))
    session.remove() if hasattr(session, "remove") else None


DRIVER_NOTES_KEPT = 1000  # the driver rule's notes a preview keeps for its page


def confirmed(batch) -> bool:
    """Whether a pending batch is being committed (its preview was shown and confirmed), not previewed."""
    return "plan" in (batch.preview or {})


def _preview(result) -> dict:
    plan = result.plan
    return {
        "changes": result.preview, "plan": plan.fingerprint(),  # the confirm checks it still plans this
        # The notes the page can list, in the order it lists them (swaps first): the first 1,000 by row left out a
        # large file's swaps further down; and how many there are in all, which the page says.
        "driver_notes": sorted(plan.driver_notes, key=lambda item: item["note"], reverse=True)[:DRIVER_NOTES_KEPT],
        "driver_notes_total": len(plan.driver_notes), "created": plan.created,
        "unknown_columns": result.unknown_columns, "warnings": result.warnings,
        PREVIEWED_AT: utcnow().isoformat(),
    }


PREVIEWED_AT = "previewed_at"  # when the preview's plan was made against the stored rows


def written_since_preview(session, batch, user) -> tuple[list[tuple[int, str]], int]:
    """The other batches confirmed or reverted since `batch` was previewed that wrote the same table (a
    commitments file is not changed by a survey import) and that `user` may open, as (id, what befell it),
    the first SHOWN_SINCE of them, and how many more: the preview's Before values may no longer be what is
    stored (the confirm plans again, and previews again rather than write what changed). None for a preview
    that did not keep its time."""
    at = (batch.preview or {}).get(PREVIEWED_AT)
    if batch.status is not BatchStatus.previewed or not at or not batch.format:
        return [], 0
    since = datetime.fromisoformat(at)
    def table(name):  # what a layout's sink writes: the observations table, else the sink's own records
        return getattr(SINKS[FORMATS[name].sink], "table", FORMATS[name].sink)

    writes = table(batch.format)
    found = []
    light = so.load_only(ImportBatch.id, ImportBatch.user_id, ImportBatch.format, ImportBatch.options,
                         ImportBatch.status, ImportBatch.committed_at, ImportBatch.reverted_at)  # not their JSON
    for other in session.scalars(sa.select(ImportBatch).options(light).where(
            ImportBatch.id != batch.id, sa.or_(ImportBatch.committed_at > since, ImportBatch.reverted_at > since),
            ImportBatch.status.in_((BatchStatus.committed, BatchStatus.reverted))).order_by(ImportBatch.id.desc())):
        name = access.batch_format(other)
        if name not in FORMATS or table(name) != writes or access.refusal(user, other):
            continue
        confirmed = other.committed_at is not None and other.committed_at > since
        what = ("confirmed and reverted" if confirmed else "reverted") if other.reverted_at else "confirmed"
        found.append((other.id, what))
    return sorted(found[:SHOWN_SINCE]), max(0, len(found) - SHOWN_SINCE)


SHOWN_SINCE = 10  # batches a preview names as written since it was made; the others are counted


# --------------------------------------------------------------------------- reverts

REVERTING = "reverting"  # the stage of a committed batch whose revert is running
REVERT_OUTCOME = "revert_outcome"  # where the batch's preview keeps what its last revert did


def reverting(app, batch, now: Optional[datetime] = None) -> bool:
    """True while a revert of the batch runs: claimed, and its job still shows signs of life (a job that
    died rolled back, so the batch may be reverted again). The job is over once it has recorded what it
    did (`_revert_over`), just after the batch reads "reverted": a page that looked in between showed
    the batch reverted without a word of what the revert did."""
    return (batch.status in (BatchStatus.committed, BatchStatus.reverted) and batch.stage == REVERTING
            and (now or datetime.now(UTC)) - (batch.heartbeat_at or batch.created_at) <= _stale_after(app))


def launch_revert(app, session, batch, *, user_id: int, wait: bool = False) -> Optional[str]:
    """Start reverting a committed batch in the background as `user_id` (`wait`: here and now); None when
    started, else why not (already being reverted, not committed, no worker reachable). Claimed in one
    conditional UPDATE: of two reverts posted at once only one starts."""
    now = utcnow()
    claimed = session.execute(
        sa.update(ImportBatch).where(
            ImportBatch.id == batch.id, ImportBatch.status == BatchStatus.committed,
            sa.or_(ImportBatch.stage.is_(None), ImportBatch.stage != REVERTING, ImportBatch.heartbeat_at.is_(None),
                   ImportBatch.heartbeat_at < now - _stale_after(app)))
        .values(stage=REVERTING, progress=0, heartbeat_at=now).execution_options(synchronize_session=False)).rowcount
    session.commit()
    session.refresh(batch)
    if not claimed:
        if batch.status is BatchStatus.committed:
            return f"Batch {batch.id} is being reverted already."
        return f"Batch {batch.id} is {batch.status.value}; only a committed import can be reverted."
    try:
        dispatch(app, "import.revert", inline=wait, batch_id=batch.id, user_id=user_id)
    except NotQueued as error:
        _revert_over(session, batch.id, None)
        return str(error)
    return None


def revert_outcome(batch) -> Optional[dict]:
    """What the batch's last revert did: {"words", "kind" (success, warning, error), "at" (a datetime)}, or
    None."""
    found = (batch.preview or {}).get(REVERT_OUTCOME)
    return {**found, "at": datetime.fromisoformat(found["at"])} if found else None


def _revert_over(session, batch_id: int, outcome: Optional[dict]) -> None:
    """The revert job is over: the batch is no longer being reverted, and keeps what the revert did."""
    batch = session.get(ImportBatch, batch_id)
    batch.stage, batch.heartbeat_at = None, None
    if outcome is not None:
        batch.preview = {**(batch.preview or {}), REVERT_OUTCOME: {**outcome, "at": utcnow().isoformat()}}
    session.commit()


@task("import.revert")
def _revert(app, batch_id: int, user_id: Optional[int]) -> None:
    from importers.revert import RevertError, outcome_words, revert_batch
    from scorecard.extensions import db

    with app.app_context():
        session = db.session
        batch = session.get(ImportBatch, batch_id)
        if batch is None or batch.status is not BatchStatus.committed or batch.stage != REVERTING:
            session.remove() if hasattr(session, "remove") else None
            return  # delivered again after it ran (Celery's late acks): nothing to do, nothing to say
        try:
            summary = revert_batch(session, batch_id, user_id=user_id,
                                   progress=lambda stage, rows: _revert_progress(batch_id, stage, rows))
            words, kind = outcome_words(batch_id, summary)
        except RevertError as error:
            session.rollback()
            words, kind = f"Batch {batch_id} was not reverted: {error}", "error"
        except sa.exc.OperationalError as error:  # the database stopped answering (a restart)
            log.warning("revert of import batch %s failed: the database stopped answering (%s)", batch_id, error.orig)
            session.rollback()
            words, kind = (f"The database stopped answering during the revert of batch {batch_id} (it may have been "
                           "restarting); nothing was changed. Revert it again in a minute."), "error"
        except Exception:  # the batch must never stay "reverting" for ever
            log.exception("revert of import batch %s failed", batch_id)
            session.rollback()
            words, kind = f"The revert of batch {batch_id} failed unexpectedly; nothing was changed.", "error"
        _revert_over(session, batch_id, {"words": words, "kind": kind})
        session.remove() if hasattr(session, "remove") else None


def _revert_progress(batch_id: int, stage: str, rows: int) -> None:
    """The revert's stage and rows removed so far, as a report that never makes it wait (on SQLite the
    revert's own transaction holds the lock, so only PostgreSQL shows the rows as they go)."""
    report(sa.update(ImportBatch).where(ImportBatch.id == batch_id, ImportBatch.stage == REVERTING)
           .values(progress=rows, heartbeat_at=utcnow()))
