"""The Excel round trip of C-suite commitments (issue "C-suite accountability"), with real files:
the CFO officer downloads their commitments, edits two cells with openpyxl and uploads the file.
The preview shows exactly those two changes, field by field; a commitment saved on the web in
between is a conflict (its row, field and both values named) and is not overwritten; confirming
saves the two changes, with history and audit naming the officer. An unedited download, xlsx or
csv, changes nothing. The rows are held to the web form's rules and the officer's scope."""
import csv
import html
import io
import re
import tempfile
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from importers.formats.registry import FORMATS
from importers.pipeline import run_import
from scorecard.clock import agency_today
from scorecard.commitments.export import COLUMNS
from scorecard.commitments.services import MAX_TEXT_LENGTH, STATUS_LABELS, update_commitment
from scorecard.extensions import db
from scorecard.models import (
    AuditEvent,
    BatchStatus,
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    Function,
    ImportBatch,
    User,
)
from tests.helpers import post, upload, write_xlsx
from tests.test_commitments_web import chrome, served, submit  # noqa: F401  (the browser fixtures)

CFO_OFFICER = "cfo.officer@demo.cx.gov"
ADMIN = "admin@demo.cx.gov"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The demo's CFO commitments (scorecard/demo/): off track, complete, not started.
ALIGN = "Align CX budget requests with HISP action plans"
FUND = "Fund digital intake for top three services"
PUBLISH = "Publish CX spending in the annual financial report"


# --------------------------------------------------------------------------- helpers

def user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def commitment(title: str) -> Commitment:
    return db.session.scalar(sa.select(Commitment).where(Commitment.title == title))


def signed_in(app, email: str):
    app.config["IMPORTS_INLINE"] = True
    with app.app_context():
        return app.test_client(user=user(email))


def cfo_ids() -> set[int]:
    return set(db.session.scalars(sa.select(Commitment.id).join(Function).where(Function.code == "CFO")))


def stored() -> dict:
    """Every commitment as stored (version included), with its links and its number of history rows."""
    db.session.expire_all()
    return {c.id: (c.title, c.status, c.reason, c.next_step, c.due_date, c.description, c.leader_id, c.component_id,
                   sorted(p.id for p in c.programs), sorted(m.id for m in c.metrics), c.capacity_domain,
                   c.evidence_links, c.version, len(c.updates))
            for c in db.session.scalars(sa.select(Commitment))}


def download(client, kind="xlsx", **args) -> bytes:
    response = client.get(f"/commitments/download.{kind}", query_string=args)
    assert response.status_code == 200, response.status
    assert "attachment" in response.headers["Content-Disposition"]
    return response.data


def sheet_rows(content: bytes) -> tuple[openpyxl.Workbook, dict]:
    """The workbook and its rows by commitment title: {title: (spreadsheet row, {column: cell})}."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    data = book["commitments"]
    header = [c.value for c in data[1]]
    rows = {}
    for number, cells in enumerate(data.iter_rows(min_row=2), start=2):
        by_name = dict(zip(header, cells))
        rows[by_name["title"].value] = (number, by_name)
    return book, rows


def saved(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def batch(batch_id: int) -> ImportBatch:
    db.session.expire_all()
    return db.session.get(ImportBatch, batch_id)


# --------------------------------------------------------------------------- the download

def test_the_download_is_the_commitments_layout_with_a_drop_down_and_instructions(demo):
    officer = signed_in(demo, CFO_OFFICER)
    page = officer.get("/commitments/").get_data(as_text=True)
    assert 'id="download-xlsx"' in page and "Download my commitments" in page
    response = officer.get("/commitments/download.xlsx")
    assert response.mimetype == XLSX
    assert re.search(r"filename=commitments-CFO-\d{4}-\d\d-\d\d\.xlsx", response.headers["Content-Disposition"])
    # a filtered file says its filters: the at-risk two bore the whole list's name (sorting changes no row)
    filtered = officer.get("/commitments/download.csv?status=at_risk&status=off_track&overdue=1&due_within=1"
                           "&sort=title")
    assert re.search(r"filename=commitments-CFO-status-at_risk-off_track-due_within-1-overdue-\d{4}-\d\d-\d\d\.csv",
                     filtered.headers["Content-Disposition"]), filtered.headers["Content-Disposition"]
    # every filter at its longest: the name is cut (it made a file name no system keeps, and a 500)
    every = ("&".join(f"status={s}" for s in ("not_started", "on_track", "at_risk", "off_track", "complete", "dropped"))
             + "&due_within=3650&stale=3650&overdue=1&domain=Service+Design+%26+Improvement&function=CFO")
    for kind in ("csv", "xlsx"):
        longest = officer.get(f"/commitments/download.{kind}?{every}")
        assert longest.status_code == 200, longest.status
        name = re.search(r"filename=(\S+)", longest.headers["Content-Disposition"]).group(1)
        assert len(name) < 160 and "-etc-" in name, name
    book, rows = sheet_rows(response.data)
    assert book.sheetnames == ["commitments", "instructions"]
    data = book["commitments"]
    assert data.freeze_panes == "A2"
    assert tuple(c.value for c in data[1]) == COLUMNS
    layout = {c.name for c in FORMATS["commitments"].columns}
    assert set(COLUMNS) <= layout  # every column is one the import reads
    status_column = openpyxl.utils.get_column_letter(COLUMNS.index("status") + 1)
    [status_list] = [v for v in data.data_validations.dataValidation if f"{status_column}2" in str(v.sqref)]
    assert status_list.type == "list" and "At risk" in status_list.formula1 and status_list.showErrorMessage
    instructions = " ".join(str(c.value) for row in book["instructions"].iter_rows() for c in row if c.value)
    assert "conflict" in instructions and "version" in instructions and "Imports" in instructions
    with demo.app_context():
        assert {cells["id"].value for _, cells in rows.values()} == cfo_ids()  # the officer's scope
        for title, (_, cells) in rows.items():
            stored_one = commitment(title)
            assert cells["version"].value == stored_one.version and cells["function"].value == "CFO"
            assert cells["status"].value == STATUS_LABELS[stored_one.status]  # the web form's words
            assert cells["due_date"].value.date() == stored_one.due_date

    # Filtered like the list; other roles get their own scope; viewers nothing.
    _, complete = sheet_rows(download(officer, status="complete"))
    assert list(complete) == [FUND]
    executive = signed_in(demo, "executive@demo.cx.gov")
    with demo.app_context():
        every = db.session.scalar(sa.select(sa.func.count()).select_from(Commitment))
    assert len(list(csv.reader(io.StringIO(download(executive, "csv").decode())))) == every + 1
    assert signed_in(demo, "viewer@demo.cx.gov").get("/commitments/download.xlsx").status_code == 403
    assert officer.get("/commitments/download.pdf").status_code == 404


def test_the_download_imported_back_reads_its_data_sheet_without_a_note_about_its_instructions(demo):
    """Every round trip of the download was previewed under "Read before confirming: The workbook has 2 sheets;
    the first with data, 'commitments', was read": the instructions sheet is the app's own, as a template's is."""
    officer = signed_in(demo, CFO_OFFICER)
    book, rows = sheet_rows(download(officer))
    number, cells = next(iter(rows.values()))
    cells["next_step"].value = "Brief the budget office"
    with demo.app_context():
        result = run_import(db.session, io_file(book), dry_run=True, user_id=user(CFO_OFFICER).id)
        assert result.status == "would_import", result.errors
        assert not [w for w in result.warnings if "sheets" in w], result.warnings
        book.create_sheet("my notes")  # a sheet the person added: which one was read is said, as before
        result = run_import(db.session, io_file(book), dry_run=True, user_id=user(CFO_OFFICER).id)
        assert [w for w in result.warnings if "the first with data, 'commitments', was read" in w]


def test_formula_like_text_is_neutralised_and_comes_back_as_stored(demo, runner, tmp_path):
    formula = '=HYPERLINK("http://evil.example","click")'
    with demo.app_context():
        target = commitment(PUBLISH)
        target.next_step, target.description = formula, "+1 555 0100 is the vendor's desk"
        # Stored before every way in refused control characters: a workbook cannot hold one, and taking
        # it off after neutralising uncovered the formula behind it.
        target.reason = "\x01" + formula
        # Typed in a browser: its text area sends line breaks as CRLF; a workbook gives them back as LF.
        other = db.session.scalars(sa.select(Commitment).where(Commitment.id != target.id)
                                   .order_by(Commitment.id)).first()
        other.description = "first line\r\nsecond\tline"
        other.next_step = "\tled by a tab, which a workbook's reader would trim"
        other.title = "'=typed with an apostrophe, as in a spreadsheet"  # came back without it
        db.session.commit()
    officer = signed_in(demo, CFO_OFFICER)
    _, rows = sheet_rows(download(officer))
    cells = rows[PUBLISH][1]
    # as Excel stores '=x typed into a cell: the text itself, typed as text, with the quote prefix (no
    # apostrophe shown, nothing run)
    for name, value in (("next_step", formula), ("reason", formula),
                        ("description", "+1 555 0100 is the vendor's desk")):
        assert (cells[name].value, cells[name].data_type, cells[name].quotePrefix) == (value, "s", True), name
    assert "''=typed with an apostrophe, as in a spreadsheet" in rows
    text = download(officer, "csv").decode()
    assert "'=HYPERLINK" in text
    with demo.app_context():
        before = stored()
        out = tmp_path / "all.xlsx"
        result = runner.invoke(args=["export", "commitments", "--out", str(out)])
        assert result.exit_code == 0 and "Wrote 24 commitments" in result.output, result.output
        again = run_import(db.session, out, dry_run=True)
        assert again.status == "would_import", again.errors
        assert again.plan.counts == {"inserted": 0, "updated": 0, "unchanged": 24, "removed": 0}
        assert stored() == before


def test_the_command_line_export_of_one_function(demo, runner, tmp_path):
    with demo.app_context():
        out = tmp_path / "cfo.csv"
        result = runner.invoke(args=["export", "commitments", "--function", "cfo", "--out", str(out)])
        assert result.exit_code == 0, result.output
        with out.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
        assert tuple(rows[0]) == COLUMNS and {int(r["id"]) for r in rows} == cfo_ids()
        unknown = runner.invoke(args=["export", "commitments", "--function", "XYZ", "--out", str(out)])
        assert unknown.exit_code != 0 and "there is no function 'XYZ'" in unknown.output
        wrong = runner.invoke(args=["export", "commitments", "--out", str(tmp_path / "c.pdf")])
        assert wrong.exit_code != 0 and ".xlsx or .csv" in wrong.output


# --------------------------------------------------------------------------- the round trip

def test_two_edits_a_conflict_and_a_confirm_that_names_the_officer(demo):
    officer = signed_in(demo, CFO_OFFICER)
    book, rows = sheet_rows(download(officer))
    publish_row, publish = rows[PUBLISH]
    align_row, align = rows[ALIGN]
    fund_row = rows[FUND][0]
    assert publish["status"].value == "Not started" and align["next_step"].value is None
    publish["status"].value = "on_track"
    align["next_step"].value = "Ask the budget office for the HISP list."
    content = saved(book)

    # Meanwhile someone saves FUND on the web: the file's row for it is out of date.
    with demo.app_context():
        fund = commitment(FUND)
        update_commitment(db.session, fund, {"next_step": "Brief the CFO on the intake pilot."},
                          user=user(ADMIN), version=fund.version)
        before = stored()

    batch_id = upload(officer, content, name="cfo-commitments.xlsx")
    with demo.app_context():
        previewed = batch(batch_id)
        assert previewed.status is BatchStatus.previewed, (previewed.message, previewed.errors)
        assert (previewed.inserted, previewed.updated, previewed.unchanged) == (0, 2, 0)
        changes = {c["row"]: c for c in previewed.preview["changes"]}
        assert set(changes) == {publish_row, align_row}
        assert changes[publish_row]["fields"] == [{"field": "Status", "before": "Not started", "after": "On track"}]
        assert changes[align_row]["fields"] == [
            {"field": "Next step", "before": "none", "after": "Ask the budget office for the HISP list."}]
        [conflict] = [w for w in previewed.preview["warnings"] if w.startswith("Conflict")]
        assert conflict.startswith(f"Conflict on row {fund_row}: commitment #{before_id(FUND)} (CFO: {FUND})")
        assert "Next step: the file has 'none'; now 'Brief the CFO on the intake pilot.'" in conflict
        assert ADMIN in conflict  # who saved it since
        assert stored() == before  # a preview writes nothing
    page = officer.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert "Not started → On track" in page and "none → Ask the budget office for the HISP list." in page
    assert 'id="import-conflicts"' in page and f"Conflict on row {fund_row}" in page
    assert "Brief the CFO on the intake pilot." in page

    assert post(officer, f"/imports/{batch_id}/confirm").status_code == 302
    with demo.app_context():
        done = batch(batch_id)
        assert done.status is BatchStatus.committed, done.message
        assert (done.inserted, done.updated, done.unchanged) == (0, 2, 0)
        assert done.message.endswith("1 row was left out as a conflict: saved by someone else since the file was "
                                     "downloaded (listed below); nothing of it was written."), done.message
        after = stored()
        officer_id = user(CFO_OFFICER).id
        assert after[before_id(FUND)] == before[before_id(FUND)]  # the web's change stands
        published, aligned = commitment(PUBLISH), commitment(ALIGN)
        assert published.status is CommitmentStatus.on_track and published.version == before[published.id][12] + 1
        assert aligned.next_step == "Ask the budget office for the HISP list."
        for changed, fields in ((published, {"status": ["not_started", "on_track"]}),
                                (aligned, {"next_step": [None, "Ask the budget office for the HISP list."]})):
            latest = max(changed.updates, key=lambda u: u.id)
            assert latest.user_id == officer_id and latest.changes == fields
            assert f"import batch {batch_id}" in latest.note
            event = db.session.scalar(sa.select(AuditEvent).where(
                AuditEvent.entity_type == "commitment", AuditEvent.entity_id == changed.id)
                .order_by(AuditEvent.id.desc()))
            assert (event.action, event.user_id) == ("commitment.update", officer_id)
            assert event.after["import_batch"] == batch_id
            assert {f: event.before[f] for f in fields} == {f: pair[0] for f, pair in fields.items()}
        untouched = set(after) - {published.id, aligned.id}
        assert {i: after[i] for i in untouched} == {i: before[i] for i in untouched}
    history = officer.get(f"/commitments/{published.id}").get_data(as_text=True)
    table = history[history.index('id="history-table"'):]
    assert CFO_OFFICER in table[:table.index("</tr>", table.index("<tbody>"))]
    assert 'id="import-conflicts"' in officer.get(f"/imports/{batch_id}").get_data(as_text=True)


def test_a_commitment_saved_between_preview_and_confirm_is_left_out_as_a_conflict(demo):
    officer = signed_in(demo, CFO_OFFICER)
    book, rows = sheet_rows(download(officer))
    rows[PUBLISH][1]["status"].value = "on_track"
    align_row, align = rows[ALIGN]
    align["next_step"].value = "Ask the budget office for the HISP list."
    batch_id = upload(officer, saved(book), name="cfo.xlsx")
    with demo.app_context():
        assert batch(batch_id).updated == 2
        target = commitment(ALIGN)
        update_commitment(db.session, target, {"next_step": "Wait for the spring budget call."}, user=user(ADMIN),
                          version=target.version)
    assert post(officer, f"/imports/{batch_id}/confirm").status_code == 302
    with demo.app_context():
        done = batch(batch_id)
        assert done.status is BatchStatus.committed and (done.updated, done.unchanged) == (1, 1)
        assert commitment(ALIGN).next_step == "Wait for the spring budget call."
        assert commitment(PUBLISH).status is CommitmentStatus.on_track
        [conflict] = [w for w in done.preview["warnings"] if w.startswith("Conflict")]
        assert conflict.startswith(f"Conflict on row {align_row}:")
        assert "Next step: the file has 'Ask the budget office for the HISP list.'; now 'Wait for the spring " \
               "budget call.'" in conflict
        # what the page keeps as written is what was written: the conflict's row is not among the changes
        assert [c["row"] for c in done.preview["changes"]] == [rows[PUBLISH][0]]
    page = officer.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert "1 conflict: not imported" in page and f"Conflict on row {align_row}" in page
    assert "<caption>The change, as written</caption>" in page


def test_a_preview_names_only_the_imports_since_that_could_change_it_and_its_viewer_may_open(demo):
    """An officer's commitments preview named a survey import an analyst confirmed since: a batch the officer
    may not open (403), of a table the preview does not write. Only imports of the same table that the
    viewer may open are named."""
    from tests.helpers import HEADER, ROW, workbook_bytes

    officer = signed_in(demo, CFO_OFFICER)
    book, rows = sheet_rows(download(officer))
    rows[PUBLISH][1]["status"].value = "on_track"
    previewed = upload(officer, saved(book), name="cfo.xlsx")
    admin = signed_in(demo, ADMIN)
    survey = upload(admin, workbook_bytes([HEADER, ROW]), name="survey.xlsx")
    assert post(admin, f"/imports/{survey}/confirm").status_code == 302
    page = officer.get(f"/imports/{previewed}").get_data(as_text=True)
    assert 'id="since-preview"' not in page and f"batch {survey}" not in page
    assert 'id="since-preview"' not in admin.get(f"/imports/{previewed}").get_data(as_text=True)


def assert_unedited_download_unchanged(app, officer, kind: str) -> None:
    """The officer's download of `kind`, uploaded as it is, previews as the CFO's three commitments unchanged."""
    batch_id = upload(officer, download(officer, kind), name=f"cfo.{kind}")
    with app.app_context():
        previewed = batch(batch_id)
        assert previewed.status is BatchStatus.previewed, (previewed.message, previewed.errors)
        assert (previewed.updated, previewed.unchanged) == (0, 3)


def before_id(title: str) -> int:
    return db.session.scalar(sa.select(Commitment.id).where(Commitment.title == title))


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_an_unedited_download_changes_nothing(demo, kind):
    officer = signed_in(demo, CFO_OFFICER)
    content = download(officer, kind)
    with demo.app_context():
        before = stored()
        history = db.session.scalar(sa.select(sa.func.count()).select_from(CommitmentUpdate))
    batch_id = upload(officer, content, name=f"cfo.{kind}")
    with demo.app_context():
        previewed = batch(batch_id)
        assert previewed.status is BatchStatus.previewed, (previewed.message, previewed.errors)
        assert (previewed.inserted, previewed.updated, previewed.unchanged) == (0, 0, 3)
        assert not previewed.preview["changes"]
        assert not [w for w in previewed.preview["warnings"] if w.startswith("Conflict")]
    assert post(officer, f"/imports/{batch_id}/confirm").status_code == 302
    with demo.app_context():
        done = batch(batch_id)
        assert done.status is BatchStatus.committed and (done.inserted, done.updated) == (0, 0)
        assert stored() == before
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CommitmentUpdate)) == history


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_link_stored_before_the_invisible_character_rule_comes_back_unchanged(demo, kind):
    """A link holding a zero-width space, stored before links were refused for it: the unedited file
    changes nothing instead of being refused; a row that adds a link is held to the rule in that link, the stored
    one kept (as a capacity assessment's are: scorecard.evidence)."""
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        fund = commitment(FUND)
        fund.evidence_links = ["https://www.performance\u200b.gov/cx/"]
        db.session.commit()
    assert_unedited_download_unchanged(demo, officer, kind)
    book, rows = sheet_rows(download(officer))
    row, cells = rows[FUND]
    cells["evidence_links"].value = ("https://www.performance\u200b.gov/cx/ https://www.performance.gov/ "
                                     "https://b.gov/x\u200by")
    with demo.app_context():
        said = refused(book)[(row, "evidence_links")]
        assert "'https://b.gov/x\\u200by' holds a space, a control or an invisible character" in said, said
        assert "performance" not in said, "the stored link is not refused"


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_link_with_a_semicolon_in_it_comes_back_unchanged_and_the_form_reads_links_as_a_file_does(demo, kind):
    """A file split links at every semicolon, the form at spaces alone: an address holding one
    (";jsessionid=") refused every unedited download of its function, and "a; b" typed on the form was saved
    as the link "a;"."""
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        fund_id = commitment(FUND).id
    typed = submit(officer, f"/commitments/{fund_id}/edit",
                   evidence_links="https://www.performance.gov/cx/; https://example.gov/report;jsessionid=ABC123;")
    assert typed.status_code == 303
    with demo.app_context():
        assert commitment(FUND).evidence_links == ["https://www.performance.gov/cx/",
                                                   "https://example.gov/report;jsessionid=ABC123"]
    assert_unedited_download_unchanged(demo, officer, kind)
    book, rows = sheet_rows(download(officer))
    row, cells = rows[FUND]
    cells["evidence_links"].value = "https://www.performance.gov/cx/;https://b.gov/x; https://c.gov/"
    batch_id = upload(officer, saved(book), name="cfo.xlsx")
    with demo.app_context():
        previewed = batch(batch_id)
        assert previewed.status is BatchStatus.previewed and previewed.updated == 1, previewed.errors
    assert post(officer, f"/imports/{batch_id}/confirm").status_code == 302
    with demo.app_context():
        assert commitment(FUND).evidence_links == ["https://www.performance.gov/cx/", "https://b.gov/x",
                                                   "https://c.gov/"]


def test_links_too_long_for_the_downloads_cell_are_refused_everywhere(demo):
    """20 links of 2,000 characters were taken (each within its limits), and Excel's cell keeps 32,767: the
    download cut them to 17, the last one broken, and importing it back saved that."""
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        fund_id = commitment(FUND).id
    links = [f"https://www.cfo.gov/{i:02d}/" + "x" * 1_970 for i in range(17)]
    too_long = submit(officer, f"/commitments/{fund_id}/edit", evidence_links="\n".join(links))
    said = html.unescape(too_long.get_data(as_text=True))
    assert too_long.status_code == 400 and ("the links come to 33,897 characters written one per line, and at most "
                                           "32,767 fit in the one spreadsheet cell the downloads write them in") in said
    assert submit(officer, f"/commitments/{fund_id}/edit", evidence_links="\n".join(links[:16])).status_code == 303
    book, rows = sheet_rows(download(officer))
    assert rows[FUND][1]["evidence_links"].value.split("\n") == links[:16], "the download holds every link whole"
    table = list(csv.reader(io.StringIO(download(officer, "csv").decode("utf-8-sig"))))  # a CSV holds any length
    column, row = table[0].index("evidence_links"), next(i for i, r in enumerate(table) if FUND in r)
    table[row][column] = "\n".join(links)
    target = Path(tempfile.mkdtemp()) / "commitments.csv"
    with target.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(table)
    with demo.app_context():
        before = stored()
        result = run_import(db.session, target, user_id=user(CFO_OFFICER).id)
        assert result.status == "rejected" and stored() == before
        said = {(e["row"], e["column"]): e["message"] for e in result.errors}
        assert "the links come to 33,897 characters" in said[(row + 1, "evidence_links")], said


def test_links_stored_longer_than_a_cell_before_that_check_do_not_refuse_an_unedited_csv(demo):
    """Links stored before the 32,767-character check (20 of 2,000 were taken): the CSV of the function, uploaded
    unedited, was refused as a whole for them, every other row blocked with it."""
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        fund = commitment(FUND)
        fund.evidence_links = [f"https://www.cfo.gov/{i:02d}/" + "x" * 1_970 for i in range(20)]
        db.session.commit()
    assert_unedited_download_unchanged(demo, officer, "csv")


def test_a_stale_row_that_asks_for_what_is_stored_is_no_conflict(demo):
    """Saved since the download, but the row already says what is stored: nothing to lose."""
    officer = signed_in(demo, CFO_OFFICER)
    book, rows = sheet_rows(download(officer))
    rows[PUBLISH][1]["next_step"].value = "Same words as the web."
    with demo.app_context():
        target = commitment(PUBLISH)
        update_commitment(db.session, target, {"next_step": "Same words as the web."}, user=user(ADMIN),
                          version=target.version)
        result = run_import(db.session, io_file(book), user_id=user(CFO_OFFICER).id, dry_run=True)
        assert result.status == "would_import", result.errors
        assert result.plan.counts == {"inserted": 0, "updated": 0, "unchanged": 3, "removed": 0}
        assert not result.warnings or not any(w.startswith("Conflict") for w in result.warnings)


def test_a_note_alone_says_the_commitment_is_current_as_on_the_web(demo):
    officer = signed_in(demo, CFO_OFFICER)
    book, rows = sheet_rows(download(officer))
    row, cells = rows[FUND]
    cells["note"].value = "Checked with the vendor: still on schedule."
    batch_id = upload(officer, saved(book), name="notes.xlsx")
    with demo.app_context():
        previewed = batch(batch_id)
        assert (previewed.updated, previewed.unchanged) == (1, 2)
        [change] = previewed.preview["changes"]
        assert change["row"] == row and change["fields"] == [
            {"field": "Note", "before": None, "after": "Checked with the vendor: still on schedule."}]
        before = stored()[before_id(FUND)]
    assert "Note</strong>: Checked with the vendor" in officer.get(f"/imports/{batch_id}").get_data(as_text=True)
    post(officer, f"/imports/{batch_id}/confirm")
    with demo.app_context():
        fund = commitment(FUND)
        latest = max(fund.updates, key=lambda u: u.id)
        assert latest.note == "Checked with the vendor: still on schedule." and latest.changes == {}
        assert latest.import_batch_id == batch_id, "where it came from, though the row had a note of its own"
        assert latest.user_id == user(CFO_OFFICER).id and fund.last_update_at == latest.at
        assert stored()[fund.id][:12] == before[:12]  # every field as it was
        fund_id = fund.id
    shown = officer.get(f"/commitments/{fund_id}").get_data(as_text=True)
    assert re.search(rf'Checked with the vendor: still on schedule.</span>\s*<span class="usa-hint">'
                     rf'\(from import batch {batch_id}\)', shown), "the history says so"


def test_a_reverted_import_is_said_in_the_commitments_history_naming_who_reverted_it(demo):
    """The README says the commitment's history names who reverted: it kept nothing of a reverted import (the
    import's own history row went with it), as if the commitment had never been at risk. A row says so: by whom,
    each field from what the file wrote back to what it was; a note-only import's revert says its note went."""
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        original = stored()
    book, rows = sheet_rows(download(officer))
    rows[PUBLISH][1]["status"].value = "at_risk"
    rows[PUBLISH][1]["reason"].value = "The report's template changed."
    rows[FUND][1]["note"].value = "Checked with the vendor."
    batch_id = upload(officer, saved(book), name="cfo-q1.xlsx")
    post(officer, f"/imports/{batch_id}/confirm")
    reverted = post(officer, f"/imports/{batch_id}/revert")
    assert reverted.status_code == 302
    # two commitments put back, none removed: the history rows the batch wrote go with it, uncounted
    assert (f"Batch {batch_id} reverted: 0 rows removed, 2 restored."
            in officer.get(reverted.headers["Location"]).get_data(as_text=True))
    with demo.app_context():
        assert batch(batch_id).status is BatchStatus.reverted
        after = stored()
        publish, fund = commitment(PUBLISH), commitment(FUND)
        assert publish.status is CommitmentStatus.not_started and publish.reason is None
        assert {i: c[:12] for i, c in after.items()} == {i: c[:12] for i, c in original.items()}, "as they were"
        assert after[publish.id][13] == original[publish.id][13] + 1, "their history: one row more"
        latest = {c.id: max(c.updates, key=lambda u: u.id) for c in (publish, fund)}
        assert [u.note for u in latest.values()] == [
            f"Reverted import batch {batch_id} (cfo-q1.xlsx): status back from At risk to Not started; reason back "
            "from “The report's template changed.” to none.",
            f"Reverted import batch {batch_id} (cfo-q1.xlsx): the note it added removed."]
        assert all(u.changes == {} for u in latest.values()), "in words: as fields, they read as moved again"
        assert {u.user_id for u in latest.values()} == {user(CFO_OFFICER).id}
        assert not any(u.note == "Checked with the vendor." for u in fund.updates), "the import's own rows go"
        ids = publish.id, fund.id
        # the audit log's last word on the commitment is the revert's, not the file's "at risk"
        [event] = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.entity_type == "commitment", AuditEvent.entity_id == publish.id,
            AuditEvent.action == "commitment.import_reverted")).all()
        assert event.user_id == user(CFO_OFFICER).id and event.after["import_batch"] == batch_id
        assert (event.before["status"], event.after["status"]) == ("at_risk", "not_started")
        assert (event.before["reason"], event.after["reason"]) == ("The report's template changed.", None)
    shown = officer.get(f"/commitments/{ids[0]}").get_data(as_text=True)
    first = shown[shown.index("<tbody>", shown.index('id="history-table"')):]
    first = first[:first.index("</tr>")]
    assert CFO_OFFICER in first and f"Reverted import batch {batch_id} (cfo-q1.xlsx)" in first
    assert f"what import batch {batch_id} wrote is undone (the note says what it was)" in first
    assert "status confirmed" not in first and "(from import batch" not in first


def test_a_reverted_import_of_an_earlier_due_date_reads_as_if_it_had_never_been(demo):
    """The revert's history row gave each field as [what the file wrote, as restored]: the overview read a due
    date put back as "due date moved … to …", a slip, and a date before the revert as the file's (the rules'
    view of a commitment at a year's end too). The row says it in words; nothing reads it as a move."""
    from dashboards.queries import common
    from dashboards.queries.overview import SLIPPED, changes_since_prior
    from scorecard.models import Role

    officer = signed_in(demo, CFO_OFFICER)
    book, rows = sheet_rows(download(officer))
    align = rows[ALIGN][1]
    was = align["due_date"].value
    align["due_date"].value = was - timedelta(days=20)  # brought forward: no slip
    align["reason"].value = "The budget office asked for it earlier."
    batch_id = upload(officer, saved(book), name="earlier.xlsx")
    post(officer, f"/imports/{batch_id}/confirm")
    assert post(officer, f"/imports/{batch_id}/revert").status_code == 302
    with demo.app_context():
        assert batch(batch_id).status is BatchStatus.reverted and commitment(ALIGN).due_date == was.date()
        today = agency_today()
        changes = changes_since_prior(db.session, common.chosen_period(db.session, None, today),
                                      common.ProgramFilter(), common.Scope(Role.executive), today)
        said = [line.text for line in changes.of(SLIPPED) if line.subject == f"CFO: {ALIGN}"]
        assert not any("due date" in text for text in said), ("its due date is what it always was", said)


def test_a_note_longer_than_the_web_takes_is_refused_naming_its_row(demo):
    """The history note has the web form's and the API's limit in a file too (MAX_TEXT_LENGTH)."""
    officer = signed_in(demo, CFO_OFFICER)
    book, rows = sheet_rows(download(officer))
    row, cells = rows[FUND]
    cells["note"].value = "n" * (MAX_TEXT_LENGTH + 1)
    with demo.app_context():
        assert f"at most {MAX_TEXT_LENGTH:,} fit" in refused(book)[(row, "note")]


def io_file(book) -> Path:
    """The workbook saved to a file of its own (run_import reads a path)."""
    target = Path(tempfile.mkdtemp()) / "commitments.xlsx"
    book.save(target)
    return target


def refused(book, dry_run: bool = False) -> dict:
    """The CFO officer's import of `book` (in an app context), refused with nothing stored changed: its errors
    as {(row, column): message}."""
    before = stored()
    result = run_import(db.session, io_file(book), user_id=user(CFO_OFFICER).id, dry_run=dry_run)
    assert result.status == "rejected", result.errors
    assert stored() == before
    return {(e["row"], e["column"]): e["message"] for e in result.errors}


# --------------------------------------------------------------------------- rules and scope

def test_the_rows_are_held_to_the_web_forms_rules_and_the_officers_scope(demo):
    officer = signed_in(demo, CFO_OFFICER)
    book, rows = sheet_rows(download(officer))
    data = book["commitments"]
    publish_row, publish = rows[PUBLISH]
    align_row, align = rows[ALIGN]
    fund_row, fund = rows[FUND]
    publish["status"].value = "at_risk"                       # no reason
    align["due_date"].value = align["due_date"].value + timedelta(days=30)  # moved, the old reason kept
    fund["evidence_links"].value = "ftp://files.example.gov/report"
    with demo.app_context():
        cio = db.session.scalar(sa.select(Commitment).join(Function).where(Function.code == "CIO"))
        cio_id, cio_title = cio.id, cio.title
    data.append([cio_id, "CFO", cio_title, "complete"])      # another function's commitment, by id
    data.append([None, "CIO", "Not ours", "on_track"])       # another function
    data.append([align["id"].value, "CFO", "Copy", "on_track"])  # the same commitment twice
    data.append([publish["id"].value + 1000, "CFO", "Gone", "on_track"])
    with demo.app_context():
        errors = refused(book)
        assert "a commitment that is at risk needs a reason: say why it is at risk" in errors[(publish_row, "reason")]
        assert "moving the due date" in errors[(align_row, "reason")]
        assert "is not a web address" in errors[(fund_row, "evidence_links")]
        assert errors[(5, "id")] == f"there is no commitment #{cio_id} among CFO's commitments; leave the id blank " \
                                    "to create a new commitment"
        assert "only for their own function (CFO)" in errors[(6, "function")]
        # the id repeats, not the title ("Copy"): the id is the cell marked, and the commitment named by it
        assert errors[(7, "id")] == (f"the same commitment (#{align['id'].value}, CFO: {align['title'].value!r}) "
                                     f"as row {align_row}: give each commitment one row")
        assert (7, "title") not in errors
        assert errors[(8, "id")].startswith(f"there is no commitment #{publish['id'].value + 1000}")



def test_a_file_neither_makes_a_commitment_dropped_without_a_reason_nor_removes_a_dropped_ones(demo):
    """A new row with status dropped and no reason was made so (the web's new form does not offer dropped), and a
    dropped commitment's reason blanked in the file was removed: each read "Dropped · Reason: none given"."""
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        target = db.session.scalar(
            sa.select(Commitment).join(Function).where(Function.code == "CFO",
                                                       Commitment.status != CommitmentStatus.dropped)
            .order_by(Commitment.id).limit(1))
        update_commitment(db.session, target, {"status": CommitmentStatus.dropped, "reason": "Folded in."},
                          user=user(CFO_OFFICER), version=target.version)
        dropped_id = target.id
    book, rows = sheet_rows(download(officer))
    data = book["commitments"]
    dropped_row, dropped = next((n, r) for n, r in rows.values() if r["id"].value == dropped_id)
    dropped["reason"].value = None
    new_row = data.max_row + 1
    data.append([None, "CFO", "A commitment made dropped", "dropped"])
    with demo.app_context():
        errors = refused(book)
        assert errors[(new_row, "reason")] == "dropping a commitment needs a reason: say why it is dropped", errors
        assert errors[(dropped_row, "reason")] == ("a dropped commitment keeps its reason: it cannot be removed "
                                                   "(write another to replace it)")


def test_two_new_rows_whose_titles_read_alike_are_one_commitment_twice(demo):
    """Two rows of one file titled "... Phase II" and "... Phase \u2161" (the Roman numeral), or "CX" and
    full-width "\uff23\uff38", were both inserted: the web refuses the second title as taken (NFKC), the
    file compared the titles only case and spacing aside."""
    officer = signed_in(demo, CFO_OFFICER)
    book, _ = sheet_rows(download(officer))
    data = book["commitments"]
    first = data.max_row + 1
    data.append([None, "CFO", "Publish the CX roadmap Phase II", "on_track"])
    data.append([None, "CFO", "Publish the CX roadmap Phase \u2161", "on_track"])
    data.append([None, "CFO", "Report the CX budget", "on_track"])
    data.append([None, "CFO", "Report the \uff23\uff38 budget", "on_track"])
    with demo.app_context():
        errors = refused(book)
        assert f"as row {first}" in errors[(first + 1, "title")], errors
        assert f"as row {first + 2}" in errors[(first + 3, "title")], errors


def test_a_title_from_a_file_drops_the_characters_that_draw_nothing_as_the_web_does(demo):
    """A file's title "Past\u200b new" was stored with its zero-width space: the next save of the web form,
    unchanged, then changed the title between two that read alike, and the batch could no longer be reverted."""
    officer = signed_in(demo, CFO_OFFICER)
    book, _ = sheet_rows(download(officer))
    book["commitments"].append([None, "CFO", "Past\u200b new\ufeff", "on_track"])
    with demo.app_context():
        result = run_import(db.session, io_file(book), user_id=user(CFO_OFFICER).id)
        assert result.status == "imported", result.errors
        cid = commitment("Past new").id
    saved = submit(officer, f"/commitments/{cid}/edit")  # the form sent as it opened
    assert saved.status_code == 303
    assert "Nothing changed" in officer.get(saved.headers["Location"]).get_data(as_text=True)
    dry = demo.test_cli_runner().invoke(args=["revert", "--dry-run", str(result.batch_id)])
    assert dry.exit_code == 0, dry.output


def test_a_file_setting_a_due_date_already_past_is_told_before_it_is_confirmed(demo):
    """The web form says a due date already past makes the commitment read overdue; a file setting one (2020
    for 2026) was previewed without a word. A complete one, or a date already stored, is no news."""
    officer = signed_in(demo, CFO_OFFICER)
    book, rows = sheet_rows(download(officer))
    data = book["commitments"]
    first = data.max_row + 1
    data.append([None, "CFO", "Close the 2019 audit finding", "on_track", None, None, date(2020, 3, 1)])
    data.append([None, "CFO", "Closed the 2018 audit finding", "complete", None, None, date(2019, 3, 1)])
    with demo.app_context():
        result = run_import(db.session, io_file(book), user_id=user(CFO_OFFICER).id, dry_run=True)
    assert result.status == "would_import", result.errors
    days_late = (agency_today() - date(2020, 3, 1)).days
    assert [w for w in result.warnings if "already past" in w] == [
        f"1 row sets an open commitment's due date to a day already past (on row {first}: 2020-03-01, overdue by "
        f"{days_late:,} days): it reads overdue once imported. If a date is a slip, correct it and upload the file "
        "again; if not, nothing needs to change."]
    book, _ = sheet_rows(download(officer))  # as downloaded: every overdue one keeps its date, unsaid
    with demo.app_context():
        again = run_import(db.session, io_file(book), user_id=user(CFO_OFFICER).id, dry_run=True)
    assert not [w for w in again.warnings if "already past" in w]


def test_a_rows_status_reads_in_the_web_forms_words_not_the_files_codes(demo):
    """The import said "moving a complete commitment to on_track ..." where the web form says "on track"."""
    officer = signed_in(demo, CFO_OFFICER)
    book, rows = sheet_rows(download(officer))
    fund_row, fund = rows[FUND]
    fund["status"].value = "on_track"  # complete before: taking it back up needs a new reason
    with demo.app_context():
        result = run_import(db.session, io_file(book), user_id=user(CFO_OFFICER).id, dry_run=True)
        message = {(e["row"], e["column"]): e["message"] for e in result.errors}[(fund_row, "reason")]
        assert message.startswith("moving a complete commitment to on track needs a new reason: say why it is on "
                                  "track now"), message
        assert "_" not in message


def test_a_rows_every_problem_is_named_in_one_upload(demo):
    """A row with a bad date and another function, or an unknown program, was refused for its cells first;
    the function and the program were named only once those were fixed and the file uploaded again."""
    officer = signed_in(demo, CFO_OFFICER)
    book, _ = sheet_rows(download(officer))
    data = book["commitments"]
    header = [c.value for c in data[1]]

    def row(**cells):
        return [cells.get(name) for name in header]
    data.append(row(function="CIO", title="Not ours", status="on_track", evidence_links="javascript:alert(1)"))
    data.append(row(function="CFO", title="Odd one", status="on_track", due_date="31/02/2027",
                    capacity_domain="Measurment", programs="No Such Program"))
    first = data.max_row - 1
    with demo.app_context():
        errors = refused(book)
        assert "is not a web address" in errors[(first, "evidence_links")]
        assert "only for their own function (CFO)" in errors[(first, "function")]
        assert {"due_date", "capacity_domain", "programs"} <= {c for r, c in errors if r == first + 1}
        assert errors[(first + 1, "programs")] == "unknown program 'No Such Program'", "nothing is close to it"


def test_a_row_cannot_move_a_commitment_or_claim_a_future_version(demo, tmp_path):
    with demo.app_context():
        fund = commitment(FUND)
        header = ["id", "function", "title", "status", "version"]
        path = write_xlsx(tmp_path / "c.xlsx", header, [[fund.id, "CIO", fund.title, "complete", fund.version],
                                                        [commitment(ALIGN).id, "CFO", ALIGN, None, 99]])
        result = run_import(db.session, path)
        errors = {(e["row"], e["column"]): e["message"] for e in result.errors}
        assert errors[(2, "function")] == f"commitment #{fund.id} belongs to CFO; a row cannot move it to CIO"
        assert "version 99 was never stored" in errors[(3, "version")]
    csv_path = tmp_path / "c.csv"
    csv_path.write_text("id,function,title,status\n99999999999999999999,CFO,Huge,on_track\n", encoding="utf-8")
    with demo.app_context():
        result = run_import(db.session, csv_path)
        [message] = [e["message"] for e in result.errors if e["column"] == "id"]
        assert message.startswith("99999999999999999999 is not a commitment id"), "as typed, not 1e+20"


def test_a_row_updating_by_id_without_its_version_is_refused_not_written_over_a_web_save(demo, tmp_path):
    """A blank version cell skipped the conflict check: the row overwrote a save made on the web since the
    download, and the preview said "1 updated"."""
    officer = signed_in(demo, CFO_OFFICER)
    book, rows = sheet_rows(download(officer))
    align_row, align = rows[ALIGN]
    align["next_step"].value = "Ask the budget office for the HISP list."
    align["version"].value = None
    with demo.app_context():
        target = commitment(ALIGN)
        update_commitment(db.session, target, {"next_step": "Wait for the spring budget call."}, user=user(ADMIN),
                          version=target.version)
        before = stored()
        result = run_import(db.session, io_file(book), user_id=user(CFO_OFFICER).id, dry_run=True)
        assert result.status == "rejected"
        errors = {(e["row"], e["column"]): e["message"] for e in result.errors}
        message = errors[(align_row, "version")]
        assert message.startswith(f"the version is empty: a row that updates commitment #{target.id} by its id")
        assert "from the downloaded file" in message and "overwriting someone else's save" in message
        assert stored() == before

        # A file without the column at all is refused the same way.
        path = write_xlsx(tmp_path / "c.xlsx", ["id", "function", "title", "description"],
                          [[target.id, "CFO", ALIGN, "Budget requests name the HISPs they serve."]])
        result = run_import(db.session, path, user_id=user(CFO_OFFICER).id, dry_run=True)
        [error] = result.errors
        assert (error["column"], error["message"][:30]) == ("version", "the version is not in the file")
        assert stored() == before
    align["leader"].value = "nobody@x.gov"
    with demo.app_context():  # a name matching nothing hid the empty version until the next upload
        result = run_import(db.session, io_file(book), user_id=user(CFO_OFFICER).id, dry_run=True)
        columns = sorted(e["column"] for e in result.errors if e["row"] == align_row)
        assert columns == ["leader", "version"], result.errors
    align["due_date"].value = "not-a-date"
    with demo.app_context():  # and a bad cell beside them
        result = run_import(db.session, io_file(book), user_id=user(CFO_OFFICER).id, dry_run=True)
        columns = sorted(e["column"] for e in result.errors if e["row"] == align_row)
        assert columns == ["due_date", "leader", "version"], result.errors


def test_a_row_naming_its_commitment_by_title_alone_is_a_conflict_over_someone_elses_save(demo, tmp_path):
    """A sheet that made a commitment (no id, no version) sent again after a colleague saved it on the web
    turned "off track" back to "on track", blanked the next step and put the due date back: with neither id nor
    version nothing tells whether it was made before that save. A change over someone else's save is left out
    as a conflict naming each field; over the sender's own it is theirs to make; a new title makes a new one."""
    header = ["id", "function", "title", "status", "reason", "next_step", "due_date", "version"]
    sheet = [None, "CFO", "Brief OMB on CX budget exhibits", "on_track", None, None, "2027-04-30", None]
    with demo.app_context():
        officer = user(CFO_OFFICER).id
        made = run_import(db.session, write_xlsx(tmp_path / "mine.xlsx", header, [sheet]), user_id=officer)
        assert made.status == "imported" and made.plan.counts["inserted"] == 1, made.errors
        own = run_import(db.session, write_xlsx(tmp_path / "own.xlsx", header, [sheet[:5] + ["Draft it.", *sheet[6:]]]),
                         user_id=officer)
        assert own.status == "imported" and own.plan.counts["updated"] == 1 and not own.warnings, own.errors
        target = commitment("Brief OMB on CX budget exhibits")
        update_commitment(db.session, target, {"status": CommitmentStatus.off_track, "reason": "OMB moved it up.",
                                               "next_step": "Assign two analysts.", "due_date": date(2027, 3, 15)},
                          user=user(ADMIN), version=target.version)
        before = stored()
        path = write_xlsx(tmp_path / "resent.xlsx", header, [sheet, [None, "CFO", "A new one", "not_started", None,
                                                                     None, "2027-06-30", None]])
        result = run_import(db.session, path, user_id=officer)
        assert result.status == "imported" and result.plan.counts == {"inserted": 1, "updated": 0, "unchanged": 0,
                                                                       "removed": 0}, (result.status, result.errors)
        [warning] = [w for w in result.warnings if "by its title" in w]
        assert warning.startswith(f"Conflict on row 2: commitment #{target.id} (CFO: Brief OMB on CX budget "
                                  "exhibits) was last saved by "), warning
        assert "Status: the file has 'On track'; now 'Off track'" in warning, warning
        assert "Due date: the file has '2027-04-30'; now '2027-03-15'" in warning, warning
        assert {k: v for k, v in stored().items() if k in before} == before, "the colleague's save stands"


def test_a_title_written_on_two_lines_in_the_file_is_refused_naming_its_row(demo):
    """A cell's line break (Alt+Enter) went into the title, which the web form then showed on one line."""
    officer = signed_in(demo, CFO_OFFICER)
    book, rows = sheet_rows(download(officer))
    publish_row, publish = rows[PUBLISH]
    publish["title"].value = "Publish CX spending\nin the annual financial report"
    data = book["commitments"]
    header = [c.value for c in data[1]]
    data.append([{"function": "CFO", "title": "New on\ntwo lines", "status": "on_track"}.get(name)
                 for name in header])
    with demo.app_context():
        errors = refused(book, dry_run=True)
        expected = "the title holds a line break (U+000A): a title is one line of text; remove it"
        assert errors[(publish_row, "title")] == expected
        assert errors[(data.max_row, "title")] == expected


def test_a_title_reworded_in_the_file_renames_the_commitment_it_names_by_id(demo):
    officer = signed_in(demo, CFO_OFFICER)
    book, rows = sheet_rows(download(officer))
    rows[PUBLISH][1]["title"].value = "Publish CX spending in the agency financial report"
    with demo.app_context():
        target_id = before_id(PUBLISH)
        result = run_import(db.session, io_file(book), user_id=user(CFO_OFFICER).id)
        assert result.status == "imported", result.errors
        assert result.plan.counts == {"inserted": 0, "updated": 1, "unchanged": 2, "removed": 0}
        renamed = db.session.get(Commitment, target_id)
        assert renamed.title == "Publish CX spending in the agency financial report"
        assert renamed.updates[-1].changes["title"] == [PUBLISH, renamed.title]


def test_a_leader_round_trips_the_status_and_reason_of_their_own(demo):
    leader = signed_in(demo, "leader@demo.cx.gov")
    home = leader.get("/").get_data(as_text=True)
    assert "Update the status and reason of your commitments from a spreadsheet." in home
    assert "your function's commitments" not in home, "a leader has no function"
    book, rows = sheet_rows(download(leader))
    with demo.app_context():
        own = set(db.session.scalars(sa.select(Commitment.title).where(
            Commitment.leader_id == user("leader@demo.cx.gov").leader_id)))
    assert set(rows) == own and own
    title = sorted(own)[0]
    row, cells = rows[title]
    cells["status"].value, cells["reason"].value = "at_risk", "The vendor's survey tool is late."
    with demo.app_context():
        ok = run_import(db.session, io_file(book), user_id=user("leader@demo.cx.gov").id, dry_run=True)
        assert ok.status == "would_import", ok.errors
        assert ok.plan.counts["updated"] == 1
    cells["next_step"].value = "Not a leader's to change."
    with demo.app_context():
        refused = run_import(db.session, io_file(book), user_id=user("leader@demo.cx.gov").id, dry_run=True)
        assert refused.status == "rejected"
        assert [(e["row"], e["column"]) for e in refused.errors] == [(row, "next_step")]
    cells["due_date"].value = date(2031, 1, 1)
    with demo.app_context():  # two fields a leader may not change: both named in one upload
        refused = run_import(db.session, io_file(book), user_id=user("leader@demo.cx.gov").id, dry_run=True)
        assert sorted(e["column"] for e in refused.errors) == ["due_date", "next_step"]
        assert "only the status and reason" in refused.errors[0]["message"]
    cells["status"].value = "dropped"
    with demo.app_context():  # and a status a leader may not set, in the same upload (it waited for the next one)
        refused = run_import(db.session, io_file(book), user_id=user("leader@demo.cx.gov").id, dry_run=True)
        said = {e["column"]: e["message"] for e in refused.errors}
        assert sorted(said) == ["due_date", "next_step", "status"], refused.errors
        assert "only the function's officers and administrators drop" in said["status"], said["status"]
        assert "only the status and reason" in said["due_date"]
    cells["status"].value, cells["reason"].value = "at_risk", None
    cells["leader"].value = "someone@else.gov"
    with demo.app_context():  # a name that matches nothing hid the row's other problems until the next upload
        refused = run_import(db.session, io_file(book), user_id=user("leader@demo.cx.gov").id, dry_run=True)
        said = {e["column"]: e["message"] for e in refused.errors}
        assert sorted(said) == ["due_date", "leader", "next_step", "reason"], refused.errors
        # a name matching nothing, in a field a leader may not change: that they may not, not that it is unknown
        assert "leaders may change only the status and reason of their commitments, not the leader" in said["leader"]
    cells["leader"].value, cells["due_date"].value = None, "not-a-date"
    cells["programs"].value = "Nope A; Nope B"
    with demo.app_context():  # beside a bad cell too, and once for its column however many names it holds
        refused = run_import(db.session, io_file(book), user_id=user("leader@demo.cx.gov").id, dry_run=True)
        programs = [e["message"] for e in refused.errors if e["column"] == "programs"]
        assert programs == ["leaders may change only the status and reason of their commitments, not the programs"], (
            refused.errors)


def test_a_leaders_file_changes_nothing_on_their_commitment_once_dropped(demo):
    """The web offers a leader no form on a dropped commitment, and the API refuses them: their file, downloaded
    before the drop, could still rewrite its reason."""
    from scorecard.commitments.services import drop_commitment

    leader = signed_in(demo, "leader@demo.cx.gov")
    book, rows = sheet_rows(download(leader))
    title = sorted(rows)[0]
    row, cells = rows[title]
    with demo.app_context():
        own = commitment(title)
        drop_commitment(db.session, own, "Merged into another", user=user("admin@demo.cx.gov"), version=own.version)
        now = db.session.get(Commitment, own.id).version
    cells["status"].value, cells["reason"].value = "dropped", "Mine now"
    cells["version"].value = now  # not a conflict: the file names the version as dropped
    with demo.app_context():
        refused = run_import(db.session, io_file(book), user_id=user("leader@demo.cx.gov").id, dry_run=True)
        assert refused.status == "rejected"
        assert [(e["row"], e["column"]) for e in refused.errors] == [(row, "reason")], refused.errors
        assert "only the function's officers and administrators change it" in refused.errors[0]["message"]
        assert commitment(title).reason == "Merged into another"
    cells["reason"].value, cells["note"].value = "Merged into another", "Still on it."  # a note alone: refused too
    with demo.app_context():
        refused = run_import(db.session, io_file(book), user_id=user("leader@demo.cx.gov").id, dry_run=True)
        assert [(e["row"], e["column"]) for e in refused.errors] == [(row, "note")], refused.errors
    cells["note"].value = None
    cells["status"].value = "on_track"  # taken back up: refused too, the status named as the cell has it
    with demo.app_context():
        refused = run_import(db.session, io_file(book), user_id=user("leader@demo.cx.gov").id, dry_run=True)
        assert [(e["row"], e["column"], str(e["value"])) for e in refused.errors] == [(row, "status", "on_track")]


def test_a_file_that_completes_a_commitment_leaves_its_at_risk_reason_behind_as_the_web_does(demo):
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        target = db.session.scalar(sa.select(Commitment).where(Commitment.id.in_(cfo_ids()))
                                   .order_by(Commitment.id).limit(1))
        update_commitment(db.session, target, {"status": "at_risk", "reason": "The vendor is late."},
                          user=user(CFO_OFFICER), version=target.version)
        title = target.title
    book, rows = sheet_rows(download(officer))
    row, cells = rows[title]
    assert cells["reason"].value == "The vendor is late."
    cells["status"].value = "complete"  # the reason cell left as downloaded
    with demo.app_context():
        result = run_import(db.session, io_file(book), user_id=user(CFO_OFFICER).id)
        assert result.status == "imported", result.errors
        done = commitment(title)
        assert done.status is CommitmentStatus.complete and done.reason is None
        assert done.updates[-1].changes["reason"] == ["The vendor is late.", None]


def test_a_refused_list_cell_is_named_as_written_not_as_a_python_list(demo):
    """A leader's evidence links were named in the problem as "['https://x.gov', ...]", a list as the
    program holds it; the cell is its links, as the download writes them."""
    leader = signed_in(demo, "leader@demo.cx.gov")
    book, rows = sheet_rows(download(leader))
    row, cells = rows[sorted(rows)[0]]
    cells["evidence_links"].value = "https://www.cx.gov/one\nhttps://www.cx.gov/two"
    with demo.app_context():
        refused = run_import(db.session, io_file(book), user_id=user("leader@demo.cx.gov").id, dry_run=True)
    assert [(e["row"], e["column"], e["value"]) for e in refused.errors] == [
        (row, "evidence_links", "https://www.cx.gov/one; https://www.cx.gov/two")], refused.errors


# --------------------------------------------------------------------------- in a browser


@pytest.mark.browser
def test_the_cfo_officer_round_trips_in_a_browser(demo, served, chrome, tmp_path):  # noqa: F811
    """Sign in, download my commitments, edit two cells offline, upload: the preview shows the two
    changes and the conflict of a commitment saved meanwhile; confirm saves the two."""
    import os
    import time

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from scorecard.demo import DEMO_PASSWORD

    demo.config["IMPORTS_INLINE"] = True
    shots = Path(os.environ.get("SCORECARD_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    chrome.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    wait = WebDriverWait(chrome, 30)

    chrome.get(served + "/commitments/")
    chrome.find_element(By.NAME, "email").send_keys(CFO_OFFICER)
    chrome.find_element(By.NAME, "password").send_keys(DEMO_PASSWORD)
    chrome.find_element(By.CSS_SELECTOR, "form.usa-form [type=submit]").click()
    wait.until(ec.presence_of_element_located((By.ID, "commitments")))
    button = chrome.find_element(By.ID, "download-xlsx")
    assert button.text.startswith("Download my commitments")
    chrome.save_screenshot(str(shots / "round-trip-1-list.png"))
    button.click()
    deadline = time.monotonic() + 30
    while not (found := [p for p in downloads.glob("commitments-CFO-*.xlsx")]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert found, f"nothing downloaded: {list(downloads.iterdir())}"
    time.sleep(0.5)  # the browser renames the file when it is complete

    book, rows = sheet_rows(found[0].read_bytes())
    rows[PUBLISH][1]["status"].value = "on_track"
    rows[ALIGN][1]["next_step"].value = "Ask the budget office for the HISP list."
    edited = tmp_path / "my-commitments.xlsx"
    book.save(edited)
    with demo.app_context():  # saved on the web after the download
        fund = commitment(FUND)
        update_commitment(db.session, fund, {"next_step": "Brief the CFO on the intake pilot."},
                          user=user(ADMIN), version=fund.version)

    chrome.get(served + "/imports/upload")
    chrome.find_element(By.CSS_SELECTOR, "#upload-form input[type=file]").send_keys(str(edited))
    chrome.find_element(By.CSS_SELECTOR, "#upload-form [type=submit]").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "batch-status"), "previewed"))
    changes = chrome.find_element(By.CSS_SELECTOR, "table.usa-table--striped").text
    assert "Status: Not started → On track" in changes
    assert "Next step: none → Ask the budget office for the HISP list." in changes
    conflicts = chrome.find_element(By.ID, "import-conflicts").text
    assert "1 conflict" in conflicts and FUND in conflicts and "Brief the CFO on the intake pilot." in conflicts
    chrome.save_screenshot(str(shots / "round-trip-2-preview.png"))

    chrome.find_element(By.XPATH, "//button[normalize-space()='Confirm import']").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "batch-status"), "committed"))
    chrome.save_screenshot(str(shots / "round-trip-3-committed.png"))
    with demo.app_context():
        assert commitment(PUBLISH).status is CommitmentStatus.on_track
        assert commitment(ALIGN).next_step == "Ask the budget office for the HISP list."
        assert commitment(FUND).next_step == "Brief the CFO on the intake pilot."
        assert commitment(PUBLISH).updates[-1].user_id == user(CFO_OFFICER).id
