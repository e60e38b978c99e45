"""Import batches: upload a file (it is read and planned in the background, as on the import
pages), follow its progress, then confirm, cancel or revert it — each with the checks of the web
actions (importers/access.py, reached through the factory-wired ImportServices)."""
import contextlib
import logging
import threading
import time
from typing import Optional

import sqlalchemy as sa
from flask import current_app, url_for
from flask_login import current_user

from scorecard.api import schemas as s
from scorecard.api.base import Blueprint, page_of_list
from scorecard.api.ports import imports
from scorecard.api.problems import PROBLEM_JSON, ApiProblem
from scorecard.extensions import db
from scorecard.models import BatchStatus, ImportBatch
from scorecard.permissions import scoped
from scorecard.storage import StorageUnavailable

blp = Blueprint("api_imports", __name__, description="Import batches: upload, preview, confirm, cancel, revert.")
BATCH_FIELDS = tuple(f for f in s.ImportBatchSchema().fields if f not in ("progress", "confirmed_by", "reverted_by"))
CONFLICT = {"schema": s.ProblemSchema, "content_type": PROBLEM_JSON}
log = logging.getLogger(__name__)


def batch_dict(batch: ImportBatch, people: Optional[dict] = None) -> dict:
    """The batch as the API gives it; `people`, the page's `trail.step_people` (read for this one batch if not
    given): who confirmed and who reverted it."""
    people = people if people is not None else imports().trail.step_people(db.session, [batch.id])
    return {**{f: getattr(batch, f) for f in BATCH_FIELDS}, **people.get(batch.id, {}), "progress": _progress(batch)}


def _progress(batch: ImportBatch) -> dict:
    """How far the batch's job got; a pending batch whose job stopped showing signs of life is failed
    (as the import pages report it)."""
    jobs = imports().jobs
    jobs.give_up_if_stalled(current_app._get_current_object(), db.session, batch)
    return jobs.read_progress(current_app._get_current_object(), batch)


def _batch(batch_id: int) -> ImportBatch:
    """The batch when the token's user may act on it, as the import pages decide: 404 when there is
    none (or, for officers and leaders, it is someone else's), 403 when its layout is not theirs."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or (scoped(current_user) and batch.user_id != current_user.id):
        raise ApiProblem(404, f"There is no import batch {batch_id} you may act on.")
    reason = imports().access.refusal(current_user, batch)
    if reason:
        raise ApiProblem(403, reason)
    return batch


def _wait(batch_id: int) -> ImportBatch:
    """Give the background job a moment (API_IMPORT_WAIT_SECONDS), so a small file answers with its
    preview at once; the batch as it then stands. It waits outside any transaction (none is left open
    while it sleeps), and only API_IMPORT_WAITERS requests of a server process wait at once: others
    answer at once with the batch pending, so uploads never take every thread (a health check then
    waited 28 s behind 16 of them)."""
    db.session.commit()
    app = current_app._get_current_object()
    waiters = app.extensions.setdefault("scorecard.api.import_waiters",
                                        threading.BoundedSemaphore(app.config["API_IMPORT_WAITERS"]))
    deadline = time.monotonic() + app.config["API_IMPORT_WAIT_SECONDS"]
    pause = 0.02
    with _held(waiters) as waiting:
        while True:
            batch = db.session.get(ImportBatch, batch_id)
            if batch.status is not BatchStatus.pending or not waiting or time.monotonic() >= deadline:
                return batch
            db.session.rollback()  # ends the read's transaction before sleeping; the next read sees the job's writes
            time.sleep(pause)
            pause = min(pause * 1.5, 0.25)


@contextlib.contextmanager
def _held(semaphore: threading.BoundedSemaphore):
    """Whether `semaphore` was free (taken until the block ends), without waiting for it."""
    taken = semaphore.acquire(blocking=False)
    try:
        yield taken
    finally:
        if taken:
            semaphore.release()


@blp.route("/imports")
@blp.arguments(s.ImportArgs, location="query")
@blp.response(200, s.page_of(s.ImportBatchSchema))
def batches(args):
    """The batches you may act on (officers and leaders: their own), by id."""
    access = imports().access
    allowed = access.uploadable(current_user)
    query = (sa.select(ImportBatch).where(sa.or_(ImportBatch.format.in_(allowed), ImportBatch.format.is_(None)))
             .order_by(ImportBatch.id))
    if scoped(current_user):
        query = query.where(ImportBatch.user_id == current_user.id)
    if args.get("status"):
        query = query.where(ImportBatch.status == args["status"])
    if args.get("format"):  # one of the layouts (schemas.Layout): as the other filters, another is refused
        query = query.where(ImportBatch.format == args["format"])
    found = [b for b in db.session.scalars(query) if access.refusal(current_user, b) is None]
    listing = page_of_list(found, args)
    people = imports().trail.step_people(db.session, [b.id for b in listing["items"]])
    listing["items"] = [batch_dict(b, people) for b in listing["items"]]
    return listing


@blp.route("/imports/<int(max=2147483647):batch_id>")
@blp.response(200, s.ImportBatchSchema)
def batch(batch_id):
    """A batch's status, progress, preview or errors."""
    return batch_dict(_batch(batch_id))


@blp.route("/imports", methods=["POST"])
@blp.arguments(s.UploadSchema, location="multipart")
@blp.response(201, s.ImportBatchSchema, headers={"Location": {"schema": {"type": "string"}}},
              description="Stored and read in the background: `previewed` with its plan, `rejected` with each bad "
                          "value in `errors`, `failed`, or still `pending` (follow GET /imports/{batch_id}).")
@blp.alt_response(503, description="The server's storage for uploads is full or cannot be written to: nothing was "
                                   "stored. Try again later (Retry-After).", **CONFLICT)
def upload(form):
    """Upload a file to import; nothing is written until the batch is confirmed."""
    services = imports()
    allowed = services.access.uploadable(current_user)
    chosen = form.get("format") or (allowed[0] if len(allowed) == 1 else None)
    if chosen is not None and chosen not in allowed:  # a layout (schemas.Layout), not one of the role's
        raise ApiProblem(403, f"{chosen!r} is not a layout you may import; yours: {', '.join(allowed)}",
                         errors=[{"row": None, "column": "format", "value": chosen,
                                  "message": f"choose one of {', '.join(allowed)}"}])
    app = current_app._get_current_object()
    services.jobs.sweep(app, db.session)  # old previews and uploads go as new ones arrive, as on the web
    options = {k: v for k, v in form.items() if k not in ("file", "format") and v}
    if chosen:
        options["format"] = chosen
        missing = [name for name in services.pipeline.needed_options(chosen) if not str(options.get(name, "")).strip()]
        if missing:  # refused now, not stored to fail in the background
            named, fields = " and ".join(missing), "a form field" if len(missing) == 1 else "form fields"
            raise ApiProblem(422, f"The {chosen} layout needs {named} chosen at upload: send {named} as {fields} "
                             "beside the file; nothing was stored.",
                             errors=[{"row": None, "column": name, "value": None,
                                      "message": f"required for the {chosen} layout"} for name in missing])
    upload = form["file"]
    with contextlib.closing(upload):
        try:
            batch = services.jobs.store(app, db.session, upload.stream, upload.filename, current_user.id, options)
        except StorageUnavailable as error:
            log.error("an upload could not be stored: %s", error.cause)
            raise ApiProblem(503, str(error), headers={"Retry-After": "300"}) from error
    services.jobs.launch(app, db.session, batch, commit=False)  # not queued: the batch fails, saying why
    batch = _wait(batch.id)
    return batch_dict(batch), 201, {"Location": url_for("api_imports.batch", batch_id=batch.id)}


@blp.route("/imports/<int(max=2147483647):batch_id>/confirm", methods=["POST"])
@blp.response(200, s.ImportBatchSchema, description="Committed; or failed (the message says why); or `previewed` "
                                                     "again, nothing written: another import changed the rows it "
                                                     "would write since the preview (the message says so; read the "
                                                     "new preview and confirm again).")
@blp.alt_response(202, schema=s.ImportBatchSchema, success=True, description="Still being written; follow "
                                                                             "GET /imports/{batch_id}.")
@blp.alt_response(409, description="Only a previewed batch can be confirmed.", **CONFLICT)
@blp.alt_response(503, description="No worker could be reached; the batch is still previewed. Try again later.",
                  **CONFLICT)
def confirm(batch_id):
    """Write a previewed batch, as the person who confirms (their scope applies to every row)."""
    services = imports()
    batch = _batch(batch_id)
    if not services.jobs.claim(db.session, batch, (BatchStatus.previewed,), BatchStatus.pending):
        raise ApiProblem(409, batch.confirm_refused)
    refused = services.jobs.launch(current_app._get_current_object(), db.session, batch, commit=True,
                                   user_id=current_user.id)
    if refused:
        raise ApiProblem(503, refused)
    batch = _wait(batch_id)
    return batch_dict(batch), 202 if batch.status is BatchStatus.pending else 200


@blp.route("/imports/<int(max=2147483647):batch_id>/cancel", methods=["POST"])
@blp.response(200, s.ImportBatchSchema)
@blp.alt_response(409, description="The batch can no longer be cancelled.", **CONFLICT)
def cancel(batch_id):
    """Cancel a previewed, rejected or failed batch; nothing is written."""
    services = imports()
    batch = _batch(batch_id)
    cancellable = (BatchStatus.previewed, BatchStatus.rejected, BatchStatus.failed)
    if not services.jobs.claim(db.session, batch, cancellable, BatchStatus.cancelled):
        raise ApiProblem(409, f"Batch {batch.id} is {batch.status.value}; it can no longer be cancelled.")
    services.jobs.discard_files(current_app._get_current_object(), batch)
    return batch_dict(batch)


@blp.route("/imports/<int(max=2147483647):batch_id>/revert", methods=["POST"])
@blp.arguments(s.RevertArgs, location="query")
@blp.response(200, s.RevertSchema)
@blp.alt_response(409, description="Not committed, or later imports changed its rows.", **CONFLICT)
def revert(args, batch_id):
    """Undo a committed batch: remove its rows and restore what it replaced; the agencies, components and
    programs it created are kept (`kept`: other data may name them now). A revert cannot itself be undone:
    `?dry_run=true` makes every check and counts what it would delete, restore and keep, changing nothing."""
    services = imports()
    _batch(batch_id)
    try:
        summary = services.revert.revert_batch(db.session, batch_id, user_id=current_user.id,
                                               dry_run=args["dry_run"])
    except services.revert.RevertError as error:
        db.session.rollback()
        raise ApiProblem(409, str(error)) from None
    db.session.expire_all()
    return {"batch": batch_dict(db.session.get(ImportBatch, batch_id)), **summary}
