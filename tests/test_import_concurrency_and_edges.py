"""The web import under hostile use: confirms posted twice, files changed after preview, jobs that
died, uploads with odd names, and what is left on disk after every ending."""
import io
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from importers import jobs
from importers.formats.registry import FORMATS
from importers.web import routes
from scorecard import dispatch
from scorecard.extensions import db
from scorecard.models import BatchStatus, ImportBatch, Observation
from tests.helpers import HEADER, ROW, database_going_away, observations, post, upload, workbook_bytes


def stored(app, batch_id) -> ImportBatch:
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        db.session.expunge(batch)
        return batch


def leftovers(app) -> list[str]:
    return sorted(p.name for p in Path(app.config["UPLOAD_FOLDER"]).iterdir())


def test_two_confirms_posted_at_once_start_one_commit(app, analyst, monkeypatch):
    batch_id = upload(analyst, workbook_bytes([HEADER, ROW]))
    started, load = [], routes._batch

    def load_then_lose_the_race(number):
        batch = load(number)  # this request read "previewed" ...
        with db.engine.begin() as other:  # ... and another confirm claimed the batch before it wrote
            other.execute(sa.update(ImportBatch).where(ImportBatch.id == number).values(status="pending"))
        return batch

    monkeypatch.setattr(routes, "_batch", load_then_lose_the_race)
    monkeypatch.setattr(jobs, "start", lambda *args, **kwargs: started.append(args))
    assert post(analyst, f"/imports/{batch_id}/confirm").status_code == 302
    assert started == [], "the request that lost the race must not start a second commit"


def test_cancel_does_not_pull_the_file_from_under_a_running_commit(app, analyst, monkeypatch):
    batch_id = upload(analyst, workbook_bytes([HEADER, ROW]))
    load = routes._batch

    def load_then_confirmed_elsewhere(number):
        batch = load(number)
        with db.engine.begin() as other:
            other.execute(sa.update(ImportBatch).where(ImportBatch.id == number).values(status="pending"))
        return batch

    monkeypatch.setattr(routes, "_batch", load_then_confirmed_elsewhere)
    response = post(analyst, f"/imports/{batch_id}/cancel")
    assert response.status_code == 302
    batch = stored(app, batch_id)
    assert batch.status is BatchStatus.pending and (Path(app.config["UPLOAD_FOLDER"]) / batch.stored_path).exists()


def test_a_file_changed_after_preview_is_not_committed(app, analyst):
    before = observations(app)
    batch_id = upload(analyst, workbook_bytes([HEADER, ROW]))
    other = list(ROW)
    other[3] = "FY2026-Q4"
    upload_file = Path(app.config["UPLOAD_FOLDER"]) / stored(app, batch_id).stored_path
    upload_file.write_bytes(workbook_bytes([HEADER, ROW, other]))
    post(analyst, f"/imports/{batch_id}/confirm")
    batch = stored(app, batch_id)
    assert batch.status is BatchStatus.failed and "changed after it was previewed" in batch.message
    assert observations(app) == before


def test_a_confirm_whose_rows_another_import_changed_is_previewed_again(app, analyst):
    first = upload(analyst, workbook_bytes([HEADER, ROW]))
    assert stored(app, first).inserted == 1
    changed = list(ROW)
    changed[5], changed[-1] = 105, 45  # the same row, other counts
    second = upload(analyst, workbook_bytes([HEADER, changed]), name="q1-fixed.xlsx")
    post(analyst, f"/imports/{second}/confirm")
    assert stored(app, second).status is BatchStatus.committed
    before = observations(app)
    post(analyst, f"/imports/{first}/confirm")  # previewed as an insert; the row now exists
    batch = stored(app, first)
    assert batch.status is BatchStatus.previewed, "what was confirmed is no longer what would happen"
    assert (batch.inserted, batch.updated) == (0, 1) and observations(app) == before
    assert ("changed since the preview, by another import confirmed or reverted or by an edit on the web (the "
            "preview said 1 inserted, 0 updated, 0 unchanged)" in batch.message)
    assert "Check the new preview (its Before values) and confirm again." in batch.message
    page = analyst.get(f"/imports/{first}").get_data(as_text=True)
    assert "changed since the preview, by another import confirmed or reverted" in page and "/confirm" in page
    post(analyst, f"/imports/{first}/confirm")  # confirmed as it now reads: the update
    batch = stored(app, first)
    assert batch.status is BatchStatus.committed and (batch.inserted, batch.updated) == (0, 1)


def test_a_preview_kept_from_before_fingerprints_is_checked_by_its_counts(app, analyst):
    first = upload(analyst, workbook_bytes([HEADER, ROW]))
    with app.app_context():
        batch = db.session.get(ImportBatch, first)
        batch.preview = {k: v for k, v in batch.preview.items() if k != "plan"}  # as an older release kept it
        db.session.commit()
    changed = list(ROW)
    changed[5], changed[-1] = 105, 45
    second = upload(analyst, workbook_bytes([HEADER, changed]), name="q1-fixed.xlsx")
    post(analyst, f"/imports/{second}/confirm")
    post(analyst, f"/imports/{first}/confirm")
    assert stored(app, first).status is BatchStatus.previewed, "1 inserted previewed, 1 updated now: shown again"


def test_two_imports_updating_the_same_row_do_not_overwrite_each_other_unseen(app, analyst):
    """Both previews say '1 updated'; the second confirmed would write over the first's values: the
    counts are the same, the row it would write over is not."""
    stored_first = upload(analyst, workbook_bytes([HEADER, ROW]), name="base.xlsx")
    post(analyst, f"/imports/{stored_first}/confirm")
    mine, theirs = list(ROW), list(ROW)
    mine[5], mine[-1] = 105, 45
    theirs[5], theirs[-1] = 110, 50
    a = upload(analyst, workbook_bytes([HEADER, mine]), name="mine.xlsx")
    b = upload(analyst, workbook_bytes([HEADER, theirs]), name="theirs.xlsx")
    assert (stored(app, a).updated, stored(app, b).updated) == (1, 1)
    post(analyst, f"/imports/{b}/confirm")
    assert stored(app, b).status is BatchStatus.committed
    post(analyst, f"/imports/{a}/confirm")
    batch = stored(app, a)
    assert batch.status is BatchStatus.previewed and "by another import confirmed or reverted" in batch.message
    with app.app_context():
        assert db.session.scalar(sa.select(Observation.n).where(Observation.import_batch_id == b)) == 110
    post(analyst, f"/imports/{a}/confirm")  # seen, and confirmed again
    assert stored(app, a).status is BatchStatus.committed


def test_nothing_is_left_on_disk_after_commit_cancel_or_failure(app, analyst):
    committed = upload(analyst, workbook_bytes([HEADER, ROW]))
    post(analyst, f"/imports/{committed}/confirm")
    cancelled = upload(analyst, workbook_bytes([HEADER, ROW, ["Note"]]), name="other.xlsx")
    post(analyst, f"/imports/{cancelled}/cancel")
    failed = upload(analyst, b"\x89PNG\r\n\x1a\n" + b"\0" * 64, name="picture.xlsx")
    assert stored(app, failed).status is BatchStatus.failed
    assert leftovers(app) == []
    assert analyst.get(f"/imports/{committed}/status").get_json()["stage"] == "done"


def test_a_rejected_upload_keeps_its_file_for_the_error_report_until_cancelled(app, analyst):
    bad = list(ROW)
    bad[3] = "FY2027-Q5"
    batch_id = upload(analyst, workbook_bytes([HEADER, bad]))
    assert leftovers(app) == [(Path(app.config["UPLOAD_FOLDER"]) / stored(app, batch_id).stored_path).name]
    post(analyst, f"/imports/{batch_id}/cancel")
    assert leftovers(app) == []


def _silent_upload(app, analyst, monkeypatch) -> int:
    """An upload whose job never ran (its server stopped first, or it was queued and not taken), pending
    and silent since long before IMPORT_STALE_SECONDS (60 s here)."""
    monkeypatch.setattr(jobs, "start", lambda *args, **kwargs: None)
    batch_id = upload(analyst, workbook_bytes([HEADER, ROW]))
    assert analyst.get(f"/imports/{batch_id}/status").get_json()["status"] == "pending"
    app.config["IMPORT_STALE_SECONDS"] = 60
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        batch.created_at = batch.heartbeat_at = batch.created_at.replace(year=2020)
        db.session.commit()
    return batch_id


def test_a_batch_whose_job_died_does_not_stay_pending(app, analyst, monkeypatch):
    batch_id = _silent_upload(app, analyst, monkeypatch)
    status = analyst.get(f"/imports/{batch_id}/status").get_json()
    assert status["status"] == "failed" and "stopped before it finished" in status["message"]
    assert leftovers(app) == [stored(app, batch_id).stored_path]  # the upload is not lost
    assert post(analyst, f"/imports/{batch_id}/confirm").status_code == 302
    assert stored(app, batch_id).status is BatchStatus.failed


@pytest.mark.parametrize("seen_by", ["the history", "the sweep"])
def test_a_batch_whose_job_died_is_failed_where_it_is_listed_and_by_the_sweep(app, analyst, monkeypatch, seen_by):
    """Not only its own page: the import history listed it "pending" for ever, and the nightly sweep
    passed it by."""
    batch_id = _silent_upload(app, analyst, monkeypatch)
    if seen_by == "the history":  # dated long ago, it is listed last (newest uploaded first)
        assert f'href="/imports/{batch_id}"' in analyst.get("/imports/?page=9999").get_data(as_text=True)
    else:
        with app.app_context():
            assert jobs.sweep(app, db.session)["failed"] == 1
    batch = stored(app, batch_id)
    assert batch.status is BatchStatus.failed and "stopped before it finished" in batch.message
    assert leftovers(app) == [batch.stored_path], "its upload is kept to import again"


def test_a_queued_job_whose_batch_was_given_up_does_nothing(app, analyst, monkeypatch):
    before = observations(app)
    batch_id = upload(analyst, workbook_bytes([HEADER, ROW]))
    with app.app_context():
        db.session.get(ImportBatch, batch_id).status = BatchStatus.cancelled
        db.session.commit()
    jobs._run(app, batch_id, True)
    assert stored(app, batch_id).status is BatchStatus.cancelled and observations(app) == before


def test_a_job_that_shows_signs_of_life_is_not_stalled(app, analyst, monkeypatch):
    batch_id = _silent_upload(app, analyst, monkeypatch)
    with app.app_context():
        jobs.write_progress(app, batch_id, "validating", 5000)  # its worker reports: the heartbeat is now
    status = analyst.get(f"/imports/{batch_id}/status").get_json()
    assert (status["status"], status["stage"], status["rows"]) == ("pending", "validating", 5000)
    with app.app_context():
        db.session.get(ImportBatch, batch_id).heartbeat_at = datetime(2020, 1, 1, tzinfo=UTC)
        db.session.commit()
    assert analyst.get(f"/imports/{batch_id}/status").get_json()["status"] == "failed"


def test_a_job_still_queued_after_a_while_says_what_it_waits_for(app, analyst, monkeypatch):
    """"Working: queued, 0 rows" stood for the half hour before a stopped worker's upload is given up, with
    no hint why; after 30 s the stage says what it waits for."""
    monkeypatch.setattr(jobs, "start", lambda *args, **kwargs: None)  # queued, and not taken
    batch_id = upload(analyst, workbook_bytes([HEADER, ROW]))
    assert analyst.get(f"/imports/{batch_id}/status").get_json()["stage"] == "queued"
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        batch.heartbeat_at = batch.heartbeat_at - timedelta(seconds=40)
        db.session.commit()
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # jobs go to workers (nothing is queued by this test)
    try:
        status = analyst.get(f"/imports/{batch_id}/status").get_json()
    finally:
        app.config["REDIS_URL"] = None
    assert status["status"] == "pending" and status["stage"].startswith(
        "queued for more than 30 s, waiting for a background worker"), status
    assert "`scorecard worker`" in status["stage"]


def test_a_job_delivered_twice_runs_once(app, analyst, monkeypatch):
    """A queued task given out again while its first run is alive (or done) does nothing the second time."""
    monkeypatch.setattr(jobs, "start", lambda app_, batch_id, **kw: None)
    batch_id = upload(analyst, workbook_bytes([HEADER, ROW]))
    with app.app_context():
        assert jobs._take(app, db.session, batch_id) is True  # the first delivery takes it
        assert jobs._take(app, db.session, batch_id) is False  # a second, while the first is alive, does not
    jobs._run(app, batch_id, False)
    assert stored(app, batch_id).status is BatchStatus.pending  # the running first delivery still owns it
    app.config["IMPORT_STALE_SECONDS"] = 0  # the first delivery's worker died: the next one takes over
    time.sleep(0.01)
    jobs._run(app, batch_id, False)
    assert stored(app, batch_id).status is BatchStatus.previewed


@pytest.mark.parametrize("name", ["é" * 200 + ".xlsx", "x" * 400 + ".xlsx", "数据.xlsx", "../../etc/passwd.xlsx",
                                  "C:\\Users\\ana\\q1.xlsx", "noextension", ".xlsx", "a\x00b.xlsx"])
def test_odd_upload_names_are_stored_safely_and_still_previewed(app, analyst, name):
    batch_id = upload(analyst, workbook_bytes([HEADER, ROW]), name=name)
    batch = stored(app, batch_id)
    assert batch.status is BatchStatus.previewed, batch.message
    path = Path(app.config["UPLOAD_FOLDER"]) / batch.stored_path
    assert path.parent == Path(app.config["UPLOAD_FOLDER"]) and path.exists() and "/" not in batch.stored_path
    assert len(path.name.encode()) <= 255 and len(batch.filename) <= 300 and "\x00" not in batch.filename
    assert "/" not in batch.filename and "\\" not in batch.filename and batch.filename.strip()
    assert analyst.get(f"/imports/{batch_id}").status_code == 200


def test_error_report_of_an_upload_gone_from_disk_still_names_the_values(app, analyst):
    bad = list(ROW)
    bad[3] = "FY2027-Q5"
    batch_id = upload(analyst, workbook_bytes([HEADER, bad]))
    (Path(app.config["UPLOAD_FOLDER"]) / stored(app, batch_id).stored_path).unlink()
    page = analyst.get(f"/imports/{batch_id}")
    assert page.status_code == 200 and "FY2027-Q5" in page.get_data(as_text=True)
    report = analyst.get(f"/imports/{batch_id}/errors.xlsx")
    assert report.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(report.data)).active.iter_rows(values_only=True))
    assert rows[1][0] == 2 and "FY2027-Q5" in rows[1][-1]


def test_error_report_messages_never_run_as_formulas(app, analyst):
    header = list(HEADER)
    header[3] = "=period"  # still recognised as the period column, and named so in the messages
    bad = list(ROW)
    bad[3] = "FY2027-Q5"
    text = "\n".join(",".join(str(c) for c in row) for row in (header, bad))
    batch_id = upload(analyst, text.encode(), name="q1.csv")
    assert stored(app, batch_id).status is BatchStatus.rejected, stored(app, batch_id).message
    report = analyst.get(f"/imports/{batch_id}/errors.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(report.data)).active
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"{cell.coordinate} is a formula: {cell.value!r}"


def test_template_lists_never_run_a_stored_name_as_a_formula(demo, tmp_path):
    from importers.templates import write_template
    from scorecard.models import Program

    with demo.app_context():
        program = db.session.scalars(sa.select(Program).order_by(Program.id)).first()
        program.name = '=HYPERLINK("http://example.com","x")'
        db.session.commit()
        path = write_template(db.session, "metrics", tmp_path / "metrics.xlsx")
    lists = openpyxl.load_workbook(path)["lists"]
    cells = [cell for row in lists.iter_rows() for cell in row if cell.value is not None]
    assert any(cell.value == '=HYPERLINK("http://example.com","x")' for cell in cells), "offered as written"
    assert all(cell.data_type != "f" for cell in cells)


def test_the_metrics_templates_quarters_are_each_one_the_import_takes(demo, tmp_path):
    """The period drop-down offers the quarters results can be given for: the last three years up to the
    current quarter, none that has not begun (the import refuses those)."""
    from importers.templates import write_template
    from scorecard.clock import agency_today
    from scorecard.periods import Period, reported_period

    with demo.app_context():
        path = write_template(db.session, "metrics", tmp_path / "metrics.xlsx")
    lists = openpyxl.load_workbook(path)["lists"]
    offered = next([c.value for c in column[1:] if c.value] for column in lists.iter_cols()
                   if column[0].value == "period")
    current = Period.from_date(agency_today())
    assert offered[-1] == str(current) and offered[0] == str(current.prev(12))
    assert all(str(reported_period(p)) == p for p in offered)


def test_the_metrics_template_filled_in_imports_back(demo, tmp_path):
    """The template holds both ways of giving a quarter (period; fiscal_year and fiscal_quarter):
    a row filled in either way, or with its period beside its year, is read; a blank cell is not given."""
    from importers.pipeline import run_import
    from importers.templates import write_template

    with demo.app_context():
        path = write_template(db.session, "metrics", tmp_path / "metrics.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["data"]
    header = [cell.value for cell in sheet[1]]
    program = "Benefits Call Center"
    for touchpoint, when in (("t1", {"period": "FY2026-Q1"}), ("t2", {"fiscal_year": 2026, "fiscal_quarter": 2}),
                             ("t3", {"fiscal_year": 2026, "period": "FY2026-Q3"}),
                             ("t4", {"fiscal_year": "", "period": "FY2026-Q4"})):
        values = {"program": program, "metric": "digital_adoption", "channel": "web", "touchpoint": touchpoint,
                  "value": 45, "n": 40, **when}  # (a trust from FY2024-Q2 is scored from its answer counts)
        sheet.append([values.get(name) for name in header])
    book.save(path)
    with demo.app_context():
        result = run_import(db.session, path)
        assert result.status == "imported" and not result.errors, result.errors
        assert not result.warnings, "the template's own instructions and lists are no sheets passed by"
        stored = db.session.execute(sa.select(Observation.touchpoint, Observation.period)
                                    .where(Observation.import_batch_id == result.batch_id)).all()
    assert sorted(stored) == [("t1", "FY2026-Q1"), ("t2", "FY2026-Q2"), ("t3", "FY2026-Q3"), ("t4", "FY2026-Q4")]


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_template_is_read_back_as_its_own_layout(demo, tmp_path, name):
    """A template's header is its layout's own: read back, it is that layout, every column known
    (a row of junk is refused cell by cell, never the header as a whole)."""
    from importers.pipeline import run_import
    from importers.templates import write_template

    with demo.app_context():
        path = write_template(db.session, name, tmp_path / f"{name}.xlsx")
    book = openpyxl.load_workbook(path)
    book["data"].append(["x"] * book["data"].max_column)
    book.save(path)
    options = {"program": "Benefits Call Center", "period": "FY2026-Q1"} if name == "touchpoints-a11-v2" else {}
    with demo.app_context():
        result = run_import(db.session, path, dry_run=True, options=options)
    assert result.format == name and not result.unknown_columns, (result.status, result.message)
    assert result.status in ("rejected", "would_import") and "header" not in result.message.casefold()


def test_a_quarter_given_badly_by_year_is_named_by_its_own_cells(demo, tmp_path):
    from importers.pipeline import run_import

    path = tmp_path / "years.csv"
    path.write_text("program,metric,fiscal_year,fiscal_quarter,period,value,n\n"
                    "Benefits Call Center,trust,2026,,,4,40\n"
                    "Benefits Call Center,trust,2025,,FY2026-Q1,4,40\n"
                    "Benefits Call Center,trust,,,,4,40\n")
    with demo.app_context():
        before = observations(demo)
        result = run_import(db.session, path)
    assert result.status == "rejected" and observations(demo) == before
    assert [(e["row"], e["column"], e["value"]) for e in result.errors] == [
        (2, "fiscal_quarter", ""), (3, "fiscal_year", "2025"), (4, "period", "")]
    assert "2026 is given without its quarter" in result.errors[0]["message"]
    assert "2025 and the period FY2026-Q1 disagree" in result.errors[1]["message"]


def test_a_year_and_quarter_are_read_as_whole_numbers_and_a_bad_one_is_named_at_its_cell(demo, tmp_path):
    """"2019.0" / "3.0" (numbers a tool wrote) were refused, and a quarter 5 was reported at a period column
    the file does not have, quoting 'fiscal_year=2019, quarter=5', text the importer put together; a year
    typed into a cell Excel formats as a date is its year."""
    from datetime import datetime

    from importers.pipeline import run_import

    path = tmp_path / "parts.csv"
    path.write_text("program,metric,fiscal_year,fiscal_quarter,value,n\n"
                    "Benefits Call Center,trust,2025.0,3.0,4,40\n"
                    "Benefits Call Center,trust,2025,5,4,40\n"
                    "Benefits Call Center,trust,20x5,2,4,40\n"
                    "Benefits Call Center,trust,,2,4,40\n")
    with demo.app_context():
        before = observations(demo)
        result = run_import(db.session, path)
    assert result.status == "rejected" and observations(demo) == before
    assert [(e["row"], e["column"], e["value"]) for e in result.errors] == [
        (3, "fiscal_quarter", "5"), (4, "fiscal_year", "20x5"), (5, "fiscal_year", "")]
    assert "the fiscal year is missing: the fiscal_quarter 2 gives the quarter alone" in result.errors[2]["message"]
    assert "'5' is not a quarter of a fiscal year (1 to 4, or Q1 to Q4)" in result.errors[0]["message"]
    assert "fiscal_year=" not in " ".join(e["message"] for e in result.errors)
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["program", "metric", "fiscal_year", "fiscal_quarter", "value", "n"])
    sheet.append(["Benefits Call Center", "trust", datetime(2025, 1, 1), 3.0, 4, 40])
    sheet.append(["Benefits Call Center", "trust", 2024, 2, 4, 40])
    sheet["C3"].number_format = "yyyy"  # a year typed into a date cell: the serial number 2024 shown as "1905"
    dated = tmp_path / "dated.xlsx"
    book.save(dated)
    with demo.app_context():
        read = run_import(db.session, dated)
        assert read.status == "imported", read.errors
        from scorecard.models import Observation
        assert set(db.session.scalars(sa.select(Observation.period).where(
            Observation.import_batch_id == read.batch_id))) == {"FY2025-Q3", "FY2024-Q2"}, "never FY1905"
    good = tmp_path / "good.csv"
    good.write_text("program,metric,fiscal_year,fiscal_quarter,value,n\nBenefits Call Center,trust,2025.0,3.0,4,40\n")
    with demo.app_context():
        assert run_import(db.session, good, dry_run=True).status in ("would_import", "duplicate")


@pytest.mark.parametrize("year, quarter, period", [("2025", "2", "FY2025-Q1"), ("", "FY2024-Q2", "FY2025-Q1"),
                                                   ("", "2", "FY2025-Q1"), ("", "Q3", "FY2025-Q1")])
def test_a_period_and_a_fiscal_quarter_that_disagree_are_refused_naming_both(demo, tmp_path, year, quarter, period):
    """They were read as one of the two, the other ignored: a row landed in a quarter its file did not say."""
    from importers.pipeline import run_import

    path = tmp_path / "both.csv"
    path.write_text("program,metric,fiscal_year,fiscal_quarter,period,value,n\n"
                    f"Benefits Call Center,trust,{year},{quarter},{period},4,40\n")
    with demo.app_context():
        result = run_import(db.session, path)
    assert result.status == "rejected"
    assert [(e["column"], e["value"]) for e in result.errors] == [("fiscal_quarter", quarter)]
    assert f"the fiscal_quarter {quarter} and the period {period} disagree" in result.errors[0]["message"]


def test_a_fiscal_quarter_column_alone_holds_the_period(demo, tmp_path):
    """A file headed "Fiscal Quarter" (FY2025-Q1 in it) was read as the metrics layout; then, its header
    naming fiscal_quarter, it was not recognised at all."""
    from importers.pipeline import run_import

    path = tmp_path / "fq.csv"
    path.write_text("program,metric,Fiscal Quarter,value,n\nBenefits Call Center,trust,FY2025-Q1,4,40\n"
                    "Benefits Call Center,satisfaction,FY2025-Q1,4.1,40\n")
    with demo.app_context():
        result = run_import(db.session, path, dry_run=True)
    assert result.format == "metrics" and result.status == "would_import", (result.status, result.message)


def test_european_numbers_in_a_semicolon_csv_are_refused_by_row_column_and_value(demo, tmp_path):
    from importers.pipeline import run_import

    path = tmp_path / "digital.csv"
    path.write_bytes("component;program;metric;period;value;n\n"
                     "Benefits Administration;Benefits Call Center;digital_adoption;FY2027-Q1;1.234,5;\n"
                     "Benefits Administration;Benefits Call Center;digital_adoption;FY2022-Q2;85,5 %;\n"
                     "Benefits Administration;Benefits Call Center;digital_adoption;FY2022-Q3;85.5;1.200,0\n"
                     .encode("cp1252"))
    with demo.app_context():
        before = observations(demo)
        result = run_import(db.session, path)
    assert result.status == "rejected" and observations(demo) == before
    assert [(e["row"], e["column"], e["value"]) for e in result.errors] == [
        (2, "value", "1.234,5"), (3, "value", "85,5 %"), (4, "n", "1.200,0")], "each problem once"
    assert all("use a point for decimals" in e["message"] for e in result.errors)


def test_two_reverts_at_once_undo_the_batch_once(app, analyst, monkeypatch):
    """Reverts take the import lock, so a second waits for the first; were one to run without it (the
    other's write is simulated on a connection of its own, which the lock would hold up), the batch's
    status is still checked under a row lock before writing."""
    from importers import revert as revert_module
    from scorecard import writers

    monkeypatch.setattr(writers, "one_at_a_time", lambda session, key: None)
    monkeypatch.setattr(writers, "early", lambda session, key: None)

    batch_id = upload(analyst, workbook_bytes([HEADER, ROW]))
    post(analyst, f"/imports/{batch_id}/confirm")
    after = observations(app)
    check = revert_module._check_tracked

    def checked_while_another_revert_finishes(session, batch, changes):
        check(session, batch, changes)
        with db.engine.begin() as other:
            other.execute(sa.update(ImportBatch).where(ImportBatch.id == batch.id).values(status="reverted"))

    monkeypatch.setattr(revert_module, "_check_tracked", checked_while_another_revert_finishes)
    with app.app_context(), pytest.raises(revert_module.RevertError, match="someone else"):
        revert_module.revert_batch(db.session, batch_id)
    assert observations(app) == after, "the losing revert wrote nothing"


def test_a_failed_export_leaves_the_old_file_and_no_half_written_one(app, runner, tmp_path):
    out = tmp_path / "observations.csv"
    out.write_text("keep")
    refused = runner.invoke(args=["export", "observations", "--out", str(out), "--period", "FY2025-Q9"])
    assert refused.exit_code == 1 and "FY2025-Q9" in refused.output
    assert out.read_text() == "keep" and sorted(p.name for p in tmp_path.iterdir()) == ["observations.csv"]


def test_an_export_of_a_component_that_does_not_exist_is_refused_not_an_empty_file(demo, runner, tmp_path):
    """The README's `--component BA` (the demo's code is DPS-BA) wrote "0 observations" and an empty file."""
    out = tmp_path / "component.csv"
    refused = runner.invoke(args=["export", "observations", "--out", str(out), "--component", "NOPE"])
    assert refused.exit_code == 1 and "no component is named or coded 'NOPE'" in refused.output
    assert "DPS-BA" in refused.output and not out.exists()
    written = runner.invoke(args=["export", "observations", "--out", str(out), "--component", " dps-ba "])
    assert written.exit_code == 0 and not written.output.startswith("Wrote 0 ")


@pytest.mark.parametrize("args", [["export", "observations"], ["template", "metrics"]])
def test_writing_into_a_missing_folder_is_a_message_not_a_traceback(app, runner, tmp_path, args):
    result = runner.invoke(args=[*args, "--out", str(tmp_path / "missing" / "out.xlsx")])
    assert result.exit_code == 1 and "cannot write" in result.output and "No such file" in result.output


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_a_comma_before_three_digits_is_ambiguous_unless_commas_separate_the_columns(demo, tmp_path, delimiter):
    """Excel in most of Europe writes "1,234" for 1.234 in files it separates with semicolons (or
    tabs); elsewhere the same text is 1234. Such a number is refused by cell, never guessed; as
    text (a touchpoint's name) it stays what it says. In a comma-separated file it is 1234."""
    from importers.pipeline import run_import

    header = ["component", "program", "metric", "period", "touchpoint", "value", "n"]
    rows = [["Benefits Administration", "Benefits Call Center", "digital_adoption", "FY2027-Q1", "1,234", "85.5", ""],
            ["Benefits Administration", "Benefits Call Center", "digital_adoption", "FY2022-Q2", "", "85", "1,200"],
            ["Benefits Administration", "Benefits Call Center", "digital_adoption", "FY2022-Q3", "", "12,500 %", ""]]
    path = tmp_path / "digital.csv"
    path.write_text("\n".join(delimiter.join(r) for r in [header] + rows) + "\n", encoding="utf-8")
    with demo.app_context():
        before = observations(demo)
        result = run_import(db.session, path)
    assert result.status == "rejected" and observations(demo) == before
    assert [(e["row"], e["column"], e["value"]) for e in result.errors] == [(3, "n", "1,200"), (4, "value", "12,500 %")]
    assert "the comma may be a decimal point (1.200) or a thousands separator (1200)" in result.errors[0]["message"]

    rows[1][6], rows[2][5] = "1200", "12.5"  # written without the ambiguous comma, the file imports
    path.write_text("\n".join(delimiter.join(r) for r in [header] + rows) + "\n", encoding="utf-8")
    with demo.app_context():
        result = run_import(db.session, path)
        assert result.status == "imported", result.errors
        assert db.session.scalar(sa.select(Observation.touchpoint).where(
            Observation.import_batch_id == result.batch_id, Observation.period == "FY2027-Q1")) == "1,234"


@pytest.mark.parametrize("delimiter", [";"])
def test_a_point_before_three_digits_is_as_ambiguous_as_a_comma_where_semicolons_separate_the_columns(
        demo, tmp_path, delimiter):
    """Excel in most of Europe writes "1.234" for 1234: read as 1.234 it went in a thousand times too
    small without a word. It is refused by cell like "1,234"; the hint for "12,5" no longer suggests a
    comma, and other decimals (4.25, 85.5, 0.125) read as they did."""
    from importers.pipeline import run_import

    header = ["program", "metric", "period", "value", "n"]
    rows = [["Disaster Loans", "backlog", "FY2027-Q1", "1.234", ""],
            ["Disaster Loans", "wait_time", "FY2022-Q2", "4.25", "1.200"],
            ["Disaster Loans", "wait_time", "FY2022-Q3", "12,5", ""],
            ["Disaster Loans", "wait_time", "FY2022-Q4", "85.5", ""],
            ["Disaster Loans", "wait_time", "FY2023-Q1", "0.125", ""]]
    path = tmp_path / "backlog.csv"
    path.write_text("\n".join(delimiter.join(r) for r in [header] + rows) + "\n", encoding="utf-8")
    with demo.app_context():
        before = observations(demo)
        result = run_import(db.session, path)
    assert result.status == "rejected" and observations(demo) == before
    assert [(e["row"], e["column"], e["value"]) for e in result.errors] == [
        (2, "value", "1.234"), (3, "n", "1.200"), (4, "value", "12,5")]
    assert ("the point may be a decimal point (1.234) or a thousands separator (1234); write 1234 for the whole "
            "number, or 1.2340 for the decimal") in result.errors[0]["message"]
    assert "as in 1234.5)" in result.errors[2]["message"] and "1,234.5" not in result.errors[2]["message"]

    rows[0][3], rows[1][4], rows[2][3] = "1234", "1200", "12.5"  # written one way only, the file imports
    path.write_text("\n".join(delimiter.join(r) for r in [header] + rows) + "\n", encoding="utf-8")
    with demo.app_context():
        result = run_import(db.session, path)
        assert result.status == "imported", result.errors
        assert sorted(db.session.scalars(sa.select(Observation.value).where(
            Observation.import_batch_id == result.batch_id))) == [0.125, 4.25, 12.5, 85.5, 1234.0]


def test_a_point_before_three_digits_in_a_tab_separated_file_is_the_decimal_it_reads_as(demo, tmp_path):
    """Tab-separated files come from systems that write a point for decimals: a mean of 3.875 is that mean
    (a comma before three digits is still refused there)."""
    from importers.pipeline import run_import

    path = tmp_path / "scores.tsv"
    path.write_text("program\tmetric\tperiod\tvalue\tn\nDisaster Loans\twait_time\tFY2023-Q1\t3.875\t\n"
                    "Disaster Loans\twait_time\tFY2023-Q2\t1,234\t\n", encoding="utf-8")
    with demo.app_context():
        result = run_import(db.session, path, dry_run=True)
    assert [(e["row"], e["value"]) for e in result.errors] == [(3, "1,234")], result.errors


def test_a_quoted_thousands_separator_in_a_comma_separated_file_is_read_as_thousands(demo, tmp_path):
    from importers.pipeline import run_import

    path = tmp_path / "hires.csv"
    path.write_text('component,function,metric,period,value\n'
                    'Benefits Administration,CHCO,chco_days_to_hire_cx,FY2027-Q1,"1,234"\n', encoding="utf-8")
    with demo.app_context():
        result = run_import(db.session, path)
        assert result.status == "imported", result.errors
        assert db.session.scalar(sa.select(Observation.value).where(
            Observation.import_batch_id == result.batch_id)) == 1234.0


def test_an_import_racing_another_for_the_same_new_rows_says_so_and_writes_nothing(demo, tmp_path, monkeypatch):
    """Two imports planned the same new rows; the other one committed first. This one's inserts
    then break the natural key: it is refused with a message saying why, and leaves nothing. (Confirms
    take the import lock, so this happens only to an import run without it: the colleague's import,
    simulated in this thread, would otherwise wait for the lock this one holds.)"""
    from importers.errors import ImportFileError
    from importers.pipeline import run_import
    from importers.sinks.observations import ObservationSink
    from scorecard import writers

    monkeypatch.setattr(writers, "one_at_a_time", lambda session, key: None)
    monkeypatch.setattr(writers, "early", lambda session, key: None)

    path = tmp_path / "q1.xlsx"
    path.write_bytes(workbook_bytes([HEADER, ROW]))
    other = tmp_path / "q1-colleague.xlsx"
    other.write_bytes(workbook_bytes([["A colleague's copy"], HEADER, ROW]))
    plan = ObservationSink.plan

    def planned_then_overtaken(self):
        made = plan(self)
        with demo.app_context():  # the colleague's import of the same row commits meanwhile
            monkeypatch.setattr(ObservationSink, "plan", plan)
            assert run_import(db.session, other).status == "imported"
        return made

    monkeypatch.setattr(ObservationSink, "plan", planned_then_overtaken)
    with demo.app_context():
        before = observations(demo)
        batches = db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch))
        with pytest.raises(ImportFileError, match="another import wrote some of the same rows"):
            run_import(db.session, path)
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == batches + 1
    assert observations(demo) == before + 1, "the colleague's row only"


def _age(app, batch_id, days):
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        batch.created_at = batch.created_at - timedelta(days=days)
        db.session.commit()


def test_previews_left_unconfirmed_expire_and_old_uploads_go_when_new_ones_arrive(app, analyst):
    """Nobody confirmed or cancelled: after IMPORT_KEEP_DAYS the preview is cancelled and its
    upload removed; a rejected batch's upload goes too (its errors stay listed). Recent batches,
    and the one just uploaded, keep theirs."""
    bad = list(ROW)
    bad[3] = "FY2027-Q5"
    forgotten = upload(analyst, workbook_bytes([HEADER, ROW]))
    rejected = upload(analyst, workbook_bytes([HEADER, bad]))
    recent = upload(analyst, workbook_bytes([["this week's copy"], HEADER, ROW]))
    _age(app, forgotten, 8)
    _age(app, rejected, 30)
    assert len(leftovers(app)) == 3
    fresh = upload(analyst, workbook_bytes([["today's copy"], HEADER, ROW]))
    assert stored(app, forgotten).status is BatchStatus.cancelled
    assert "preview expired" in stored(app, forgotten).message
    assert stored(app, rejected).status is BatchStatus.rejected and stored(app, rejected).stored_path is None
    assert stored(app, rejected).errors, "the errors stay listed"
    assert "FY2027-Q5" in analyst.get(f"/imports/{rejected}").get_data(as_text=True)
    assert stored(app, recent).status is BatchStatus.previewed
    assert leftovers(app) == sorted(Path(stored(app, b).stored_path).name for b in (recent, fresh))
    assert post(analyst, f"/imports/{forgotten}/confirm").status_code == 302
    assert stored(app, forgotten).status is BatchStatus.cancelled, "an expired preview cannot be confirmed"


def test_the_sweep_runs_from_the_command_line(app, analyst):
    batch_id = upload(analyst, workbook_bytes([HEADER, ROW]))
    _age(app, batch_id, 8)
    result = app.test_cli_runner().invoke(args=["sweep-uploads"])
    assert result.exit_code == 0, result.output
    assert "1 preview expired, 1 stored upload removed, 0 imports whose job stopped marked failed." in result.output
    assert leftovers(app) == [] and stored(app, batch_id).status is BatchStatus.cancelled


def test_a_progress_report_leaves_no_lock_wait_limit_on_the_pooled_connection(app, analyst, monkeypatch):
    """A report waits briefly for a lock; the next user of its pooled connection waits as usual."""
    monkeypatch.setattr(jobs, "start", lambda app_, batch_id, **kw: None)
    batch_id = upload(analyst, workbook_bytes([HEADER, ROW]))
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
        setting = "PRAGMA busy_timeout" if sqlite else "SHOW lock_timeout"
        with db.engine.connect() as connection:
            usual = connection.exec_driver_sql(setting).scalar()
        for _ in range(3):  # whichever pooled connection each report took
            jobs.write_progress(app, batch_id, "validating", 10)
        for _ in range(3):
            with db.engine.connect() as connection:
                assert connection.exec_driver_sql(setting).scalar() == usual


def _confirm_in_a_thread(app, batch_id, path, barrier, results):
    """run_import as a worker confirms a previewed batch; it waits at the planning stage for the other
    confirm, so that both plan at once unless something keeps them apart."""
    import contextlib
    import threading

    from importers.pipeline import run_import

    def waiting(stage, _rows):
        if stage.startswith("planning"):
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=3)

    def confirm():
        with app.app_context():
            batch = db.session.get(ImportBatch, batch_id)
            results[batch_id] = run_import(db.session, path, filename=batch.filename, batch=batch,
                                           user_id=batch.user_id, progress=waiting)
            db.session.remove()

    thread = threading.Thread(target=confirm)
    thread.start()
    return thread


def test_a_confirm_says_it_is_writing_before_it_holds_the_write_lock(app):
    """On SQLite a confirm's last report is made before it holds the write lock (a report after would wait for
    it): a 191,520-row confirm sat at "planning" for its whole write. It says "planning and writing"; a preview
    plans only, and a server whose reports do not wait says each stage."""
    from importers.pipeline import run_import
    from tests.conftest import TRUST_CSV

    stages = {True: [], False: []}
    with app.app_context():
        for dry_run in (True, False):
            result = run_import(db.session, TRUST_CSV, dry_run=dry_run,
                                progress=lambda stage, _rows, kept=stages[dry_run]: kept.append(stage))
            assert result.status in ("would_import", "imported"), result.errors[:2]
        sqlite = db.engine.dialect.name == "sqlite"
    assert stages[True][-1] == "planning"
    assert stages[False][-1] == ("planning and writing" if sqlite else "writing")


def test_two_confirms_running_at_once_are_planned_one_after_the_other(app, analyst, tmp_path):
    """Two workers confirm imports updating the same row at the same moment. Each previewed plan holds
    when it starts; only one may write it: the other plans again after it and is previewed again."""
    import threading

    base = upload(analyst, workbook_bytes([HEADER, ROW]), name="base.xlsx")
    post(analyst, f"/imports/{base}/confirm")
    files, batches = {}, []
    for n, counts in ((105, 45), (110, 50)):
        row = list(ROW)
        row[5], row[-1] = n, counts
        content = workbook_bytes([HEADER, row])
        batch_id = upload(analyst, content, name=f"fix-{n}.xlsx")
        assert stored(app, batch_id).updated == 1
        files[batch_id] = tmp_path / f"fix-{n}.xlsx"
        files[batch_id].write_bytes(content)
        batches.append(batch_id)
    with app.app_context():
        db.session.execute(sa.update(ImportBatch).where(ImportBatch.id.in_(batches)).values(status="pending"))
        db.session.commit()
    barrier, results = threading.Barrier(2), {}
    threads = [_confirm_in_a_thread(app, b, files[b], barrier, results) for b in batches]
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(result.status for result in results.values())
    assert statuses == ["imported", "would_import"], [r.message for r in results.values()]
    winner = next(b for b, r in results.items() if r.status == "imported")
    loser = next(b for b, r in results.items() if r.status == "would_import")
    assert "changed since the preview, by another import confirmed or reverted" in results[loser].message
    with app.app_context():
        n = db.session.scalar(sa.select(Observation.n).where(Observation.import_batch_id == winner))
        assert n == (105 if winner == batches[0] else 110), "the winner's values stand, unseen by no one"


def test_on_sqlite_a_writer_waits_out_a_long_one_instead_of_failing_after_the_busy_timeout(app):
    """A confirm behind another that holds the write lock longer than the connection's busy timeout
    (15 s; 0.2 s here) waits for it, instead of ending 'failed unexpectedly' with its upload lost."""
    import threading

    from scorecard import writers

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's write lock; PostgreSQL's advisory lock waits as long as it must")
    held, released = threading.Event(), threading.Event()

    def long_writer():
        with app.app_context():
            writers.one_at_a_time(db.session, writers.IMPORT)
            held.set()
            released.wait(10)
            time.sleep(1.0)  # past the waiting writer's busy timeout
            db.session.commit()
            db.session.remove()

    thread = threading.Thread(target=long_writer)
    thread.start()
    assert held.wait(10)
    with app.app_context():
        db.session.execute(sa.text("PRAGMA busy_timeout=200"))
        released.set()
        started = time.monotonic()
        assert writers.one_at_a_time(db.session, writers.IMPORT) is True
        assert time.monotonic() - started >= 0.8, "it waited for the other writer's commit"
        db.session.rollback()
        db.session.execute(sa.text("PRAGMA busy_timeout=15000"))
    thread.join(10)


def test_the_bulk_path_reads_a_filled_templates_period_and_leaves_year_and_quarter_to_the_rows():
    """A filled template has fiscal_year and fiscal_quarter columns, blank: its long files went row by row."""
    from importers.formats.observation_formats import canonical_many

    given = {"program": ["P", "P"], "metric": ["trust", "trust"], "period": ["FY2025-Q1"] * 2,
             "fiscal_year": [None, None], "fiscal_quarter": [None, None], "value": [4, 4.1], "n": [40, 40]}
    assert canonical_many(given, 2)["period"] == ["FY2025-Q1"] * 2
    alone = {k: v for k, v in given.items() if k not in ("period", "fiscal_year")}
    alone["fiscal_quarter"] = ["FY2025-Q2"] * 2
    assert canonical_many(alone, 2)["period"] == ["FY2025-Q2"] * 2
    assert canonical_many({**given, "fiscal_year": [2025, None]}, 2) is None, "a year given: checked row by row"


def test_a_job_whose_database_went_away_is_failed_once_it_answers_again(app, analyst, monkeypatch, caplog):
    """The database restarting mid-import failed the job, and recording that failed too (it was still
    down): the batch stayed "pending" with a stuck progress bar until it counted as stalled, 30 minutes
    later. Recording the failure is now tried again for about a minute."""
    down = database_going_away(monkeypatch, jobs, "run_import")  # and the next two commits fail: still restarting
    monkeypatch.setattr(dispatch, "END_RETRY_SECONDS", (0, 0, 0))  # the retries at once
    batch_id = upload(analyst, workbook_bytes([HEADER, ROW]))
    batch = stored(app, batch_id)
    assert batch.status is BatchStatus.failed
    assert batch.message == jobs.DATABASE_WENT_AWAY, "the database named, not 'failed unexpectedly'"
    assert "database stopped answering" in batch.message and "nothing was changed" in batch.message
    assert down["commits"] == 0
    assert len([r for r in caplog.records if "could not be recorded yet" in r.getMessage()]) == 2
