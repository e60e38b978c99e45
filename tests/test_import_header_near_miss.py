"""A header that names most of a layout's columns but misspells the one it is recognised by."""
import pytest
import sqlalchemy as sa

from importers.errors import ImportFileError
from importers.pipeline import run_import
from scorecard.extensions import db
from scorecard.models import ImportBatch, Observation
from tests.helpers import write_xlsx


def _counts():
    return [db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Observation, ImportBatch)]


def test_a_header_with_one_misspelt_column_names_the_row_the_layout_and_the_cell(demo, tmp_path):
    """A typo in the one column a layout is recognised by ("valeu") was refused as a file whose header
    names no known layout, though it named five of the metrics layout's columns."""
    header = ["program", "metric", "period", "channel", "valeu", "n"]
    path = write_xlsx(tmp_path / "typo.xlsx", header, [["Business Help Desk", "satisfaction", "FY2026-Q1", "web",
                                                        4.1, 100]], title_rows=[["Quarterly CX results"]])
    with demo.app_context():
        before = _counts()
        with pytest.raises(ImportFileError) as refused:
            run_import(db.session, path)
        db.session.rollback()
        assert _counts() == before
    message = str(refused.value)
    assert "row 2 looks like the header of the layout \"Metrics (canonical long layout)\" (metrics)" in message
    assert "no value or count_1 column" in message and "'valeu'" in message
