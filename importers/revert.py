"""Revert a committed import batch: delete what it inserted, restore what it replaced."""
import sqlalchemy as sa

from scorecard.models import AuditEvent, BatchStatus, ImportBatch, ImportRowChange, Observation, utcnow
from scorecard.signals import import_reverted

TABLES = {"observations": Observation}


class RevertError(Exception):
    """The batch cannot be reverted (not committed, or later imports changed its rows)."""


def revert_batch(session, batch_id: int, *, user_id=None) -> dict:
    """Undo a batch in one transaction. Refuses when a later batch has changed the same rows:
    revert that one first, so nothing a later import wrote is silently lost."""
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        raise RevertError(f"there is no import batch {batch_id}")
    if batch.status is not BatchStatus.committed:
        raise RevertError(f"batch {batch_id} is {batch.status.value}; only a committed batch can be reverted")
    changes = list(session.scalars(sa.select(ImportRowChange).where(ImportRowChange.batch_id == batch_id)))
    deleted = restored = 0
    touched = set()
    for table_name, model in TABLES.items():
        mine = [c for c in changes if c.table_name == table_name]
        if not mine:
            continue
        ids = [c.row_id for c in mine]
        current = {}
        for chunk in range(0, len(ids), 5000):
            query = sa.select(model.id, model.import_batch_id, model.subject_key, model.period).where(
                model.id.in_(ids[chunk:chunk + 5000]))
            current.update({r.id: r for r in session.execute(query)})
        later = sorted({r.import_batch_id for r in current.values() if r.import_batch_id != batch_id} - {None})
        if later:
            raise RevertError(f"later import batch(es) {', '.join(map(str, later))} changed rows of batch "
                              f"{batch_id}; revert those first")
        touched |= {(r.subject_key, r.period) for r in current.values()}
        inserted = [c.row_id for c in mine if c.action == "insert" and c.row_id in current]
        for chunk in range(0, len(inserted), 5000):
            session.execute(sa.delete(model).where(model.id.in_(inserted[chunk:chunk + 5000])))
        deleted += len(inserted)
        updates = [{"id": c.row_id, **c.before} for c in mine if c.action == "update" and c.row_id in current]
        if updates:
            session.execute(sa.update(model), updates)
        restored += len(updates)
    batch.status, batch.reverted_at = BatchStatus.reverted, utcnow()
    summary = {"deleted": deleted, "restored": restored}
    session.add(AuditEvent(user_id=user_id, action="import.revert", entity_type="import_batch",
                           entity_id=batch_id, after=summary))
    session.commit()
    import_reverted.send(batch, touched=touched)
    return summary
