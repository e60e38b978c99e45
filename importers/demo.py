"""What `scorecard demo` imports through the normal pipeline, beside the synthetic demo agency:

- the demo agency's own A-11 v2 survey responses, which `seed_demo` writes as GSA Touchpoints
  exports (one file per program and quarter) and hands over with the `touchpoints_responses`
  signal: each is imported in the touchpoints-a11-v2 layout with its program, period and trust
  scale chosen as an analyst chooses them at upload, so the demo's trust and a11v2_* scores are the
  ones the Touchpoints import makes; each batch is dated when the analyst uploaded it;
- the real performance.gov A-11 files, the package's own copy (importers/data/performance_gov, with
  its README as provenance). A file a batch already brought in (the same checksum) is not imported
  again, so a second demo run changes nothing, even after a later import changed the same rows.
"""
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so

from importers.pipeline import ImportResult, file_checksum, run_import
from scorecard.demo import TOUCHPOINTS_FORMAT, touchpoints_responses
from scorecard.models import AuditEvent, BatchStatus, ImportBatch
from scorecard.signals import demo_seeded

DATA_DIR = Path(__file__).resolve().parent / "data" / "performance_gov"
DEMO_FILES = ("hisp-trust-fy2021q1-fy2023q1.csv", "omb-cx-reporting-collections-fy2021.csv")


def load_performance_gov(session) -> list[str]:
    """Import each file (one batch each) that no batch brought in before; a line per file saying what
    happened. A file imported before is left as it stands, whatever came after: imported again, it put its
    values back over those of a later import of the agency's (an analyst's correction of the same rows),
    where a second run is to change nothing; and a batch reverted stays reverted."""
    lines = []
    for name in DEMO_FILES:
        # the batch that holds it now, where one does (reverted and imported again, it said "reverted")
        earlier = session.scalar(sa.select(ImportBatch).where(
            ImportBatch.checksum == file_checksum(DATA_DIR / name),
            ImportBatch.status.in_((BatchStatus.committed, BatchStatus.reverted)))
            .order_by(sa.case((ImportBatch.status == BatchStatus.committed, 0), else_=1), ImportBatch.id.desc())
            .limit(1))
        if earlier is not None:
            lines.append(f"performance.gov {name}: already imported as batch {earlier.id} ({earlier.status.value}); "
                         "left as it stands.")
            continue
        result = run_import(session, DATA_DIR / name)
        if not result.ok:
            raise RuntimeError(f"the packaged performance.gov file {name} did not import: {result.message}")
        lines.append(f"performance.gov {name}: {result.message}")
    return lines


def import_touchpoints_responses(session, files, user_id=None) -> list[ImportResult]:
    """Import the demo's Touchpoints exports in order, each as the analyst would upload it (the batch
    keeps the layout, program, period and trust scale chosen) and dated when they uploaded it; the
    results in the same order (the demo checks that every one was imported)."""
    results = []
    for f in files:
        batch = ImportBatch(filename=f.path.name, checksum="", user_id=user_id, created_at=f.uploaded_at,
                            options={"format": TOUCHPOINTS_FORMAT, **f.options})
        with dated(session, batch, f.uploaded_at):
            results.append(run_import(session, f.path, format_name=TOUCHPOINTS_FORMAT, options=f.options,
                                      user_id=user_id, batch=batch))
    return results


@contextmanager
def dated(session, batch: ImportBatch, when: datetime):
    """While the block runs, `batch`'s commit and the audit event that records it are written with
    the time `when` instead of now: the demo loads in one go a history the analyst uploaded quarter by
    quarter (A-11 reporting compliance reads when each quarter's batch was committed). Only this
    session's flushes are touched, and only those two rows."""
    target = session.registry() if isinstance(session, so.scoped_session) else session

    def stamp(flushing, _context, _instances):
        if batch.committed_at is not None and batch.committed_at != when:
            batch.committed_at = when
        for item in flushing.new:
            if isinstance(item, AuditEvent) and item.action == "import.commit" and item.entity_id == batch.id:
                item.at = when

    sa.event.listen(target, "before_flush", stamp)
    try:
        yield
    finally:
        sa.event.remove(target, "before_flush", stamp)


def _on_touchpoints_responses(sender, *, session, files, user_id=None, **extra) -> list[ImportResult]:
    return import_touchpoints_responses(session, files, user_id)


def _on_demo_seeded(sender, *, session, **extra) -> list[str]:
    return session.info.pop("demo_lines", []) + load_performance_gov(session)


def init_app(app) -> None:
    """Import the demo's Touchpoints responses when it asks, and the real files whenever the demo
    is seeded (connecting twice is harmless)."""
    touchpoints_responses.connect(_on_touchpoints_responses)
    demo_seeded.connect(_on_demo_seeded)
