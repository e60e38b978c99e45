"""Upload ▸ background preview ▸ confirm / cancel ▸ history ▸ revert."""
import io
import logging
import tempfile
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from importers import access, jobs
from importers import revert as reverts
from importers.error_report import error_report, kept_page
from importers.formats.registry import FORMATS
from importers.pipeline import MAX_ERRORS_KEPT
from importers.templates import write_template
from importers.trail import trail
from importers.web import bp
from importers.web.forms import ConfirmForm, UploadForm
from scorecard.extensions import db
from scorecard.models import BatchStatus, ImportBatch, Role
from scorecard.paging import page_of
from scorecard.permissions import requires, scoped
from scorecard.storage import StorageUnavailable, storage
from scorecard.text import listed

ERRORS_SHOWN = 500  # problems listed on the page; the download lists every one kept
HISTORY_PAGE = 100  # import batches a page of the history lists
log = logging.getLogger(__name__)


@bp.route("/")
@requires("import_data", "upload_commitments")
def history():
    allowed = access.uploadable(current_user)
    # The batches the user may act on: of the formats they may upload (or never recognised), and
    # for officers and leaders only their own.
    query = sa.select(ImportBatch).where(sa.or_(ImportBatch.format.in_(allowed), ImportBatch.format.is_(None),
                                                ImportBatch.user_id == current_user.id))  # theirs refused: below
    if scoped(current_user):
        query = query.where(ImportBatch.user_id == current_user.id)
    # newest uploaded first: batches dated when their files came (the demo's) are not newer for a larger id
    query = query.order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc())
    # Those the user may act on (access.refusal, as the API lists them) are counted and paged: counted before,
    # an officer's unrecognised upload the analyst may not open was in the total and left pages short.
    # Read with the columns the refusal reads alone; the page's batches whole after.
    light = query.options(so.load_only(ImportBatch.id, ImportBatch.format, ImportBatch.options,
                                       ImportBatch.user_id, ImportBatch.status))
    ids = [b.id for b in db.session.scalars(light) if access.refusal(current_user, b) is None]
    total = len(ids)
    # every batch, HISTORY_PAGE at a time (the newest 200 alone left older ones, and their reverts, unreachable)
    shown = page_of(total, request.args.get("page", 1, type=int), HISTORY_PAGE)
    batches = list(db.session.scalars(query.where(ImportBatch.id.in_(ids[shown.start:shown.end]))))
    for batch in batches:  # one whose server or worker stopped says so here too, not "pending" for ever
        if batch.status is BatchStatus.pending:
            jobs.give_up_if_stalled(current_app, db.session, batch)
    formats = {name: access.format_title(current_user, name) for name in allowed}
    under_way = {b.id for b in batches if jobs.reverting(current_app, b)}
    return render_template("imports/history.html", batches=batches, form=ConfirmForm(), formats=formats,
                           reverting=under_way, revertible={b.id for b in batches if reverts.offered(b)},
                           total=total, page=shown.number, pages=shown.pages)


@bp.route("/upload", methods=["GET", "POST"])
@requires("import_data", "upload_commitments")
def upload():
    form = UploadForm()
    allowed = access.uploadable(current_user)
    # Only the layouts the user may import; with one (officers and leaders: commitments) it is chosen.
    form.format.choices = [SelectChoice(c.value, access.format_title(current_user, c.value) if c.value else c.label)
                           for c in form.format.choices if c.value in allowed or (not c.value and len(allowed) > 1)]
    if len(allowed) == 1 and not form.format.data:  # one sent is checked, not replaced: it is refused if not this one
        form.format.data = allowed[0]
    if form.validate_on_submit():
        jobs.sweep(current_app, db.session)  # old previews and uploads go as new ones arrive
        try:
            batch = _store_upload(form)
        except StorageUnavailable as error:  # a full disk: said beside the file, the form as it was sent
            log.error("an upload could not be stored: %s", error.cause)
            form.file.errors = [str(error)]
            return render_template("imports/upload.html", form=form), 503
        # Not queued (no worker reachable): the batch, failed, says why on its page (a flash said it twice).
        jobs.launch(current_app._get_current_object(), db.session, batch, commit=False,
                    wait=current_app.config.get("IMPORTS_INLINE", False))
        return redirect(url_for("imports.show", batch_id=batch.id))
    sent = form.format.data
    if form.format.errors and sent in FORMATS and sent not in allowed:  # a layout that exists, not this person's
        form.format.errors = [f"Your role does not upload “{FORMATS[sent].title}” files; it uploads "
                              f"{listed(f'“{access.format_title(current_user, name)}”' for name in allowed)}."]
    return render_template("imports/upload.html", form=form), 400 if form.errors else 200


def _store_upload(form) -> ImportBatch:
    upload = form.file.data
    options = {k: v for k, v in (("format", form.format.data), ("sheet", form.sheet.data),
                                 ("program", form.program.data), ("period", form.period.data),
                                 ("touchpoint", form.touchpoint.data), ("trust_scale", form.trust_scale.data)) if v}
    return jobs.store(current_app, db.session, upload.stream, upload.filename, current_user.id, options)


def _batch(batch_id: int) -> ImportBatch:
    """The batch, when the current user may act on it (view, confirm, cancel, revert): 403 otherwise."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        abort(404)
    reason = access.refusal(current_user, batch)
    if reason:
        abort(403, description=reason)
    return batch


def _progress(batch: ImportBatch) -> dict:
    """How far the batch's job got; a pending batch whose job stopped showing signs of life is failed."""
    jobs.give_up_if_stalled(current_app, db.session, batch)
    return jobs.read_progress(current_app, batch)




@bp.route("/<int:batch_id>")
@requires("import_data", "upload_commitments")
def show(batch_id):
    batch = _batch(batch_id)
    report = None
    if batch.status is BatchStatus.rejected and batch.errors:  # kept on the batch, or read from the upload
        report = kept_page(batch, storage(current_app))
        report = report if report.header else None  # the upload is gone: the list of errors below says it all
    committed = batch.status is BatchStatus.committed
    return render_template("imports/show.html", batch=batch, form=ConfirmForm(), report=report,
                           steps=trail(db.session, batch),
                           progress=_progress(batch), outcome=jobs.revert_outcome(batch), errors_shown=ERRORS_SHOWN,
                           errors_kept=MAX_ERRORS_KEPT, offers_revert=reverts.offered(batch),
                           carried_from=reverts.carried_from(batch) if committed else [],
                           carried_by=reverts.carried_by(db.session, batch.id) if committed else [],
                           since_preview=jobs.written_since_preview(db.session, batch, current_user),
                           revert_counted=db.engine.dialect.name != "sqlite")  # see jobs._revert_progress


@bp.route("/<int:batch_id>/status")
@requires("import_data", "upload_commitments")
def status(batch_id):
    batch = _batch(batch_id)
    progress = _progress(batch)
    return jsonify(status=batch.status.value, stage=progress["stage"], rows=progress["rows"],
                   total=batch.total_rows, message=batch.message, working=progress["working"])


@bp.route("/<int:batch_id>/confirm", methods=["POST"])
@requires("import_data", "upload_commitments")
def confirm(batch_id):
    batch = _batch(batch_id)
    # Claimed in one conditional UPDATE: of two confirms posted at once only one starts the commit.
    if not jobs.claim(db.session, batch, (BatchStatus.previewed,), BatchStatus.pending):
        flash(batch.confirm_refused, "error")
        return redirect(url_for("imports.show", batch_id=batch.id))
    # Written as the person who confirms: their scope applies to every row, and the audit event and
    # history rows name them (the batch keeps who uploaded it).
    refused = jobs.launch(current_app._get_current_object(), db.session, batch, commit=True, user_id=current_user.id,
                          wait=current_app.config.get("IMPORTS_INLINE", False))
    if refused:
        flash(refused, "error")
    return redirect(url_for("imports.show", batch_id=batch.id))


@bp.route("/<int:batch_id>/cancel", methods=["POST"])
@requires("import_data", "upload_commitments")
def cancel(batch_id):
    batch = _batch(batch_id)
    cancellable = (BatchStatus.previewed, BatchStatus.rejected, BatchStatus.failed)
    if not jobs.claim(db.session, batch, cancellable, BatchStatus.cancelled):
        if batch.status is BatchStatus.pending and not jobs.confirmed(batch):  # its preview is still being made
            flash(f"Batch {batch.id} is still being read; it can be cancelled once its preview shows on this page. "
                  "Nothing is written before it is confirmed.", "error")
        else:
            flash(f"Batch {batch.id} is {batch.status.value}; it can no longer be cancelled.", "error")
        return redirect(url_for("imports.show", batch_id=batch.id))
    jobs.discard_files(current_app, batch)
    flash(f"Import of {batch.filename} cancelled; nothing was changed.", "info")
    return redirect(url_for("imports.history"))


@bp.route("/<int:batch_id>/revert", methods=["GET", "POST"])
@requires("import_data", "upload_commitments")
def revert(batch_id):
    """GET: what reverting the batch does, and the button that does it (a revert was one click from the
    history's list of every batch); POST: revert it."""
    batch = _batch(batch_id)
    # Only a POST (which carries its CSRF token) reverts: a HEAD, answered as a GET, reverted a batch.
    if request.method != "POST":
        if batch.status is not BatchStatus.committed or jobs.reverting(current_app, batch):
            flash(f"Batch {batch.id} is being reverted already." if batch.status is BatchStatus.committed else
                  f"Batch {batch.id} is {batch.status.value}; only a committed import can be reverted.", "error")
            return redirect(url_for("imports.show", batch_id=batch.id))
        # what it created stays: said before the click (it was said only after the revert)
        kept = reverts.kept_words({"kept": (batch.preview or {}).get("created") or {}, "dry_run": True})
        return render_template("imports/revert.html", batch=batch, form=ConfirmForm(), kept=kept,
                               carried_from=reverts.carried_from(batch),
                               carried_by=reverts.carried_by(db.session, batch.id))
    # In the background: a large batch takes longer than a proxy waits for an answer. Its page shows
    # the revert under way, then what it did.
    refused = jobs.launch_revert(current_app._get_current_object(), db.session, batch, user_id=current_user.id,
                                 wait=current_app.config.get("IMPORTS_INLINE", False))
    if refused:
        flash(refused, "error")
    return redirect(url_for("imports.show", batch_id=batch_id))


@bp.route("/<int:batch_id>/errors.xlsx")
@requires("import_data", "upload_commitments")
def errors_xlsx(batch_id):
    batch = _batch(batch_id)
    if not batch.errors:
        abort(404)
    buffer = io.BytesIO()
    error_report(batch, store=storage(current_app)).write_xlsx(buffer)
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name=f"import-{batch.id}-errors.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/templates/<format_name>.xlsx")
@requires("import_data", "upload_commitments")
def template(format_name):
    """A blank template for one format, with today's names in its drop-down lists."""
    if format_name not in FORMATS:
        abort(404)
    if not access.may_upload(current_user, format_name):
        abort(403)
    with tempfile.TemporaryDirectory() as folder:
        own = current_user.function.code if current_user.role is Role.officer and current_user.function else None
        path = write_template(db.session, format_name, Path(folder) / f"{format_name}.xlsx", function=own)
        data = io.BytesIO(path.read_bytes())
    return send_file(data, as_attachment=True, download_name=f"{format_name}-template.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
