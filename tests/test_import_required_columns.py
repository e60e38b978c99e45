"""Every reference format (generated from the registry: each format whose sink plans reference rows)
creates new rows from a file holding nothing but its required columns — on the command line and on
the web — and the batch reverts exactly. A new reference format needs only a sample row here."""
import json

import pytest
import sqlalchemy as sa

from importers.errors import ImportFileError
from importers.formats.registry import FORMATS, SINKS
from importers.pipeline import run_import
from importers.revert import revert_batch
from importers.sinks.tracked import TrackedSink
from scorecard.extensions import db
from scorecard.models import AuditEvent, BatchStatus, Commitment, CommitmentStatus, CommitmentUpdate, ImportBatch
from tests.helpers import post, upload, workbook_bytes
from tests.test_import_reference import snapshot, write_csv

REFERENCE = [f for f in FORMATS.values() if issubclass(SINKS[f.sink], TrackedSink)]

# One new row per reference format, on the demo agency: a value for each required column.
SAMPLES = {
    "commitments": {"function": "CFO", "title": "Publish the budget office's CX dashboard"},
    "org": {"component": "Office of Required Columns"},
    "metric-definitions": {"code": "required_columns_metric", "name": "Required columns metric", "kind": "percent"},
    "leaders": {"leader": "Rene Required"},
    "performance-plans": {"leader": "leader.ba@demo.cx.gov", "fiscal_year": "FY2030", "element": "Results Driven",
                          "weight": 100},
    "capacity": {"component": "Benefits Administration", "fiscal_year": "FY2030", "domain": "Measurement"},
    "targets": {"metric": "trust", "scope": "Benefits Call Center", "fiscal_year": "FY2030", "target": 4.2,
                "amber_at": 3.8},
}


def required_file(tmp_path, fmt):
    header = fmt.required
    return write_csv(tmp_path / f"{fmt.name}-required.csv", header, [[SAMPLES[fmt.name][c] for c in header]])


def test_every_reference_format_has_a_sample_for_each_required_column():
    assert REFERENCE, "the registry names reference formats"
    for fmt in REFERENCE:
        assert fmt.required, f"{fmt.name} has no required column"
        assert set(SAMPLES.get(fmt.name, {})) == set(fmt.required), f"add a sample row for {fmt.name} above"


@pytest.mark.parametrize("fmt", REFERENCE, ids=lambda f: f.name)
def test_only_the_required_columns_create_new_rows_and_revert(demo, tmp_path, fmt):
    path = required_file(tmp_path, fmt)
    with demo.app_context():
        before = snapshot()
        result = run_import(db.session, path, format_name=fmt.name)
        assert result.status == "imported", (result.message, result.errors)
        assert result.plan.counts["inserted"] >= 1 and not result.errors
        db.session.expire_all()
        assert snapshot() != before
        revert_batch(db.session, result.batch_id)
        db.session.expire_all()
        assert snapshot() == before


@pytest.mark.parametrize("fmt", REFERENCE, ids=lambda f: f.name)
def test_only_the_required_columns_on_the_command_line(demo, tmp_path, fmt):
    path = required_file(tmp_path, fmt)
    outcome = demo.test_cli_runner().invoke(args=["import", str(path), "--format", fmt.name, "--json"])
    assert outcome.exit_code == 0, outcome.output
    payload = json.loads(outcome.output)
    assert payload["status"] == "imported" and payload["inserted"] >= 1, payload


@pytest.mark.parametrize("fmt", REFERENCE, ids=lambda f: f.name)
def test_only_the_required_columns_on_the_web(demo, client_as, fmt):
    """Uploaded and confirmed by an administrator (who may import every layout)."""
    demo.config["IMPORTS_INLINE"] = True
    admin = client_as("admin")
    content = workbook_bytes([fmt.required, [SAMPLES[fmt.name][c] for c in fmt.required]])
    batch_id = upload(admin, content, name=f"{fmt.name}.xlsx", format=fmt.name)
    with demo.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert batch.status is BatchStatus.previewed, (batch.message, batch.errors)
    assert post(admin, f"/imports/{batch_id}/confirm").status_code == 302
    with demo.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert batch.status is BatchStatus.committed, (batch.message, batch.errors)
        assert batch.inserted >= 1


def test_a_new_commitment_from_a_file_without_status_or_reason(demo, tmp_path):
    """Once "The import failed unexpectedly": the history row read the reason of a commitment not yet stored."""
    path = required_file(tmp_path, FORMATS["commitments"])
    title = SAMPLES["commitments"]["title"]
    with demo.app_context():
        result = run_import(db.session, path, format_name="commitments")
        assert result.status == "imported", result.errors
        created = db.session.scalar(sa.select(Commitment).where(Commitment.title == title))
        assert created.status is CommitmentStatus.not_started and created.reason is None
        history = db.session.scalar(sa.select(CommitmentUpdate).where(CommitmentUpdate.commitment_id == created.id))
        assert history.status is CommitmentStatus.not_started and history.reason is None
        assert history.changes["status"] == [None, "not_started"]
        audit = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.entity_id == result.batch_id,
                                                              AuditEvent.action == "import.commit"))
        assert audit.after["inserted"] == 1


def test_a_rejected_file_counts_its_bad_rows_in_words(demo, tmp_path):
    """The import's page said "1 row(s) have problems; nothing was imported"."""
    header = ["function", "title", "status"]
    with demo.app_context():
        one = run_import(db.session, write_csv(tmp_path / "one.csv", header, [["CFO", "One bad row", "nope"]]),
                         format_name="commitments")
        two = run_import(db.session, write_csv(tmp_path / "two.csv", header, [["CFO", "Bad", "nope"],
                                                                              ["CFO", "Worse", "nah"]]),
                         format_name="commitments")
    assert one.status == "rejected" and one.message.startswith("1 row has problems; nothing was imported."), one.message
    assert two.message.startswith("2 rows have problems; nothing was imported."), two.message


@pytest.mark.parametrize("fmt, column", [(f, c) for f in REFERENCE for c in f.required],
                         ids=lambda v: getattr(v, "name", v))
def test_a_file_without_a_required_column_is_refused_and_writes_nothing(app, tmp_path, fmt, column):
    header = [c for c in fmt.required if c != column] + ["note"]
    path = write_csv(tmp_path / "short.csv", header, [[SAMPLES[fmt.name].get(c, "x") for c in header]])
    with app.app_context():
        with pytest.raises(ImportFileError, match=column if len(fmt.required) > 1 else "no header row"):
            run_import(db.session, path, format_name=fmt.name)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == 0
