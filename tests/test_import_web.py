"""The web import as an analyst uses it: upload ▸ preview ▸ confirm or cancel ▸ history ▸ revert,
with progress, the rejected-rows report, templates, and server-side permissions on every route."""
import csv
import html
import io
import json
import re
from datetime import UTC, datetime

import openpyxl
import pytest
import sqlalchemy as sa

from importers import jobs
from importers.revert import revert_batch
from scorecard.extensions import db
from scorecard.models import BatchStatus, ImportBatch
from tests.helpers import HEADER, ROW, csrf_token, observations, post, upload, workbook_bytes


def test_upload_preview_confirm_history_and_revert(app, analyst):
    before = observations(app)
    batch_id = upload(analyst, workbook_bytes([["Quarterly CX report"], HEADER, ROW]))
    page = analyst.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert "previewed" in page and "Confirm import" in page and "Benefits Call Center" in page
    status = analyst.get(f"/imports/{batch_id}/status").get_json()
    assert status["status"] == "previewed" and status["stage"] == "done"
    assert observations(app) == before, "a preview writes nothing"

    assert post(analyst, f"/imports/{batch_id}/confirm").status_code == 302
    assert analyst.get(f"/imports/{batch_id}/status").get_json()["status"] == "committed"
    written = analyst.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert "1 row was inserted, 0 updated, 0 unchanged" in written
    # what the preview showed, row by row, stays once written: an analyst can check what a batch changed
    assert "<caption>The change, as written</caption>" in written and "Benefits Call Center" in written
    assert "Confirm import" not in written
    assert observations(app) == before + 1
    history = analyst.get("/imports/").get_data(as_text=True)
    assert "q1.xlsx" in history and "committed" in history and f'href="/imports/{batch_id}/revert"' in history
    row = re.search(rf'<tr>\s*<td><a class="usa-link" href="/imports/{batch_id}">.*?</tr>', history, re.S).group(0)
    assert [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)][5:10] == [
        "1", "0", "0", "0", "0"], "a confirmed batch: the rows it wrote"

    asked = analyst.get(f"/imports/{batch_id}/revert")  # a revert is asked for, not done, from the list
    assert asked.status_code == 200 and observations(app) == before + 1
    words = asked.get_data(as_text=True)
    assert f"Revert batch {batch_id}?" in words and "q1.xlsx" in words and "1 row inserted, 0 updated" in words
    assert f'action="/imports/{batch_id}/revert"' in words
    assert post(analyst, f"/imports/{batch_id}/revert").status_code == 302
    assert observations(app) == before
    with app.app_context():
        assert db.session.get(ImportBatch, batch_id).status is BatchStatus.reverted
    # once reverted, its page still says what it had changed, row by row, and who uploaded, confirmed and
    # reverted it, and when (the row-by-row table went, and no page named who reverted)
    undone = html.unescape(analyst.get(f"/imports/{batch_id}").get_data(as_text=True))
    assert "<caption>The change, as written and undone since by its revert</caption>" in undone
    assert "Benefits Call Center" in undone
    trail = re.sub(r"\s+", " ", undone[undone.index('id="batch-trail"'):undone.index("</ul>", undone.index(
        'id="batch-trail"'))])
    assert re.findall(r"<li>(\w+) by ([^,<]+)", trail) == [(step, "analyst@test.gov") for step in (
        "Uploaded", "Confirmed", "Reverted")], trail


def test_cancel_discards_the_upload(app, analyst):
    batch_id = upload(analyst, workbook_bytes([HEADER, ROW]))
    with app.app_context():
        key = db.session.get(ImportBatch, batch_id).stored_path
    stored = __import__("pathlib").Path(app.config["UPLOAD_FOLDER"]) / key
    assert stored.exists()
    assert post(analyst, f"/imports/{batch_id}/cancel").status_code == 302
    with app.app_context():
        assert db.session.get(ImportBatch, batch_id).status is BatchStatus.cancelled
    assert not stored.exists()
    # the history read "cancelled … Inserted 1", of a batch that wrote nothing
    history = analyst.get("/imports/").get_data(as_text=True)
    row = re.search(rf'<tr>\s*<td><a class="usa-link" href="/imports/{batch_id}">.*?</tr>', history, re.S).group(0)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells[3] == "cancelled" and cells[5:9] == ["— (nothing written)"] * 4, cells
    assert post(analyst, f"/imports/{batch_id}/confirm").status_code == 302
    with app.app_context():
        assert db.session.get(ImportBatch, batch_id).status is BatchStatus.cancelled


def test_a_batch_still_being_read_is_not_said_to_be_past_cancelling(app, analyst):
    """Cancel asked while the preview was still being made answered "it can no longer be cancelled",
    though its preview could be cancelled a moment later; a batch being committed can no longer be."""
    from scorecard.models import User

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "analyst@demo.cx.gov"))
        reading = ImportBatch(filename="big.csv", checksum="0" * 64, user_id=user.id, status=BatchStatus.pending,
                              stage="reading")
        committing = ImportBatch(filename="q1.xlsx", checksum="1" * 64, user_id=user.id, status=BatchStatus.pending,
                                 stage="writing", preview={"changes": [], "plan": "abc"})
        db.session.add_all([reading, committing])
        db.session.commit()
        reading_id, committing_id = reading.id, committing.id
    page = post(analyst, f"/imports/{reading_id}/cancel")
    words = analyst.get(page.headers["Location"]).get_data(as_text=True)
    assert (f"Batch {reading_id} is still being read; it can be cancelled once its preview shows on this page. "
            "Nothing is written before it is confirmed.") in words and "no longer" not in words
    page = post(analyst, f"/imports/{committing_id}/cancel")
    words = analyst.get(page.headers["Location"]).get_data(as_text=True)
    assert f"Batch {committing_id} is pending; it can no longer be cancelled." in words
    with app.app_context():
        assert {db.session.get(ImportBatch, i).status for i in (reading_id, committing_id)} == {BatchStatus.pending}


def test_rejected_rows_are_shown_in_place_and_downloadable(app, analyst):
    bad = list(ROW)
    bad[3] = "FY2027-Q5"
    batch_id = upload(analyst, workbook_bytes([HEADER, ROW, bad]))
    page = analyst.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert "rejected" in page and "FY2027-Q5" in page and "Confirm import" not in page
    report = analyst.get(f"/imports/{batch_id}/errors.xlsx")
    assert report.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(report.data)).active.iter_rows(values_only=True))
    flat = [str(c) for row in rows for c in row if c is not None]
    assert any("FY2027-Q5" in c for c in flat) and any("row 3" in c.lower() or "period" in c.lower() for c in flat)


def test_a_rejected_batchs_page_shows_its_rows_without_reading_the_file_again(app, analyst, monkeypatch):
    """The job picks out the rows the page shows when it rejects the file: read again for every view, a
    million-row file with its bad row near the end took 15 s a view."""
    import importers.error_report

    bad = list(ROW)
    bad[3] = "FY2027-Q5"
    batch_id = upload(analyst, workbook_bytes([HEADER, ROW, bad]))

    def no_reading(*args, **kwargs):
        raise AssertionError("the page read the stored upload again")
    monkeypatch.setattr(importers.error_report, "read_with_header", no_reading)
    page = analyst.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert "Rejected rows as they are in the file" in page and "FY2027-Q5" in page
    assert '<td class="import-cell-error scorecard-words"><mark>FY2027-Q5</mark></td>' in page  # marked
    with app.app_context():  # the upload swept away after its days: the rows are still shown
        db.session.get(ImportBatch, batch_id).stored_path = None
        db.session.commit()
    assert "Rejected rows as they are in the file" in analyst.get(f"/imports/{batch_id}").get_data(as_text=True)


def test_a_rejected_batch_keeps_its_shown_rows_cut_to_what_a_page_shows(app, analyst):
    """150 rows of a 120,000-character cell kept 12 MB on the batch. A row refused as a whole beside a cell
    at fault (an error naming no column) is kept too."""
    from importers.error_report import ErrorReport, ErrorRow

    whole = ErrorReport(header=["program", "period"], rows=[ErrorRow(3, ["A", "x"], {None, "period"}, ["m"])])
    assert ErrorReport.from_json(whole.as_json()).rows[0].bad == {"period"}

    bad = list(ROW)
    bad[3] = "FY2027-Q5"
    bad[1] = "Benefits Call Center " + "x" * 5000
    batch_id = upload(analyst, workbook_bytes([HEADER, ROW, bad, bad]))
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert batch.status is BatchStatus.rejected and batch.preview["rejected_rows"]["rows"], batch.message
        assert len(json.dumps(batch.preview)) < 20_000
    page = analyst.get(f"/imports/{batch_id}").get_data(as_text=True)
    table = page[page.index('id="rejected-rows"'):]
    table = table[:table.index("</table>")]
    assert "x" * 400 in table and "x" * 600 not in table


def test_a_rejected_value_of_the_most_characters_a_cell_holds_is_listed_cut(app, analyst):
    """The list of problems printed a 32,767-character question (the most an xlsx cell holds) whole."""
    batch_id = upload(analyst, workbook_bytes([[*HEADER, "question_text"], [*ROW, "Q" * 32_767]]))
    page = html.unescape(analyst.get(f"/imports/{batch_id}").get_data(as_text=True))
    assert "rejected" in page and "not 32,767" in page
    assert page.count(f"{'Q' * 500}… (32,767 characters)") == 2, "in the row as it is in the file, and the problem"
    assert "Q" * 501 not in page


def test_a_preview_says_which_imports_were_confirmed_or_reverted_since_it_was_made(app, analyst):
    """A preview reopened after another import was reverted showed Before values no longer stored, without a
    word. It names the batches written since; the confirm then previews again rather than write."""
    first = upload(analyst, workbook_bytes([HEADER, ROW]), name="first.xlsx")
    post(analyst, f"/imports/{first}/confirm")
    changed = list(ROW)
    changed[-1] = 39
    changed[-2] = 41
    second = upload(analyst, workbook_bytes([HEADER, changed]), name="second.xlsx")
    page = analyst.get(f"/imports/{second}").get_data(as_text=True)
    assert 'id="since-preview"' not in page
    assert page.index('id="changes"') < page.index("</main>")
    with app.app_context():
        revert_batch(db.session, first)
    page = analyst.get(f"/imports/{second}").get_data(as_text=True)
    assert 'id="since-preview"' in page and f">batch {first}</a> was reverted" in page
    post(analyst, f"/imports/{second}/confirm")
    with app.app_context():
        again = db.session.get(ImportBatch, second)
        assert again.status is BatchStatus.previewed and again.inserted == 1, "previewed again: an insert now"
    assert 'id="since-preview"' not in analyst.get(f"/imports/{second}").get_data(as_text=True)


def test_an_empty_cell_at_fault_is_marked_as_empty(app, analyst):
    """An empty required cell was an empty mark: nothing to see where the fault is."""
    bad = list(ROW)
    bad[3] = "  "
    batch_id = upload(analyst, workbook_bytes([HEADER, bad]))
    page = analyst.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert "rejected" in page and "<mark></mark>" not in page and "<mark>  </mark>" not in page
    assert page.count('<mark><span class="text-italic">(empty)</span></mark>') == 2, "in the row, and the problem"


def test_a_cell_at_fault_of_characters_that_draw_nothing_names_them(app, analyst):
    """A cell of a zero-width space was an empty-looking mark beside "needs a value": the reader saw nothing
    there to fix."""
    from scorecard.text import nothing_shown

    assert [nothing_shown(v) for v in (None, "", "  ", "x", 3)] == ["(empty)", "(empty)", "(empty)", "", ""]
    assert nothing_shown("\u200b\u00a0") == "(only a zero width space (U+200B) and a no-break space (U+00A0))"
    assert nothing_shown("\u0301") == "(only a combining acute accent (U+0301))", "it read '(only )'"
    assert nothing_shown("\t") == "(only a tab (U+0009))"
    bad = list(ROW)
    bad[3] = "\u200b"
    batch_id = upload(analyst, workbook_bytes([HEADER, bad]))
    page = analyst.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert "rejected" in page
    assert '<mark><span class="text-italic">(only a zero width space (U+200B))</span></mark>' in page


def test_a_message_quoting_a_value_of_thousands_of_characters_quotes_its_start(app, analyst):
    """"unknown program 'PPP…'" quoted all 20,000 characters of the cell, and the rejected row's copy of the
    message was cut saying the message's length, not the cell's."""
    bad = list(ROW)
    bad[1] = "P" * 20_000
    batch_id = upload(analyst, workbook_bytes([HEADER, bad]))
    page = html.unescape(analyst.get(f"/imports/{batch_id}").get_data(as_text=True))
    assert "rejected" in page and f"{'P' * 500}… (20,000 characters)" in page
    assert "P" * 501 not in page and "(20,0" in page and "characters)" in page
    assert len(page) < 30_000


def test_same_file_twice_says_so(app, analyst):
    content = workbook_bytes([HEADER, ROW])
    first = upload(analyst, content)
    post(analyst, f"/imports/{first}/confirm")
    second = upload(analyst, content, name="copy.xlsx")
    status = analyst.get(f"/imports/{second}/status").get_json()
    assert status["status"] == "rejected" and f"already imported as batch {first}" in status["message"]
    # said so in the history and on its page, not "rejected" as a file with bad rows is
    page = analyst.get(f"/imports/{second}").get_data(as_text=True)
    assert '<strong id="batch-status">already imported (nothing changed)</strong>' in page
    assert "usa-alert--info" in page and "usa-alert--error" not in page
    history = analyst.get("/imports/").get_data(as_text=True)
    row = history[history.index("copy.xlsx"):]
    assert "already imported (nothing changed)" in row[:row.index("</tr>")]


def test_a_file_found_a_duplicate_at_its_confirm_counts_nothing_written(app, analyst):
    """Previewed twice before either was confirmed, the second file's confirm found the first had written its
    rows: it read "already imported (nothing changed)" and still "15 inserted", its preview's count."""
    def counts(batch_id):
        with app.app_context():
            batch = db.session.get(ImportBatch, batch_id)
            return batch.status, batch.duplicate, (batch.inserted, batch.updated, batch.unchanged)
    content = workbook_bytes([HEADER, ROW])
    first, second = upload(analyst, content), upload(analyst, content, name="copy.xlsx")
    assert counts(second) == (BatchStatus.previewed, False, (1, 0, 0)), "previewed: it would insert the row"
    post(analyst, f"/imports/{first}/confirm")
    post(analyst, f"/imports/{second}/confirm")
    assert counts(second) == (BatchStatus.rejected, True, (0, 0, 0))
    assert counts(first) == (BatchStatus.committed, False, (1, 0, 0))


def test_the_revert_page_of_a_batch_a_later_one_carried_says_which_to_revert_first(app, analyst):
    """The revert page of a batch whose rows a later file carried unchanged offered its button, and the revert
    was then refused at once ("not reverted: import batch 2 carried rows…"), where its own page said so."""
    first = upload(analyst, workbook_bytes([HEADER, ROW]))
    post(analyst, f"/imports/{first}/confirm")
    other = list(ROW)
    other[4] = "web"
    later = upload(analyst, workbook_bytes([HEADER, ROW, other]), name="with-web.xlsx")  # the row again, and one more
    post(analyst, f"/imports/{later}/confirm")
    page = html.unescape(analyst.get(f"/imports/{first}/revert").get_data(as_text=True))
    assert 'id="carried-by"' in page and f"carried unchanged by batch {later}." in re.sub(r"<[^>]+>", "", page)
    assert f"Revert batch {first}</button>" not in page
    own = html.unescape(analyst.get(f"/imports/{later}/revert").get_data(as_text=True))
    assert f"Revert batch {later}</button>" in own and 'id="carried-by"' not in own


def test_an_update_of_the_counts_question_or_notes_alone_says_what_it_changes(app, analyst):
    """A file that changed a stored row's answer counts (to others of the same mean), its question as asked
    or its notes, previewed the update as "4.05 (n=100)" before and after: a change that seemed to change
    nothing. The preview names what else it changes, with the stored and the new text."""
    header = [*HEADER, "question_text", "notes"]
    first = upload(analyst, workbook_bytes([header, [*ROW, "I trust the agency more", "first survey"]]))
    post(analyst, f"/imports/{first}/confirm")
    again = [*ROW[:6], 0, 15, 5, 40, 40, "This interaction increased my trust in the agency", None]
    second = upload(analyst, workbook_bytes([header, again]), name="q1-corrected.xlsx")
    page = analyst.get(f"/imports/{second}").get_data(as_text=True)
    assert "<caption>The change</caption>" in page
    assert '<td class="scorecard-words">4.05 (n=100)</td><td class="scorecard-words">4.05 (n=100)<ul' in page
    assert "<strong>answer counts</strong>: 5, 5, 10, 40, 40 → 0, 15, 5, 40, 40</li>" in page
    assert ("<strong>question as asked</strong>: \u201cI trust the agency more\u201d → "
            "\u201cThis interaction increased my trust in the agency\u201d</li>") in page
    assert "<strong>notes</strong>: \u201cfirst survey\u201d → (blank)</li>" in page


def test_the_preview_says_how_many_of_its_changes_it_lists(app, analyst):
    """The list of changes was captioned "First 1 changes" for a file of one row, and "First 200 changes"
    for one of 3,000."""
    rows = [[*ROW[:4], f"channel {i}", *ROW[5:]] for i in range(201)]
    batch_id = upload(analyst, workbook_bytes([HEADER, *rows]))
    page = analyst.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert "<caption>The first 200 of the 201 changes</caption>" in page
    batch_id = upload(analyst, workbook_bytes([HEADER, *rows[:2]]), name="two.xlsx")
    assert "<caption>The 2 changes</caption>" in analyst.get(f"/imports/{batch_id}").get_data(as_text=True)


def test_the_counts_of_rows_are_written_with_thousands_separators(app, analyst):
    """The summary said "1,001 rows would be inserted" above a table of "New rows 1001", and the history
    listed 1001."""
    rows = [[*ROW[:4], f"channel {i}", *ROW[5:]] for i in range(1001)]
    batch_id = upload(analyst, workbook_bytes([HEADER, *rows]))
    page = analyst.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert "1,001 rows would be inserted" in page and '<th scope="row">New rows</th><td>1,001</td>' in page
    assert post(analyst, f"/imports/{batch_id}/confirm").status_code == 302
    assert "<td>1,001</td><td>0</td><td>0</td><td>0</td>" in analyst.get("/imports/").get_data(as_text=True)


def test_template_download(app, analyst):
    response = analyst.get("/imports/templates/metrics.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book["data"].freeze_panes == "A2" and "program" in [c.value for c in book["data"][1]]
    assert analyst.get("/imports/templates/nonsense.xlsx").status_code == 404
    # uploaded as it comes: refused for its lack of rows, read as the layout it is ("Format: unknown" before)
    page = analyst.get(f"/imports/{upload(analyst, response.data, name='metrics.xlsx')}").get_data(as_text=True)
    assert 'Format: <strong>metrics</strong> · status: <strong id="batch-status">failed' in page
    assert '<p class="usa-alert__text">The file has a header on row 1 but no data rows below it' in page


def test_upload_without_csrf_token_is_refused(app, analyst):
    with app.app_context():
        batches = db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch))
    response = analyst.post("/imports/upload", data={"file": (io.BytesIO(workbook_bytes([HEADER, ROW])), "a.xlsx")},
                            content_type="multipart/form-data")
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == batches


@pytest.mark.parametrize("role", ["viewer", "executive"])
def test_other_roles_cannot_import(app, client_as, role):
    """Officers and leaders may upload commitments (tested below); these roles nothing at all."""
    client = client_as(role)
    for url in ("/imports/", "/imports/upload", "/imports/1", "/imports/1/status", "/imports/1/errors.xlsx",
                "/imports/templates/metrics.xlsx", "/imports/1/revert"):
        assert client.get(url).status_code == 403, url
    for url in ("/imports/1/confirm", "/imports/1/cancel", "/imports/1/revert"):
        assert client.post(url).status_code in (400, 403), url


def test_the_commitments_layout_is_offered_as_each_role_may_use_it(client_as):
    """The upload page and the templates' list named the commitments layout "bulk create and update" to a
    leader, who may change only the status and reason of the commitments that name them."""
    leader = client_as("leader")
    for page in (leader.get("/imports/upload"), leader.get("/imports/")):
        text = page.get_data(as_text=True)
        assert "Commitments (the status and reason of those that name you)" in text
        assert "bulk create" not in text
    officer = client_as("officer").get("/imports/upload").get_data(as_text=True)
    assert "Commitments (your function&#39;s: create and update in bulk)" in officer
    admin = client_as("admin").get("/imports/upload").get_data(as_text=True)
    assert "Commitments (C-suite, bulk create and update)" in admin


def test_anonymous_is_sent_to_sign_in(client):
    for url in ("/imports/", "/imports/upload", "/imports/1/status"):
        response = client.get(url)
        assert response.status_code in (302, 401) and "/auth/login" in response.headers.get("Location", "/auth/login")


def test_an_officer_uploads_commitments_and_sees_only_their_own_batches(app, analyst):
    """Officers bring in their function's commitments on the web; nothing else, nobody else's."""
    from scorecard.models import Commitment, User

    with app.app_context():
        officer = db.session.scalar(sa.select(User).where(User.email == "cfo.officer@demo.cx.gov"))
        client = app.test_client(user=officer)
    others = upload(analyst, workbook_bytes([HEADER, ROW]))
    assert client.get(f"/imports/{others}").status_code == 403
    assert client.get("/imports/templates/metrics.xlsx").status_code == 403
    template = client.get("/imports/templates/commitments.xlsx")
    assert template.status_code == 200
    lists = openpyxl.load_workbook(io.BytesIO(template.data))["lists"]
    functions = next([c.value for c in column[1:] if c.value] for column in lists.iter_cols() if column[0].value
                     == "function")
    assert functions == ["CFO"], "an officer's template offers only their function, the one the import takes"
    page = client.get("/imports/upload").get_data(as_text=True)
    assert "Commitments" in page and "Metrics (canonical" not in page
    assert 'name="touchpoint"' not in page and 'name="trust_scale"' not in page, "no Touchpoints fields to fill"
    assert 'name="touchpoint"' in analyst.get("/imports/upload").get_data(as_text=True)
    assert "scorecard template metrics" not in client.get("/imports/").get_data(as_text=True), (
        "no command line, and no metrics, for an officer")
    assert "Upload your function&#39;s commitments" in client.get("/").get_data(as_text=True)

    commitments = workbook_bytes([["Function", "Title", "Status", "Reason"],
                                  ["CFO", "Publish CX budget alignment", "on_track", None]])
    with app.app_context():
        batches = db.session.scalar(sa.select(sa.func.count(ImportBatch.id)))
    token = csrf_token(page)
    refused = client.post("/imports/upload", data={"csrf_token": token, "format": "metrics",
                                                   "file": (io.BytesIO(commitments), "mine.xlsx")},
                          content_type="multipart/form-data")  # a made request: the page offers no such choice
    said = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400, "the layout chosen is refused, not swapped for commitments unsaid"
    assert ("Your role does not upload “Metrics (canonical long layout)” files; it uploads “Commitments (your "
            "function's: create and update in bulk)”.") in said
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ImportBatch.id))) == batches, "nothing was stored"
    mine = upload(client, commitments)
    assert client.get(f"/imports/{mine}/status").get_json()["status"] == "previewed"
    assert post(client, f"/imports/{mine}/confirm").status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Commitment).where(Commitment.title == "Publish CX budget alignment"))
    history = client.get("/imports/").get_data(as_text=True)
    assert f"/imports/{mine}\"" in history and f"/imports/{others}\"" not in history

    theirs = upload(client, workbook_bytes([["Function", "Title", "Status", "Reason"],
                                            ["CIO", "Not my function", "on_track", None]]))
    status = client.get(f"/imports/{theirs}/status").get_json()
    assert status["status"] == "rejected"
    assert "only for their own function (CFO)" in client.get(f"/imports/{theirs}").get_data(as_text=True)


@pytest.mark.parametrize("answering", [True, False])
def test_a_revert_evaluates_the_findings_again_in_the_background_redis_or_not(app, analyst, monkeypatch,
                                                                                      answering):
    from scorecard import dispatch
    from scorecard.rules import tasks

    batch_id = upload(analyst, workbook_bytes([HEADER, ROW]))
    assert post(analyst, f"/imports/{batch_id}/confirm").status_code == 302
    app.config["EVALUATIONS_INLINE"] = False  # as served
    ran = []
    monkeypatch.setitem(dispatch.TASKS, "rules.evaluate", lambda app_, **kwargs: ran.append(kwargs))
    if not answering:
        def refused(*args, **kwargs):
            raise dispatch.NotQueued("The job could not be queued: the job service (Redis) is not answering.")
        monkeypatch.setattr(tasks, "dispatch", refused)
    page = analyst.post(f"/imports/{batch_id}/revert", data={"csrf_token": _token(analyst)},
                        follow_redirects=True).get_data(as_text=True)
    dispatch.drain()
    assert f"Batch {batch_id} reverted" in page
    if answering:
        assert "being evaluated again in the background" in page and "usa-alert--success" in page
        assert [sorted(kwargs) for kwargs in ran] == [["gathered", "job"]], "one job, for what waits"
        asked = tasks.waiting(app).take()
        assert asked is not None and asked.touched and "the revert of import batch" in asked.reason, (
            "the revert's subjects wait for the job")
    else:
        # the server's own threads evaluate the revert's subjects: nothing else would
        assert "being evaluated again in the background" in page and "usa-alert--success" in page
        assert [sorted(kwargs) for kwargs in ran] == [["reason", "touched"]] and ran[0]["touched"]


def _token(client) -> str:
    from tests.helpers import csrf_token

    return csrf_token(client.get("/imports/").get_data(as_text=True))


def test_a_running_batch_shows_its_progress_against_the_known_total_and_a_failed_one_no_endless_detecting(
        app, analyst):
    import re

    from scorecard.models import User

    with app.app_context():
        owner = db.session.scalar(sa.select(User.id).where(User.role == "analyst"))
        running = ImportBatch(filename="big.csv", checksum="a" * 64, user_id=owner, status=BatchStatus.pending,
                              stage="validating", progress=40_000, total_rows=120_000)
        failed = ImportBatch(filename="odd.bin", checksum="b" * 64, user_id=owner, status=BatchStatus.failed,
                             message="The file is not a spreadsheet.")
        chosen = ImportBatch(filename="fake.xlsx", checksum="c" * 64, user_id=owner, status=BatchStatus.failed,
                             message="The file is not a spreadsheet.", options={"format": "metrics"})
        db.session.add_all([running, failed, chosen])
        db.session.commit()
        running_id, failed_id, chosen_id = running.id, failed.id, chosen.id
    page = analyst.get(f"/imports/{running_id}").get_data(as_text=True)
    assert re.search(r'<progress id="progress-bar" max="120000" value="40000">', page), "a bar that moves"
    assert 'rows read: <span id="progress-rows">40,000</span> of 120,000' in page and 'aria-live="polite"' in page
    state = analyst.get(f"/imports/{running_id}/status").get_json()
    assert (state["stage"], state["rows"], state["total"]) == ("validating", 40_000, 120_000)
    page = analyst.get(f"/imports/{failed_id}").get_data(as_text=True)
    assert "detecting" not in page and "Format: <strong>unknown</strong>" in page
    page = analyst.get(f"/imports/{chosen_id}").get_data(as_text=True)
    assert "Format: <strong>metrics (as chosen; the file could not be read)</strong>" in page, "not 'unknown'"
    assert "<td>metrics (as chosen; the file could not be read)</td>" in analyst.get("/imports/").get_data(
        as_text=True), "and so in the history, where its cell was empty"



def test_the_preview_names_the_columns_it_does_not_read(app, analyst):
    """A column no layout names (its respondents, a commentary) and values under no header are not
    imported: the page says so before the analyst confirms, as the command line and the API do."""
    header = [*HEADER, "Respondents (n)", "Commentary", None]
    row = [*ROW, 100, "asked at the counter", None, "stray"]
    batch_id = upload(analyst, workbook_bytes([header, row]))
    page = analyst.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert "Read before confirming" in page
    assert "no column of the" in page and "\u201cRespondents (n)\u201d, \u201cCommentary\u201d" in page
    assert ("A column without a header holds values, which are not imported: O (first on row 2). If they should be, "
            "give it the layout" in page)
    refused = upload(analyst, workbook_bytes([header, [*ROW[:2], "no such metric", *ROW[3:], 100, "x", None, "y"]]))
    page = analyst.get(f"/imports/{refused}").get_data(as_text=True)
    assert "rejected" in page and "no column of the" in page
    assert "Read before confirming" not in page and "Also noticed in the file" in page, "nothing to confirm"


def test_a_long_list_of_problems_says_how_much_of_it_the_page_shows(app, analyst):
    bad = list(ROW)
    bad[3] = "the third quarter"
    batch_id = upload(analyst, workbook_bytes([HEADER] + [bad] * 600))
    page = analyst.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert "The first 500 of the 600 problems kept: row, column, value, message (the download lists all 600)" in page
    assert page.count('class="import-error"') == 500


def test_the_preview_of_other_records_heads_its_columns_for_them(app, analyst, client_as):
    """A targets or commitments preview was headed Metric, Subject, Period, Channel, Touchpoint (the
    observations' columns), two of them always empty."""
    import re

    targets = workbook_bytes([["Metric", "Scope type", "Scope", "Fiscal year", "Target", "Green threshold",
                               "Amber threshold"], ["ease", "program", "Disaster Helpline", "FY2028", 4, 4, 3.6]])
    observations_page = analyst.get(f"/imports/{upload(analyst, workbook_bytes([HEADER, ROW]))}").get_data(as_text=True)
    targets_page = analyst.get(f"/imports/{upload(analyst, targets, name='targets.xlsx')}").get_data(as_text=True)

    def heads(page: str) -> list[str]:
        table = page[page.index("<caption>The "):]
        return re.findall(r'<th scope="col">([^<]+)</th>', table[:table.index("</thead>")])

    assert heads(observations_page) == ["Row", "Change", "Metric", "Subject", "Period", "Channel", "Touchpoint",
                                        "Before", "After"]
    assert heads(targets_page) == ["Row", "Change", "Record", "Name", "Fiscal year", "Before", "After"]
    row = re.search(r"<tr><td>2</td><td>insert</td>\s*<td>([^<]*)</td><td[^>]*>([^<]*)</td><td>([^<]*)</td>",
                    targets_page)
    assert row and row.group(1) == "target ease" and "Disaster Helpline" in row.group(2) and row.group(3) == "FY2028"
    commitments = workbook_bytes([["Function", "Commitment", "Status", "Reason", "Due date"],
                                  ["CFO", "Publish the CX spend plan", "on track", None, "2027-03-31"]])
    admin = client_as("admin")
    commitments_page = admin.get(f"/imports/{upload(admin, commitments, name='c.xlsx')}").get_data(as_text=True)
    assert heads(commitments_page) == ["Row", "Change", "Record", "Name", "Before", "After"], "no year to show"


def test_a_revert_runs_in_the_background_shows_itself_under_way_then_says_what_it_did(app, analyst, monkeypatch):
    """A large batch takes longer to revert than a proxy waits for an answer: the revert is a job, its
    batch's page and the history say it is under way (no second revert offered or started), and the
    page then keeps what it did."""
    from importers import jobs
    from scorecard import dispatch

    before = observations(app)
    batch_id = upload(analyst, workbook_bytes([HEADER, ROW]))
    assert post(analyst, f"/imports/{batch_id}/confirm").status_code == 302
    app.config["IMPORTS_INLINE"] = False  # as served
    started = []
    monkeypatch.setitem(dispatch.TASKS, "import.revert", lambda app_, **kwargs: started.append(kwargs))

    answer = post(analyst, f"/imports/{batch_id}/revert")
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/imports/{batch_id}")
    assert len(started) == 1 and started[0]["batch_id"] == batch_id
    dispatch.drain()
    status = analyst.get(f"/imports/{batch_id}/status").get_json()
    assert status["working"] and status["stage"] == "reverting" and status["status"] == "committed"
    page = analyst.get(f"/imports/{batch_id}").get_data(as_text=True)
    with app.app_context():
        counted = db.engine.dialect.name != "sqlite"  # SQLite: the revert holds the database; counted at its end
    if counted:
        assert 'Reverting: <span id="progress-rows">0</span> of 1 row undone so far' in page
    else:  # a bar at 0 for the whole revert read as a hang: it says why it cannot count, and does not move
        assert ("Reverting 1 row" in page and "this database counts the rows undone only when the revert is "
                "complete" in page and 'data-uncounted' in page and '<progress id="progress-bar"></progress>' in page)
    assert "Revert this import" not in page
    history = analyst.get("/imports/").get_data(as_text=True)
    assert "reverting…" in history and f'href="/imports/{batch_id}/revert"' not in history
    again = post(analyst, f"/imports/{batch_id}/revert")
    assert len(started) == 1, "a revert under way is not started twice"
    assert "is being reverted already" in analyst.get(again.headers["Location"]).get_data(as_text=True)
    assert observations(app) == before + 1, "nothing is removed until the job runs"

    with app.app_context():
        user_id = db.session.get(ImportBatch, batch_id).user_id
    dispatch.TASKS["import.revert"] = jobs._revert
    # Between the revert's commit and the job's record of what it did, the batch reads "reverted": the page
    # still waits (it reloaded then, and said nothing of what the revert did).
    seen, over = [], jobs._revert_over
    monkeypatch.setattr(jobs, "_revert_over", lambda *a: (seen.append(analyst.get(
        f"/imports/{batch_id}/status").get_json()), over(*a)))
    jobs._revert(app, batch_id=batch_id, user_id=user_id)
    assert [(s["status"], s["working"], s["stage"]) for s in seen] == [("reverted", True, "reverting")]
    assert observations(app) == before
    status = analyst.get(f"/imports/{batch_id}/status").get_json()
    assert not status["working"] and status["status"] == "reverted"
    page = analyst.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert f"Batch {batch_id} reverted: 1 row removed, 0 restored." in page and 'id="revert-outcome"' in page
    assert "Reverting:" not in page


def test_a_revert_whose_job_died_can_be_asked_again_and_a_refused_one_says_why_on_the_page(app, analyst):
    from datetime import timedelta

    from importers import jobs

    first = upload(analyst, workbook_bytes([HEADER, ROW]))
    assert post(analyst, f"/imports/{first}/confirm").status_code == 302
    with app.app_context():  # a revert claimed long ago whose server stopped: its transaction rolled back
        batch = db.session.get(ImportBatch, first)
        batch.stage, batch.heartbeat_at = jobs.REVERTING, batch.committed_at - timedelta(days=1)
        db.session.commit()
    assert not analyst.get(f"/imports/{first}/status").get_json()["working"]
    assert "Revert this import" in analyst.get(f"/imports/{first}").get_data(as_text=True)

    changed = [*ROW[:-2], 30, 50]  # the same observation, other answers: the later batch updates the row
    later = upload(analyst, workbook_bytes([HEADER, changed]), name="later.xlsx")
    assert post(analyst, f"/imports/{later}/confirm").status_code == 302
    assert post(analyst, f"/imports/{first}/revert").status_code == 302
    page = analyst.get(f"/imports/{first}").get_data(as_text=True)
    assert f"Batch {first} was not reverted: later import batch {later} changed rows" in page
    assert "usa-alert--error" in page and "Revert this import" in page
    with app.app_context():
        batch = db.session.get(ImportBatch, first)
        assert batch.status is BatchStatus.committed and batch.stage is None
        from importers.revert import revert_batch  # then reverted another way: the later batch, then this one

        revert_batch(db.session, later)
        revert_batch(db.session, first)
    page = analyst.get(f"/imports/{first}").get_data(as_text=True)
    assert "status: <strong id=\"batch-status\">reverted" in page and "was not reverted" not in page, (
        "a refusal no longer true is not shown")


def test_a_revert_job_delivered_again_after_it_ran_changes_nothing_and_says_nothing(app, analyst):
    from importers import jobs

    batch_id = upload(analyst, workbook_bytes([HEADER, ROW]))
    assert post(analyst, f"/imports/{batch_id}/confirm").status_code == 302
    assert post(analyst, f"/imports/{batch_id}/revert").status_code == 302
    with app.app_context():
        said = db.session.get(ImportBatch, batch_id).preview[jobs.REVERT_OUTCOME]
    jobs._revert(app, batch_id=batch_id, user_id=None)  # the broker hands the task out again
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert batch.status is BatchStatus.reverted and batch.preview[jobs.REVERT_OUTCOME] == said
    page = analyst.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert f"Batch {batch_id} reverted: 1 row removed" in page and "was not reverted" not in page


def test_a_committed_batch_that_wrote_no_rows_offers_no_revert(app, analyst):
    """Every row a conflict, or carried unchanged: reverting it would undo nothing."""
    batch_id = upload(analyst, workbook_bytes([HEADER, ROW]))
    assert post(analyst, f"/imports/{batch_id}/confirm").status_code == 302
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        batch.inserted = batch.updated = 0
        db.session.commit()
    page = analyst.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert "This import wrote no rows, so there is nothing to revert." in page and "Revert this import" not in page
    assert f'href="/imports/{batch_id}/revert"' not in analyst.get("/imports/").get_data(as_text=True)


def test_a_batch_that_only_carried_another_batchs_rows_offers_the_revert_that_batch_waits_for(app, analyst):
    """The same rows again, in another file, change nothing; reverting the first batch waits for the
    second, whose page said there was nothing to revert and whose history row had no link: a dead end."""
    first = upload(analyst, workbook_bytes([HEADER, ROW]))
    assert "changes-nothing" not in analyst.get(f"/imports/{first}").get_data(as_text=True)
    assert post(analyst, f"/imports/{first}/confirm").status_code == 302
    again = upload(analyst, workbook_bytes([["The same rows, another copy"], HEADER, ROW]), name="again.xlsx")
    preview = analyst.get(f"/imports/{again}").get_data(as_text=True)
    assert "Confirming changes no data:</strong> every row is unchanged." in preview, "said before it is confirmed"
    assert post(analyst, f"/imports/{again}/confirm").status_code == 302
    with app.app_context():
        batch = db.session.get(ImportBatch, again)
        assert (batch.status, batch.inserted, batch.updated, batch.unchanged) == (BatchStatus.committed, 0, 0, 1)
    page = analyst.get(f"/imports/{again}").get_data(as_text=True)
    assert "nothing to revert" not in page and f'href="/imports/{again}/revert"' in page
    assert f'carried rows of <a class="usa-link" href="/imports/{first}">batch {first}</a> unchanged' in page
    assert f'href="/imports/{again}/revert"' in analyst.get("/imports/").get_data(as_text=True)
    assert f"carried rows of batch {first} unchanged" in analyst.get(f"/imports/{again}/revert").get_data(as_text=True)
    page = analyst.get(f"/imports/{first}").get_data(as_text=True)
    link = f'<a class="usa-link" href="/imports/{again}">batch {again}</a>'
    assert f"carried unchanged by {link}: revert it first" in page

    assert post(analyst, f"/imports/{first}/revert").status_code == 302
    refused = analyst.get(f"/imports/{first}").get_data(as_text=True)
    assert f"import batch {again} carried rows of batch {first} unchanged" in refused
    # each batch named (the CLI's and the flash's "reverting it … revert it first" meant two batches)
    assert f"Revert batch {again} first, then batch {first}; nothing was reverted" in refused
    before = observations(app)
    assert post(analyst, f"/imports/{again}/revert").status_code == 302
    assert post(analyst, f"/imports/{first}/revert").status_code == 302
    with app.app_context():
        assert [db.session.get(ImportBatch, b).status for b in (first, again)] == [BatchStatus.reverted] * 2
    assert observations(app) == before - 1


def test_a_commit_run_in_the_background_is_audited_with_the_client_that_confirmed_it(app, analyst):
    """The commit's audit event is written by a job (the server's threads, or a Celery worker): it names
    the address and browser of the confirm request, as the upload's own event does."""
    from scorecard import dispatch
    from scorecard.models import AuditEvent

    analyst.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (confirming analyst)"
    batch_id = upload(analyst, workbook_bytes([HEADER, ROW]))
    app.config["IMPORTS_INLINE"] = False  # as served: the confirm starts a job
    assert post(analyst, f"/imports/{batch_id}/confirm").status_code == 302
    dispatch.drain()
    with app.app_context():
        events = {e.action: e for e in db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.entity_type == "import_batch", AuditEvent.entity_id == batch_id))}
        assert db.session.get(ImportBatch, batch_id).status is BatchStatus.committed
    for action in ("import.upload", "import.commit"):
        assert (events[action].client_address, events[action].user_agent) == (
            "127.0.0.1", "Mozilla/5.0 (confirming analyst)"), action


def test_a_celery_task_runs_with_the_client_it_was_queued_with(app, monkeypatch):
    """A queued task carries the request's client; one queued before it did (no argument) runs as before."""
    from scorecard import dispatch
    from scorecard.models.audit import request_client

    seen = []
    monkeypatch.setitem(dispatch.TASKS, "test.client", lambda app_, **kwargs: seen.append((kwargs, request_client())))
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # never reached: the task is called here, not sent
    instance = dispatch._make_celery(app)
    instance.tasks["test.client"](batch_id=3, _client=["203.0.113.9", "Mozilla/5.0"])
    instance.tasks["test.client"](batch_id=4)
    assert seen == [({"batch_id": 3}, ("203.0.113.9", "Mozilla/5.0")), ({"batch_id": 4}, (None, None))]


def test_a_rejected_file_whose_rows_cannot_be_picked_out_stays_rejected(app, analyst, monkeypatch):
    """Picking out the page's rows is a courtesy of the job: when it fails the file is still rejected (not
    "failed unexpectedly"), and its page reads the rows when opened."""
    import importers.jobs

    def broken(*args, **kwargs):
        raise RuntimeError("a reader fault")
    monkeypatch.setattr(importers.jobs, "page_report", broken)
    bad = list(ROW)
    bad[3] = "FY2027-Q5"
    batch_id = upload(analyst, workbook_bytes([HEADER, ROW, bad]))
    with app.app_context():
        assert db.session.get(ImportBatch, batch_id).status is BatchStatus.rejected
    assert "Rejected rows as they are in the file" in analyst.get(f"/imports/{batch_id}").get_data(as_text=True)


@pytest.mark.parametrize("name", ["q1.xlsx", "q1.csv"])
def test_a_row_of_spaces_is_a_blank_row_not_a_row_missing_its_values(app, analyst, name):
    """A separator row of spaces, a tab, non-breaking or zero-width spaces was read as a row naming no program,
    no period and no value (three problems, the file rejected); it is left out as an empty row is."""
    spaces = [" ", "\t", "\u00a0", "\u2003 \u200b", "", "\u3000"] + [None] * (len(HEADER) - 6)
    rows = [HEADER, ROW, spaces, [" "] * len(HEADER), ROW[:2] + ["satisfaction"] + ROW[3:]]
    if name.endswith(".csv"):
        text = io.StringIO()
        csv.writer(text).writerows([["" if v is None else v for v in row] for row in rows])
        content = text.getvalue().encode("utf-8")
    else:
        content = workbook_bytes(rows)
    before = observations(app)
    batch_id = upload(analyst, content, name=name)
    status = analyst.get(f"/imports/{batch_id}/status").get_json()
    assert status["status"] == "previewed", status
    page = analyst.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert "names neither" not in page and "the period is missing" not in page
    assert post(analyst, f"/imports/{batch_id}/confirm").status_code == 302
    assert "2 rows were inserted, 0 updated, 0 unchanged" in analyst.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert observations(app) == before + 2


def test_an_upload_no_worker_could_take_says_so_once_and_not_that_the_file_could_not_be_read(app, analyst,
                                                                                             monkeypatch):
    """With the job service down, the batch page said "could not be queued" twice (a message above the page and
    the batch's own) and its format "metrics (as chosen; the file could not be read)", of a file never read."""
    from scorecard import dispatch

    def refused(*args, **kwargs):
        raise dispatch.NotQueued("The job could not be queued: the job service (Redis) is not answering. Nothing "
                                 "was changed; try again in a few minutes.")
    monkeypatch.setattr(jobs, "dispatch", refused)
    before = observations(app)
    batch_id = upload(analyst, workbook_bytes([HEADER, ROW]), format="metrics")
    page = html.unescape(analyst.get(f"/imports/{batch_id}").get_data(as_text=True))
    assert page.count("The job could not be queued") == 1, page
    assert "Format: <strong>metrics (as chosen; the file was not read)</strong>" in page
    with app.app_context():
        assert db.session.get(ImportBatch, batch_id).status is BatchStatus.failed
    assert observations(app) == before, "nothing written: the file was never read"


def test_the_import_history_pages_through_every_batch(app, analyst):
    """The history listed the newest 200 batches and nothing said more existed: a quarter's burst of uploads put
    the committed batches before it (and their reverts) out of reach. It lists every batch, 100 a page."""
    from importers import access
    from importers.web.routes import HISTORY_PAGE
    from scorecard.models import User

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.role == "analyst"))
        db.session.add_all([ImportBatch(filename=f"q{k}.csv", checksum=f"{k:064d}", user_id=user.id, format="metrics",
                                        status=BatchStatus.committed) for k in range(2 * HISTORY_PAGE + 5)])
        db.session.commit()
        allowed = access.uploadable(user)
        ids = list(db.session.scalars(sa.select(ImportBatch.id).where(
            sa.or_(ImportBatch.format.in_(allowed), ImportBatch.format.is_(None))).order_by(ImportBatch.id.desc())))
    pages = -(-len(ids) // HISTORY_PAGE)
    assert pages >= 3
    listed = []
    for number in range(1, pages + 1):
        page = analyst.get(f"/imports/?page={number}").get_data(as_text=True)
        assert f"{len(ids):,} batches, newest first; page {number} of {pages}" in page
        listed += [int(found) for found in re.findall(r'<td><a class="usa-link" href="/imports/(\d+)">', page)]
        assert 'aria-label="Pages of the import history"' in page
    assert listed == ids, "every batch once, newest first"
    assert f"page {pages} of {pages}" in analyst.get("/imports/?page=9999").get_data(as_text=True), "the last"
    assert f"page 1 of {pages}" in analyst.get("/imports/?page=x").get_data(as_text=True)
    with app.app_context():  # a batch dated when its file came (the demo's, backdated) is not newer for its id
        old = ImportBatch(filename="old.csv", checksum="f" * 64, user_id=user.id, format="metrics",
                          status=BatchStatus.committed, created_at=datetime(2020, 1, 1, tzinfo=UTC))
        db.session.add(old)
        db.session.commit()
        old_id = old.id
    first = analyst.get("/imports/").get_data(as_text=True)
    assert int(re.search(r'<td><a class="usa-link" href="/imports/(\d+)">', first).group(1)) == ids[0]
    last = analyst.get("/imports/?page=9999").get_data(as_text=True)
    assert re.findall(r'<td><a class="usa-link" href="/imports/(\d+)">', last)[-1] == str(old_id)


def test_a_file_of_another_kind_is_taken_and_said_what_it_is(app, analyst):
    """The file input listed the kinds it takes (accept): USWDS's input then refused a PDF on the screen alone,
    announced nothing, and Upload said "Choose a spreadsheet to upload." of a file that was chosen. The server
    takes any file, tells it by its content and says what it is."""
    form = analyst.get("/imports/upload").get_data(as_text=True)
    field = re.search(r'<input[^>]*type="file"[^>]*>', form).group()
    assert "accept=" not in field, field
    batch_id = upload(analyst, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", name="minutes.pdf")
    page = html.unescape(analyst.get(f"/imports/{batch_id}").get_data(as_text=True))
    assert "a PDF document, not a spreadsheet" in page, page[page.find("batch-message"):][:400]
