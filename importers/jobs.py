"""Imports started from the web run in the background; progress is kept in a small file beside
the upload so every server process can report it."""
import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from importers.errors import ImportFileError
from importers.pipeline import run_import
from scorecard.models import BatchStatus, ImportBatch

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


def start(app, batch_id: int, *, commit: bool, wait: bool = False):
    """Plan (preview) or commit a stored upload in the background; `wait` runs it inline."""
    future = _executor.submit(_run, app, batch_id, commit)
    if wait:
        future.result()
    return future


def _run(app, batch_id: int, commit: bool) -> None:
    from scorecard.extensions import db

    with app.app_context():
        session = db.session
        try:
            batch = session.get(ImportBatch, batch_id)
            options = dict(batch.options or {})
            write_progress(app, batch_id, "reading", 0)
            result = run_import(
                session, batch.stored_path, filename=batch.filename, format_name=options.pop("format", None),
                sheet=options.pop("sheet", None), options=options, dry_run=not commit, user_id=batch.user_id,
                progress=lambda stage, rows: write_progress(app, batch_id, stage, rows),
                batch=batch if commit else None)
            batch = session.get(ImportBatch, batch_id)
            if result.status == "imported":
                write_progress(app, batch_id, "done", result.total_rows)
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
        except ImportFileError as error:
            session.rollback()
            batch = session.get(ImportBatch, batch_id)
            batch.status, batch.message = BatchStatus.failed, str(error)
        except Exception:  # the batch must never stay "pending" forever
            log.exception("import batch %s failed", batch_id)
            session.rollback()
            batch = session.get(ImportBatch, batch_id)
            batch.status, batch.message = BatchStatus.failed, "The import failed unexpectedly; nothing was changed."
        write_progress(app, batch_id, "done", batch.total_rows or 0)
        session.commit()
        session.remove() if hasattr(session, "remove") else None


def _preview(result) -> dict:
    plan = result.plan
    return {
        "changes": result.preview,
        "unplaced": plan.unplaced[:500], "created": plan.created,
        "unknown_columns": result.unknown_columns, "warnings": result.warnings,
    }
