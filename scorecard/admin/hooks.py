"""Audit events the import pages and the API do not write themselves: an upload (a new import
batch made while a web or API request is handled) and a preview's cancellation (a batch moved to
`cancelled`, by a person or by the expiry sweep).

Both are caught where the data changes, so the web pages, the API and the sweep are covered
alike: a mapper event on ImportBatch inserts, and an ORM execute event on UPDATEs of
import_batches (the import pages move a batch's status with one conditional UPDATE)."""
import sqlalchemy as sa
import sqlalchemy.orm as so

from scorecard.models import AuditEvent, BatchStatus, ImportBatch, utcnow
from scorecard.models.audit import on_its_own_account, request_client, with_origin

_connected = False


def connect() -> None:
    """Listen (once per process)."""
    global _connected
    if _connected:
        return
    sa.event.listen(ImportBatch, "after_insert", _uploaded)
    sa.event.listen(so.Session, "do_orm_execute", _cancelling)
    _connected = True


def _acting_user_id():
    from flask import has_request_context
    from flask_login import current_user

    if not has_request_context() or on_its_own_account():  # an old preview expired while someone uploads
        return None
    return current_user.id if getattr(current_user, "is_authenticated", False) else None


def _uploaded(mapper, connection, batch) -> None:
    address, agent = request_client()
    if address is None and agent is None:
        return  # the command line and the demo: `import.commit` records those
    connection.execute(sa.insert(AuditEvent.__table__).values(
        at=utcnow(), user_id=batch.user_id, action="import.upload", entity_type="import_batch",
        entity_id=batch.id, client_address=address, user_agent=agent,
        after=with_origin({"filename": batch.filename, "checksum": batch.checksum,
                           "format": (batch.options or {}).get("format") or batch.format})))


def _cancelling(state):
    """Around an UPDATE of import_batches: which batches it moved to `cancelled`."""
    if not state.is_update or not state.is_orm_statement:
        return None
    statement = state.statement
    if getattr(getattr(statement, "table", None), "name", None) != ImportBatch.__tablename__:
        return None
    where = statement.whereclause if statement.whereclause is not None else sa.true()
    candidates = state.session.execute(
        sa.select(ImportBatch.id, ImportBatch.filename, ImportBatch.status).where(where)
        .where(ImportBatch.status != BatchStatus.cancelled)).all()
    result = state.invoke_statement()
    if not candidates or not result.rowcount:
        return result
    now_cancelled = set(state.session.scalars(
        sa.select(ImportBatch.id).where(ImportBatch.id.in_([c.id for c in candidates]),
                                        ImportBatch.status == BatchStatus.cancelled)))
    user_id = _acting_user_id()
    address, agent = request_client()
    for batch_id, filename, status in candidates:
        if batch_id in now_cancelled:
            state.session.execute(sa.insert(AuditEvent.__table__).values(
                at=utcnow(), user_id=user_id, action="import.cancel",
                entity_type="import_batch", entity_id=batch_id, client_address=address, user_agent=agent,
                before={"status": status.value}, after=with_origin({
                    "status": "cancelled", "filename": filename,
                    **({} if user_id else {"by": "the preview expired" if status is BatchStatus.previewed
                                           else "the system"})})))
    return result
