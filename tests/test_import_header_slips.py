"""Header slips: a header that misspells the column a layout is recognised by, and a header repeated below the data."""
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


def test_a_header_repeated_below_the_data_is_one_problem_not_one_per_cell(demo, tmp_path):
    """Two exports pasted one below the other: the second header was refused cell by cell (an unknown
    agency 'agency', a period 'period', 'n' is not a number...), ten messages and none saying why."""
    header = ["agency", "program", "metric", "period", "channel", "value", "n"]
    row = [None, "Business Help Desk", "satisfaction", "FY2026-Q1", "web", 4.1, 100]
    path = write_xlsx(tmp_path / "pasted.xlsx", header, [row, [h.upper() for h in header], [*row[:4], "mail", 4, 90]])
    with demo.app_context():
        before = _counts()
        result = run_import(db.session, path)
        assert result.status == "rejected"
        assert _counts() == before
    assert [(e["row"], e["column"], e["value"]) for e in result.errors] == [(3, "agency", "AGENCY")], result.errors
    assert "repeats the header of row 1" in result.errors[0]["message"]


def _previewed_with_n(app, tmp_path, n):
    """The preview of one survey row whose answers (199 of them) disagree with its respondents `n`."""
    header = ["program", "metric", "period", "channel", "n", "count_1", "count_2", "count_3", "count_4", "count_5"]
    path = write_xlsx(tmp_path / "n.xlsx", header,
                      [["Business Help Desk", "satisfaction", "FY2026-Q1", "web", n, 10, 10, 20, 60, 99]])
    with app.app_context():
        return run_import(db.session, path, dry_run=True)


def test_a_whole_number_a_workbook_keeps_as_a_float_is_named_as_the_cell_shows_it(demo, tmp_path):
    """n = 200 in a workbook was listed as 200.0 beside the rejected row that showed 200."""
    result = _previewed_with_n(demo, tmp_path, 200)
    assert [(e["row"], e["column"], repr(e["value"])) for e in result.errors] == [(2, "n", "200")], result.errors


def test_a_huge_number_is_named_in_a_problem_as_written_not_as_hundreds_of_digits(demo, tmp_path):
    """A capacity score of 1e308 was listed as a 309-digit integer beside its problem (a whole float made an
    int), though the file and the message both say 1e+308."""
    path = write_xlsx(tmp_path / "capacity.xlsx", ["component", "fiscal_year", "domain", "score", "narrative"],
                      [["Benefits Administration", 2027, "Measurement", 1e308, "huge"],
                       ["Benefits Administration", 2027, "Culture & Organization", 9.0, "too high"]])
    with demo.app_context():
        result = run_import(db.session, path, dry_run=True)
    assert [(e["row"], e["column"], repr(e["value"])) for e in result.errors] == [
        (2, "score", "1e+308"), (3, "score", "9")], result.errors


def test_a_huge_count_is_said_in_its_exponent_form(demo, tmp_path):
    """n = 1e30 in a workbook was said as "1,000,000,000,000,000,019,884,624,838,656 is more than any survey's
    respondents": digits no one typed."""
    result = _previewed_with_n(demo, tmp_path, 1e30)
    assert [(e["row"], e["column"], repr(e["value"])) for e in result.errors] == [(2, "n", "1e+30")], result.errors
    assert result.errors[0]["message"].startswith("1e+30 is more than any survey's respondents"), result.errors


def test_a_question_text_or_note_longer_than_the_api_takes_is_refused_naming_its_cell(demo, tmp_path):
    """The API refuses a question text or note over 4,000 characters; a file's were kept whatever their size
    (a CSV's 100,000-character question was stored and shown on the program page)."""
    header = ["program", "metric", "period", "channel", "n", "count_1", "count_2", "count_3", "count_4", "count_5",
              "question_text", "notes"]
    counts = [100, 10, 10, 20, 30, 30]
    path = write_xlsx(tmp_path / "long.xlsx", header, [
        ["Business Help Desk", "satisfaction", "FY2026-Q1", "web", *counts, "Q" * 4000, "fine"],
        ["Business Help Desk", "satisfaction", "FY2026-Q1", "phone", *counts, "Q" * 4001, "fine"],
        ["Business Help Desk", "satisfaction", "FY2026-Q1", "email", *counts, "How satisfied were you?", "N" * 9000]])
    with demo.app_context():
        before = _counts()
        result = run_import(db.session, path, dry_run=True)
        assert _counts()[0] == before[0]
    assert result.status == "rejected"
    assert [(e["row"], e["column"], e["message"]) for e in result.errors] == [
        (3, "question_text", "at most 4,000 characters, not 4,001"),
        (4, "notes", "at most 4,000 characters, not 9,000")], result.errors


def test_a_whole_number_just_below_the_exponent_form_is_named_without_a_fraction(demo, tmp_path):
    """A duration of 2e15 in a workbook was named as 2000000000000000.0 beside its problem: Python writes a float
    below 1e16 with every digit and a fraction no one typed. From 1e16 the exponent form is kept."""
    header = ["program", "metric", "period", "channel", "value"]
    path = write_xlsx(tmp_path / "big.xlsx", header, [["Business Help Desk", "wait_time", "FY2026-Q1", "web", 2e15],
                                                      ["Business Help Desk", "wait_time", "FY2026-Q1", "mail", 3e16]])
    with demo.app_context():
        result = run_import(db.session, path, dry_run=True)
    assert [(e["row"], e["column"], repr(e["value"])) for e in result.errors] == [
        (2, "value", "2000000000000000"), (3, "value", "3e+16")], result.errors
